// The Vault KV path rules are @sealkit/core's (shared with `sealkit ref --check`). Core reports a bad
// path as a BadInputError naming the field; the controller reports it as RemoteError with reason
// InvalidSpec, which is what these wrappers translate.
import * as core from '@sealkit/core';
import { BadInputError, type KvVersion } from '@sealkit/core';
import { RemoteError, Reason } from './errors.js';

/** Runs `fn`, turning core's BadInputError (a spec mistake) into RemoteError(InvalidSpec). */
export function asInvalidSpec<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BadInputError) throw new RemoteError(Reason.InvalidSpec, e.message);
    throw e;
  }
}

export const pathSegments = (value: string, field: string) => asInvalidSpec(() => core.pathSegments(value, field));
export const parseKvVersionPin = (version: string | undefined, field: string) => asInvalidSpec(() => core.parseKvVersionPin(version, field));
export const kvReadPath = (mount: string, key: string, kvVersion: KvVersion, version?: number) => asInvalidSpec(() => core.kvReadPath(mount, key, kvVersion, version));
export const mountInfoPath = (mount: string) => asInvalidSpec(() => core.mountInfoPath(mount));
export const normalizeMount = (mount: string) => asInvalidSpec(() => core.normalizeMount(mount));
export const notFoundHint = (mount: string, key: string, kvVersion: KvVersion) => asInvalidSpec(() => core.notFoundHint(mount, key, kvVersion));
export const kvMetadataPath = (mount: string, key: string) => asInvalidSpec(() => core.kvMetadataPath(mount, key));
