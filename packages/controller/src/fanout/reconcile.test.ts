// reconcileClusterRemoteSecret with a recording stand-in for the API server (unit test of one
// function; the real apiserver is in test/e2e/cluster-remote-secret.test.ts): which requests a pass
// makes, and what status it writes.
import { ApiError, type KubeClient, type KubeRequest } from '@sealkit/kube';
import { CLUSTER_REMOTE_SECRET_LABEL, type ClusterRemoteSecret, type NamespaceInfo } from '@sealkit/core';
import { describe, expect, it } from 'vitest';
import type { LiveRemoteSecret } from './plan.js';
import { fanOutReadyState, reconcileClusterRemoteSecret, type FanOutReconcileDeps } from './reconcile.js';

const rsSpec = { storeRef: { name: 'vault', kind: 'ClusterRemoteStore' }, data: [{ secretKey: 'p', remoteRef: { key: 'k', property: 'p' } }] };
const crs = (spec: Record<string, unknown> = {}): ClusterRemoteSecret => ({
  metadata: { name: 'db', uid: 'crs-uid', generation: 2 },
  spec: { namespaceSelector: { matchLabels: { team: 'a' } }, template: { spec: rsSpec }, ...spec } as ClusterRemoteSecret['spec'],
});
const ours = (namespace: string, o: Partial<LiveRemoteSecret> = {}): LiveRemoteSecret => ({
  namespace, name: 'db', uid: `u-${namespace}`, resourceVersion: '5', deleting: false,
  controller: { kind: 'ClusterRemoteSecret', name: 'db', uid: 'crs-uid' },
  labels: { [CLUSTER_REMOTE_SECRET_LABEL]: 'db' }, annotations: {}, spec: rsSpec, ...o,
});

function setup(o: { crs: ClusterRemoteSecret; namespaces: NamespaceInfo[]; cached?: LiveRemoteSecret[]; fail?: (r: KubeRequest) => ApiError | undefined }) {
  const requests: KubeRequest[] = [];
  const statuses: object[] = [];
  const client = {
    request: async (r: KubeRequest) => {
      requests.push(r);
      const err = o.fail?.(r);
      if (err) throw err;
      return {};
    },
  } as unknown as KubeClient;
  const cached = o.cached ?? [];
  const deps: FanOutReconcileDeps = {
    getClusterRemoteSecret: (n) => (n === 'db' ? o.crs : undefined),
    namespaces: () => o.namespaces,
    inScope: () => true,
    liveRemoteSecret: (ns, n) => cached.find((r) => r.namespace === ns && r.name === n),
    ownedBy: () => cached.filter((r) => r.controller?.uid === 'crs-uid'),
    client,
    status: { patch: async (_t, s) => void statuses.push(s) },
    now: () => Date.parse('2026-12-06T05:00:00Z'),
  };
  return { deps, requests, statuses };
}
const ns = (name: string, labels: Record<string, string> = { team: 'a' }): NamespaceInfo => ({ name, labels, terminating: false });

describe('reconcileClusterRemoteSecret', () => {
  it('creates with a controller ownerReference, updates with the resourceVersion as precondition, deletes by uid; then writes the counts', async () => {
    const { deps, requests, statuses } = setup({
      crs: crs(),
      namespaces: [ns('new'), ns('stale'), ns('gone', {})],
      cached: [ours('stale', { spec: { ...rsSpec, refreshInterval: '5m' } }), ours('gone')],
    });
    const r = await reconcileClusterRemoteSecret('db', deps);
    expect(r).toMatchObject({ outcome: 'synced', created: 1, updated: 1, deleted: 1, work: { kind: 'done' } });
    const post = requests.find((q) => q.method === 'POST')!;
    expect(post.path).toBe('/apis/sealkit.dev/v1alpha1/namespaces/new/remotesecrets');
    expect((post.body as any).metadata.ownerReferences).toEqual([{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', name: 'db', uid: 'crs-uid', controller: true, blockOwnerDeletion: true }]);
    const patch = requests.find((q) => q.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/json-patch+json');
    expect(patch.body).toContainEqual({ op: 'add', path: '/metadata/resourceVersion', value: '5' });
    expect(patch.body).toContainEqual({ op: 'add', path: '/spec', value: rsSpec });
    const del = requests.find((q) => q.method === 'DELETE')!;
    expect(del.path).toBe('/apis/sealkit.dev/v1alpha1/namespaces/gone/remotesecrets/db');
    expect((del.body as any).preconditions).toEqual({ uid: 'u-gone' });
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ matchedNamespaces: 2, provisionedNamespaces: 2, failedNamespaceCount: 0, failedNamespaces: null, observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Provisioned' }] });
  });

  it('a create that conflicts (ours, not in the cache yet) is retried and reported as Provisioning, not as a failure', async () => {
    const { deps, statuses } = setup({ crs: crs(), namespaces: [ns('a')], fail: (q) => (q.method === 'POST' ? new ApiError(409, 'AlreadyExists', 'POST', q.path) : undefined) });
    const r = await reconcileClusterRemoteSecret('db', deps);
    expect(r).toMatchObject({ work: { kind: 'retry' }, outcome: 'waiting' });
    expect(statuses[0]).toMatchObject({ matchedNamespaces: 1, provisionedNamespaces: 0, failedNamespaceCount: 0, conditions: [{ status: 'False', reason: 'Provisioning' }] });
  });

  it('ours being deleted in a matching namespace: Provisioning, looked at again (never a second object beside it)', async () => {
    const { deps, requests, statuses } = setup({ crs: crs(), namespaces: [ns('a')], cached: [ours('a', { deleting: true })] });
    const r = await reconcileClusterRemoteSecret('db', deps);
    expect(r.work).toEqual({ kind: 'retry' });
    expect(requests).toEqual([]);
    expect(statuses[0]).toMatchObject({ provisionedNamespaces: 0, conditions: [{ reason: 'Provisioning' }] });
  });

  it('a refused write is a failure for that namespace (status and reason, no body) and is retried', async () => {
    const { deps, statuses } = setup({ crs: crs(), namespaces: [ns('a'), ns('b')], fail: (q) => (q.path.includes('/namespaces/b/') ? new ApiError(403, 'Forbidden', 'POST', q.path) : undefined) });
    const r = await reconcileClusterRemoteSecret('db', deps);
    expect(r.work).toEqual({ kind: 'retry' });
    expect(statuses[0]).toMatchObject({ matchedNamespaces: 2, provisionedNamespaces: 1, failedNamespaceCount: 1, failedNamespaces: [{ namespace: 'b', reason: 'Forbidden', message: 'writing the RemoteSecret: HTTP 403 Forbidden' }] });
  });

  it('an invalid spec writes InvalidSpec and nothing else', async () => {
    const { deps, requests, statuses } = setup({ crs: crs({ namespaceSelector: undefined }), namespaces: [ns('a')], cached: [ours('a')] });
    const r = await reconcileClusterRemoteSecret('db', deps);
    expect(r.outcome).toBe('invalid');
    expect(requests).toEqual([]);
    expect(statuses[0]).toMatchObject({ conditions: [{ status: 'False', reason: 'InvalidSpec', message: expect.stringMatching(/^spec.namespaceSelector or spec.namespaces is required/) }] });
  });

  it('writes no status when nothing changed', async () => {
    const first = setup({ crs: crs(), namespaces: [ns('a')], cached: [ours('a')] });
    await reconcileClusterRemoteSecret('db', first.deps);
    const written = first.statuses[0] as any;
    const again = setup({ crs: { ...crs(), status: { ...written, failedNamespaces: undefined } }, namespaces: [ns('a')], cached: [ours('a')] });
    await reconcileClusterRemoteSecret('db', again.deps);
    expect(again.statuses).toEqual([]);
    expect(again.requests).toEqual([]);
  });
});

describe('fanOutReadyState', () => {
  it('names the first failures, says when nothing matches', () => {
    const f = (n: string) => ({ namespace: n, reason: 'RemoteSecretNotOwned', message: 'm' });
    expect(fanOutReadyState(5, 1, [f('a'), f('b'), f('c'), f('d')], 0, 'db')).toEqual({ ready: false, reason: 'NamespacesFailed', message: '4 of 5 namespaces failed: a (RemoteSecretNotOwned), b (RemoteSecretNotOwned), c (RemoteSecretNotOwned), ...; see status.failedNamespaces' });
    expect(fanOutReadyState(0, 0, [], 0, 'db')).toMatchObject({ ready: true, reason: 'NoMatchingNamespaces' });
    expect(fanOutReadyState(2, 1, [], 1, 'db')).toMatchObject({ ready: false, reason: 'Provisioning', message: expect.stringMatching(/^1 of 2 namespaces not provisioned yet/) });
    expect(fanOutReadyState(1, 1, [], 0, 'db')).toEqual({ ready: true, reason: 'Provisioned', message: 'RemoteSecret db in 1 namespace' });
  });
});
