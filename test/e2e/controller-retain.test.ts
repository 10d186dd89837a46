// SealedSecret spec.deletionPolicy (issue 16) against the real kube-apiserver and the real garbage
// collector (kube-controller-manager): the prune foot-gun of GitOps replayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { requireKube } from '../infra/env.js';
import { auditMark, readAudit, succeeded } from './lib/audit.js';
import { ControllerProcess } from './lib/controller-process.js';
import { controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, kubectl, waitFor, waitReady } from './lib/kube.js';
import { seal } from './lib/seal.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEPLOY } from './lib/kube.js';
import { tool } from './install/tools.js';

let ctlNs: string;
let app: string;
let kubeconfig: string;
let ctl: ControllerProcess;
let cert: string;

const start = () => ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'retain', args: ['--resync-period', '2s'] });

beforeAll(async () => {
  requireKube({ gc: true });
  await ensureCrd();
  ctlNs = await createNamespace('skr');
  app = await createNamespace('retain');
  kubeconfig = await controllerIdentity(ctlNs);
  ctl = await start();
  cert = await fetchCertPem(ctlNs);
});

afterAll(async () => {
  await ctl?.stop();
  for (const ns of [app, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

/** A folder of SealedSecret files, as in a GitOps repository: `names` with deletionPolicy Retain or Delete. */
function folder(retain: string[], del: string[], tag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-retain-'));
  for (const [names, policy] of [[retain, 'Retain'], [del, 'Delete']] as const) {
    for (const name of names) {
      const ss = seal(cert, { namespace: app, name, data: { password: `pw-${name}-${tag}` }, labels: { app: name } });
      if (policy === 'Retain') ss.spec.deletionPolicy = 'Retain';
      writeFileSync(path.join(dir, `${name}.yaml`), stringify(ss));
    }
  }
  return dir;
}

const secretOf = (name: string) => getJson(['secret', name, '-n', app]);
const sealedSecretOf = (name: string) => getJson(['sealedsecrets.sealkit.dev', name, '-n', app]);
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('spec.deletionPolicy', () => {
  const retain = names('keep-', 10);
  const del = names('drop-', 10);
  let dir: string;
  let kept: Record<string, { data: Record<string, string>; resourceVersion: string }> = {};

  it('a folder of 20 SealedSecrets (half Retain) deleted at once: Retain Secrets stay, identical and unowned; Delete ones are collected', async () => {
    dir = folder(retain, del, 'a');
    await kubectl(['apply', '-f', dir]);
    for (const n of [...retain, ...del]) await waitReady(app, n);
    for (const n of retain) expect((await sealedSecretOf(n)).metadata.finalizers).toEqual(['sealkit.dev/retain-secret']);
    for (const n of del) expect((await sealedSecretOf(n)).metadata.finalizers).toBeUndefined();
    const before = Object.fromEntries(await Promise.all(retain.map(async (n) => [n, decoded(await secretOf(n))] as const)));

    await kubectl(['delete', '-f', dir, '--wait=false']);
    await waitFor('every SealedSecret gone (finalizers released)', async () => (await getJson(['sealedsecrets.sealkit.dev', '-n', app])).items.length === 0, 60_000, 500);
    await waitFor('the Delete Secrets garbage-collected', async () => {
      for (const n of del) if (await secretOf(n)) return false;
      return true;
    }, 60_000, 500);
    // The garbage collector has had its chance at the Retain ones too: they are still there.
    for (const n of retain) {
      const s = await secretOf(n);
      expect(s, n).toBeDefined();
      expect(decoded(s)).toEqual(before[n]);
      expect(s.metadata.ownerReferences ?? []).toEqual([]);
      expect(s.metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
      expect(s.metadata.labels?.app).toBe(n);
      expect(s.metadata.annotations?.['sealkit.dev/retained-from']).toBe(n);
      kept[n] = { data: decoded(s), resourceVersion: s.metadata.resourceVersion };
    }
    const events = await getJson(['events', '-n', app, '--field-selector', 'reason=SecretRetained']);
    expect(new Set(events.items.map((e: any) => e.involvedObject.name))).toEqual(new Set(retain));
  });

  it('the SealedSecrets applied again take their Secrets back with zero writes', async () => {
    const mark = auditMark();
    await kubectl(['apply', '-f', dir]); // the same files, from Git
    for (const n of [...retain, ...del]) await waitReady(app, n);
    for (const n of retain) {
      const s = await secretOf(n);
      expect(s.metadata.resourceVersion, n).toBe(kept[n]!.resourceVersion);
      expect(decoded(s)).toEqual(kept[n]!.data);
    }
    const writes = readAudit({ from: mark }).filter((w) => succeeded(w) && w.resource === 'secrets' && w.namespace === app && retain.includes(w.name ?? ''));
    expect(writes).toEqual([]);
    // The Delete ones were collected, so they were created again.
    for (const n of del) expect(decoded(await secretOf(n))).toEqual({ password: `pw-${n}-a` });
    await kubectl(['delete', '-f', dir, '--wait=false']);
    await waitFor('clean', async () => (await getJson(['sealedsecrets.sealkit.dev', '-n', app])).items.length === 0, 60_000, 500);
  });

  it('a controller killed during the deletion leaves nothing stuck: after a restart every finalizer is released and every Retain Secret kept', async () => {
    const more = names('crash-', 10);
    const d2 = folder(more, [], 'b');
    await kubectl(['apply', '-f', d2]);
    for (const n of more) await waitReady(app, n);
    // The controller dies; the folder is deleted meanwhile; one Secret had already been released
    // (step one of two) when it died. Its SealedSecrets wait, Terminating, on the finalizer.
    await ctl.kill();
    await kubectl(['delete', '-f', d2, '--wait=false']);
    const first = more[0]!;
    await kubectl(['patch', 'secret', first, '-n', app, '--type', 'json', '-p', JSON.stringify([
      { op: 'remove', path: '/metadata/ownerReferences' },
      { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1managed-by' },
      { op: 'add', path: '/metadata/annotations', value: { 'sealkit.dev/retained-from': first } },
    ])]);
    const stuck = await getJson(['sealedsecrets.sealkit.dev', '-n', app]);
    expect(stuck.items).toHaveLength(more.length);
    expect(stuck.items.every((o: any) => o.metadata.deletionTimestamp)).toBe(true);
    ctl = await start();
    await waitFor('every SealedSecret gone after the restart', async () => (await getJson(['sealedsecrets.sealkit.dev', '-n', app])).items.length === 0, 60_000, 500);
    for (const n of more) {
      const s = await secretOf(n);
      expect(s, n).toBeDefined();
      expect(decoded(s)).toEqual({ password: `pw-${n}-b` });
      expect(s.metadata.ownerReferences ?? []).toEqual([]);
      expect(s.metadata.annotations?.['sealkit.dev/retained-from']).toBe(n);
    }
  });

  it("the Argo CD health check says the same for both policies (Healthy once Ready)", async () => {
    const lua = tool('lua');
    const script = parse(readFileSync(path.join(DEPLOY, 'argocd/argocd-cm.yaml'), 'utf8')).data['resource.customizations.health.sealkit.dev_SealedSecret'];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sk-argo-')), 'health.lua');
    writeFileSync(file, script);
    const d3 = folder(['argo-keep'], ['argo-drop'], 'c');
    await kubectl(['apply', '-f', d3]);
    const verdicts = [];
    for (const n of ['argo-keep', 'argo-drop']) {
      await waitReady(app, n);
      verdicts.push(JSON.parse(execFileSync(lua, [file], { input: JSON.stringify(await sealedSecretOf(n)), encoding: 'utf8' })).status);
    }
    expect(verdicts).toEqual(['Healthy', 'Healthy']);
    await kubectl(['delete', '-f', d3, '--wait=false']);
  });
});
