// What a Vault KV read means, for the controller and `sealkit ref --check` alike: the KV v1 and v2
// response shapes, deleted and destroyed versions, and how a `property` picks a field. A referenced
// key or property that is not there is "not found" with a reason, never an empty value (External
// Secrets Operator issue #1049: a missing key reported as synced).

import type { KvVersion } from './types.js';

/** A raw KV read: HTTP 200 or 404 and the response's top-level `data` (null when absent). */
export interface KvReadResult {
  status: 200 | 404;
  /** KV v1: the secret; KV v2: `{ data, metadata }`. */
  data: Record<string, unknown> | null;
}

/** One KV secret as read. */
export interface KvSecret {
  data: Record<string, unknown>;
  /** KV v2: the version that was read. */
  version: number | undefined;
}

/** What a read says: the secret, or why there is none (the reasons are RemoteSecret status reasons). */
export type KvReadOutcome =
  | { found: true; secret: KvSecret }
  | { found: false; reason: 'KeyNotFound' | 'VersionNotFound'; detail: string };

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Interprets a read of `key` (named in `detail`) from a KV mount of the given version. */
export function interpretKvRead(result: KvReadResult, kvVersion: KvVersion, key: string, pinned?: number): KvReadOutcome {
  if (kvVersion === 'v1') {
    if (result.status === 404 || !result.data) return { found: false, reason: 'KeyNotFound', detail: `key "${key}" not found` };
    return { found: true, secret: { data: result.data, version: undefined } };
  }
  const meta = record(result.data?.metadata);
  const version = typeof meta?.version === 'number' ? meta.version : undefined;
  const inner = record(result.data?.data);
  const deleted = (typeof meta?.deletion_time === 'string' && meta.deletion_time !== '') || meta?.destroyed === true;
  if (result.status === 404 || !inner) {
    if (meta && deleted) {
      const what = pinned !== undefined ? `version ${pinned}` : `the current version${version !== undefined ? ` (${version})` : ''}`;
      return { found: false, reason: 'VersionNotFound', detail: `${what} of key "${key}" is ${meta.destroyed === true ? 'destroyed' : 'deleted'}` };
    }
    if (pinned !== undefined && result.status === 404 && meta === null && result.data === null) {
      // Vault does not say whether the key or only the version is missing; say both.
      return { found: false, reason: 'KeyNotFound', detail: `key "${key}" (version ${pinned}) not found` };
    }
    return { found: false, reason: 'KeyNotFound', detail: `key "${key}" not found` };
  }
  return { found: true, secret: { data: inner, version } };
}

/**
 * The field `property` of a secret's data: an exact field name wins; otherwise a dotted name walks
 * into nested objects (`db.password`). `found: false` when neither finds it.
 */
export function lookupProperty(data: Record<string, unknown>, property: string): { found: true; value: unknown } | { found: false } {
  if (Object.prototype.hasOwnProperty.call(data, property)) return { found: true, value: data[property] };
  if (!property.includes('.')) return { found: false };
  let cur: unknown = data;
  for (const part of property.split('.')) {
    const r = record(cur);
    if (!r || !Object.prototype.hasOwnProperty.call(r, part)) return { found: false };
    cur = r[part];
  }
  return { found: true, value: cur };
}
