// From a Vault KV response to Secret values: KV v1/v2 response shapes, deleted versions, properties,
// whole-secret extraction. A referenced key or property that is not there is an error with its own
// reason, never an empty value (External Secrets Operator issue #1049: a missing key reported as synced).

import { isSecretKey, lookupProperty, type KvSecret } from '@sealkit/core';
import { RemoteError, Reason } from './errors.js';

// What a KV read means (response shapes, deleted versions, property lookup) is @sealkit/core's,
// shared with `sealkit ref --check`; turning it into Secret bytes is here.
export { interpretKvRead, type KvSecret, type KvReadOutcome } from '@sealkit/core';

/** A Secret value from a KV field: strings as is, everything else as JSON. */
export function valueBytes(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value === null || value === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * One property of a secret. An exact field name wins; otherwise a dotted name walks into nested
 * objects (`db.password`). No property: the whole secret as JSON.
 */
export function extractProperty(secret: KvSecret, key: string, property: string | undefined): Buffer {
  if (property === undefined || property === '') return Buffer.from(JSON.stringify(secret.data), 'utf8');
  const found = lookupProperty(secret.data, property);
  if (found.found) return valueBytes(found.value);
  const available = Object.keys(secret.data).sort();
  throw new RemoteError(
    Reason.PropertyNotFound,
    `property "${property}" not found in key "${key}"` + (available.length ? ` (it has: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', ...' : ''})` : ' (it is empty)'),
  );
}

/** Secret data keys allowed by Kubernetes (core's rule). */
export const isValidSecretKey = (k: string): boolean => isSecretKey(k);

/** Every top-level field of a secret as a Secret key (dataFrom.extract). */
export function extractAll(secret: KvSecret, key: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret.data)) {
    if (!isValidSecretKey(k)) {
      throw new RemoteError(Reason.InvalidRemoteData, `field "${k.slice(0, 64)}" of key "${key}" is not a valid Secret key (letters, digits, '-', '_', '.')`);
    }
    out[k] = valueBytes(v);
  }
  return out;
}
