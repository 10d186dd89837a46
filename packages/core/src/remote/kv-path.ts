// Vault KV paths, built in one place for both engine versions.
//
// The rule that avoids External Secrets Operator issues #1333/#3116 (KV v1/v2 path munging): the
// mount comes from the store and the key is relative to it; neither is ever searched for "data" or
// rewritten. KV v2 reads are `<mount>/data/<key>`, KV v1 reads are `<mount>/<key>`, so a mount named
// `data`, a mount `team/data`, or a key `data/prod` all resolve to exactly what the user wrote.
// node-vault has no KV v2 helpers (its issue #82), so these strings go to its raw `read`. The
// controller and `sealkit ref --check` both build their Vault paths here. Every error is a
// BadInputError naming the field or flag given as `field`.

import { BadInputError } from '../errors.js';
import type { KvVersion } from './types.js';

/** Splits and checks a mount or key: no empty, `.` or `..` segments, no query or fragment characters. */
export function pathSegments(value: string, field: string): string[] {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new BadInputError(`${field} is empty`);
  const segments = trimmed.split('/');
  for (const seg of segments) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new BadInputError(`${field} ${JSON.stringify(value.slice(0, 120))} has an empty, "." or ".." segment`);
    }
    if (/[?#\u0000-\u001f]/.test(seg)) {
      throw new BadInputError(`${field} ${JSON.stringify(value.slice(0, 120))} contains a character not allowed in a Vault path`);
    }
  }
  return segments;
}

const encode = (segments: string[]): string => segments.map(encodeURIComponent).join('/');

/** A KV v2 version pin: a positive integer. */
export function parseKvVersionPin(version: string | undefined, field: string): number | undefined {
  if (version === undefined || version === '') return undefined;
  if (!/^[1-9]\d{0,9}$/.test(version)) {
    throw new BadInputError(`${field} must be a positive integer (a KV v2 version), got ${JSON.stringify(version.slice(0, 40))}`);
  }
  return Number(version);
}

/**
 * The path (after /v1/) that reads `key` from the KV engine at `mount`. A KV v2 version pin is not
 * part of it: VaultApi.read adds `?version=`. A pin on a KV v1 mount is a spec error.
 */
export function kvReadPath(mount: string, key: string, kvVersion: KvVersion, version?: number): string {
  const m = encode(pathSegments(mount, 'mount'));
  const k = encode(pathSegments(key, 'key'));
  if (kvVersion === 'v1') {
    if (version !== undefined) {
      throw new BadInputError(`version pinning needs KV v2; mount "${mount}" is KV v1`);
    }
    return `${m}/${k}`;
  }
  return `${m}/data/${k}`;
}

/**
 * The path (after /v1/) of a KV v2 key's metadata: deleting it removes the key with every version
 * (a PushSecret with deletionPolicy Delete). KV v1 has no metadata: its key path is kvReadPath's.
 */
export function kvMetadataPath(mount: string, key: string): string {
  return `${encode(pathSegments(mount, 'mount'))}/metadata/${encode(pathSegments(key, 'key'))}`;
}

/** The path (after /v1/) of Vault's mount preflight, which reports a mount's type and KV version. */
export function mountInfoPath(mount: string): string {
  return `sys/internal/ui/mounts/${encode(pathSegments(mount, 'mount'))}`;
}

/** Normal form of a mount, as Vault reports it in sys/internal/ui/mounts (`path`): no leading slash, one trailing slash. */
export function normalizeMount(mount: string): string {
  return `${pathSegments(mount, 'mount').join('/')}/`;
}

/**
 * A hint for a key that was not found, for the confusions users bring from other tools: the mount
 * repeated at the start of the key, or the KV v2 `data/` segment written by hand.
 */
export function notFoundHint(mount: string, key: string, kvVersion: KvVersion): string {
  const m = pathSegments(mount, 'mount').join('/');
  const k = key.replace(/^\/+/, '');
  if (k === m || k.startsWith(`${m}/`)) {
    return ` (the key is relative to the mount "${m}": did you mean "${k.slice(m.length + 1)}"?)`;
  }
  if (kvVersion === 'v2' && k.startsWith('data/')) {
    return ` (KV v2 "data/" is added by sealkit: did you mean "${k.slice(5)}"?)`;
  }
  return '';
}
