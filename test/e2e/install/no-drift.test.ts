// No perpetual OutOfSync in Argo CD: after the real controller has written status, the manifests
// from Git, applied again server-side, show no difference (`kubectl diff --server-side` is
// empty), for every sealkit kind, and the controller never wrote a field of `spec`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_MANAGER } from '@sealkit/core';
import { requireKube, requireVault } from '../../infra/env.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { controllerIdentity, createNamespace, fetchCertPem, getJson, kubectl, suffix, waitReady } from '../lib/kube.js';
import { seal } from '../lib/seal.js';
import { createToken, ensureRemoteCrds, grantRemoteRbac, kv2Put, remoteSecret, secretOf, vault, vaultStore, waitRemote } from '../remote-support.js';

/** The field manager Argo CD uses for server-side apply. */
const GITOPS = 'argocd-controller';
const work = mkdtempSync(path.join(tmpdir(), 'sealkit-drift-'));
let sfx: string;
let ctlNs: string;
let app: string;
let ctl: ControllerProcess | undefined;
const manifests: { kind: string; file: string; get: string[] }[] = [];

/** Writes the object as a file "in Git" and applies it server-side as Argo CD would. */
async function fromGit(obj: any, get: string[]): Promise<void> {
  const file = path.join(work, `${obj.kind}-${obj.metadata.name}.yaml`);
  writeFileSync(file, stringify(obj));
  await kubectl(['apply', '--server-side', `--field-manager=${GITOPS}`, '-f', file]);
  manifests.push({ kind: obj.kind, file, get });
}

beforeAll(async () => {
  requireKube();
  const v = requireVault();
  await ensureRemoteCrds();
  sfx = suffix();
  ctlNs = await createNamespace('drift-ctl');
  app = await createNamespace('drift-app');
  await kubectl(['label', 'namespace', app, `sealkit-drift=${sfx}`]);
  const kubeconfig = await controllerIdentity(ctlNs);
  await grantRemoteRbac(ctlNs);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'no-drift' });
  const cert = await fetchCertPem(ctlNs);

  await kv2Put('secret', `drift-${sfx}/db`, { password: 'from-vault' });
  await vault('PUT', `sys/policies/acl/drift-${sfx}`, { policy: `path "secret/data/drift-${sfx}/*" { capabilities = ["read"] }` });
  const token = await createToken([`drift-${sfx}`]);
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secretOf('vault-token', app, { token }), secretOf('vault-token', ctlNs, { token })] }) });

  await fromGit(seal(cert, { namespace: app, name: 'sealed', data: { password: 'hunter2' }, labels: { team: 'a' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } }), ['sealedsecrets.sealkit.dev', 'sealed', '-n', app]);
  await fromGit(vaultStore(app, 'vault', { server: v.addr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }), ['remotestore', 'vault', '-n', app]);
  await fromGit(vaultStore('', `drift-${sfx}`, { server: v.addr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token', namespace: ctlNs } } } }, 'ClusterRemoteStore', { namespaceSelector: { matchLabels: { 'sealkit-drift': sfx } } }), ['clusterremotestore', `drift-${sfx}`]);
  await fromGit(remoteSecret(app, 'referenced', { storeRef: { name: 'vault' }, refreshInterval: '1h', target: { name: 'referenced-secret', creationPolicy: 'Owner' }, data: [{ secretKey: 'password', remoteRef: { key: `drift-${sfx}/db`, property: 'password' } }] }), ['remotesecret', 'referenced', '-n', app]);

  await waitReady(app, 'sealed');
  await waitRemote(app, 'vault', 'True', 'Authenticated', 30_000, 'remotestore');
  await waitRemote('', `drift-${sfx}`, 'True', 'Authenticated', 30_000, 'clusterremotestore');
  await waitRemote(app, 'referenced');
}, 300_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await ctl?.stop();
  for (const ns of [app, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  if (sfx) await kubectl(['delete', 'clusterremotestore', `drift-${sfx}`, '--ignore-not-found', '--wait=false'], { allowFail: true });
});

describe('after the controller wrote status', () => {
  it('covers every sealkit kind', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ClusterRemoteStore', 'RemoteSecret', 'RemoteStore', 'SealedSecret']);
  });

  it.each(['SealedSecret', 'RemoteSecret', 'RemoteStore', 'ClusterRemoteStore'])('%s: kubectl diff --server-side against the manifest from Git is empty', async (kind) => {
    const m = manifests.find((x) => x.kind === kind)!;
    const live = await getJson(m.get);
    expect(live.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const r = await kubectl(['diff', '--server-side', `--field-manager=${GITOPS}`, '-f', m.file], { allowFail: true });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it.each(['SealedSecret', 'RemoteSecret', 'RemoteStore', 'ClusterRemoteStore'])('%s: the controller owns only status (managedFields), never spec; generation is still 1', async (kind) => {
    const m = manifests.find((x) => x.kind === kind)!;
    const live = await getJson([...m.get, '--show-managed-fields']);
    expect(live.metadata.generation).toBe(1);
    const entries: any[] = live.metadata.managedFields;
    const ours = entries.filter((e) => e.manager === FIELD_MANAGER);
    expect(ours.length).toBeGreaterThan(0);
    for (const e of ours) {
      expect(e.subresource).toBe('status');
      expect(Object.keys(e.fieldsV1)).toEqual(['f:status']);
    }
    const specOwners = entries.filter((e) => e.fieldsV1?.['f:spec']).map((e) => e.manager);
    expect(specOwners).toEqual([GITOPS]);
  });

  it('a diff does show when Git changes (the check can fail)', async () => {
    const m = manifests.find((x) => x.kind === 'RemoteSecret')!;
    const changed = m.file.replace(/\.yaml$/, '-changed.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(changed, readFileSync(m.file, 'utf8').replace('refreshInterval: 1h', 'refreshInterval: 2h'));
    const r = await kubectl(['diff', '--server-side', `--field-manager=${GITOPS}`, '-f', changed], { allowFail: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refreshInterval: 2h/);
  });
});
