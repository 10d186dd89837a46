// From a Vault KV response to Secret values: KV v1/v2 response shapes, deleted versions, properties,
// whole-secret extraction. A referenced key or property that is not there is an error with its own
// reason, never an empty value (External Secrets Operator issue #1049: a missing key reported as synced).

import { RemoteError, Reason } from './errors.js';
import type { KvVersion } from './types.js';
import type { VaultReadResult } from './vault-api.js';

/** One KV secret as read. */
export interface KvSecret {
  data: Record<string, unknown>;
  /** KV v2: the version that was read. */
  version: number | undefined;
}

/** What a read says: the secret, or why there is none. */
export type KvReadOutcome =
  | { found: true; secret: KvSecret }
  | { found: false; reason: typeof Reason.KeyNotFound | typeof Reason.VersionNotFound; detail: string };

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Interprets a raw read of `key` (for messages) from a KV mount of the given version. */
export function interpretKvRead(result: VaultReadResult, kvVersion: KvVersion, key: string, pinned?: number): KvReadOutcome {
  if (kvVersion === 'v1') {
    if (result.status === 404 || !result.data) return { found: false, reason: Reason.KeyNotFound, detail: `key "${key}" not found` };
    return { found: true, secret: { data: result.data, version: undefined } };
  }
  const meta = record(result.data?.metadata);
  const version = typeof meta?.version === 'number' ? meta.version : undefined;
  const inner = record(result.data?.data);
  const deleted = (typeof meta?.deletion_time === 'string' && meta.deletion_time !== '') || meta?.destroyed === true;
  if (result.status === 404 || !inner) {
    if (meta && deleted) {
      const what = pinned !== undefined ? `version ${pinned}` : `the current version${version !== undefined ? ` (${version})` : ''}`;
      return { found: false, reason: Reason.VersionNotFound, detail: `${what} of key "${key}" is ${meta.destroyed === true ? 'destroyed' : 'deleted'}` };
    }
    if (pinned !== undefined && result.status === 404 && meta === null && result.data === null) {
      // Vault does not say whether the key or only the version is missing; say both.
      return { found: false, reason: Reason.KeyNotFound, detail: `key "${key}" (version ${pinned}) not found` };
    }
    return { found: false, reason: Reason.KeyNotFound, detail: `key "${key}" not found` };
  }
  return { found: true, secret: { data: inner, version } };
}

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
  if (Object.prototype.hasOwnProperty.call(secret.data, property)) return valueBytes(secret.data[property]);
  if (property.includes('.')) {
    let cur: unknown = secret.data;
    let ok = true;
    for (const part of property.split('.')) {
      const r = record(cur);
      if (!r || !Object.prototype.hasOwnProperty.call(r, part)) {
        ok = false;
        break;
      }
      cur = r[part];
    }
    if (ok) return valueBytes(cur);
  }
  const available = Object.keys(secret.data).sort();
  throw new RemoteError(
    Reason.PropertyNotFound,
    `property "${property}" not found in key "${key}"` + (available.length ? ` (it has: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', ...' : ''})` : ' (it is empty)'),
  );
}

/** Secret data keys allowed by Kubernetes. */
export const SECRET_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;
export function isValidSecretKey(k: string): boolean {
  return k.length > 0 && k.length <= 253 && SECRET_KEY_PATTERN.test(k);
}

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
