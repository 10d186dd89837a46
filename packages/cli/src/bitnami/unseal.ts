import {
  BITNAMI_API_VERSION,
  SealkitError,
  Unsealer,
  unsealBitnamiSealedSecret,
  unsealSealedSecret,
  type SealedSecretManifest,
  type SecretManifest,
} from '@sealkit/core';
import { ExitError } from '../errors.js';
import { toExitError } from '../to-exit-error.js';
import type { UnsealKeys } from './keys.js';

/** True for a `bitnami.com/v1alpha1` object. */
export function isBitnamiObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === BITNAMI_API_VERSION;
}

const BITNAMI_HINTS: Readonly<Record<string, string>> = {
  unknown_key:
    'pass every key the controller ever had: the backup of its key Secrets (kubectl get secret -n kube-system -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml)',
};

/**
 * Opens one SealedSecret of either format with the keys given on the command line: sealkit
 * values with the X25519 keys, Bitnami values with the RSA keys (each key tried in turn, as
 * Bitnami values do not say which key sealed them).
 */
export function unsealEither(value: unknown, keys: UnsealKeys, unsealer: Unsealer, what: string): SecretManifest {
  if (!isBitnamiObject(value)) {
    if (keys.sealkit.size === 0 && keys.bitnami.size > 0) {
      throw new ExitError(`${what}: is a sealkit SealedSecret but only Bitnami keys were given`, { hint: 'add --key sealkit.key' });
    }
    try {
      return unsealSealedSecret(value as SealedSecretManifest, unsealer);
    } catch (err) {
      throw toExitError(err, what);
    }
  }
  if (keys.bitnami.size === 0) {
    throw new ExitError(`${what}: is a Bitnami SealedSecret (${BITNAMI_API_VERSION}) but no Bitnami key was given`, {
      hint: 'pass --key with the controller key backup (kubectl get secret -n kube-system -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml), or its tls.key PEM',
    });
  }
  try {
    return unsealBitnamiSealedSecret(value as never, keys.bitnami);
  } catch (err) {
    if (err instanceof SealkitError) {
      throw new ExitError(`${what}: ${err.message}`, { cause: err, ...(BITNAMI_HINTS[err.code] ? { hint: BITNAMI_HINTS[err.code] } : {}) });
    }
    throw toExitError(err, what);
  }
}

/** An Unsealer over the sealkit keys (cheap to build even when there are none). */
export function sealkitUnsealer(keys: UnsealKeys): Unsealer {
  return new Unsealer(keys.sealkit);
}
