// reconcilePushSecret with its dependencies as small stand-ins (the real Vault and apiserver are in
// test/e2e/push-secret.test.ts): what a pass writes, and above all what it does not.
import { describe, expect, it } from 'vitest';
import type { PushSecret } from '@sealkit/core';
import type { StoreClient } from '../remote/store-client.js';
import type { StorePlan } from '../remote/validate.js';
import type { VaultApi, VaultReadResult } from '../remote/vault-api.js';
import { reconcilePushSecret, type PushReconcileDeps } from './reconcile.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const store = { kind: 'RemoteStore', name: 'vault', namespace: 'prod', mount: 'secret', fingerprint: 'f' } as unknown as StorePlan;

function setup(o: { ps: Partial<PushSecret['spec']>; status?: PushSecret['status']; finalizers?: string[]; remote?: VaultReadResult; secret?: Record<string, string> | null }) {
  const calls = { writes: [] as { path: string; body: Record<string, unknown> }[], reads: 0, statuses: [] as any[], metadata: [] as any[], events: [] as string[] };
  const ps: PushSecret = {
    metadata: { namespace: 'prod', name: 'db-push', uid: 'u1', generation: 1, resourceVersion: '7', ...(o.finalizers ? { finalizers: o.finalizers } : {}) },
    spec: { storeRef: { name: 'vault' }, secretRef: { name: 'db' }, remoteRef: { key: 'prod/db' }, ...o.ps },
    ...(o.status ? { status: o.status } : {}),
  };
  const api = {
    async read() {
      calls.reads++;
      return o.remote ?? { status: 404, data: null };
    },
    async write(path: string, body: Record<string, unknown>) {
      calls.writes.push({ path, body });
      return { version: 1 };
    },
  } as unknown as VaultApi;
  const client = { plan: store, kvVersion: async () => 'v2', run: <T>(fn: (a: VaultApi) => Promise<T>) => fn(api), forgetReads: () => undefined } as unknown as StoreClient;
  const deps: PushReconcileDeps = {
    getPushSecret: () => ps,
    resolveStore: async () => store,
    client: async () => client,
    readSecret: async () => (o.secret === null ? undefined : { metadata: { namespace: 'prod', name: 'db' }, data: Object.fromEntries(Object.entries(o.secret ?? { password: 'pw' }).map(([k, v]) => [k, b64(v)])) }),
    status: { patch: async (_t, s) => void calls.statuses.push(s) },
    patchMetadata: async (_ns, _n, m) => void calls.metadata.push(m),
    events: { emit: (_t, _type, reason) => void calls.events.push(reason) },
    clock: { now: () => Date.parse('2026-12-06T05:00:00Z'), after: () => ({ cancel() {} }) },
    random: () => 0.5,
    takeForced: () => false,
  };
  return { calls, run: () => reconcilePushSecret('prod/db-push', deps) };
}

describe('reconcilePushSecret', () => {
  it('first pass: creates the key with cas 0, records version and properties (no value) in status', async () => {
    const { calls, run } = setup({ ps: {} });
    const r = await run();
    expect(r.outcome).toBe('pushed');
    expect(calls.writes).toEqual([{ path: 'secret/data/prod/db', body: { options: { cas: 0 }, data: { password: 'pw' } } }]);
    expect(calls.statuses[0].pushed).toEqual({ store: 'RemoteStore/vault', key: 'prod/db', path: 'secret/data/prod/db', kvVersion: 'v2', version: 1, properties: ['password'], pushTime: '2026-12-06T05:00:00Z' });
    expect(JSON.stringify(calls.statuses)).not.toContain('pw"');
    expect(calls.events).toEqual(['Pushed']);
    expect(r.work).toEqual({ kind: 'refresh', ms: 3_600_000 * 0.95 });
  });

  it('a resync that finds Vault equal and the status current writes nothing, to Vault or to the API server', async () => {
    const pushed = { store: 'RemoteStore/vault', key: 'prod/db', path: 'secret/data/prod/db', kvVersion: 'v2' as const, version: 1, properties: ['password'], pushTime: '2026-12-06T04:00:00Z' };
    const ready = { type: 'Ready', status: 'True' as const, reason: 'Synced', message: 'Vault key "prod/db" (secret/data/prod/db) holds the Secret\'s data, version 1', lastTransitionTime: '2026-12-06T04:00:00Z', observedGeneration: 1 };
    // The API server returns fields in its own order.
    const reversed = <T extends object>(x: T): T => Object.fromEntries(Object.entries(x).reverse()) as T;
    const { calls, run } = setup({ ps: {}, status: { pushed: reversed(pushed), conditions: [reversed(ready)], observedGeneration: 1 }, remote: { status: 200, data: { metadata: { version: 1 }, data: { password: 'pw' } } } });
    expect((await run()).outcome).toBe('unchanged');
    expect(calls.reads).toBe(1);
    expect(calls.writes).toEqual([]);
    expect(calls.statuses).toEqual([]);
    expect(calls.metadata).toEqual([]);
  });

  it('deletionPolicy Delete adds the finalizer; back to Retain removes it', async () => {
    const a = setup({ ps: { deletionPolicy: 'Delete' } });
    await a.run();
    expect(a.calls.metadata).toEqual([{ resourceVersion: '7', finalizers: ['sealkit.dev/delete-remote'] }]);
    const b = setup({ ps: {}, finalizers: ['other', 'sealkit.dev/delete-remote'] });
    await b.run();
    expect(b.calls.metadata).toEqual([{ resourceVersion: '7', finalizers: ['other'] }]);
  });

  it('a missing Secret: SourceNotFound, Vault neither read nor written', async () => {
    const { calls, run } = setup({ ps: {}, secret: null });
    const r = await run();
    expect(r).toMatchObject({ outcome: 'failed', reason: 'SourceNotFound', work: { kind: 'retry' } });
    expect(calls.reads).toBe(0);
    expect(calls.writes).toEqual([]);
    expect(calls.statuses[0].conditions[0]).toMatchObject({ status: 'False', reason: 'SourceNotFound' });
  });

  it('a key recorded for another Vault key is not ours: an existing key there is a Conflict, checked again at the next refresh', async () => {
    const { calls, run } = setup({
      ps: { remoteRef: { key: 'prod/other' }, refreshInterval: '10m' },
      status: { pushed: { store: 'RemoteStore/vault', key: 'prod/db', path: 'secret/data/prod/db', kvVersion: 'v2', version: 3, properties: ['password'] } },
      remote: { status: 200, data: { metadata: { version: 3 }, data: { password: 'someone' } } },
    });
    const r = await run();
    expect(r).toMatchObject({ outcome: 'conflict', work: { kind: 'refresh' } });
    expect(calls.writes).toEqual([]);
    expect(calls.events).toEqual(['Conflict']);
  });
});
