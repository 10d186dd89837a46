import { describe, expect, it } from 'vitest';
import { ApiError } from '@sealkit/kube';
import { silentLogger } from '../runtime/log.js';
import { createMetrics } from '../runtime/metrics.js';
import { FakeKube } from '../testing/fake-kube.js';
import { secretDataHash, secretHashAnnotation } from './hash.js';
import { Restarter } from './restarter.js';
import { referencedSecrets, workloadView, type WorkloadCaches, type WorkloadView } from './workloads.js';

describe('secretHashAnnotation', () => {
  it('sealkit.dev/secret-hash.<name>, and a valid annotation name for the longest Secret names', () => {
    expect(secretHashAnnotation('db')).toBe('sealkit.dev/secret-hash.db');
    const long = 'a'.repeat(200) + '.b-c';
    const k = secretHashAnnotation(long);
    const name = k.slice('sealkit.dev/'.length);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    expect(secretHashAnnotation(long + 'x')).not.toBe(k); // two long names sharing a prefix differ
  });
});

describe('secretDataHash', () => {
  it('covers every key and value, the namespace and the name; order of keys does not matter', () => {
    const h = secretDataHash('ns', 'db', { a: 'MQ==', b: 'Mg==' });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(secretDataHash('ns', 'db', { b: 'Mg==', a: 'MQ==' })).toBe(h);
    expect(secretDataHash('ns', 'db', { a: 'MQ==', b: 'Mw==' })).not.toBe(h);
    expect(secretDataHash('ns', 'db', { a: 'MQ==', c: 'Mg==' })).not.toBe(h);
    expect(secretDataHash('other', 'db', { a: 'MQ==', b: 'Mg==' })).not.toBe(h);
    expect(secretDataHash('ns', 'db2', { a: 'MQ==', b: 'Mg==' })).not.toBe(h);
    expect(secretDataHash('ns', 'db', undefined)).toBe(secretDataHash('ns', 'db', {}));
  });
});

describe('referencedSecrets / workloadView', () => {
  const pod = {
    volumes: [{ secret: { secretName: 'vol' } }, { projected: { sources: [{ secret: { name: 'proj' } }, { configMap: { name: 'cm' } }] } }, { emptyDir: {} }],
    containers: [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env', key: 'k' } } }, { name: 'B', value: 'x' }], envFrom: [{ secretRef: { name: 'envfrom' } }, { configMapRef: { name: 'cm2' } }] }],
    initContainers: [{ env: [{ name: 'C', valueFrom: { secretKeyRef: { name: 'init', key: 'k' } } }] }],
    imagePullSecrets: [{ name: 'pull' }],
  };
  it('finds Secrets in volumes, projected sources, env, envFrom and init containers; not pull secrets', () => {
    expect(referencedSecrets(pod)).toEqual(['env', 'envfrom', 'init', 'proj', 'vol']);
    expect(referencedSecrets(undefined)).toEqual([]);
    expect(referencedSecrets({ containers: 'nonsense', volumes: [null] })).toEqual([]);
  });
  it('keeps the Secrets of opted-in workloads only, and our pod-template annotations', () => {
    const raw = (ann: Record<string, string>) => ({
      metadata: { namespace: 'ns', name: 'web', resourceVersion: '5', annotations: ann },
      spec: { template: { metadata: { annotations: { 'sealkit.dev/secret-hash.env': 'h1', other: 'x' } }, spec: pod } },
    });
    const on = workloadView('Deployment')(raw({ 'sealkit.dev/restart-on-change': 'true' }));
    expect(on).toEqual({ namespace: 'ns', name: 'web', resourceVersion: '5', kind: 'Deployment', optIn: true, secrets: ['env', 'envfrom', 'init', 'proj', 'vol'], hashes: { 'sealkit.dev/secret-hash.env': 'h1' } });
    const off = workloadView('Deployment')(raw({ 'sealkit.dev/restart-on-change': 'false' }));
    expect(off.optIn).toBe(false);
    expect(off.secrets).toEqual([]);
  });
});

describe('Restarter', () => {
  const owner = { namespace: 'ns', name: 'db', uid: 'u1' };
  const deploy = (name: string, templateAnnotations: Record<string, string> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: 'ns', name },
    spec: { template: { metadata: { annotations: templateAnnotations } } },
  });
  function setup(o: { workloads?: WorkloadView[] } = {}) {
    const kube = new FakeKube();
    const events: { type: string; reason: string; message: string }[] = [];
    const caches = o.workloads
      ? ({ get: (k: string, ns: string, n: string) => o.workloads!.find((w) => w.kind === k && w.namespace === ns && w.name === n), usersOf: (ns: string, s: string) => o.workloads!.filter((w) => w.optIn && w.namespace === ns && w.secrets.includes(s)) } as unknown as WorkloadCaches)
      : undefined;
    const r = new Restarter({ client: kube, events: { emit: (_t, type, reason, message) => void events.push({ type, reason, message }) }, now: () => Date.UTC(2026, 0, 2, 3, 4, 5), log: silentLogger, metrics: createMetrics(), ...(caches ? { workloads: caches } : {}) });
    return { kube, events, r };
  }
  const change = (targets: { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'; name: string }[], dataHash = 'h2') => ({ owner, namespace: 'ns', secretName: 'db', dataHash, targets });

  it('no targets: nothing to do, no request', async () => {
    const { kube, r } = setup();
    expect(await r.secretChanged(change([]))).toBeUndefined();
    expect(kube.requests).toEqual([]);
  });

  it('patches one pod-template annotation per target with the digest; status and a Normal Event per restart', async () => {
    const { kube, events, r } = setup();
    kube.put(deploy('web', { keep: 'me' }));
    const out = await r.secretChanged(change([{ kind: 'Deployment', name: 'web' }]));
    expect(kube.get('/apis/apps/v1/namespaces/ns/deployments/web').spec.template.metadata.annotations).toEqual({ keep: 'me', 'sealkit.dev/secret-hash.db': 'h2' });
    expect(kube.requests[0]).toMatchObject({ method: 'PATCH', contentType: 'application/merge-patch+json' });
    expect(out).toEqual({
      rollout: { targets: [{ kind: 'Deployment', name: 'web', restartedAt: '2026-01-02T03:04:05Z' }] },
      condition: { type: 'Rollout', status: 'True', reason: 'Restarted', message: 'restarted Deployment/web', lastTransitionTime: '2026-01-02T03:04:05Z' },
    });
    expect(events).toEqual([{ type: 'Normal', reason: 'Restarted', message: 'Deployment web restarted: the data of Secret db changed' }]);
  });

  it('a missing target is a False condition with a Warning; the others are still restarted', async () => {
    const { kube, events, r } = setup();
    kube.put(deploy('web'));
    const out = (await r.secretChanged(change([{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'gone' }])))!;
    expect(out.condition).toMatchObject({ status: 'False', reason: 'RolloutTargetMissing', message: 'not found in namespace ns: StatefulSet/gone; restarted Deployment/web' });
    expect(out.rollout.targets.map((t) => t.name)).toEqual(['web']);
    expect(events.map((e) => `${e.type}/${e.reason}`)).toEqual(['Normal/Restarted', 'Warning/RolloutTargetMissing']);
  });

  it('403 is RolloutForbidden (says which RBAC to grant); other failures RolloutFailed; never throws', async () => {
    const { kube, r } = setup();
    kube.put(deploy('web'));
    kube.onRequest = () => {
      throw new ApiError(403, 'Forbidden', 'PATCH', '/x');
    };
    expect((await r.secretChanged(change([{ kind: 'Deployment', name: 'web' }])))!.condition).toMatchObject({ reason: 'RolloutForbidden', message: expect.stringContaining('rbac-rollout.yaml') });
    kube.onRequest = () => {
      throw new ApiError(500, 'InternalError', 'PATCH', '/x');
    };
    expect((await r.secretChanged(change([{ kind: 'Deployment', name: 'web' }])))!.condition).toMatchObject({ reason: 'RolloutFailed' });
  });

  it('with the workload cache: opted-in users are added (once, with the listed targets); a target already at the digest costs no request', async () => {
    const view = (name: string, optIn: boolean, secrets: string[], hashes: Record<string, string> = {}): WorkloadView => ({ namespace: 'ns', name, resourceVersion: '1', kind: 'Deployment', optIn, secrets, hashes });
    const { kube, r } = setup({ workloads: [view('web', true, ['db']), view('api', true, ['db'], { 'sealkit.dev/secret-hash.db': 'h2' }), view('plain', false, []), view('other', true, ['x'])] });
    for (const n of ['web', 'api', 'plain', 'other']) kube.put(deploy(n));
    expect(r.targetsOf({ namespace: 'ns', secretName: 'db', targets: [{ kind: 'Deployment', name: 'web' }] })).toEqual([{ kind: 'Deployment', name: 'web' }, { kind: 'Deployment', name: 'api' }]);
    const out = (await r.secretChanged(change([{ kind: 'Deployment', name: 'web' }])))!;
    expect(kube.writes()).toEqual(['PATCH /apis/apps/v1/namespaces/ns/deployments/web']);
    expect(out.rollout.targets.map((t) => t.name)).toEqual(['web']);
    expect(out.condition).toMatchObject({ status: 'True', message: 'restarted Deployment/web' });
  });
});
