// What a PushSecret pass decides, as pure functions: the data the Vault key should hold (from the
// Secret), what the key holds now (from a KV read), and whether to write, do nothing, or report a
// conflict. The rules (docs/remote-secrets.md, "Pushing a Secret to Vault"):
//
//   - the key already holds exactly the pushed data        -> no write (a resync writes nothing);
//   - KV v2: write only over the version this PushSecret last wrote (or a key with no version), with
//     check-and-set on that version, so someone else's newer version is never clobbered: that is
//     a conflict, reported, until the data match again or the user forces the push;
//   - KV v1 has no versions: a key this PushSecret has written before is restored at each refresh
//     (last writer wins); an existing key it never wrote is a conflict, as for v2;
//   - forced (the force-sync annotation changed): write over whatever is there (v2: cas = its version).

import type { KvReadResult } from './kv-read.js';
import type { PushSecretPlan } from './push.js';
import type { KvVersion } from './types.js';

/** A Vault KV key as read before a push. */
export interface RemoteKvState {
  /** The current version holds data (v2: not deleted or destroyed). */
  hasData: boolean;
  /** The current version's data (empty when none). */
  data: Record<string, unknown>;
  /** KV v2: the key's current version, a deleted one included; 0 when the key has no version. */
  version: number;
}

const record = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Reads a raw KV read (`<mount>/data/<key>` for v2, `<mount>/<key>` for v1) as a RemoteKvState. */
export function remoteKvState(result: KvReadResult, kvVersion: KvVersion): RemoteKvState {
  if (kvVersion === 'v1') {
    const data = result.status === 200 ? record(result.data) : null;
    return { hasData: data !== null, data: data ?? {}, version: 0 };
  }
  // v2 answers 404 with the metadata of a deleted or destroyed current version.
  const meta = record(result.data?.metadata);
  const inner = result.status === 200 ? record(result.data?.data) : null;
  return { hasData: inner !== null, data: inner ?? {}, version: typeof meta?.version === 'number' ? meta.version : 0 };
}

export type PushPayload = { ok: true; data: Record<string, string> } | { ok: false; problem: 'missing' | 'not-text'; secretKey: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The data the Vault key should hold: the selected keys of the Secret (its `data`, base64) as
 * text fields. A selected key missing from the Secret, or a value that is not UTF-8 text (Vault KV
 * holds JSON strings), is a problem naming the key, never its value.
 */
export function pushPayload(plan: Pick<PushSecretPlan, 'data'>, secretData: Record<string, string>): PushPayload {
  const pairs = plan.data ?? Object.keys(secretData).sort().map((k) => ({ secretKey: k, property: k }));
  const data: Record<string, string> = {};
  for (const { secretKey, property } of pairs) {
    const b64 = secretData[secretKey];
    if (b64 === undefined) return { ok: false, problem: 'missing', secretKey };
    try {
      data[property] = utf8.decode(Buffer.from(b64, 'base64'));
    } catch {
      return { ok: false, problem: 'not-text', secretKey };
    }
  }
  return { ok: true, data };
}

/** Whether the key holds exactly `desired`: the same fields, each the same string. */
export function sameKvData(current: Record<string, unknown>, desired: Record<string, string>): boolean {
  const a = Object.keys(current);
  if (a.length !== Object.keys(desired).length) return false;
  return a.every((k) => Object.prototype.hasOwnProperty.call(desired, k) && current[k] === desired[k]);
}

/** What this PushSecret wrote to the key before (from its status), when it was this store and key. */
export interface PushRecord {
  /** KV v2: the version it wrote; undefined for KV v1. */
  version: number | undefined;
}

export type PushDecision =
  | { action: 'none' }
  /** cas: KV v2 check-and-set version (0: the key must not exist yet); undefined for KV v1. */
  | { action: 'write'; cas: number | undefined }
  | { action: 'conflict'; detail: string };

export function decidePush(o: { desired: Record<string, string>; remote: RemoteKvState; kvVersion: KvVersion; record: PushRecord | undefined; force: boolean }): PushDecision {
  const { desired, remote, kvVersion, record, force } = o;
  if (remote.hasData && sameKvData(remote.data, desired)) return { action: 'none' };
  if (kvVersion === 'v1') {
    if (!remote.hasData || record || force) return { action: 'write', cas: undefined };
    return { action: 'conflict', detail: 'the key exists with other data and was not written by this PushSecret' };
  }
  // A key with no version at all is created (cas 0 fails if someone creates it first).
  if (remote.version === 0 || force) return { action: 'write', cas: remote.version };
  if (record?.version === remote.version) return { action: 'write', cas: remote.version };
  return {
    action: 'conflict',
    detail: record?.version !== undefined
      ? `the key's current version ${remote.version} was written by someone else after version ${record.version} (pushed by sealkit)`
      : `the key exists (version ${remote.version}) and was not written by this PushSecret`,
  };
}

/** On deletion with deletionPolicy Delete: whether the key may go (it still holds what this PushSecret wrote). */
export function mayDeleteRemote(o: { remote: RemoteKvState; kvVersion: KvVersion; record: PushRecord | undefined }): boolean {
  if (!o.record) return false;
  return o.kvVersion === 'v1' || o.record.version === o.remote.version;
}
