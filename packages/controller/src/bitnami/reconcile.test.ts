// The Bitnami reconcile rules with fakes for the API (the real apiserver and the real Bitnami
// controller are in test/e2e/bitnami-controller.test.ts).
import { describe, expect, it } from 'vitest';
import { SecretWriter } from '../secrets/writer.js';
import { FakeKube } from '../testing/fake-kube.js';
import { desiredBitnamiSecret, reconcileBitnami, type BitnamiReconcileDeps, type Memo } from './reconcile.js';
import { bitnamiSealedSecretView, bitnamiSecretView } from './views.js';
import type { OpenResult } from './opener.js';

const log = { debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };

function ss(extra: { template?: any; annotations?: Record<string, string>; status?: any; generation?: number } = {}) {
  return bitnamiSealedSecretView({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'db', namespace: 'app', uid: 'ss-uid', generation: extra.generation ?? 1, resourceVersion: '10', annotations: extra.annotations },
    spec: { encryptedData: { password: 'AQA...' }, template: extra.template ?? { metadata: { labels: { a: 'b' } }, type: 'Opaque' } },
    status: extra.status,
  });
}

/** The real Secret writer over an in-memory API server; `calls` names each write method used. */
function harness(opts: { live?: any; open?: OpenResult; ssView?: ReturnType<typeof ss> } = {}) {
  const calls: string[] = [];
  const events: string[] = [];
  const statuses: any[] = [];
  const kube = new FakeKube();
  const path = '/api/v1/namespaces/app/secrets/db';
  if (opts.live) kube.put({ apiVersion: 'v1', kind: 'Secret', ...opts.live });
  const writer = new SecretWriter(kube);
  const view = opts.ssView ?? ss();
  const memo = new Map<string, Memo>();
  const recorded = <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) => async (...a: A) => {
    calls.push(name);
    return fn(...a);
  };
  const d: BitnamiReconcileDeps = {
    sealedSecret: () => view,
    cachedSecret: () => (kube.objects.has(path) ? bitnamiSecretView(kube.get(path)) : undefined),
    ready: () => true,
    open: async () => opts.open ?? { ok: true, data: { password: Buffer.from('pw').toString('base64') } },
    secrets: {
      create: recorded('create', (x) => writer.create(x)),
      update: recorded('patch', (live, x) => writer.update(live, x)),
      get: recorded('get', (ns, n) => writer.get(ns, n)),
      annotate: recorded('annotate', (ns, n, rv, a) => writer.annotate(ns, n, rv, a)),
    },
    status: { patch: async (_s, st) => void statuses.push(st) },
    events: { emit: (_t, type, reason, message) => void events.push(`${type} ${reason}: ${message}`) },
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    memo,
    log,
  };
  return { d, calls, events, statuses, live: () => kube.objects.get(path) };
}

describe('reconcileBitnami', () => {
  it('creates the Secret as Bitnami does: template metadata, type, controller ownerReference without blockOwnerDeletion', async () => {
    const h = harness();
    expect(await reconcileBitnami('app/db', h.d)).toEqual({ kind: 'done' });
    expect(h.calls).toEqual(['create']);
    expect(h.live().metadata.ownerReferences).toEqual([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'ss-uid', controller: true }]);
    expect(h.live().metadata.labels).toEqual({ a: 'b' });
    expect(h.live().type).toBe('Opaque');
    expect(h.events).toEqual(['Normal Unsealed: SealedSecret unsealed successfully']);
    expect(h.statuses).toEqual([
      { observedGeneration: 1, conditions: [{ type: 'Synced', status: 'True', lastUpdateTime: '2026-01-02T03:04:05Z', lastTransitionTime: '2026-01-02T03:04:05Z' }] },
    ]);
  });

  it('writes nothing when the Secret already is what it would write (switching controllers)', async () => {
    const view = ss({ status: { observedGeneration: 1, conditions: [{ type: 'Synced', status: 'True' }] } });
    const desired = desiredBitnamiSecret(view, { password: Buffer.from('pw').toString('base64') });
    const live = {
      metadata: { name: 'db', namespace: 'app', resourceVersion: '5', uid: 's', labels: desired.labels, ownerReferences: desired.owners.refs },
      type: 'Opaque',
      data: desired.data,
    };
    const h = harness({ live, ssView: view });
    await reconcileBitnami('app/db', h.d);
    expect(h.calls).toEqual([]);
    expect(h.statuses).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('refuses a Secret it does not control, with Bitnami\'s message, and keeps it', async () => {
    const live = { metadata: { name: 'db', namespace: 'app', resourceVersion: '5', uid: 's' }, type: 'Opaque', data: { x: 'eA==' } };
    const h = harness({ live });
    expect(await reconcileBitnami('app/db', h.d)).toEqual({ kind: 'retry' });
    expect(h.calls).toEqual([]);
    expect(h.events).toEqual(['Warning ErrUpdateFailed: Resource "db" already exists and is not managed by SealedSecret']);
    expect(h.statuses[0].conditions[0]).toMatchObject({ status: 'False', message: 'failed update: Resource "db" already exists and is not managed by SealedSecret' });
  });

  it('takes over a Secret annotated managed: replaces data, labels, annotations, ownerReferences', async () => {
    const live = {
      metadata: { name: 'db', namespace: 'app', resourceVersion: '5', uid: 's', annotations: { 'sealedsecrets.bitnami.com/managed': 'true' }, labels: { old: 'x' } },
      type: 'Opaque',
      data: { x: 'eA==' },
    };
    const h = harness({ live });
    await reconcileBitnami('app/db', h.d);
    expect(h.calls).toEqual(['patch']);
    expect(h.live().data).toEqual({ password: 'cHc=' });
    expect(h.live().metadata.labels).toEqual({ a: 'b' });
    expect(h.live().metadata.annotations).toBeUndefined();
    expect(h.live().metadata.ownerReferences[0].uid).toBe('ss-uid');
  });

  it('patches a Secret annotated patch: merges data, labels and annotations; ownerReferences only if also managed', async () => {
    const live = {
      metadata: { name: 'db', namespace: 'app', resourceVersion: '5', uid: 's', annotations: { 'sealedsecrets.bitnami.com/patch': 'true' }, labels: { old: 'x' } },
      type: 'Opaque',
      data: { x: 'eA==' },
    };
    const h = harness({ live });
    await reconcileBitnami('app/db', h.d);
    expect(h.calls).toEqual(['get', 'patch']);
    expect(h.live().data).toEqual({ x: 'eA==', password: 'cHc=' });
    expect(h.live().metadata.labels).toEqual({ old: 'x', a: 'b' });
    expect(h.live().metadata.ownerReferences).toBeUndefined();
  });

  it('skip-set-owner-references in the template: no ownerReference; like Bitnami, then "not managed" unless also managed', async () => {
    const bare = harness({ ssView: ss({ template: { metadata: { annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' } } } }) });
    expect(await reconcileBitnami('app/db', bare.d)).toEqual({ kind: 'retry' });
    expect(bare.calls).toEqual(['create']);
    expect(bare.live().metadata.ownerReferences).toBeUndefined();
    expect(bare.events).toEqual(['Warning ErrUpdateFailed: Resource "db" already exists and is not managed by SealedSecret']);
    const annotations = { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true', 'sealedsecrets.bitnami.com/managed': 'true' };
    const h = harness({ ssView: ss({ template: { metadata: { annotations } } }) });
    expect(await reconcileBitnami('app/db', h.d)).toEqual({ kind: 'done' });
    expect(h.live().metadata.ownerReferences).toBeUndefined();
    expect(h.live().metadata.annotations).toEqual(annotations);
  });

  it('a value that does not open: ErrUnsealFailed event, Synced False, the Secret untouched', async () => {
    const h = harness({ open: { ok: false, code: 'unknown_key', message: 'spec.encryptedData.password: no key opens this value' } });
    expect(await reconcileBitnami('app/db', h.d)).toEqual({ kind: 'retry' });
    expect(h.calls).toEqual([]);
    expect(h.events).toEqual(['Warning ErrUnsealFailed: Failed to unseal: spec.encryptedData.password: no key opens this value']);
    expect(h.statuses[0]).toMatchObject({ observedGeneration: 1, conditions: [{ type: 'Synced', status: 'False' }] });
  });

  it('hands the Secret over when a sealkit SealedSecret of the same name exists (migrate)', async () => {
    const view = ss();
    const live = {
      metadata: { name: 'db', namespace: 'app', resourceVersion: '5', uid: 's', ownerReferences: [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'ss-uid', controller: true }] },
      type: 'Opaque',
      data: { password: 'cHc=' },
    };
    const h = harness({ live, ssView: view });
    const handed: string[] = [];
    h.d.sealkitOwner = () => true;
    h.d.handOver = (k) => void handed.push(k);
    await reconcileBitnami('app/db', h.d);
    expect(h.calls).toEqual(['annotate']);
    expect(h.live().metadata.annotations).toEqual({ 'sealkit.dev/managed': 'true' });
    expect(handed).toEqual(['app/db']);
    expect(h.statuses[0].conditions[0]).toMatchObject({ status: 'True', message: 'handed over to the sealkit.dev/v1alpha1 SealedSecret app/db' });
    // Once sealkit owns it, nothing more is written.
    h.live().metadata.ownerReferences = [{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'other', controller: true }];
    await reconcileBitnami('app/db', h.d);
    expect(h.calls).toEqual(['annotate']);
  });

  it('reads the scope from the top-level annotations', () => {
    expect(ss({ annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } }).scope).toBe('cluster');
    expect(ss({ template: { metadata: { annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } } } }).scope).toBe('strict');
  });
});
