import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { kvMetadataPath } from './kv-path.js';
import { planPushSecret } from './push.js';
import { decidePush, mayDeleteRemote, pushPayload, remoteKvState, sameKvData, type RemoteKvState } from './push-plan.js';

const ps = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'sealkit.dev/v1alpha1',
  kind: 'PushSecret',
  metadata: { name: 'db-push', namespace: 'prod', uid: 'u1', generation: 2, ...meta },
  spec: { storeRef: { name: 'vault' }, secretRef: { name: 'db' }, remoteRef: { key: 'prod/db' }, ...spec },
});

describe('planPushSecret', () => {
  it('applies every default in code (the CRD has none)', () => {
    expect(planPushSecret(ps({}))).toEqual({
      namespace: 'prod',
      name: 'db-push',
      uid: 'u1',
      generation: 2,
      storeRef: { name: 'vault', kind: 'RemoteStore' },
      secretName: 'db',
      remoteKey: 'prod/db',
      data: undefined,
      refreshIntervalMs: 3_600_000,
      deletionPolicy: 'Retain',
    });
  });

  it('takes selected keys (property defaults to the Secret key), a cluster store, refresh 0 and Delete', () => {
    const p = planPushSecret(ps({ storeRef: { name: 'v', kind: 'ClusterRemoteStore' }, data: [{ secretKey: 'password', property: 'db_password' }, { secretKey: 'username' }], refreshInterval: '0', deletionPolicy: 'Delete' }));
    expect(p).toMatchObject({ storeRef: { name: 'v', kind: 'ClusterRemoteStore' }, refreshIntervalMs: 0, deletionPolicy: 'Delete' });
    expect(p.data).toEqual([{ secretKey: 'password', property: 'db_password' }, { secretKey: 'username', property: 'username' }]);
  });

  it.each([
    [{ secretRef: undefined }, 'spec.secretRef is required'],
    [{ secretRef: { name: 'Bad_Name' } }, 'spec.secretRef.name'],
    [{ remoteRef: { key: '' } }, 'spec.remoteRef.key is required'],
    [{ remoteRef: { key: 'prod/../sys' } }, 'spec.remoteRef.key'],
    [{ data: [] }, 'spec.data is empty'],
    [{ data: [{ secretKey: 'a' }, { secretKey: 'a', property: 'b' }] }, 'spec.data[1].secretKey "a" appears twice'],
    [{ data: [{ secretKey: 'a', property: 'x' }, { secretKey: 'b', property: 'x' }] }, 'spec.data[1]: property "x" is written twice'],
    [{ data: [{ secretKey: 'no/slash' }] }, 'spec.data[0].secretKey'],
    [{ refreshInterval: '10ms' }, 'spec.refreshInterval must be 0'],
    [{ deletionPolicy: 'Orphan' }, 'spec.deletionPolicy must be one of Retain, Delete'],
    [{ storeRef: { name: 'v', kind: 'SecretStore' } }, 'spec.storeRef.kind'],
  ])('%j -> BadInputError naming the field', (spec, message) => {
    const run = () => planPushSecret(ps(spec as Record<string, unknown>));
    expect(run).toThrow(BadInputError);
    expect(run).toThrow(message);
  });
});

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('pushPayload', () => {
  it('every key under its own name when spec.data is omitted', () => {
    expect(pushPayload({ data: undefined }, { b: b64('2'), a: b64('1') })).toEqual({ ok: true, data: { a: '1', b: '2' } });
  });
  it('selected keys under their properties, other keys left out', () => {
    expect(pushPayload({ data: [{ secretKey: 'a', property: 'x' }] }, { a: b64('1'), b: b64('2') })).toEqual({ ok: true, data: { x: '1' } });
  });
  it('a missing key or a value that is not UTF-8 names the key only', () => {
    expect(pushPayload({ data: [{ secretKey: 'c', property: 'c' }] }, { a: b64('1') })).toEqual({ ok: false, problem: 'missing', secretKey: 'c' });
    expect(pushPayload({ data: undefined }, { bin: b64(Buffer.from([0xff, 0xfe])) })).toEqual({ ok: false, problem: 'not-text', secretKey: 'bin' });
  });
});

describe('remoteKvState', () => {
  it('KV v2: data and version; a deleted current version has a version but no data; a missing key version 0', () => {
    expect(remoteKvState({ status: 200, data: { data: { a: '1' }, metadata: { version: 4 } } }, 'v2')).toEqual({ hasData: true, data: { a: '1' }, version: 4 });
    expect(remoteKvState({ status: 404, data: { data: null, metadata: { version: 5, deletion_time: '2026-01-01T00:00:00Z' } } }, 'v2')).toEqual({ hasData: false, data: {}, version: 5 });
    expect(remoteKvState({ status: 404, data: null }, 'v2')).toEqual({ hasData: false, data: {}, version: 0 });
  });
  it('KV v1: the data, no versions', () => {
    expect(remoteKvState({ status: 200, data: { a: '1' } }, 'v1')).toEqual({ hasData: true, data: { a: '1' }, version: 0 });
    expect(remoteKvState({ status: 404, data: null }, 'v1')).toEqual({ hasData: false, data: {}, version: 0 });
  });
});

describe('sameKvData', () => {
  it('same fields with the same strings only', () => {
    expect(sameKvData({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameKvData({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameKvData({ a: '1', c: '3' }, { a: '1', b: '3' })).toBe(false);
    expect(sameKvData({ a: 1 }, { a: '1' })).toBe(false);
  });
});

describe('decidePush', () => {
  const desired = { a: '1' };
  const v2 = (version: number, data?: Record<string, unknown>): RemoteKvState => ({ hasData: data !== undefined, data: data ?? {}, version });
  const decide = (remote: RemoteKvState, record: { version: number | undefined } | undefined, kvVersion: 'v1' | 'v2' = 'v2', force = false) => decidePush({ desired, remote, kvVersion, record, force });

  it('equal data: no write, whoever wrote it and whatever the version', () => {
    expect(decide(v2(7, { a: '1' }), { version: 3 })).toEqual({ action: 'none' });
    expect(decide(v2(0, { a: '1' }), undefined, 'v1')).toEqual({ action: 'none' });
  });
  it('KV v2: a new key is created with cas 0; our own version is updated with cas on it', () => {
    expect(decide(v2(0), undefined)).toEqual({ action: 'write', cas: 0 });
    expect(decide(v2(3, { a: 'old' }), { version: 3 })).toEqual({ action: 'write', cas: 3 });
    // Our version deleted by hand: restored over it.
    expect(decide(v2(3), { version: 3 })).toEqual({ action: 'write', cas: 3 });
  });
  it('KV v2: a newer version written by someone else, or a key we never wrote, is a conflict', () => {
    const moved = decide(v2(4, { a: 'theirs' }), { version: 3 });
    expect(moved).toMatchObject({ action: 'conflict' });
    expect(moved.action === 'conflict' && moved.detail).toContain('current version 4 was written by someone else after version 3');
    expect(decide(v2(2, { b: 'x' }), undefined)).toMatchObject({ action: 'conflict' });
  });
  it('forced: written over the current version (cas on it)', () => {
    expect(decide(v2(4, { a: 'theirs' }), { version: 3 }, 'v2', true)).toEqual({ action: 'write', cas: 4 });
    expect(decide(v2(0, { b: 'x' }), undefined, 'v1', true)).toEqual({ action: 'write', cas: undefined });
  });
  it('KV v1: created when absent, restored when we wrote it before, a conflict when it is someone else\'s', () => {
    expect(decide(v2(0), undefined, 'v1')).toEqual({ action: 'write', cas: undefined });
    expect(decide(v2(0, { a: 'drift' }), { version: undefined }, 'v1')).toEqual({ action: 'write', cas: undefined });
    expect(decide(v2(0, { a: 'other' }), undefined, 'v1')).toMatchObject({ action: 'conflict' });
  });
});

describe('mayDeleteRemote', () => {
  it('only what this PushSecret wrote: KV v2 its version, KV v1 a key it wrote', () => {
    const remote = (version: number): RemoteKvState => ({ hasData: true, data: {}, version });
    expect(mayDeleteRemote({ remote: remote(3), kvVersion: 'v2', record: { version: 3 } })).toBe(true);
    expect(mayDeleteRemote({ remote: remote(4), kvVersion: 'v2', record: { version: 3 } })).toBe(false);
    expect(mayDeleteRemote({ remote: remote(3), kvVersion: 'v2', record: undefined })).toBe(false);
    expect(mayDeleteRemote({ remote: remote(0), kvVersion: 'v1', record: { version: undefined } })).toBe(true);
  });
});

describe('kvMetadataPath', () => {
  it('<mount>/metadata/<key>, segments encoded, checked as every KV path', () => {
    expect(kvMetadataPath('secret', 'prod/db one')).toBe('secret/metadata/prod/db%20one');
    expect(() => kvMetadataPath('secret', 'a/../b')).toThrow(BadInputError);
  });
});
