import { describe, expect, it } from 'vitest';
import { generateKeyPair, Keyring, sealValues, Unsealer, type Scope } from '@sealkit/core';
import { reconcileSealedSecret, type Memo, type ReconcileDeps } from './reconcile.js';
import { decide, desiredSecret } from './desired.js';
import { sealedSecretView, secretView, type SealedSecretView, type SecretView } from './views.js';
import { SecretWriter } from '../secrets/writer.js';
import type { ManagedSecret, SecretObject } from '../secrets/plan.js';
import { FakeKube } from '../testing/fake-kube.js';
import { StatusWriter } from '../runtime/status.js';
import { FinalizerWriter, releasedSecret } from './retain.js';
import { ApiError } from '@sealkit/kube';
import { silentLogger } from '../runtime/log.js';
import type { SealedSecretStatus } from './status.js';

const pair = generateKeyPair();
const other = generateKeyPair();
const enc = (s: string) => new TextEncoder().encode(s);

function sealed(opts: { ns?: string; name?: string; scope?: Scope; sealNs?: string; sealName?: string; key?: typeof pair; generation?: number; uid?: string; template?: object; status?: object } = {}): any {
  const ns = opts.ns ?? 'app';
  const name = opts.name ?? 'db';
  const scope = opts.scope ?? 'strict';
  return {
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'SealedSecret',
    metadata: { namespace: ns, name, uid: opts.uid ?? 'uid-1', generation: opts.generation ?? 1, resourceVersion: '10' },
    spec: {
      encryptedData: sealValues({ password: enc('hunter2'), user: enc('admin') }, {
        recipients: [(opts.key ?? pair).publicKey],
        scope,
        ...(scope !== 'cluster' ? { namespace: opts.sealNs ?? ns } : {}),
        ...(scope === 'strict' ? { name: opts.sealName ?? name } : {}),
      }),
      template: opts.template ?? { metadata: { labels: { app: 'db' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } }, type: 'Opaque' },
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

/**
 * The real Secret writer over an in-memory API server (testing/fake-kube.ts), which stores what it
 * is sent (so ownerReferences of other owners survive an update exactly as they would for real);
 * records each write the reconciler asks for.
 */
class FakeSecrets {
  readonly kube = new FakeKube();
  private readonly writer = new SecretWriter(this.kube);
  writes: string[] = [];
  failNext: ApiError | undefined;
  /** The stored Secrets by "namespace/name" (live objects: tests edit them as a user would). */
  readonly store = {
    get: (k: string) => this.kube.objects.get(secretPathOf(k)),
    set: (k: string, raw: any) => void this.kube.put({ apiVersion: 'v1', kind: 'Secret', ...raw, metadata: { ...raw.metadata, namespace: k.split('/')[0], name: k.split('/')[1] } }),
    delete: (k: string) => void this.kube.objects.delete(secretPathOf(k)),
  };
  private check() {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
  }
  async create(d: ManagedSecret) {
    this.check();
    const r = await this.writer.create(d);
    this.writes.push('create');
    return r;
  }
  async update(live: SecretObject, d: ManagedSecret) {
    this.check();
    const r = await this.writer.update(live, d);
    this.writes.push('update');
    return r;
  }
  async recreate(live: SecretObject, d: ManagedSecret) {
    this.check();
    const r = await this.writer.recreate(live, d);
    this.writes.push('recreate');
    return r;
  }
  get(ns: string, name: string) {
    return this.writer.get(ns, name);
  }
}
const secretPathOf = (k: string) => `/api/v1/namespaces/${k.split('/')[0]}/secrets/${k.split('/')[1]}`;

const SS_PATH = (ns: string, name: string) => `/apis/sealkit.dev/v1alpha1/namespaces/${ns}/sealedsecrets/${name}`;

/** The SealedSecret, its Secret and their writers, all over one in-memory API server. */
function setup(ssRaw: any, opts: { keys?: (typeof pair)[]; existing?: any } = {}) {
  const secrets = new FakeSecrets();
  const kube = secrets.kube;
  if (opts.existing) secrets.store.set(`${opts.existing.metadata.namespace}/${opts.existing.metadata.name}`, opts.existing);
  let path = SS_PATH(ssRaw.metadata.namespace, ssRaw.metadata.name);
  kube.put(ssRaw);
  const statuses: SealedSecretStatus[] = [];
  const events: { type: string; reason: string; message: string }[] = [];
  const memo = new Map<string, Memo>();
  const unsealer = new Unsealer(new Keyring(opts.keys ?? [pair]));
  const statusWriter = new StatusWriter(kube);
  const deps: ReconcileDeps = {
    // what the informer would hold: the object as stored now
    sealedSecret: () => (kube.objects.has(path) ? sealedSecretView(kube.get(path)) : undefined),
    // the cache holds only Secrets labelled as ours, like the real informer
    cachedSecret: (ns, n) => {
      const raw = secrets.store.get(`${ns}/${n}`);
      return raw && raw.metadata.labels?.['app.kubernetes.io/managed-by'] === 'sealkit' ? secretView(raw) : undefined;
    },
    opener: () => unsealer,
    secrets,
    finalizers: new FinalizerWriter(kube),
    status: {
      async patch(s, st) {
        statuses.push(st);
        await statusWriter.patch({ path: SS_PATH(s.namespace, s.name), uid: s.uid }, st);
      },
    },
    events: { emit: (_t, type, reason, message) => events.push({ type, reason, message }) },
    now: () => new Date('2026-01-01T00:00:00Z'),
    memo,
    log: silentLogger,
  };
  const run = () => reconcileSealedSecret(`${ssRaw.metadata.namespace}/${ssRaw.metadata.name}`, deps);
  const setSs = (raw: any) => {
    ssRaw = raw;
    path = SS_PATH(raw.metadata.namespace, raw.metadata.name);
    const cur = kube.objects.get(path);
    kube.objects.delete(path);
    kube.put({ ...raw, metadata: { ...raw.metadata, finalizers: raw.metadata.finalizers ?? cur?.metadata.finalizers }, status: raw.status ?? cur?.status });
  };
  /** What `kubectl delete` does to an object with finalizers: only marks it. */
  const markDeleted = () => {
    const o = kube.objects.get(path);
    if (o.metadata.finalizers?.length) o.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    else kube.objects.delete(path);
  };
  return { secrets, kube, statuses, events, run, deps, setSs, markDeleted, ss: () => kube.get(path) };
}

describe('reconcileSealedSecret', () => {
  it('creates the Secret with template type, labels, annotations, ownerReference and managed-by label', async () => {
    const t = setup(sealed());
    const r = await t.run();
    expect(r.outcome).toBe('created');
    const s = t.secrets.store.get('app/db');
    expect(Buffer.from(s.data.password, 'base64').toString()).toBe('hunter2');
    expect(Buffer.from(s.data.user, 'base64').toString()).toBe('admin');
    expect(s.metadata.labels).toEqual({ app: 'db', 'app.kubernetes.io/managed-by': 'sealkit' });
    expect(s.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
    expect(s.metadata.ownerReferences).toEqual([
      { apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
    ]);
    expect(t.statuses.at(-1)!.conditions[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Unsealed', observedGeneration: 1 });
    expect(t.statuses.at(-1)!.observedGeneration).toBe(1);
  });

  it('writes nothing on a second pass (resync) — neither Secret nor status', async () => {
    const t = setup(sealed());
    await t.run();
    const writes = t.secrets.writes.length;
    const patches = t.statuses.length;
    t.deps.memo.clear(); // even without the memo, the digests and the status match
    const r = await t.run();
    expect(r.outcome).toBe('unchanged');
    expect(t.secrets.writes.length).toBe(writes);
    expect(t.statuses.length).toBe(patches);
  });

  it('restores drift: edited data and deleted Secret', async () => {
    const t = setup(sealed());
    await t.run();
    t.secrets.store.get('app/db').data.password = Buffer.from('changed').toString('base64');
    t.secrets.store.get('app/db').metadata.resourceVersion = '999';
    expect((await t.run()).outcome).toBe('updated');
    expect(Buffer.from(t.secrets.store.get('app/db').data.password, 'base64').toString()).toBe('hunter2');
    expect(t.events.some((e) => e.reason === 'SecretRestored')).toBe(true);
    t.secrets.store.delete('app/db');
    expect((await t.run()).outcome).toBe('created');
  });

  it("an update keeps other objects' non-controller ownerReferences, and puts ours back", async () => {
    const t = setup(sealed());
    await t.run();
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'shop', uid: 'app-uid' };
    const s = t.secrets.store.get('app/db');
    // Someone adds a reference of theirs and edits a value.
    s.metadata.ownerReferences = [...s.metadata.ownerReferences, app];
    s.data.password = Buffer.from('changed').toString('base64');
    s.metadata.resourceVersion = '999';
    expect((await t.run()).outcome).toBe('updated');
    const after = t.secrets.store.get('app/db');
    expect(after.metadata.ownerReferences).toEqual([app, expect.objectContaining({ kind: 'SealedSecret', uid: 'uid-1', controller: true })]);
    expect(Buffer.from(after.data.password, 'base64').toString()).toBe('hunter2');
  });

  it('never overwrites a Secret it does not own, and says so', async () => {
    const existing = { metadata: { namespace: 'app', name: 'db', uid: 'x', resourceVersion: '5' }, type: 'Opaque', data: { password: 'b2xk' } };
    const t = setup(sealed(), { existing });
    const r = await t.run();
    expect(r.outcome).toBe('not_owned');
    expect(r.work).toEqual({ kind: 'retry' });
    expect(t.secrets.writes).toEqual([]);
    expect(t.secrets.store.get('app/db').data.password).toBe('b2xk');
    expect(t.statuses.at(-1)!.conditions[0]).toMatchObject({ status: 'False', reason: 'SecretNotOwned' });
    expect(t.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'SecretNotOwned' })]);
  });

  it('takes over an unowned Secret that opted in by annotation', async () => {
    const existing = { metadata: { namespace: 'app', name: 'db', uid: 'x', resourceVersion: '5', annotations: { 'sealkit.dev/managed': 'true' } }, type: 'Opaque', data: { password: 'b2xk' } };
    const t = setup(sealed(), { existing });
    expect((await t.run()).outcome).toBe('updated');
    expect(Buffer.from(t.secrets.store.get('app/db').data.password, 'base64').toString()).toBe('hunter2');
  });

  it('a Secret labelled as ours but controlled by another object (e.g. an older SealedSecret) is not ours', async () => {
    const t = setup(sealed({ uid: 'new-uid' }));
    const existing = {
      metadata: { namespace: 'app', name: 'db', uid: 's', resourceVersion: '5', labels: { 'app.kubernetes.io/managed-by': 'sealkit' },
        ownerReferences: [{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'old-uid', controller: true }] },
      type: 'Opaque', data: {},
    };
    t.secrets.store.set('app/db', existing);
    expect((await t.run()).outcome).toBe('not_owned');
    expect(t.secrets.writes).toEqual([]);
  });

  it('scope mismatch keeps the last good Secret untouched and reports the reason', async () => {
    const t = setup(sealed());
    await t.run();
    const before = JSON.stringify(t.secrets.store.get('app/db'));
    // same object, now carrying values sealed for another namespace
    t.setSs(sealed({ generation: 2, sealNs: 'other' }));
    const r = await t.run();
    expect(r.outcome).toBe('failed');
    expect(r.reason).toBe('ScopeMismatch');
    expect(JSON.stringify(t.secrets.store.get('app/db'))).toBe(before);
    const c = t.statuses.at(-1)!.conditions[0]!;
    expect(c).toMatchObject({ status: 'False', reason: 'ScopeMismatch', observedGeneration: 2 });
    expect(c.message).toContain('left unchanged');
    expect(c.message).not.toContain('hunter2');
    expect(t.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'ScopeMismatch' });
  });

  it('reports UnknownKey and AuthenticationFailed distinctly', async () => {
    const t1 = setup(sealed({ key: other }));
    expect((await t1.run()).reason).toBe('UnknownKey');
    const raw = sealed();
    const v = Buffer.from(raw.spec.encryptedData.password, 'base64');
    v[v.length - 1]! ^= 1;
    raw.spec.encryptedData.password = v.toString('base64');
    const t2 = setup(raw);
    expect((await t2.run()).reason).toBe('AuthenticationFailed');
    expect(t2.secrets.writes).toEqual([]);
  });

  it('a failure already reported is not re-patched or re-evented on retry', async () => {
    const t = setup(sealed({ key: other }));
    await t.run();
    await t.run();
    expect(t.statuses.length).toBe(1);
    expect(t.events.length).toBe(1);
  });

  it('type changes and immutable Secrets are recreated, not patched', async () => {
    const t = setup(sealed());
    await t.run();
    t.setSs(sealed({ generation: 2, template: { type: 'kubernetes.io/basic-auth' } }));
    // basic-auth requires username/password keys in real life; the fake does not care
    expect((await t.run()).outcome).toBe('recreated');
    t.setSs(sealed({ generation: 3, template: { type: 'kubernetes.io/basic-auth', immutable: true } }));
    expect((await t.run()).outcome).toBe('updated'); // mutable -> immutable is a patch
    t.setSs(sealed({ generation: 4, template: { type: 'kubernetes.io/basic-auth', immutable: true, metadata: { labels: { v: '2' } } } }));
    expect((await t.run()).outcome).toBe('recreated');
  });

  it('transient API errors are retried without touching status', async () => {
    const t = setup(sealed());
    t.secrets.failNext = new ApiError(503, 'ServiceUnavailable', 'POST', 'secrets');
    const r = await t.run();
    expect(r.work).toEqual({ kind: 'retry' });
    expect(t.statuses).toEqual([]);
    expect((await t.run()).outcome).toBe('created');
  });

  it('permanent API errors are reported in status and retried', async () => {
    const t = setup(sealed());
    t.secrets.failNext = new ApiError(403, 'Forbidden', 'POST', 'secrets in app');
    const r = await t.run();
    expect(r.work).toEqual({ kind: 'retry' });
    expect(t.statuses.at(-1)!.conditions[0]).toMatchObject({ status: 'False', reason: 'WriteFailed' });
  });

  it('an object being deleted or gone is left to the garbage collector', async () => {
    const raw = sealed();
    raw.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const t = setup(raw);
    expect((await t.run()).outcome).toBe('gone');
    expect(t.secrets.writes).toEqual([]);
  });
});

describe('spec.deletionPolicy', () => {
  const retain = (opts: Parameters<typeof sealed>[0] = {}) => {
    const raw = sealed(opts);
    raw.spec.deletionPolicy = 'Retain';
    return raw;
  };
  const F = 'sealkit.dev/retain-secret';

  it('Retain: the SealedSecret gets the finalizer; Ready says the Secret stays; Delete takes a stale finalizer off', async () => {
    const t = setup(retain());
    expect((await t.run()).outcome).toBe('created');
    expect(t.ss().metadata.finalizers).toEqual([F]);
    expect(t.secrets.store.get('app/db').metadata.ownerReferences[0]).toMatchObject({ uid: 'uid-1', controller: true });
    expect(t.ss().status.conditions[0].message).toMatch(/stays when this SealedSecret is deleted/);
    const plain = sealed();
    plain.metadata.finalizers = ['other.example/keep', F];
    t.setSs(plain);
    await t.run();
    expect(t.ss().metadata.finalizers).toEqual(['other.example/keep']);
  });

  it('Retain, deleted: the Secret is released (data identical, no owner of ours, no managed-by label), an Event, the finalizer released', async () => {
    const t = setup(retain());
    await t.run();
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'shop', uid: 'app-uid' };
    t.secrets.store.get('app/db').metadata.ownerReferences.push(app);
    const before = t.secrets.store.get('app/db');
    const data = structuredClone(before.data);
    t.markDeleted();
    expect((await t.run()).outcome).toBe('retained');
    const s = t.secrets.store.get('app/db');
    expect(s.data).toEqual(data);
    expect(s.metadata.ownerReferences).toEqual([app]);
    expect(s.metadata.labels).toEqual({ app: 'db' });
    expect(s.metadata.annotations['sealkit.dev/retained-from']).toBe('db');
    expect(t.ss().metadata.finalizers).toBeUndefined();
    expect(t.events.map((e) => e.reason)).toContain('SecretRetained');
  });

  it('Retain, deleted: the finalizer is released even when the Secret is gone, or was released before a crash', async () => {
    const gone = setup(retain());
    await gone.run();
    gone.secrets.store.delete('app/db');
    gone.markDeleted();
    expect((await gone.run()).outcome).toBe('retained');
    expect(gone.ss().metadata.finalizers).toBeUndefined();

    const half = setup(retain());
    await half.run();
    half.markDeleted();
    // A controller killed between the two steps: the Secret is released, the finalizer still there.
    await half.deps.secrets.update(half.secrets.store.get('app/db'), releasedSecret(half.secrets.store.get('app/db'), sealedSecretView(half.ss())));
    const writes = half.secrets.kube.writes().filter((w) => w.includes('/secrets/')).length;
    expect((await half.run()).outcome).toBe('retained');
    expect(half.ss().metadata.finalizers).toBeUndefined();
    expect(half.secrets.kube.writes().filter((w) => w.includes('/secrets/'))).toHaveLength(writes);
  });

  it('Delete, deleted: nothing to do, the garbage collector removes the Secret', async () => {
    const t = setup(sealed());
    await t.run();
    t.kube.objects.get(SS_PATH('app', 'db')).metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect((await t.run()).outcome).toBe('gone');
    expect(t.secrets.store.get('app/db').metadata.ownerReferences[0].uid).toBe('uid-1');
  });

  it('a SealedSecret created again takes its retained Secret back: no write when the content is equal', async () => {
    const t = setup(retain());
    await t.run();
    t.markDeleted();
    await t.run();
    const released = t.secrets.store.get('app/db');
    // Re-applied from Git: a new object (new uid), same spec.
    const again = retain({ uid: 'uid-2' });
    t.setSs(again);
    const writes = t.secrets.writes.length;
    const r = await t.run();
    expect(r.outcome).toBe('unchanged');
    expect(t.secrets.writes).toHaveLength(writes);
    expect(t.secrets.store.get('app/db').metadata.resourceVersion).toBe(released.metadata.resourceVersion);
    expect(t.ss().status.conditions[0]).toMatchObject({ status: 'True', reason: 'Unsealed' });
    // Its content then changes: the Secret is written, ours again (owner reference and label back).
    const changed = retain({ uid: 'uid-2', generation: 2, template: { metadata: { labels: { app: 'db2' } }, type: 'Opaque' } });
    t.setSs(changed);
    expect((await t.run()).outcome).toBe('updated');
    const s = t.secrets.store.get('app/db');
    expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: 'uid-2', controller: true })]);
    expect(s.metadata.labels['app.kubernetes.io/managed-by']).toBe('sealkit');
  });

  it('with Delete, a retained Secret is taken back with its owner reference (the garbage collector needs it)', async () => {
    const t = setup(retain());
    await t.run();
    t.markDeleted();
    await t.run();
    t.setSs(sealed({ uid: 'uid-3' }));
    expect((await t.run()).outcome).toBe('updated');
    expect(t.secrets.store.get('app/db').metadata.ownerReferences).toEqual([expect.objectContaining({ uid: 'uid-3' })]);
  });

  it('a Secret released by a SealedSecret of another name is not taken', async () => {
    const t = setup(retain());
    await t.run();
    t.markDeleted();
    await t.run();
    t.secrets.store.get('app/db').metadata.annotations['sealkit.dev/retained-from'] = 'other';
    t.setSs(retain({ uid: 'uid-4' }));
    expect((await t.run()).outcome).toBe('not_owned');
  });
});

describe('decide', () => {
  const ss = sealedSecretView(sealed());
  const desired = desiredSecret(ss, { password: enc('x') });
  const live = (over: object) =>
    secretView({
      metadata: { namespace: 'app', name: 'db', uid: 's', resourceVersion: '1', labels: desired.labels, annotations: desired.annotations, ownerReferences: [desired.owners.ref] },
      type: desired.type,
      data: desired.data,
      ...over,
    });
  it('none when content and owner match', () => expect(decide(live({}), desired)).toBe('none'));
  it('update when data differs', () => expect(decide(live({ data: { password: 'eQ==' } }), desired)).toBe('update'));
  it('update when a label was removed by hand', () =>
    expect(decide(live({ metadata: { namespace: 'app', name: 'db', uid: 's', resourceVersion: '1', labels: {}, annotations: desired.annotations, ownerReferences: [desired.owners.ref] } }), desired)).toBe('update'));
  it('create when absent', () => expect(decide(undefined, desired)).toBe('create'));
  it('recreate on type change', () => expect(decide(live({ type: 'kubernetes.io/tls' }), desired)).toBe('recreate'));
  it('not-owned without controller ref or opt-in', () =>
    expect(decide(live({ metadata: { namespace: 'app', name: 'db', uid: 's', resourceVersion: '1', ownerReferences: [{ ...desired.owners.ref, controller: false }] } }), desired)).toBe('not-owned'));
});

describe('rollout on change', () => {
  it('restarts targets only after a write that changed the data: not on creation, a template change or a no-op pass; status carries it', async () => {
    const raw = { ...sealed(), spec: { ...sealed().spec, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }] } };
    const t = setup(raw);
    const calls: { dataHash: string; targets: unknown }[] = [];
    const condition = { type: 'Rollout', status: 'True' as const, reason: 'Restarted', message: 'restarted Deployment/web', lastTransitionTime: '2026-01-01T00:00:00Z' };
    t.deps.rollout = {
      secretChanged: async (c) => {
        calls.push({ dataHash: c.dataHash, targets: c.targets });
        return { rollout: { targets: [{ kind: 'Deployment', name: 'web', restartedAt: '2026-01-01T00:00:00Z' }] }, condition };
      },
    };
    expect((await t.run()).outcome).toBe('created');
    expect((await t.run()).outcome).toBe('unchanged');
    // a template change rewrites the Secret, its data stays
    t.setSs({ ...raw, metadata: { ...raw.metadata, generation: 2 }, spec: { ...raw.spec, template: { metadata: { labels: { app: 'db', tier: 'gold' } }, type: 'Opaque' } } });
    expect((await t.run()).outcome).toBe('updated');
    expect(calls).toEqual([]);
    // the data edited by hand: restored, and that is a change of data
    const live = t.secrets.store.get('app/db');
    t.secrets.store.set('app/db', { ...live, metadata: { ...live.metadata, resourceVersion: undefined }, data: { ...live.data, password: Buffer.from('edited').toString('base64') } });
    expect((await t.run()).outcome).toBe('updated');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.targets).toEqual([{ kind: 'Deployment', name: 'web' }]);
    expect(calls[0]!.dataHash).toBe(secretView(t.secrets.store.get('app/db')).dataHash);
    const last = t.statuses.at(-1)!;
    expect(last.rollout).toEqual({ targets: [{ kind: 'Deployment', name: 'web', restartedAt: '2026-01-01T00:00:00Z' }] });
    expect(last.conditions.map((c) => `${c.type}/${c.status}`)).toEqual(['Ready/True', 'Rollout/True']);
    // later status writes keep the Rollout condition (a merge patch replaces the list whole)
    t.setSs({ ...raw, metadata: { ...raw.metadata, generation: 3 }, status: last });
    await t.run();
    expect(t.statuses.at(-1)!.conditions.map((c) => c.type)).toEqual(['Ready', 'Rollout']);
    expect(t.statuses.at(-1)!.rollout).toBeUndefined(); // left as it is on the object
    expect(calls).toHaveLength(1);
  });
});
