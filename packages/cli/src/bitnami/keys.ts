import {
  BadInputError,
  BitnamiKeyring,
  CertificateExpiredError,
  decodeBitnamiKeyBackup,
  decodeBitnamiPrivateKeysPem,
  decodePrivateKeysPem,
  Keyring,
  parseBitnamiCertificate,
  type BitnamiCertificate,
} from '@sealkit/core';
import { ExitError, UsageError } from '../errors.js';
import { toExitError, withContext } from '../to-exit-error.js';
import { readUserFile } from '../files/user-files.js';
import { parseManifests } from '../input/manifests.js';

/**
 * Key material for Bitnami SealedSecrets on the command line: the certificate to seal to
 * (`seal --format bitnami --cert FILE`) and private keys to open with (`unseal --key FILE`),
 * which may be sealkit X25519 keys and Bitnami keys in any mix.
 */

/** Reads the Bitnami certificate to seal to. Like kubeseal: one certificate, refused when expired. */
export async function readBitnamiCert(certs: readonly string[], now?: Date): Promise<BitnamiCertificate> {
  if (certs.length === 0) {
    throw new UsageError('--cert is required: sealing in the Bitnami format needs the controller certificate', {
      hint: 'kubeseal --fetch-cert > bitnami.pem (or curl .../v1/cert.pem), then pass --cert bitnami.pem',
    });
  }
  if (certs.length > 1) {
    throw new UsageError('--format bitnami seals to one certificate; --cert was given more than once', {
      hint: 'Bitnami values have a single recipient; use the sealkit format for several recipients',
    });
  }
  const path = certs[0] as string;
  const pem = (await readUserFile(path, '--cert')).toString('utf8');
  try {
    return parseBitnamiCertificate(pem, now ? { now } : {});
  } catch (err) {
    if (err instanceof CertificateExpiredError) {
      throw new ExitError(`--cert ${path}: ${err.message}`, { cause: err });
    }
    throw toExitError(err, `--cert ${path}`);
  }
}

/** Private keys for `unseal`: sealkit keys and Bitnami keys, each file holding either. */
export interface UnsealKeys {
  readonly sealkit: Keyring;
  readonly bitnami: BitnamiKeyring;
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;
const PUBLIC_ONLY = /-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/;
const PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Loads `--key FILE`s: a sealkit private key (PKCS#8 X25519 PEM), a Bitnami private key (PEM
 * `RSA PRIVATE KEY` / PKCS#8 RSA, i.e. tls.key), or a Bitnami key Secret / v1 List backup in
 * YAML or JSON (`kubectl get secret -n kube-system -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`).
 */
export async function loadUnsealKeys(paths: readonly string[]): Promise<UnsealKeys> {
  if (paths.length === 0) {
    throw new UsageError('--key is required: unsealing offline needs a private key', {
      hint: 'pass --key sealkit.key (sealkit keygen), or for Bitnami SealedSecrets the controller key backup (a key Secret, a v1 List of them, or tls.key)',
    });
  }
  const sealkit = new Keyring();
  const bitnami = new BitnamiKeyring();
  for (const path of paths) {
    const text = (await readUserFile(path, '--key')).toString('utf8');
    const what = `--key ${path}`;
    if (PEM.test(text)) {
      if (PUBLIC_ONLY.test(text) && !PRIVATE.test(text)) {
        throw new ExitError(`${what}: this is a public key or certificate; unsealing needs the private key`, {
          hint: 'pass sealkit.key, or the Bitnami key Secret backup / its tls.key',
        });
      }
      let added = false;
      try {
        for (const pair of decodePrivateKeysPem(text)) sealkit.add(pair);
        added = true;
      } catch (err) {
        if (!(err instanceof BadInputError)) throw err;
      }
      if (!added) for (const key of withContext(what, () => decodeBitnamiPrivateKeysPem(text, 'the file'))) bitnami.add(key);
      continue;
    }
    // Not PEM: a key Secret or a List of them (YAML or JSON).
    const objects = parseManifests(text, path).map((o) => o.value);
    for (const key of withContext(what, () => decodeBitnamiKeyBackup(objects))) bitnami.add(key);
  }
  return { sealkit, bitnami };
}
