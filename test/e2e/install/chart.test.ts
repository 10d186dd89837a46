// charts/sealkit with the real helm (built from Go modules by test/infra/build.sh): lint, render
// the defaults and a matrix of values, apply every rendering with a server-side dry run to the real
// kube-apiserver, hand the rendered controller flags to the real controller binary, and check that
// the default rendering is the same set of objects as `kubectl kustomize deploy/`.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube } from '../../infra/env.js';
import { CONTROLLER_BIN } from '../lib/controller-process.js';
import { DEPLOY, REPO, createNamespace, ensureCrd, kubectl, run } from '../lib/kube.js';
import { ensureRemoteCrds } from '../remote-support.js';
import { tool } from './tools.js';

const CHART = path.join(REPO, 'charts/sealkit');
const work = mkdtempSync(path.join(tmpdir(), 'sealkit-chart-'));
let helm: string;
let ns: string;

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

const docs = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJSON()).filter(Boolean);
const id = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byId = (objs: Obj[]) => new Map(objs.map((o) => [id(o), o]));

async function template(values: object, namespace: string, extra: string[] = []): Promise<Obj[]> {
  const file = path.join(work, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  const r = await run(helm, ['template', 'sealkit', CHART, '--namespace', namespace, '--values', file, ...extra]);
  return docs(r.stdout);
}

async function lint(values: object): Promise<string> {
  const file = path.join(work, `lint-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  return (await run(helm, ['lint', '--strict', CHART, '--values', file])).stdout;
}

/** Server-side dry run of every object against the real apiserver (schema, admission, RBAC escalation checks). */
async function dryRun(objs: Obj[]): Promise<void> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs });
  await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '--field-manager=sealkit-chart-test', '-f', '-'], { input });
}

const deployment = (objs: Obj[]) => objs.find((o) => o.kind === 'Deployment')!;
const args = (objs: Obj[]): string[] => deployment(objs).spec.template.spec.containers[0].args;

/** The rendered flags, handed to the real controller: exit 2 would mean a flag it does not know. */
async function controllerAccepts(flags: string[]): Promise<void> {
  const r = await run(process.execPath, [CONTROLLER_BIN, ...flags, '--kubeconfig', path.join(work, 'no-such-kubeconfig')], { allowFail: true });
  expect(r.stderr + r.stdout).not.toMatch(/unknown flag|usage/i);
  expect(r.code).toBe(1); // it got past flag parsing and failed on the missing kubeconfig
  expect(r.stdout + r.stderr).toContain('no-such-kubeconfig');
}

const MATRIX: { name: string; values: object; check(objs: Obj[]): void }[] = [
  {
    name: 'bitnami mode',
    values: { bitnami: { enabled: true, keyNamespace: 'sealed-secrets' } },
    check(objs) {
      expect(args(objs)).toEqual(expect.arrayContaining(['--bitnami', '--bitnami-key-namespace=sealed-secrets', '--bitnami-lease-name=sealkit-controller-bitnami']));
      const role = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'sealkit-controller-bitnami')!;
      expect(role.rules).toEqual(expect.arrayContaining([expect.objectContaining({ apiGroups: ['bitnami.com'], resources: ['sealedsecrets/status'] })]));
      const lease = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'sealkit-controller-bitnami')!;
      expect(lease.rules[0].resourceNames).toEqual(['sealkit-controller-bitnami']);
    },
  },
  {
    name: 'watched namespaces, key renewal, log level, extra flags and env',
    values: { watchNamespaces: ['team-a', 'team-b'], keyRenewPeriod: '168h', logLevel: 'debug', extraArgs: ['--workers=8'], extraEnv: [{ name: 'SEALKIT_RESYNC_PERIOD', value: '30m' }] },
    check(objs) {
      expect(args(objs)).toEqual(['--listen=0.0.0.0:8080', '--watch-namespaces=team-a,team-b', '--key-renew-period=168h', '--log-level=debug', '--workers=8']);
      expect(deployment(objs).spec.template.spec.containers[0].env).toContainEqual({ name: 'SEALKIT_RESYNC_PERIOD', value: '30m' });
    },
  },
  {
    name: 'image by digest, 3 replicas, resources, labels, scheduling',
    values: {
      image: { repository: 'registry.example/sealkit/controller', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
      replicas: 3,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      commonLabels: { team: 'platform' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
      priorityClassName: 'system-cluster-critical',
    },
    check(objs) {
      const d = deployment(objs);
      expect(d.spec.replicas).toBe(3);
      expect(d.spec.template.spec.containers[0].image).toBe(`registry.example/sealkit/controller@sha256:${'a'.repeat(64)}`);
      expect(d.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
      for (const o of objs.filter((x) => x.kind !== 'CustomResourceDefinition')) expect(o.metadata.labels?.team, id(o)).toBe('platform');
    },
  },
  {
    name: 'no NetworkPolicy, PDB or aggregated roles',
    values: { networkPolicy: { enabled: false }, podDisruptionBudget: { enabled: false }, aggregateRoles: false },
    check(objs) {
      const kinds = objs.map(id);
      expect(kinds.filter((k) => /^(NetworkPolicy|PodDisruptionBudget)\//.test(k) || /^ClusterRole\/\/sealkit-(edit|view)$/.test(k))).toEqual([]);
    },
  },
  {
    name: 'NetworkPolicy with the pod CIDRs excepted and a monitoring namespace',
    values: { networkPolicy: { apiServer: { cidrs: ['0.0.0.0/0', '::/0'], except: ['10.244.0.0/16', 'fd00:10:244::/56'] }, allowedNamespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }] } },
    check(objs) {
      const np = objs.find((o) => o.kind === 'NetworkPolicy')!;
      expect(np.spec.ingress[0].from).toEqual([
        { ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } },
        { ipBlock: { cidr: '::/0', except: ['fd00:10:244::/56'] } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
    },
  },
];

beforeAll(async () => {
  helm = tool('helm');
  requireKube();
  await ensureCrd();
  await ensureRemoteCrds();
  ns = await createNamespace('chart');
}, 1_200_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

describe('the chart', () => {
  it('ships the CRDs of deploy/crds (crds/ links there, so there is one copy): the packaged chart carries them unchanged', async () => {
    await run(helm, ['package', CHART, '--destination', work]);
    const tgz = path.join(work, `sealkit-${/^version: (.+)$/m.exec(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8'))![1]}.tgz`);
    const ours = readdirSync(path.join(DEPLOY, 'crds')).sort();
    const packed = (await run('tar', ['-tzf', tgz])).stdout.split('\n').filter((f) => f.startsWith('sealkit/crds/')).map((f) => f.slice('sealkit/crds/'.length)).sort();
    expect(packed).toEqual(ours);
    for (const f of ours) expect((await run('tar', ['-xzOf', tgz, `sealkit/crds/${f}`])).stdout, f).toBe(readFileSync(path.join(DEPLOY, 'crds', f), 'utf8'));
  });

  it('helm lint --strict passes for the defaults and every values set of the matrix', async () => {
    for (const values of [{}, ...MATRIX.map((m) => m.values)]) expect(await lint(values)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('values.schema.json turns a misspelt or invalid value into an error instead of ignoring it', async () => {
    const typo = await run(helm, ['lint', '--strict', CHART, '--set', 'replica=3'], { allowFail: true });
    expect(typo.code).not.toBe(0);
    expect(typo.stdout + typo.stderr).toMatch(/additional properties 'replica' not allowed/);
    const level = await run(helm, ['template', 'sealkit', CHART, '--set', 'logLevel=verbose'], { allowFail: true });
    expect(level.code).not.toBe(0);
    expect(level.stderr).toMatch(/logLevel/);
  });

  it('renders by default exactly the objects `kubectl kustomize deploy/` gives (the Namespace aside)', async () => {
    const chart = await template({}, 'sealkit', ['--include-crds']);
    const kustomize = docs((await kubectl(['kustomize', DEPLOY])).stdout).filter((o) => o.kind !== 'Namespace');
    const a = byId(chart);
    const b = byId(kustomize);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, o] of b) expect(a.get(k), k).toEqual(o);
  });

  it('rollout on change: no workload RBAC by default; rollout.onChange renders exactly deploy/rbac-rollout.yaml and the flag; rollout.enabled only patch', async () => {
    const isRollout = (o: Obj) => o.metadata.name === 'sealkit-controller-rollout';
    const defaults = await template({}, 'sealkit');
    expect(defaults.filter(isRollout)).toEqual([]);
    expect(args(defaults)).not.toContain('--rollout-on-change');
    const onChange = await template({ rollout: { onChange: true } }, 'sealkit');
    const file = docs(readFileSync(path.join(DEPLOY, 'rbac-rollout.yaml'), 'utf8'));
    expect(onChange.filter(isRollout)).toEqual(file);
    expect(args(onChange)).toContain('--rollout-on-change');
    const patchOnly = await template({ rollout: { enabled: true } }, 'sealkit');
    expect(patchOnly.find((o) => isRollout(o) && o.kind === 'ClusterRole')!.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['patch'] }]);
    expect(args(patchOnly)).not.toContain('--rollout-on-change');
    await dryRun(onChange.filter(isRollout).map((o) => (o.kind === 'ClusterRoleBinding' ? { ...o, subjects: [{ ...o.subjects[0], namespace: ns }] } : o)));
    await controllerAccepts(args(onChange));
  });

  it('the default rendering passes a server-side dry run, and the controller accepts its flags', async () => {
    const objs = await template({}, ns, ['--include-crds']);
    await dryRun(objs);
    await controllerAccepts(args(objs));
  });

  it.each(MATRIX.map((m) => [m.name, m] as const))('values: %s — rendered, dry-run applied, flags accepted', async (_name, m) => {
    const objs = await template(m.values, ns);
    m.check(objs);
    await dryRun(objs);
    await controllerAccepts(args(objs));
  });

  it('ServiceMonitor (off by default) selects the Service and scrapes its http port at /metrics', async () => {
    expect((await template({}, ns)).some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const objs = await template({ serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } }, ns);
    const sm = objs.find((o) => o.kind === 'ServiceMonitor')!;
    const svc = objs.find((o) => o.kind === 'Service')!;
    expect(sm.metadata.labels).toMatchObject({ release: 'prom' });
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v)).toBe(true);
    expect(sm.spec.endpoints).toEqual([{ port: svc.spec.ports[0].name, path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: [ns] });
    // The Prometheus Operator CRD is not part of this cluster: everything else is dry-run applied.
    await dryRun(objs.filter((o) => o.kind !== 'ServiceMonitor'));
  });

  it('one namespace name everywhere: deploy/, the chart docs, README and docs say sealkit', async () => {
    expect(docs(readFileSync(path.join(DEPLOY, 'namespace.yaml'), 'utf8'))[0]!.metadata.name).toBe('sealkit');
    const places = ['README.md', 'docs', 'deploy', 'charts', 'packages/cli/README.md', 'packages/controller/README.md'].map((p) => path.join(REPO, p));
    const r = await run('grep', ['-rlE', 'sealkit-system', ...places], { allowFail: true });
    expect(r.code).toBe(1); // grep: no match (2 would be a missing file)
    expect(r.stdout).toBe('');
  });

  it('aggregated roles give the built-in view and edit roles every sealkit kind', async () => {
    const objs = await template({}, ns);
    const view = objs.find((o) => o.metadata.name === 'sealkit-view')!;
    const edit = objs.find((o) => o.metadata.name === 'sealkit-edit')!;
    const kinds = ['sealedsecrets', 'remotesecrets', 'remotestores', 'clusterremotestores', 'dynamicsecrets', 'clusterremotesecrets', 'pushsecrets'];
    expect(view.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
    expect(edit.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(view.rules[0].resources).toEqual(kinds);
    expect(edit.rules[0].resources).toEqual(kinds);
    // every CRD this project installs is covered
    const crdPlurals = (await template({}, ns, ['--include-crds'])).filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.spec.names.plural);
    expect([...crdPlurals].sort()).toEqual([...kinds].sort());
  });
});
