// Key lifecycle beyond one process: deploy manifests with the real ServiceAccount, scheduled
// rotation, and backup/restore into a new controller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireKube, saKubeconfig } from '../infra/env.js';
import { DEPLOY, apply, controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, keySecrets, kubectl, waitFor, waitReady } from './lib/kube.js';
import { ControllerProcess } from './lib/controller-process.js';
import { seal } from './lib/seal.js';

const cleanup: string[] = [];
const procs: ControllerProcess[] = [];

beforeAll(async () => {
  requireKube({ gc: true });
  await ensureCrd();
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
  for (const ns of cleanup) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

describe('deploy/', () => {
  it('applies cleanly, and the controller running with the sealkit ServiceAccount token does its job', async () => {
    const applied = await kubectl(['apply', '-k', DEPLOY]);
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/sealedsecrets.sealkit.dev');
    expect(applied.stderr).not.toMatch(/warning/i);
    // Nothing differs between the manifests and the cluster afterwards (exit 0 = no diff).
    const diff = await kubectl(['diff', '-k', DEPLOY], { allowFail: true });
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
    const dep = await getJson(['deployment', 'sealkit-controller', '-n', 'sealkit']);
    expect(dep.spec.replicas).toBe(2);
    const c = dep.spec.template.spec.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(dep.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');

    const app = await createNamespace('app-deploy');
    cleanup.push(app);
    const kubeconfig = await saKubeconfig('sealkit', 'sealkit-controller');
    const ctl = await ControllerProcess.start({ kubeconfig, namespace: 'sealkit', watchNamespaces: [app], identity: 'deployed-sa' });
    procs.push(ctl);
    const cert = await fetchCertPem('sealkit');
    const manifest = seal(cert, { namespace: app, name: 'db', data: { password: 'p' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } });
    await apply(manifest);
    const live = await waitReady(app, 'db');
    expect(decoded(await getJson(['secret', 'db', '-n', app]))).toEqual({ password: 'p' });
    // No server-side defaults: what Git holds is exactly what the cluster holds (no Argo CD diff).
    expect(live.spec).toEqual(manifest.spec);
    // The ServiceAccount cannot read Secrets' keys elsewhere than it must... but it can not, e.g., delete namespaces.
    const can = await kubectl(['auth', 'can-i', 'delete', 'namespaces'], { kubeconfig, allowFail: true });
    expect(can.stdout.trim()).toBe('no');
    await ctl.stop();
  });
});

describe('rotation schedule', () => {
  it('--key-renew-period makes a new active key when the newest is old enough; old keys stay', async () => {
    const ns = await createNamespace('skrot');
    cleanup.push(ns);
    const app = await createNamespace('app-rot');
    cleanup.push(app);
    const kubeconfig = await controllerIdentity(ns);
    const ctl = await ControllerProcess.start({ kubeconfig, namespace: ns, watchNamespaces: [app], args: ['--key-renew-period', '3s'] });
    procs.push(ctl);
    const first = await fetchCertPem(ns);
    await apply(seal(first, { namespace: app, name: 'early', data: { v: '1' } }));
    await waitReady(app, 'early');
    await waitFor('a second key', async () => (await keySecrets(ns)).length >= 2, 20_000, 250);
    await ctl.stop();
    const keys = await keySecrets(ns);
    const cm = await getJson(['configmap', 'sealkit-cert', '-n', ns]);
    const newest = keys.sort((x, y) => Date.parse(y.metadata.annotations['sealkit.dev/created-at']) - Date.parse(x.metadata.annotations['sealkit.dev/created-at']))[0];
    expect(cm.data['key-id']).toBe(newest.metadata.annotations['sealkit.dev/key-id']);
    expect(cm.data['cert.pem']).not.toBe(first);
    // the early object, sealed to the first key, is still Ready after a restart with more keys
    await kubectl(['delete', 'secret', 'early', '-n', app]);
    const again = await ControllerProcess.start({ kubeconfig, namespace: ns, watchNamespaces: [app], args: ['--key-renew-period', '0'] });
    procs.push(again);
    await waitFor('Secret sealed to an old key recreated', async () => decoded(await getJson(['secret', 'early', '-n', app])).v === '1');
    await again.stop();
  });
});

describe('published public keys', () => {
  it('a deleted or edited sealkit-cert ConfigMap is put back at the next resync, with the SA token', async () => {
    const ns = await createNamespace('skcm');
    cleanup.push(ns);
    const kubeconfig = await controllerIdentity(ns);
    const ctl = await ControllerProcess.start({ kubeconfig, namespace: ns, watchNamespaces: [ns], args: ['--resync-period', '1s'] });
    procs.push(ctl);
    const cert = await fetchCertPem(ns);
    const published = await waitFor('ConfigMap sealkit-cert', () => getJson(['configmap', 'sealkit-cert', '-n', ns]));
    expect(published.data['cert.pem']).toBe(cert);

    // Deleted by hand: recreated with the same content.
    await kubectl(['delete', 'configmap', 'sealkit-cert', '-n', ns]);
    const back = await waitFor('ConfigMap recreated', () => getJson(['configmap', 'sealkit-cert', '-n', ns]), 20_000, 250);
    expect(back.metadata.uid).not.toBe(published.metadata.uid);
    expect(back.data).toEqual(published.data);

    // Edited by hand (someone pasted another cert): the controller's keys win again.
    await kubectl(['patch', 'configmap', 'sealkit-cert', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ data: { 'cert.pem': 'not a cert\n' } })]);
    const fixed = await waitFor('ConfigMap restored', async () => {
      const cm = await getJson(['configmap', 'sealkit-cert', '-n', ns]);
      return cm?.data['cert.pem'] === cert ? cm : undefined;
    }, 20_000, 250);
    expect(fixed.data).toEqual(published.data);
    await ctl.stop();
  });
});

describe('backup and restore', () => {
  it('keys backed up with the documented kubectl command open old SealedSecrets in a new controller', async () => {
    const nsA = await createNamespace('ska');
    const nsB = await createNamespace('skb');
    const app = await createNamespace('app-dr');
    cleanup.push(nsA, nsB, app);
    const kcA = await controllerIdentity(nsA);
    const a = await ControllerProcess.start({ kubeconfig: kcA, namespace: nsA, watchNamespaces: [app], identity: 'cluster-a' });
    procs.push(a);
    const certA1 = await fetchCertPem(nsA);
    const m1 = seal(certA1, { namespace: app, name: 'old', data: { v: 'sealed-to-key-1' } });
    a.signal('SIGUSR1'); // a second key, so the backup holds several
    await waitFor('second key', async () => (await keySecrets(nsA)).length === 2);
    const certA2 = await waitFor('new cert', async () => {
      const c = await fetchCertPem(nsA);
      return c !== certA1 ? c : undefined;
    });
    const m2 = seal(certA2, { namespace: app, name: 'new', data: { v: 'sealed-to-key-2' } }, 'cluster');
    await apply([m1, m2]);
    await waitReady(app, 'old');
    await waitReady(app, 'new');

    // Backup: the command documented in docs/operations.md.
    const docs = readFileSync(path.join(DEPLOY, '..', 'docs', 'operations.md'), 'utf8');
    const template = /-o go-template='([\s\S]*?)'/.exec(docs)?.[1];
    expect(template, 'docs/operations.md must show the backup command').toBeTruthy();
    const backup = (await kubectl(['get', 'secrets', '-n', nsA, '-l', 'sealkit.dev/key=true', '-o', `go-template=${template}`])).stdout;
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-backup-'));
    const file = path.join(dir, 'sealkit-keys.yaml');
    writeFileSync(file, backup, { mode: 0o600 });

    // Disaster: cluster A's controller and everything it made are gone.
    await a.stop();
    await kubectl(['delete', 'sealedsecrets.sealkit.dev', '--all', '-n', app]);
    await waitFor('Secrets garbage-collected', async () => (await getJson(['secrets', '-n', app, '-l', 'app.kubernetes.io/managed-by=sealkit'])).items.length === 0, 60_000, 500);

    // Restore into a new controller namespace (documented: kubectl apply -n NS -f FILE), then start it.
    await kubectl(['apply', '-n', nsB, '-f', file]);
    const restored = await keySecrets(nsB);
    expect(restored.map((k) => k.metadata.name).sort()).toEqual((await keySecrets(nsA)).map((k) => k.metadata.name).sort());
    const kcB = await controllerIdentity(nsB);
    const b = await ControllerProcess.start({ kubeconfig: kcB, namespace: nsB, watchNamespaces: [app], identity: 'cluster-b' });
    procs.push(b);
    // It generated no key of its own and publishes the same active key.
    expect(await keySecrets(nsB)).toHaveLength(2);
    expect(await fetchCertPem(nsB)).toBe(certA2);
    // The SealedSecrets from Git open again.
    await apply([m1, m2]);
    await waitReady(app, 'old');
    await waitReady(app, 'new');
    expect(decoded(await getJson(['secret', 'old', '-n', app]))).toEqual({ v: 'sealed-to-key-1' });
    expect(decoded(await getJson(['secret', 'new', '-n', app]))).toEqual({ v: 'sealed-to-key-2' });
    // the backup file is a plain YAML stream of Secrets
    const docsIn = backup.split(/^---$/m).map((d) => d.trim()).filter(Boolean).map((d) => parseYaml(d));
    expect(docsIn.every((d: any) => d.kind === 'Secret' && !d.metadata.resourceVersion && !d.metadata.namespace)).toBe(true);
    await b.stop();
  });
});
