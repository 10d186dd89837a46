import { decodePrivateKeysPem, decodePublicKeysPem, keyId, Keyring } from '@sealkit/core';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import type { ClusterFlags } from '../cluster/options.js';
import { readUserFile } from '../files/user-files.js';

/** Where the public keys to seal to come from: `--cert` files or URLs, else the cluster. */
export interface RecipientOptions {
  /** `--cert FILE|https://URL`, repeatable; a file may hold several public keys. */
  certs: readonly string[];
  /** Without --cert, fetch the active key from this cluster; when absent, --cert is required. */
  cluster?: ClusterFlags | undefined;
}

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Reads public keys from one `--cert` file, refusing a private key outright. */
export async function readCertFile(path: string): Promise<Uint8Array[]> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
  const pem = isUrl
    ? await (await import('../cluster/cert-url.js')).fetchCertUrl(path)
    : (await readUserFile(path, '--cert')).toString('utf8');
  // A URL may carry credentials (https://user:pw@host/...): never in a message.
  if (isUrl) path = path.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  // Checked here, before any parsing, so the refusal never depends on how the PEM is malformed.
  if (PRIVATE_KEY_PEM.test(pem)) {
    throw new ExitError(`--cert ${path}: this is a private key; it must stay in the cluster`, {
      hint: 'pass the public key, sealkit.pub',
    });
  }
  return withContext(`--cert ${path}`, () => decodePublicKeysPem(pem));
}

/**
 * The public keys a value is sealed to: each cluster, plus any recovery key. Duplicates
 * (the same key in two files) are dropped. Without `--cert`, the active key of the cluster
 * (`options.cluster`) is fetched; the cluster code is loaded only then.
 */
export async function resolveRecipients(options: RecipientOptions): Promise<Uint8Array[]> {
  if (options.certs.length === 0) {
    const hint = 'pass --cert sealkit.pub; repeat --cert to seal for several clusters or a recovery key';
    if (options.cluster === undefined) {
      throw new UsageError('--cert is required: sealing offline needs the public key of the cluster', { hint });
    }
    const { clusterCert } = await import('../cluster/session.js');
    const { NoClusterError } = await import('../cluster/kubeconfig.js');
    try {
      return (await clusterCert(options.cluster)).keys.slice(0, 1);
    } catch (err) {
      if (err instanceof NoClusterError) {
        throw new UsageError(`--cert is required when no cluster is configured (${err.message})`, { hint: `${hint}, or --kubeconfig FILE`, cause: err });
      }
      throw err;
    }
  }
  const byId = new Map<string, Uint8Array>();
  for (const path of options.certs) {
    for (const key of await readCertFile(path)) byId.set(keyId(key), key);
  }
  return [...byId.values()];
}

const PUBLIC_KEY_PEM = /-----BEGIN PUBLIC KEY-----/;

/** Loads `--key FILE` private keys (each file may hold several) into a keyring. */
export async function loadKeyring(paths: readonly string[]): Promise<Keyring> {
  if (paths.length === 0) {
    throw new UsageError('--key is required: unsealing offline needs a private key', {
      hint: 'pass --key sealkit.key, the private key written by sealkit keygen',
    });
  }
  const keyring = new Keyring();
  for (const path of paths) {
    const pem = (await readUserFile(path, '--key')).toString('utf8');
    if (PUBLIC_KEY_PEM.test(pem) && !PRIVATE_KEY_PEM.test(pem)) {
      throw new ExitError(`--key ${path}: this is a public key; unsealing needs the private key`, {
        hint: 'pass the private key file sealkit.key, not sealkit.pub',
      });
    }
    for (const pair of withContext(`--key ${path}`, () => decodePrivateKeysPem(pem))) keyring.add(pair);
  }
  return keyring;
}
