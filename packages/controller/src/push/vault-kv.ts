// The Vault KV calls of a PushSecret, made through its store's StoreClient (the one session and
// request limiter per store that RemoteSecrets and DynamicSecrets use). Reads here are never shared
// (SharedReads): a push must compare with the key as it is now, and use its current version for
// check-and-set. Paths are core's (kvReadPath, kvMetadataPath).

import { remoteKvState, type KvVersion, type RemoteKvState } from '@sealkit/core';
import { RemoteError, Reason, VaultRequestError } from '../remote/errors.js';
import { kvMetadataPath, kvReadPath, notFoundHint } from '../remote/kv-path.js';
import { readFailure, type StoreClient } from '../remote/store-client.js';

/** Vault's answer when a KV v2 write's `cas` is not the key's current version. */
export function isCasMismatch(err: unknown): boolean {
  return err instanceof VaultRequestError && err.status === 400 && err.errors.some((e) => /check-and-set/i.test(e));
}

function failure(client: StoreClient, err: unknown, what: string, key: string, kv: KvVersion): RemoteError {
  const e = readFailure(err, what);
  // A path outside the policy answers 403: give the same hint as for a mistyped key.
  return e.reason === Reason.PermissionDenied ? new RemoteError(e.reason, e.message + notFoundHint(client.plan.mount, key, kv), { retryable: true }) : e;
}

export interface RemoteKv {
  kvVersion: KvVersion;
  /** The Vault path read and written (after /v1/). */
  path: string;
  state: RemoteKvState;
}

/** The key as it is now (a fresh read). */
export async function readRemoteKv(client: StoreClient, key: string): Promise<RemoteKv> {
  const kvVersion = await client.kvVersion();
  const path = kvReadPath(client.plan.mount, key, kvVersion);
  try {
    const result = await client.run((api) => api.read(path));
    return { kvVersion, path, state: remoteKvState(result, kvVersion) };
  } catch (err) {
    throw failure(client, err, `reading key "${key}"`, key, kvVersion);
  }
}

/**
 * Writes `data` as the whole secret at `path`. KV v2: with check-and-set `cas`; resolves with the
 * version written (a cas mismatch is RemoteError Conflict). KV v1: resolves with undefined.
 */
export async function writeRemoteKv(client: StoreClient, remote: RemoteKv, key: string, data: Record<string, string>, cas: number | undefined): Promise<number | undefined> {
  try {
    if (remote.kvVersion === 'v1') {
      await client.run((api) => api.write(remote.path, data));
      client.forgetReads(key);
      return undefined;
    }
    const written = await client.run((api) => api.write(remote.path, { options: { cas: cas ?? 0 }, data }));
    // RemoteSecrets of the same store reading this key must not be served the value before the push.
    client.forgetReads(key);
    return typeof written?.version === 'number' ? written.version : undefined;
  } catch (err) {
    if (isCasMismatch(err)) {
      throw new RemoteError(Reason.Conflict, `key "${key}" changed in Vault between the read and the write (check-and-set on version ${cas ?? 0} refused); sealkit did not overwrite it`, { retryable: true });
    }
    throw failure(client, err, `writing key "${key}"`, key, remote.kvVersion);
  }
}

/** Deletes the key: KV v2 its metadata (every version), KV v1 the key. A key already gone is fine. */
export async function deleteRemoteKv(client: StoreClient, remote: RemoteKv, key: string): Promise<void> {
  const path = remote.kvVersion === 'v2' ? kvMetadataPath(client.plan.mount, key) : remote.path;
  try {
    await client.run((api) => api.delete(path));
    client.forgetReads(key);
  } catch (err) {
    if (err instanceof VaultRequestError && err.status === 404) return;
    throw failure(client, err, `deleting key "${key}"`, key, remote.kvVersion);
  }
}
