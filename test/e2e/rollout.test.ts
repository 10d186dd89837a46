// Rollout on change, end to end: the real controller (with the RBAC of deploy/rbac.yaml and
// deploy/rbac-rollout.yaml), the real kube-apiserver, and kube-controller-manager's deployment,
// statefulset and daemonset controllers, which turn a pod-template change into a new ReplicaSet or
// ControllerRevision. There are no nodes: pods stay Pending, and what we count is ReplicaSets and
// ControllerRevisions, one per pod template the workload ever had.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube, requireVault } from '../infra/env.js';
import { ControllerProcess } from './lib/controller-process.js';
import { apply, controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, kubectl, sleep, suffix, waitFor } from './lib/kube.js';
import { seal } from './lib/seal.js';
import { createToken, ensureRemoteCrds, kv2Put, remoteSecret, secretOf, vault, vaultStore, waitRemote } from './remote-support.js';

let ctlNs: string;
let app: string;
let kubeconfig: string;
let ctl: ControllerProcess;
let cert: string;
// Full resource name: with Bitnami's CRD installed by an earlier suite, kubectl resolves 'sealedsecret' to bitnami.com.
const SEALED = 'sealedsecrets.sealkit.dev';
const seeded: string[] = []; // every value this suite writes: none may appear in a log or a workload
const track = <T extends string>(v: T): T => (seeded.push(v), v);

const startController = () =>
  ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'rollout-e2e', args: ['--rollout-on-change', '--resync-period', '2s'] });

beforeAll(async () => {
  requireKube({ gc: true });
  requireVault();
  await ensureCrd();
  await ensureRemoteCrds();
  ctlNs = await createNamespace('rollc');
  app = await createNamespace('rolla');
  kubeconfig = await controllerIdentity(ctlNs, ['rbac-rollout.yaml']);
  ctl = await startController();
  cert = await fetchCertPem(ctlNs);
});

afterAll(async () => {
  const logs = ctl?.logText() ?? '';
  await ctl?.stop();
  for (const ns of [app, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  for (const v of seeded) expect(logs).not.toContain(v);
});

// ---- workloads --------------------------------------------------------------------------------

/** A pod spec using Secret `secret` through an env var, envFrom and a projected volume. */
function podSpec(secret: string) {
  return {
    containers: [
      {
        name: 'app',
        image: 'registry.invalid/app:1',
        env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }],
        envFrom: [{ secretRef: { name: secret } }],
        volumeMounts: [{ name: 'creds', mountPath: '/creds' }],
      },
    ],
    volumes: [{ name: 'creds', projected: { sources: [{ secret: { name: secret } }] } }],
  };
}

function workload(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string, secret: string, annotations: Record<string, string> = {}) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: app, annotations },
    spec: {
      selector: { matchLabels: labels },
      ...(kind === 'DaemonSet' ? {} : { replicas: 1 }),
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      template: { metadata: { labels }, spec: podSpec(secret) },
    },
  };
}

/** How many pod templates the workload has had: its ReplicaSets (Deployment) or ControllerRevisions. */
async function revisions(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string): Promise<number> {
  const list = await getJson([kind === 'Deployment' ? 'replicasets' : 'controllerrevisions', '-n', app]);
  return (list?.items ?? []).filter((o: any) => (o.metadata.ownerReferences ?? []).some((r: any) => r.kind === kind && r.name === name)).length;
}

const waitRevisions = (kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string, n: number) =>
  waitFor(`${kind} ${name}: ${n} revision(s)`, async () => {
    const got = await revisions(kind, name);
    if (got > n) throw new Error(`${got} revisions, more than ${n}`);
    return got === n;
  }, 30_000);

async function templateAnnotations(kind: string, name: string): Promise<Record<string, string>> {
  const o = await getJson([kind.toLowerCase(), name, '-n', app]);
  return o?.spec?.template?.metadata?.annotations ?? {};
}

// ---- sources ----------------------------------------------------------------------------------

function sealed(name: string, data: Record<string, string>, extra: Record<string, unknown> = {}, labels?: Record<string, string>) {
  const o = seal(cert, { namespace: app, name, data, ...(labels ? { labels } : {}) });
  o.spec = { ...o.spec, ...extra };
  return o;
}

async function waitSecretValue(name: string, key: string, value: string): Promise<any> {
  return waitFor(`Secret ${name}.${key} updated`, async () => {
    const s = await getJson(['secret', name, '-n', app]);
    return s && decoded(s)[key] === value ? s : undefined;
  });
}

const rolloutCondition = (o: any) => (o?.status?.conditions ?? []).find((c: any) => c.type === 'Rollout');

async function waitRolloutStatus(kind: string, name: string, pred: (o: any) => boolean): Promise<any> {
  return waitFor(`${kind} ${name} rollout status`, async () => {
    const o = await getJson([kind, name, '-n', app]);
    return o && pred(o) ? o : undefined;
  });
}

async function eventsOf(name: string, reason: string): Promise<any[]> {
  return (await getJson(['events', '-n', app, '--field-selector', `involvedObject.name=${name},reason=${reason}`]))?.items ?? [];
}

/** A few resyncs (--resync-period 2s) and the restarted controller's first pass. */
const QUIET_MS = 7_000;

describe('spec.rolloutRestartTargets', () => {
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

  it('a first creation restarts nothing; a change of value restarts each target exactly once', async () => {
    await apply([workload('Deployment', 'web', 'db'), workload('StatefulSet', 'store', 'db'), workload('DaemonSet', 'agent', 'db')]);
    for (const k of kinds) await waitRevisions(k, { Deployment: 'web', StatefulSet: 'store', DaemonSet: 'agent' }[k], 1);
    const targets = [{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'store' }, { kind: 'DaemonSet', name: 'agent' }];
    await apply(sealed('db', { password: track('first-Pw-7781') }, { rolloutRestartTargets: targets }));
    await waitSecretValue('db', 'password', 'first-Pw-7781');
    await sleep(2_000);
    expect(await revisions('Deployment', 'web')).toBe(1);
    expect(await revisions('StatefulSet', 'store')).toBe(1);
    expect(await revisions('DaemonSet', 'agent')).toBe(1);

    await apply(sealed('db', { password: track('second-Pw-9902') }, { rolloutRestartTargets: targets }));
    const secret = await waitSecretValue('db', 'password', 'second-Pw-9902');
    await waitRevisions('Deployment', 'web', 2);
    await waitRevisions('StatefulSet', 'store', 2);
    await waitRevisions('DaemonSet', 'agent', 2);

    // One annotation, a SHA-256 over the whole data: never the value.
    const ann = await templateAnnotations('Deployment', 'web');
    const hash = ann['sealkit.dev/secret-hash.db'];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(ann)).not.toContain('second-Pw-9902');
    expect(JSON.stringify(ann)).not.toContain(Buffer.from('second-Pw-9902').toString('base64'));
    const expected = createHash('sha256').update(JSON.stringify(['sealkit.dev/secret-data/v1', app, 'db', Object.entries(secret.data).sort(([a], [b]) => (a < b ? -1 : 1))])).digest('hex');
    expect(hash).toBe(expected);
    for (const k of ['StatefulSet', 'DaemonSet']) expect((await templateAnnotations(k, k === 'StatefulSet' ? 'store' : 'agent'))['sealkit.dev/secret-hash.db']).toBe(hash);

    const ss = await waitRolloutStatus(SEALED, 'db', (o) => o.status?.rollout?.targets?.length === 3);
    expect(ss.status.rollout.targets.map((t: any) => `${t.kind}/${t.name}`).sort()).toEqual(['DaemonSet/agent', 'Deployment/web', 'StatefulSet/store']);
    for (const t of ss.status.rollout.targets) expect(t.restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rolloutCondition(ss)).toMatchObject({ status: 'True', reason: 'Restarted' });
    expect(ss.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect((await eventsOf('db', 'Restarted')).length).toBeGreaterThanOrEqual(1);
  });

  it('no new revision on resyncs, on a controller restart, or on a change of labels only', async () => {
    await sleep(QUIET_MS);
    await ctl.stop();
    ctl = await startController();
    await sleep(QUIET_MS);
    // Labels only: the Secret is rewritten, its data is not changed.
    const targets = [{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'store' }, { kind: 'DaemonSet', name: 'agent' }];
    await apply(sealed('db', { password: 'second-Pw-9902' }, { rolloutRestartTargets: targets }, { tier: 'gold' }));
    await waitFor('Secret db relabelled', async () => (await getJson(['secret', 'db', '-n', app]))?.metadata?.labels?.tier === 'gold');
    await sleep(3_000);
    expect(await revisions('Deployment', 'web')).toBe(2);
    expect(await revisions('StatefulSet', 'store')).toBe(2);
    expect(await revisions('DaemonSet', 'agent')).toBe(2);
  });

  it('a missing target is a condition (RolloutTargetMissing) and an Event, not an error loop; the others restart', async () => {
    await apply(workload('Deployment', 'present', 'cfg'));
    await waitRevisions('Deployment', 'present', 1);
    const targets = [{ kind: 'Deployment', name: 'present' }, { kind: 'Deployment', name: 'absent' }];
    await apply(sealed('cfg', { password: track('cfg-a-1') }, { rolloutRestartTargets: targets }));
    await waitSecretValue('cfg', 'password', 'cfg-a-1');
    await apply(sealed('cfg', { password: track('cfg-b-2') }, { rolloutRestartTargets: targets }));
    const ss = await waitRolloutStatus(SEALED, 'cfg', (o) => rolloutCondition(o)?.reason === 'RolloutTargetMissing');
    expect(rolloutCondition(ss).status).toBe('False');
    expect(rolloutCondition(ss).message).toContain('Deployment/absent');
    expect(ss.status.rollout.targets.map((t: any) => t.name)).toEqual(['present']);
    expect(ss.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    await waitRevisions('Deployment', 'present', 2);
    expect(await eventsOf('cfg', 'RolloutTargetMissing')).toHaveLength(1);
    // Resyncs neither retry the restart nor drop the condition.
    await sleep(QUIET_MS);
    const later = await getJson([SEALED, 'cfg', '-n', app]);
    expect(rolloutCondition(later)).toMatchObject({ reason: 'RolloutTargetMissing' });
    expect(await revisions('Deployment', 'present')).toBe(2);
  });
});

describe('the restart-on-change annotation (--rollout-on-change)', () => {
  it('restarts opted-in workloads using the Secret, once per change; others are left alone', async () => {
    await apply([
      workload('Deployment', 'optin', 'api-key', { 'sealkit.dev/restart-on-change': 'true' }),
      workload('Deployment', 'plain', 'api-key'),
      workload('Deployment', 'unrelated', 'other-secret', { 'sealkit.dev/restart-on-change': 'true' }),
    ]);
    for (const n of ['optin', 'plain', 'unrelated']) await waitRevisions('Deployment', n, 1);
    await apply(sealed('api-key', { password: track('key-1-AbC') }));
    await waitSecretValue('api-key', 'password', 'key-1-AbC');
    await apply(sealed('api-key', { password: track('key-2-DeF') }));
    await waitSecretValue('api-key', 'password', 'key-2-DeF');
    await waitRevisions('Deployment', 'optin', 2);
    await apply(sealed('api-key', { password: track('key-3-GhI') }));
    await waitSecretValue('api-key', 'password', 'key-3-GhI');
    await waitRevisions('Deployment', 'optin', 3);
    await sleep(QUIET_MS);
    expect(await revisions('Deployment', 'optin')).toBe(3);
    expect(await revisions('Deployment', 'plain')).toBe(1);
    expect(await revisions('Deployment', 'unrelated')).toBe(1);
    const ss = await getJson([SEALED, 'api-key', '-n', app]);
    expect(ss.status.rollout.targets).toEqual([{ kind: 'Deployment', name: 'optin', restartedAt: expect.any(String) }]);
  });
});

describe('RemoteSecret', () => {
  it('a Vault value change restarts its target after the refresh, once', async () => {
    const sfx = suffix();
    const key = `rollout-${sfx}/db`;
    const policy = `sealkit-rollout-${sfx}`;
    await vault('PUT', `sys/policies/acl/${policy}`, { policy: `path "secret/data/rollout-${sfx}/*" { capabilities = ["read"] }` });
    const token = track(await createToken([policy]));
    const { addr } = requireVault();
    await apply([
      secretOf('vault-token', app, { token }),
      vaultStore(app, 'vault', { server: addr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      workload('Deployment', 'rweb', 'from-vault'),
    ]);
    await waitRevisions('Deployment', 'rweb', 1);
    await kv2Put('secret', key, { password: track('vault-v1-Qw') });
    await apply(remoteSecret(app, 'from-vault', {
      storeRef: { name: 'vault' },
      refreshInterval: '2s',
      data: [{ secretKey: 'password', remoteRef: { key, property: 'password' } }],
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'rweb' }],
    }));
    await waitRemote(app, 'from-vault');
    await waitSecretValue('from-vault', 'password', 'vault-v1-Qw');
    await sleep(5_000); // two refreshes, same value
    expect(await revisions('Deployment', 'rweb')).toBe(1);

    await kv2Put('secret', key, { password: track('vault-v2-Er') });
    await waitSecretValue('from-vault', 'password', 'vault-v2-Er');
    await waitRevisions('Deployment', 'rweb', 2);
    const rs = await waitRolloutStatus('remotesecret', 'from-vault', (o) => o.status?.rollout?.targets?.length === 1);
    expect(rs.status.rollout.targets[0]).toMatchObject({ kind: 'Deployment', name: 'rweb' });
    expect(rolloutCondition(rs)).toMatchObject({ status: 'True', reason: 'Restarted' });
    await sleep(QUIET_MS); // more refreshes: nothing new
    expect(await revisions('Deployment', 'rweb')).toBe(2);
    const later = await getJson(['remotesecret', 'from-vault', '-n', app]);
    expect(rolloutCondition(later)).toMatchObject({ reason: 'Restarted' }); // kept by the Ready writes of later refreshes
  });
});

describe('without the rollout RBAC (the default install)', () => {
  it('a listed target is RolloutForbidden, the Secret is still written and Ready, nothing loops', async () => {
    const ctl2Ns = await createNamespace('rollc2');
    const app2 = await createNamespace('rolla2');
    let ctl2: ControllerProcess | undefined;
    try {
      const kc = await controllerIdentity(ctl2Ns); // deploy/rbac.yaml only: no verbs on apps
      ctl2 = await ControllerProcess.start({ kubeconfig: kc, namespace: ctl2Ns, watchNamespaces: [app2], identity: 'rollout-norbac', args: ['--resync-period', '2s'] });
      const cert2 = await fetchCertPem(ctl2Ns);
      const w = workload('Deployment', 'web', 'db');
      await apply({ ...w, metadata: { ...w.metadata, namespace: app2 } });
      const mk = (v: string) => {
        const o = seal(cert2, { namespace: app2, name: 'db', data: { password: v } });
        o.spec.rolloutRestartTargets = [{ kind: 'Deployment', name: 'web' }];
        return o;
      };
      await apply(mk(track('nr-1-Zz')));
      await waitFor('Secret db', async () => decoded((await getJson(['secret', 'db', '-n', app2])) ?? { data: {} }).password === 'nr-1-Zz');
      await apply(mk(track('nr-2-Yy')));
      const ss = await waitFor('RolloutForbidden', async () => {
        const o = await getJson([SEALED, 'db', '-n', app2]);
        return rolloutCondition(o)?.reason === 'RolloutForbidden' ? o : undefined;
      });
      expect(rolloutCondition(ss).message).toContain('Deployment/web');
      expect(ss.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True' });
      expect(decoded(await getJson(['secret', 'db', '-n', app2])).password).toBe('nr-2-Yy');
      const dep = await getJson(['deployment', 'web', '-n', app2]);
      expect(dep.metadata.generation).toBe(1);
      const m0 = await (await fetch(`${ctl2.url}/metrics`)).text();
      await sleep(QUIET_MS);
      const m1 = await (await fetch(`${ctl2.url}/metrics`)).text();
      const forbidden = (t: string) => t.split('\n').filter((l) => l.startsWith('sealkit_rollout_restarts_total{') && l.includes('result="forbidden"')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
      expect(forbidden(m0)).toBe(1);
      expect(forbidden(m1)).toBe(1); // resyncs do not retry it
    } finally {
      await ctl2?.stop();
      for (const ns of [app2, ctl2Ns]) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
    }
  });
});
