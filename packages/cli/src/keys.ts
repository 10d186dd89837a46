import { decodePrivateKeysPem, decodePublicKeysPem, keyId, Keyring } from '@sealkit/core';
import { ExitError, UsageError, withContext } from './errors.js';
import { readUserFile } from './files.js';

/** Where the public keys to seal to come from. Only `--cert` files for now. */
export interface RecipientOptions {
  /** `--cert FILE`, repeatable; a file may hold several public keys. */
  certs: readonly string[];
}

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Reads public keys from one `--cert` file, refusing a private key outright. */
export async function readCertFile(path: string): Promise<Uint8Array[]> {
  const pem = (await readUserFile(path, '--cert')).toString('utf8');
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
 * (the same key in two files) are dropped. Offline, `--cert` is required; fetching the
 * certificate from a cluster will be added here.
 */
export async function resolveRecipients(options: RecipientOptions): Promise<Uint8Array[]> {
  if (options.certs.length === 0) {
    throw new UsageError('--cert is required: sealing offline needs the public key of the cluster', {
      hint: 'pass --cert sealkit.pub; repeat --cert to seal for several clusters or a recovery key',
    });
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
