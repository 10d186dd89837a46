// sealkit and the REAL Bitnami sealed-secrets controller on one real kube-apiserver (+ garbage
// collector): the Bitnami controller opens what `sealkit seal --format bitnami` seals; then it is
// switched off and sealkit-controller --bitnami (least-privilege RBAC) takes over with the same keys,
// changing no Secret; new Bitnami SealedSecrets (kubeseal, RSA-4096 and RSA-2048 keys, every scope)
// keep working; finally `sealkit migrate` + `kubectl apply` move them to sealkit SealedSecrets and
// the Secrets stay, now owned by sealkit.
//   SEALKIT_INFRA=apiserver,gc,bitnami
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { infra, requireBitnami, requireKube } from '../infra/env.js';
import { exposeController, sealkit, startProxyEndpoint, type ProxyEndpoint } from './lib/cli-cluster.js';
import { ControllerProcess } from './lib/controller-process.js';
import { REPO, apply, controllerIdentity, createNamespace, ensureCrd, getJson, kubectl, run, sleep, waitFor } from './lib/kube.js';

const BITNAMI_CTL = path.join(REPO, 'test/infra/bitnami-controller');
const b64 = (s: string) => Buffer.from(s).toString('base64');

let app: string;
let ctlNs: string;
let dir: string;
let kubeseal: string;
let cert4096: string;
let ctl: ControllerProcess | undefined;
let endpoint: ProxyEndpoint | undefined;
let bitnamiWasRunning = false;
let extraKeySecret: string | undefined;
/** Bitnami SealedSecret manifests as sealed (the files a repository holds), by name. */
const sealedFiles = new Map<string, string>();

function sh(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20, env: { ...process.env, KUBECONFIG: requireKube().kubeconfig } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

async function must(p: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

async function bitnamiController(cmd: 'start' | 'stop'): Promise<void> {
  await must(sh(BITNAMI_CTL, [cmd, infra().stateDir]), `test/infra/bitnami-controller ${cmd}`);
}

function certUrl(): string {
  const port = readFileSync(path.join(infra().stateDir, 'ports', 'bitnami-controller'), 'utf8').trim();
  return `http://127.0.0.1:${port}/v1/cert.pem`;
}

const secretYaml = (name: string, extra: { annotations?: Record<string, string>; labels?: Record<string, string>; type?: string; data?: Record<string, string> } = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: app, labels: { 'app.kubernetes.io/name': name, ...extra.labels }, annotations: { 'argocd.argoproj.io/sync-wave': '1', ...extra.annotations } },
    type: extra.type ?? 'Opaque',
    stringData: extra.data ?? { username: `${name}-user`, password: `${name}-pw` },
  });

async function synced(name: string, status: 'True' | 'False' = 'True', timeoutMs = 60_000): Promise<any> {
  return waitFor(`bitnami SealedSecret ${app}/${name} Synced=${status}`, async () => {
    const ss = await getJson(['sealedsecrets.bitnami.com', name, '-n', app]);
    const c = ss?.status?.conditions?.find((x: any) => x.type === 'Synced');
    return c?.status === status && ss.status.observedGeneration === ss.metadata.generation ? ss : undefined;
  }, timeoutMs, 250);
}

/** sealkit SealedSecret Ready (by full resource name: with both CRDs installed, `sealedsecret` is ambiguous). */
async function sealkitReady(name: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(`sealkit SealedSecret ${app}/${name} Ready=True`, async () => {
    const ss = await getJson(['sealedsecrets.sealkit.dev', name, '-n', app]);
    const c = ss?.status?.conditions?.find((x: any) => x.type === 'Ready');
    return c?.status === 'True' && ss.status.observedGeneration === ss.metadata.generation ? ss : undefined;
  }, timeoutMs);
}

const secret = (name: string) => getJson(['secret', name, '-n', app]);
const value = (s: any, key: string) => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key], 'base64').toString());

/** RBAC for the Bitnami mode on top of deploy/rbac.yaml (the same manifest as docs/migrating-from-bitnami.md). */
function bitnamiRbac(ns: string): object[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `sealkit-controller-bitnami-${ns}` },
      rules: [
        { apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['bitnami.com'], resources: ['sealedsecrets/status'], verbs: ['update', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `sealkit-controller-bitnami-${ns}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `sealkit-controller-bitnami-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name: 'sealkit-controller', namespace: ns }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'sealkit-controller-bitnami', namespace: ns },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['sealkit-controller-bitnami'], verbs: ['get', 'update', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'sealkit-controller-bitnami', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sealkit-controller-bitnami' },
      subjects: [{ kind: 'ServiceAccount', name: 'sealkit-controller', namespace: ns }],
    },
  ];
}

beforeAll(async () => {
  requireKube({ gc: true });
  kubeseal = requireBitnami().kubeseal;
  bitnamiWasRunning = infra().running.includes('bitnami-controller');
  await ensureCrd();
  app = await createNamespace('bn-app');
  ctlNs = await createNamespace('bn-skc');
  dir = mkdtempSync(path.join(tmpdir(), 'sealkit-bitnami-e2e-'));
  await bitnamiController('start');
  cert4096 = path.join(dir, 'bitnami.pem');
  writeFileSync(cert4096, await waitFor('Bitnami certificate', async () => {
    const r = await fetch(certUrl()).catch(() => undefined);
    return r?.status === 200 ? r.text() : undefined;
  }, 60_000));
}, 300_000);

afterAll(async () => {
  await ctl?.stop();
  await endpoint?.stop().catch(() => undefined);
  if (extraKeySecret) await kubectl(['delete', 'secret', '-n', 'kube-system', extraKeySecret], { allowFail: true });
  if (bitnamiWasRunning) await bitnamiController('start').catch(() => undefined);
  else await bitnamiController('stop').catch(() => undefined);
  for (const ns of [app, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

describe('the real Bitnami controller opens what sealkit seals', () => {
  it('sealkit seal --format bitnami (each scope) and kubeseal, managed/patch/skip-owner/template.data/not-owned cases', async () => {
    const sk = async (name: string, scope: string, extra?: Parameters<typeof secretYaml>[1]) => {
      const r = await sealkit(['seal', '--format', 'bitnami', '--cert', cert4096, '--scope', scope, '-o', 'yaml'], { input: secretYaml(name, extra) });
      expect(r.code, r.stderr).toBe(0);
      sealedFiles.set(name, r.stdout);
    };
    const ks = async (name: string, scope: string, extra?: Parameters<typeof secretYaml>[1]) => {
      sealedFiles.set(name, await must(sh(kubeseal, ['--cert', cert4096, '--scope', scope, '-o', 'yaml'], secretYaml(name, extra)), 'kubeseal'));
    };
    await sk('sk-strict', 'strict', { type: 'kubernetes.io/basic-auth', labels: { tier: 'db' } });
    await sk('sk-ns', 'namespace-wide');
    await sk('sk-cluster', 'cluster-wide');
    await ks('ks-strict', 'strict');
    await ks('ks-ns', 'namespace-wide');
    await sk('managed', 'strict');
    await sk('patched', 'strict');
    // Bitnami reports a Secret it made without an ownerReference as "not managed" unless the template
    // also carries managed: "true" (found with the real controller); both variants, sealkit mirrors both.
    await ks('no-owner', 'strict', { annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true', 'sealedsecrets.bitnami.com/managed': 'true' } });
    await ks('no-owner-bare', 'strict', { annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' } });
    await sk('not-owned', 'strict');
    // template.data: Bitnami renders Go templates from the opened values.
    const tmpl = parseYaml(await must(sh(kubeseal, ['--cert', cert4096, '-o', 'yaml'], secretYaml('templated')), 'kubeseal'));
    tmpl.spec.template.data = { url: 'postgres://{{ .username }}:{{ index . "password" }}@db:5432/app' };
    sealedFiles.set('templated', `---\n${JSON.stringify(tmpl)}\n`);

    // Pre-existing Secrets: one opted in (managed), one to patch, one nobody may touch.
    await apply([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'managed', namespace: app, annotations: { 'sealedsecrets.bitnami.com/managed': 'true' } }, stringData: { old: 'x' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'patched', namespace: app, annotations: { 'sealedsecrets.bitnami.com/patch': 'true' } }, stringData: { keep: 'me' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-owned', namespace: app }, stringData: { mine: 'yes' } },
    ]);
    for (const [, text] of sealedFiles) await kubectl(['apply', '-f', '-'], { input: text });

    for (const name of sealedFiles.keys()) await synced(name, name === 'not-owned' || name === 'no-owner-bare' ? 'False' : 'True', 120_000);
    for (const name of ['sk-strict', 'sk-ns', 'sk-cluster', 'ks-strict', 'ks-ns']) {
      const s = await secret(name);
      expect(value(s, 'password')).toBe(`${name}-pw`);
      expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name, controller: true })]);
      expect(s.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    }
    expect((await secret('sk-strict')).type).toBe('kubernetes.io/basic-auth');
    expect((await secret('sk-strict')).metadata.labels.tier).toBe('db');
    expect(Object.keys((await secret('managed')).data)).toEqual(['password', 'username']);
    expect(value(await secret('patched'), 'keep')).toBe('me');
    expect((await secret('no-owner')).metadata.ownerReferences).toBeUndefined();
    expect((await secret('no-owner-bare')).metadata.ownerReferences).toBeUndefined();
    expect((await synced('no-owner-bare', 'False')).status.conditions[0].message).toBe('failed update: Resource "no-owner-bare" already exists and is not managed by SealedSecret');
    expect(value(await secret('templated'), 'url')).toBe('postgres://templated-user:templated-pw@db:5432/app');
    expect(value(await secret('not-owned'), 'mine')).toBe('yes');

    // And the controller's own key backup opens it offline, with sealkit and with kubeseal.
    const backup = path.join(dir, 'keys.yaml');
    writeFileSync(backup, (await kubectl(['get', 'secret', '-n', 'kube-system', '-l', 'sealedsecrets.bitnami.com/sealed-secrets-key', '-o', 'yaml'])).stdout);
    const opened = await sealkit(['unseal', '--key', backup], { input: sealedFiles.get('sk-ns')! });
    expect(opened.code, opened.stderr).toBe(0);
    expect(value(parseYaml(opened.stdout), 'password')).toBe('sk-ns-pw');
    const theirs = parseYaml(await must(sh(kubeseal, ['--recovery-unseal', '--recovery-private-key', backup, '-o', 'yaml'], sealedFiles.get('sk-cluster')!), 'kubeseal --recovery-unseal'));
    expect(value(theirs, 'username')).toBe('sk-cluster-user');
  });
});

describe('sealkit-controller --bitnami replaces the Bitnami controller', () => {
  let before: Map<string, any>;
  let statusesBefore: Map<string, any>;

  it('with the same keys, on the live apiserver: every Secret and every status unchanged', async () => {
    const snapshot = async () => new Map<string, any>(((await getJson(['secrets', '-n', app]))?.items ?? []).map((s: any) => [s.metadata.name, s]));
    const statuses = async () => new Map<string, any>(((await getJson(['sealedsecrets.bitnami.com', '-n', app]))?.items ?? []).map((s: any) => [s.metadata.name, s.status]));
    before = await snapshot();
    statusesBefore = await statuses();
    await bitnamiController('stop');

    const kubeconfig = await controllerIdentity(ctlNs);
    await apply(bitnamiRbac(ctlNs));
    ctl = await ControllerProcess.start({
      kubeconfig,
      namespace: ctlNs,
      watchNamespaces: [app],
      identity: 'bitnami-e2e',
      args: ['--bitnami'],
    });
    // Every Bitnami SealedSecret looked at once (opened, compared, nothing to write).
    await waitFor('every Bitnami SealedSecret reconciled', async () => {
      const unchanged = (await ctl!.metric('sealkit_bitnami_reconcile_total', '{result="unchanged"}')) ?? 0;
      const failed = (await ctl!.metric('sealkit_bitnami_reconcile_total', '{result="failed"}')) ?? 0;
      return unchanged + failed >= sealedFiles.size;
    }, 60_000);
    await sleep(1000);
    const after = await snapshot();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, s] of before) expect(after.get(name), `Secret ${name}`).toEqual(s);
    expect(await statuses()).toEqual(statusesBefore);
    expect(await ctl.metric('sealkit_bitnami_reconcile_total', '{result="created"}')).toBeUndefined();
    expect(await ctl.metric('sealkit_bitnami_reconcile_total', '{result="updated"}')).toBeUndefined();
  });

  it('new SealedSecrets from kubeseal still work: RSA-4096 key, and an RSA-2048 key added as a Bitnami key Secret, every scope', async () => {
    // A second, 2048-bit key, the way a restored backup or a --key-size 2048 controller leaves one.
    const key = path.join(dir, 'rsa2048.key');
    const crt = path.join(dir, 'rsa2048.crt');
    await must(sh('openssl', ['genrsa', '-traditional', '-out', key, '2048']), 'openssl genrsa');
    await must(sh('openssl', ['req', '-x509', '-new', '-key', key, '-out', crt, '-days', '30', '-subj', '/CN=e2e-2048']), 'openssl req');
    extraKeySecret = `sealed-secrets-key-e2e2048-${app}`;
    await apply({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
      metadata: { name: extraKeySecret, namespace: 'kube-system', labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } },
      data: { 'tls.key': b64(readFileSync(key, 'utf8')), 'tls.crt': b64(readFileSync(crt, 'utf8')) },
    });
    await waitFor('2048-bit key loaded', async () => (await ctl!.metric('sealkit_bitnami_keys_loaded')) === 2, 30_000);
    for (const [bits, certFile] of [[4096, cert4096], [2048, crt]] as const) {
      for (const scope of ['strict', 'namespace-wide', 'cluster-wide']) {
        const name = `new-${bits}-${scope.split('-')[0]}`;
        const sealed = await must(sh(kubeseal, ['--cert', certFile, '--scope', scope], secretYaml(name)), 'kubeseal');
        await kubectl(['apply', '-f', '-'], { input: sealed });
        const ss = await synced(name);
        const s = await secret(name);
        expect(value(s, 'password')).toBe(`${name}-pw`);
        expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name, uid: ss.metadata.uid, controller: true }]);
        expect(s.metadata.labels).toEqual({ 'app.kubernetes.io/name': name });
      }
    }
  });

  it('recreates a deleted Secret; reports a moved value and a foreign Secret as Bitnami does', async () => {
    const old = await secret('ks-strict');
    await kubectl(['delete', 'secret', 'ks-strict', '-n', app]);
    const back = await waitFor('Secret ks-strict recreated', async () => {
      const s = await secret('ks-strict');
      return s && s.metadata.uid !== old.metadata.uid ? s : undefined;
    }, 30_000);
    expect(back.data).toEqual(old.data);

    // A strict value copied under another name does not open there.
    const moved = parseYaml(sealedFiles.get('ks-strict')!);
    moved.metadata.name = 'moved';
    moved.spec.template.metadata.name = 'moved';
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(moved) });
    const failed = await synced('moved', 'False');
    expect(failed.status.conditions[0].message).toMatch(/no key opens this value at strict to/);
    expect(await secret('moved')).toBeUndefined();
    const events = await getJson(['events', '-n', app, '--field-selector', 'involvedObject.name=moved']);
    expect(events.items.map((e: any) => e.reason)).toContain('ErrUnsealFailed');

    const notOwned = await synced('not-owned', 'False');
    expect(notOwned.status.conditions[0].message).toBe('failed update: Resource "not-owned" already exists and is not managed by SealedSecret');
    expect(value(await secret('not-owned'), 'mine')).toBe('yes');
  });
});

describe('sealkit migrate, then kubectl apply', () => {
  it('rewrites the files (dry run first), and the Secrets stay, now owned by sealkit SealedSecrets', async () => {
    // The API server's service proxy reaches the controller (on 127.0.0.1) through a test network namespace.
    endpoint = await startProxyEndpoint(Number(new URL(ctl!.url).port));
    await exposeController(ctlNs, endpoint.url);
    const repo = mkdtempSync(path.join(tmpdir(), 'sealkit-migrate-'));
    const names = ['sk-strict', 'sk-ns', 'sk-cluster', 'ks-ns', 'templated', 'no-owner'];
    // One multi-document file with an unrelated object and comments, and one file per SealedSecret.
    const multi = `# database credentials\n${sealedFiles.get('sk-strict')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched # keep me\n  namespace: ${app}\ndata:\n  a: "1"\n${sealedFiles.get('sk-ns')}`;
    writeFileSync(path.join(repo, 'db.yaml'), multi);
    for (const n of names.slice(2)) writeFileSync(path.join(repo, `${n}.yaml`), sealedFiles.get(n)!);
    writeFileSync(path.join(repo, 'README.md'), 'not a manifest');
    const cluster = ['--kubeconfig', requireKube().kubeconfig, '--controller-namespace', ctlNs];
    const beforeFiles = new Map(names.slice(2).map((n) => [n, readFileSync(path.join(repo, `${n}.yaml`), 'utf8')]));

    // validate: the --bitnami controller checks Bitnami objects with its Bitnami keys, and says so when one was moved.
    const all = [multi, ...names.slice(2).map((n) => sealedFiles.get(n)!)].join('---\n');
    const valid = await sealkit(['validate', ...cluster], { input: all });
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
    for (const n of names) expect(valid.stdout).toMatch(new RegExp(`^SealedSecret ${app}/${n}: ok \\(\\d+ values? open here\\)$`, 'm'));
    const movedNs = `${app}-elsewhere`;
    const moved = await sealkit(['validate', ...cluster], { input: sealedFiles.get('sk-strict')!.replace(`namespace: ${app}`, `namespace: ${movedNs}`) });
    expect(moved.code).toBe(1);
    expect(moved.stdout).toMatch(new RegExp(`^SealedSecret ${movedNs}/sk-strict: CANNOT be opened here$`, 'm'));
    expect(`${valid.stdout}${moved.stdout}${moved.stderr}`).not.toMatch(/-pw|-user/); // no plaintext

    const dry = await sealkit(['migrate', '--dry-run', repo, ...cluster]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: 6 of 6 Bitnami SealedSecrets in 5 files would migrate; nothing was written/);
    expect(readFileSync(path.join(repo, 'db.yaml'), 'utf8')).toBe(multi);

    const secretsBefore = new Map(await Promise.all(names.map(async (n) => [n, await secret(n)] as const)));
    const r = await sealkit(['migrate', repo, ...cluster]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/migrated 6 of 6 Bitnami SealedSecrets; 5 files rewritten/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/-pw|-user/); // no plaintext anywhere in the output
    const dbYaml = readFileSync(path.join(repo, 'db.yaml'), 'utf8');
    expect(dbYaml).toContain('# database credentials');
    expect(dbYaml).toContain('name: untouched # keep me');
    const docs = parseAllDocuments(dbYaml).map((d) => d.toJS());
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual(['sealkit.dev/v1alpha1 SealedSecret', 'v1 ConfigMap', 'sealkit.dev/v1alpha1 SealedSecret']);
    for (const n of names.slice(2)) {
      const text = readFileSync(path.join(repo, `${n}.yaml`), 'utf8');
      expect(text).not.toBe(beforeFiles.get(n));
      expect(parseYaml(text).apiVersion).toBe('sealkit.dev/v1alpha1');
      expect(text).not.toContain(`${n}-pw`);
    }

    await run('kubectl', ['--kubeconfig', requireKube().kubeconfig, 'apply', '-f', repo]);
    for (const n of names) {
      const handed = await synced(n);
      expect(handed.status.conditions[0].message).toBe(`handed over to the sealkit.dev/v1alpha1 SealedSecret ${app}/${n}`);
      await sealkitReady(n);
      const s = await waitFor(`Secret ${n} owned by the sealkit SealedSecret`, async () => {
        const x = await secret(n);
        return x?.metadata.ownerReferences?.some((o: any) => o.apiVersion === 'sealkit.dev/v1alpha1' && o.controller) ? x : undefined;
      }, 30_000);
      const old = secretsBefore.get(n);
      expect(s.metadata.uid, `Secret ${n} kept (not recreated)`).toBe(old.metadata.uid);
      expect(s.data).toEqual(old.data);
      expect(s.type).toBe(old.type);
      const { ['app.kubernetes.io/managed-by']: managedBy, ...labels } = s.metadata.labels ?? {};
      expect(managedBy).toBe('sealkit');
      expect(labels).toEqual(old.metadata.labels ?? {});
      expect(s.metadata.annotations ?? {}).toEqual(old.metadata.annotations ?? {});
      expect(s.metadata.ownerReferences.filter((o: any) => o.apiVersion === 'bitnami.com/v1alpha1')).toEqual([]);
    }
    expect(value(await secret('templated'), 'url')).toBe('postgres://templated-user:templated-pw@db:5432/app');

    // The Bitnami SealedSecrets can now go: the garbage collector leaves the Secrets alone.
    for (const n of names) await kubectl(['delete', 'sealedsecrets.bitnami.com', n, '-n', app]);
    await sleep(3000);
    for (const n of names) expect((await secret(n))?.metadata.uid).toBe(secretsBefore.get(n).metadata.uid);
  });
});
