// One RemoteSecret reconcile at a time, with the runtime's real Secret and status writers over an
// in-memory API server and a fake Vault (KV v2). Real Vault and kube-apiserver: test/e2e/remote*.test.ts.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../runtime/log.js';
import { StatusWriter } from '../runtime/status.js';
import { SecretWriter } from '../secrets/writer.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKube } from '../testing/fake-kube.js';
import { VaultRequestError } from './errors.js';
import { RequesterKubeApi } from './kube-api.js';
import { nextRefresh, reconcileRemoteSecret, restartRefresh, type RemoteMemo, type RemoteReconcileDeps } from './reconcile.js';
import { SharedReads } from './shared-reads.js';
import { StoreClients } from './store-client.js';
import { MANAGED_BY_LABEL, OPT_IN_ANNOTATION, REMOTE_KEYS_ANNOTATION, REMOTE_SECRET_ANNOTATION } from './target.js';
import type { VaultApi } from './vault-api.js';

const H = 3_600_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();
const SECRET = (name: string) => `/api/v1/namespaces/app/secrets/${name}`;
const RS = '/apis/sealkit.dev/v1alpha1/namespaces/app/remotesecrets/db';

/** KV v2 at mount "secret", token auth; `down` makes every read fail as an unreachable Vault would. */
class FakeVault implements VaultApi {
  kv = new Map<string, { data: Record<string, string>; version: number }>();
  reads = 0;
  down = false;
  setToken() {}
  async read(path: string) {
    this.reads++;
    if (this.down) throw new VaultRequestError(0, [], 'ECONNREFUSED');
    const hit = this.kv.get(path.replace(/^secret\/data\//, ''));
    if (!hit) return { status: 404 as const, data: null };
    return { status: 200 as const, data: { data: hit.data, metadata: { version: hit.version } } };
  }
  async kubernetesLogin(): Promise<never> {
    throw new Error('not used');
  }
  async appRoleLogin(): Promise<never> {
    throw new Error('not used');
  }
  async renewSelf(): Promise<never> {
    throw new Error('not used');
  }
  async lookupSelf() {
    return { ttlSeconds: 0, renewable: false };
  }
  async revokeSelf() {}
  async mountInfo() {
    return { path: 'secret/', type: 'kv', kvVersion: 'v2' as const };
  }
}

function setup(target: Record<string, unknown> = {}, extra: { refreshInterval?: string } = {}) {
  const api = new FakeKube();
  const clock = new FakeClock(1_700_000_000_000);
  const vault = new FakeVault();
  vault.kv.set('prod/db', { data: { password: 'pw-1', user: 'admin' }, version: 3 });
  api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'app', name: 'vault-token' }, data: { token: b64('root') } });
  api.put({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'RemoteStore',
    metadata: { namespace: 'app', name: 'vault', generation: 1 },
    spec: { provider: { vault: { server: 'http://vault.test:8200', mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } },
  });
  api.put({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'RemoteSecret',
    metadata: { namespace: 'app', name: 'db', generation: 1 },
    spec: {
      storeRef: { name: 'vault' },
      refreshInterval: extra.refreshInterval ?? '1h',
      target,
      data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } }],
    },
  });
  const events: string[] = [];
  const memo = new Map<string, RemoteMemo>();
  const kube = new RequesterKubeApi(api, () => clock.now());
  const random = () => 0.5;
  const deps: RemoteReconcileDeps = {
    getRemoteSecret: () => api.get(RS),
    getStore: (_kind, name) => api.get(`/apis/sealkit.dev/v1alpha1/namespaces/app/remotestores/${name}`),
    // the managed-Secret cache: Secrets labelled as ours
    cachedSecretVersion: (_ns, name) => {
      const s = api.get(SECRET(name));
      return s?.metadata.labels?.[MANAGED_BY_LABEL] === 'sealkit' ? s.metadata.resourceVersion : undefined;
    },
    kube,
    secrets: new SecretWriter(api),
    status: new StatusWriter(api),
    clients: new StoreClients({ clock, random, credentials: kube, reads: new SharedReads({ clock }), createApi: () => vault }),
    events: { emit: (_t, type, reason, message) => void events.push(`${type} ${reason}: ${message}`) },
    metrics: { vaultRequest() {}, sharedRead() {}, login() {}, renew() {}, sync() {} },
    clock,
    random,
    memo,
    log: (level, msg, fields) => silentLogger[level](msg, fields as never),
  };
  const run = () => reconcileRemoteSecret('app/db', deps);
  const secretWrites = () => api.writes().filter((w) => w.includes('/secrets'));
  const ready = () => api.get(RS).status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
  return { api, clock, vault, events, memo, deps, run, secretWrites, ready };
}

describe('reconcileRemoteSecret', () => {
  it('Owner: creates the Secret from Vault (owned, labelled), reports Ready with the versions read, schedules the refresh', async () => {
    const t = setup();
    const r = await t.run();
    expect(r.outcome).toBe('created');
    const s = t.api.get(SECRET('db'));
    expect(unb64(s.data.password)).toBe('pw-1');
    expect(s.metadata.labels[MANAGED_BY_LABEL]).toBe('sealkit');
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteSecret', name: 'db', uid: t.api.get(RS).metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Synced', observedGeneration: 1 });
    const status = t.api.get(RS).status;
    expect(status.syncedResourceVersion).toBe(s.metadata.resourceVersion);
    expect(status.data).toEqual([{ secretKey: 'password', key: 'prod/db', property: 'password', version: '3' }]);
    expect(t.events).toEqual(['Normal Synced: Secret db created from 1 Vault path']);
    expect(r.work).toEqual({ kind: 'after', ms: nextRefresh(0, H, () => 0.5) });
  });

  it('before the refresh is due: no Vault read and no write; drift is healed from memory, without Vault', async () => {
    const t = setup();
    await t.run();
    // what the informer would deliver: our own status patch
    const reads = t.vault.reads;
    const writes = t.secretWrites().length;
    expect((await t.run()).outcome).toBe('unchanged');
    expect(t.vault.reads).toBe(reads);
    expect(t.secretWrites()).toHaveLength(writes);
    // Someone edits the value by hand.
    const s = t.api.objects.get(SECRET('db'));
    s.data.password = b64('tampered');
    s.metadata.resourceVersion = '9999';
    expect((await t.run()).outcome).toBe('restored');
    expect(unb64(t.api.get(SECRET('db')).data.password)).toBe('pw-1');
    expect(t.vault.reads).toBe(reads);
    expect(t.events.at(-1)).toMatch(/^Normal SecretRestored/);
  });

  it('refresh due: reads Vault again and updates the Secret when the value changed, keeping other owners\' references', async () => {
    const t = setup();
    await t.run();
    const other = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'shop', uid: 'app-uid' };
    t.api.objects.get(SECRET('db')).metadata.ownerReferences.push(other);
    t.vault.kv.set('prod/db', { data: { password: 'pw-2', user: 'admin' }, version: 4 });
    await t.clock.advance(H);
    expect((await t.run()).outcome).toBe('updated');
    const s = t.api.get(SECRET('db'));
    expect(unb64(s.data.password)).toBe('pw-2');
    expect(s.metadata.ownerReferences.map((o: { kind: string }) => o.kind)).toEqual(['Application', 'RemoteSecret']);
  });

  it('Vault down: Ready=False VaultUnavailable, an Event, the last good Secret kept, retried', async () => {
    const t = setup();
    await t.run();
    const before = t.api.get(SECRET('db'));
    t.vault.down = true;
    await t.clock.advance(H);
    const r = await t.run();
    expect(r).toMatchObject({ outcome: 'failed', reason: 'VaultUnavailable', work: { kind: 'retry' } });
    expect(t.api.get(SECRET('db'))).toEqual(before);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'VaultUnavailable' });
    expect(t.ready().message).toMatch(/the existing Secret was left unchanged/);
    expect(t.api.get(RS).status.syncedResourceVersion).toBe(before.metadata.resourceVersion); // what was synced is kept
    expect(t.events.at(-1)).toMatch(/^Warning VaultUnavailable/);
  });

  it('never writes a Secret it does not own; the opt-in annotation hands it over', async () => {
    const t = setup();
    t.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'app', name: 'db' }, data: { password: b64('theirs') } });
    const r = await t.run();
    expect(r).toMatchObject({ outcome: 'failed', reason: 'SecretNotOwned' });
    expect(unb64(t.api.get(SECRET('db')).data.password)).toBe('theirs');
    t.api.objects.get(SECRET('db')).metadata.annotations = { [OPT_IN_ANNOTATION]: 'true' };
    expect((await t.run()).outcome).toBe('updated');
    expect(unb64(t.api.get(SECRET('db')).data.password)).toBe('pw-1');
  });

  it('Orphan: no owner reference, a marker annotation instead', async () => {
    const t = setup({ creationPolicy: 'Orphan' });
    expect((await t.run()).outcome).toBe('created');
    const s = t.api.get(SECRET('db'));
    expect(s.metadata.ownerReferences).toBeUndefined();
    expect(s.metadata.annotations[REMOTE_SECRET_ANNOTATION]).toBe('db');
  });

  it('Merge: adds its keys to an existing opted-in Secret, keeps theirs, never changes the type', async () => {
    const t = setup({ creationPolicy: 'Merge' });
    expect((await t.run())).toMatchObject({ outcome: 'failed', reason: 'SecretNotOwned' }); // nothing to merge into
    t.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'app', name: 'db', annotations: { [OPT_IN_ANNOTATION]: 'true', [REMOTE_KEYS_ANNOTATION]: 'stale' } }, type: 'kubernetes.io/basic-auth', data: { theirs: b64('t'), stale: b64('s') } });
    expect((await t.run()).outcome).toBe('updated');
    const s = t.api.get(SECRET('db'));
    expect(Object.keys(s.data).sort()).toEqual(['password', 'theirs']);
    expect(s.type).toBe('kubernetes.io/basic-auth');
    expect(s.metadata.annotations[REMOTE_KEYS_ANNOTATION]).toBe('password');
  });

  it('deletionPolicy Delete: every key gone from Vault deletes the owned Secret; Retain keeps it', async () => {
    for (const policy of ['Delete', 'Retain'] as const) {
      const t = setup({ deletionPolicy: policy });
      await t.run();
      t.vault.kv.clear();
      await t.clock.advance(H);
      const r = await t.run();
      if (policy === 'Delete') {
        expect(r.outcome).toBe('deleted');
        expect(t.api.get(SECRET('db'))).toBeUndefined();
        expect(t.ready()).toMatchObject({ status: 'False', reason: 'SecretDeleted' });
      } else {
        expect(r).toMatchObject({ outcome: 'failed', reason: 'KeyNotFound' });
        expect(unb64(t.api.get(SECRET('db')).data.password)).toBe('pw-1');
      }
    }
  });

  it('after a restart, a synced object whose Secret is untouched is trusted: no Vault read until due', async () => {
    const t = setup();
    await t.run();
    t.memo.clear(); // a new process
    const reads = t.vault.reads;
    const r = await t.run();
    expect(r.outcome).toBe('skipped');
    expect(t.vault.reads).toBe(reads);
    expect(r.work).toEqual({ kind: 'after', ms: restartRefresh(t.clock.now(), H, t.clock.now(), () => 0.5) - t.clock.now() });
  });

  it('an invalid spec or a missing store: Ready=False with the reason, nothing written', async () => {
    const t = setup();
    t.api.objects.get(RS).spec.storeRef.name = 'missing';
    expect(await t.run()).toMatchObject({ outcome: 'failed', reason: 'StoreNotFound', work: { kind: 'retry' } });
    t.api.objects.get(RS).spec.data = 'nope';
    expect(await t.run()).toMatchObject({ outcome: 'failed', reason: 'InvalidSpec' });
    expect(t.secretWrites()).toEqual([]);
  });
});

describe('refresh scheduling', () => {
  it('refreshes between 90% and 100% of the interval', () => {
    expect(nextRefresh(0, 1000_000, () => 0)).toBe(1000_000);
    expect(nextRefresh(0, 1000_000, () => 0.999)).toBeCloseTo(900_100, 0);
    expect(nextRefresh(0, 0, () => 0.5)).toBe(Infinity);
  });

  it('after a restart: keeps the schedule, spreads overdue refreshes over 10% of the interval', () => {
    expect(restartRefresh(0, H, 1000, () => 0)).toBe(H);
    expect(restartRefresh(0, H, 5 * H, () => 0.5)).toBe(5 * H + 0.1 * H * 0.5);
    expect(restartRefresh(0, 0, 5 * H, () => 0.5)).toBe(Infinity);
  });
});
