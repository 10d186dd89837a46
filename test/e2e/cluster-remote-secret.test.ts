// ClusterRemoteSecret end to end: the real sealkit-controller binary (its ServiceAccount token and
// the RBAC of deploy/rbac.yaml only), the real kube-apiserver + kube-controller-manager (whose
// garbage collector deletes what a deleted ClusterRemoteSecret owned), and the real Vault.
//
// The controller watches a fixed list of namespaces (tests share one cluster), named up front so
// that some of them can be created or labelled while it runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIELD_MANAGER } from '@sealkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { requireKube, requireVault } from '../infra/env.js';
import { ControllerProcess } from './lib/controller-process.js';
import { REPO, apply, controllerIdentity, createNamespace, decoded, getJson, kubectl, run, sleep, suffix, waitFor } from './lib/kube.js';
import { counter, createToken, ensureRemoteCrds, kv2Put, ready, remoteSecret, secretOf, vault, vaultStore, waitRemote } from './remote-support.js';

let sfx: string;
let P: string; // Vault key prefix of this run
let LABEL: string; // the namespace label the selector matches
let ctlNs: string;
let crsName: string;
let storeName: string;
let ctl: ControllerProcess;
let kubeconfig: string;
let readerToken: string;
const earlierLogs: string[] = []; // logs of controller processes stopped during the suite
const NS: Record<'a1' | 'a2' | 'foreign' | 'other' | 'late' | 'tolabel', string> = {} as never;
const RS = 'app-secrets';
const seeded: string[] = [];
const track = <T extends string>(v: T): T => (seeded.push(v), v);

async function metrics(): Promise<string> {
  return (await fetch(`${ctl.url}/metrics`)).text();
}
const vaultReads = async () => counter(await metrics(), 'sealkit_vault_requests_total', { store: `ClusterRemoteStore/${storeName}`, op: 'read' });

const getOrUndefined = (args: string[]) => getJson(args).catch(() => undefined);

/** Waits until the ClusterRemoteSecret's status (for its current generation) satisfies `pred`. */
async function waitStatus(what: string, pred: (s: any) => boolean, timeoutMs = 60_000): Promise<any> {
  return waitFor(`ClusterRemoteSecret ${crsName}: ${what}`, async () => {
    const o = await getJson(['clusterremotesecret', crsName]);
    if (o.status?.observedGeneration !== o.metadata.generation || !pred(o.status)) throw new Error(JSON.stringify(o.status ?? {}).slice(0, 600));
    return o;
  }, timeoutMs);
}

/** Waits for the Secret a fanned-out RemoteSecret wrote, with the values of this run. */
async function waitSecret(ns: string, want: Record<string, string>): Promise<any> {
  return waitFor(`Secret ${ns}/${RS} with the Vault values`, async () => {
    const s = await getJson(['secret', RS, '-n', ns]);
    const got = decoded(s);
    if (Object.entries(want).some(([k, v]) => got[k] !== v)) throw new Error(`keys: ${Object.keys(got).join(',')}`);
    return s;
  }, 60_000);
}

const template = (extra: Record<string, unknown> = {}) => ({
  metadata: { name: RS, labels: { team: 'a' } },
  spec: {
    storeRef: { name: storeName, kind: 'ClusterRemoteStore' },
    refreshInterval: '1h',
    data: [
      { secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } },
      { secretKey: 'username', remoteRef: { key: `${P}/db`, property: 'username' } },
      { secretKey: 'token', remoteRef: { key: `${P}/api`, property: 'token' } },
    ],
    ...extra,
  },
});

beforeAll(async () => {
  requireKube({ gc: true });
  const v = requireVault();
  await ensureRemoteCrds();
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/clusterremotesecrets.sealkit.dev']);
  sfx = suffix();
  P = `e2e-fan-${sfx}`;
  LABEL = `sealkit-fanout-e2e-${sfx}`;
  crsName = `fan-${sfx}`;
  storeName = `fan-store-${sfx}`;
  ctlNs = await createNamespace('fanctl');
  for (const k of Object.keys({ a1: 0, a2: 0, foreign: 0, other: 0, late: 0, tolabel: 0 }) as (keyof typeof NS)[]) NS[k] = `fan-${k}-${sfx}`;
  // Created now: a1, a2, foreign (labelled), other and tolabel (not). `late` is created by a test.
  for (const k of ['a1', 'a2', 'foreign', 'other', 'tolabel'] as const) await kubectl(['create', 'namespace', NS[k]]);
  for (const k of ['a1', 'a2', 'foreign'] as const) await kubectl(['label', 'namespace', NS[k], `${LABEL}=yes`]);

  await kv2Put('secret', `${P}/db`, { password: track('fan-pw-Hq4'), username: 'svc' });
  await kv2Put('secret', `${P}/api`, { token: track('fan-api-token-Lp9') });
  const policy = `sealkit-fan-${sfx}`;
  await vault('PUT', `sys/policies/acl/${policy}`, { policy: `path "secret/data/${P}/*" { capabilities = ["read"] }` });
  readerToken = track(await createToken([policy]));
  const token = readerToken;
  await apply([
    secretOf('vault-token', ctlNs, { token }),
    vaultStore('', storeName, { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', namespace: ctlNs, key: 'token' } } } }, 'ClusterRemoteStore'),
    // Someone else's RemoteSecret with the name the template uses: never to be touched.
    remoteSecret(NS.foreign, RS, { storeRef: { name: 'their-store' }, data: [{ secretKey: 'x', remoteRef: { key: 'theirs/x', property: 'x' } }] }),
  ]);
  kubeconfig = await controllerIdentity(ctlNs);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [...Object.values(NS), ctlNs], identity: 'fanout-e2e' });
});

afterAll(async () => {
  await ctl?.stop();
  if (crsName) await kubectl(['delete', 'clusterremotesecret', crsName, '--ignore-not-found', '--wait=false'], { allowFail: true });
  if (storeName) await kubectl(['delete', 'clusterremotestore', storeName, '--ignore-not-found', '--wait=false'], { allowFail: true });
  for (const ns of [...Object.values(NS), ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'], { allowFail: true });
});

describe('ClusterRemoteSecret', () => {
  let foreignBefore: any;

  it('fans out to every matching namespace; a foreign RemoteSecret of that name is left alone and named as a failure', async () => {
    foreignBefore = await getJson(['remotesecret', RS, '-n', NS.foreign]);
    await apply({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', metadata: { name: crsName }, spec: { namespaceSelector: { matchLabels: { [LABEL]: 'yes' } }, template: template() } });
    const crs = await waitStatus('3 matched, 2 provisioned, 1 failed', (s) => s.matchedNamespaces === 3 && s.provisionedNamespaces === 2 && s.failedNamespaceCount === 1);
    expect(crs.status.failedNamespaces).toEqual([{ namespace: NS.foreign, reason: 'RemoteSecretNotOwned', message: expect.stringContaining(`RemoteSecret ${NS.foreign}/${RS} exists and was not made by this ClusterRemoteSecret`) }]);
    expect(ready(crs)).toMatchObject({ status: 'False', reason: 'NamespacesFailed' });
    expect(ready(crs).message).toContain(`1 of 3 namespaces failed: ${NS.foreign} (RemoteSecretNotOwned)`);

    for (const ns of [NS.a1, NS.a2]) {
      const rs = await waitRemote(ns, RS, 'True', 'Synced', 60_000);
      expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', name: crsName, uid: crs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(rs.metadata.labels).toEqual({ team: 'a', 'sealkit.dev/cluster-remote-secret': crsName });
      expect(rs.spec).toEqual(template().spec);
      await waitSecret(ns, { password: 'fan-pw-Hq4', username: 'svc', token: 'fan-api-token-Lp9' });
    }
    expect(await getOrUndefined(['remotesecret', RS, '-n', NS.other])).toBeUndefined();
    expect(await getOrUndefined(['remotesecret', RS, '-n', NS.tolabel])).toBeUndefined();

    const foreign = await getJson(['remotesecret', RS, '-n', NS.foreign]);
    expect(foreign.metadata.uid).toBe(foreignBefore.metadata.uid);
    expect(foreign.metadata.generation).toBe(foreignBefore.metadata.generation);
    expect(foreign.spec).toEqual(foreignBefore.spec);
    expect(foreign.metadata.ownerReferences).toBeUndefined();
    expect(foreign.metadata.labels).toBeUndefined();
    const printed = (await kubectl(['get', 'clusterremotesecret', crsName])).stdout;
    expect(printed).toMatch(/NAME\s+STORE\s+MATCHED\s+PROVISIONED\s+FAILED\s+READY\s+REASON\s+AGE/);
    expect(printed).toMatch(new RegExp(`${crsName}\\s+${storeName}\\s+3\\s+2\\s+1\\s+False\\s+NamespacesFailed`));
  });

  it('a namespace created later and one labelled later get it; one read per Vault path whatever the number of namespaces', async () => {
    await kubectl(['create', 'namespace', NS.late]);
    await kubectl(['label', 'namespace', NS.late, `${LABEL}=yes`]);
    await kubectl(['label', 'namespace', NS.tolabel, `${LABEL}=yes`]);
    await waitStatus('5 matched, 4 provisioned', (s) => s.matchedNamespaces === 5 && s.provisionedNamespaces === 4 && s.failedNamespaceCount === 1);
    for (const ns of [NS.late, NS.tolabel]) {
      await waitRemote(ns, RS, 'True', 'Synced', 60_000);
      await waitSecret(ns, { password: 'fan-pw-Hq4', username: 'svc', token: 'fan-api-token-Lp9' });
    }
    // 4 namespaces x 3 references over 2 paths: Vault was asked twice, once per path.
    expect(await vaultReads()).toBe(2);
    expect(counter(await metrics(), 'sealkit_vault_reads_shared_total', { store: `ClusterRemoteStore/${storeName}` })).toBeGreaterThanOrEqual(2);
  });

  it('a template change reaches every RemoteSecret and Secret', async () => {
    const t = template();
    t.metadata.labels = { team: 'b' };
    t.spec.data = [...t.spec.data, { secretKey: 'user', remoteRef: { key: `${P}/db`, property: 'username' } }];
    await kubectl(['patch', 'clusterremotesecret', crsName, '--type', 'merge', '-p', JSON.stringify({ spec: { template: t } })]);
    // 120 s, not 60: a write that meets a conflict (the RemoteSecret changed since the controller's
    // cache saw it) is retried with the queue's backoff, 1 s doubling; on a loaded host this wait once
    // ran past 60 s in a full CI run with the status still counting a namespace as waiting.
    await waitStatus('4 provisioned with the new template', (s) => s.provisionedNamespaces === 4, 120_000);
    for (const ns of [NS.a1, NS.a2, NS.late, NS.tolabel]) {
      const rs = await waitFor(`RemoteSecret ${ns}/${RS} updated`, async () => {
        const o = await getJson(['remotesecret', RS, '-n', ns]);
        return o.spec.data.length === 4 && o.metadata.labels.team === 'b' ? o : undefined;
      });
      expect(rs.spec).toEqual(t.spec);
      await waitSecret(ns, { user: 'svc', password: 'fan-pw-Hq4' });
    }
  });

  it('an edit to a fanned-out RemoteSecret is undone', async () => {
    await kubectl(['patch', 'remotesecret', RS, '-n', NS.a1, '--type', 'merge', '-p', JSON.stringify({ spec: { refreshInterval: '5m' }, metadata: { labels: { team: 'edited' } } })]);
    await waitFor(`RemoteSecret ${NS.a1}/${RS} restored`, async () => {
      const o = await getJson(['remotesecret', RS, '-n', NS.a1]);
      return o.spec.refreshInterval === '1h' && o.metadata.labels.team === 'b';
    });
  });

  it('a controller restart rewrites nothing: RemoteSecrets and the status stay as they are', async () => {
    const names = [NS.a1, NS.a2, NS.late, NS.tolabel];
    // Settled first: every RemoteSecret synced for its generation, the status written.
    for (const ns of names) await waitRemote(ns, RS, 'True', 'Synced', 60_000);
    await waitStatus('4 provisioned', (s) => s.provisionedNamespaces === 4);
    await sleep(1000);
    const before = await Promise.all(names.map((ns) => getJson(['remotesecret', RS, '-n', ns])));
    const crsBefore = await getJson(['clusterremotesecret', crsName]);
    await ctl.stop();
    earlierLogs.push(ctl.logText());
    ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [...Object.values(NS), ctlNs], identity: 'fanout-e2e-2' });
    await waitFor('ClusterRemoteSecret cache synced after restart', async () => ctl.has('cache synced', (l) => l.informer === 'clusterremotesecrets'), 20_000);
    await sleep(4000);
    const after = await Promise.all(names.map((ns) => getJson(['remotesecret', RS, '-n', ns])));
    for (const [i, o] of after.entries()) expect(o.metadata.resourceVersion, names[i]).toBe(before[i].metadata.resourceVersion);
    expect((await getJson(['clusterremotesecret', crsName])).metadata.resourceVersion).toBe(crsBefore.metadata.resourceVersion);
    expect(await vaultReads()).toBe(0);
  });

  it('a namespace that stops matching loses the RemoteSecret (and its Secret); the others keep theirs', async () => {
    await kubectl(['label', 'namespace', NS.a2, `${LABEL}-`]);
    await waitFor(`RemoteSecret ${NS.a2}/${RS} deleted`, async () => (await getOrUndefined(['remotesecret', RS, '-n', NS.a2])) === undefined);
    await waitFor(`Secret ${NS.a2}/${RS} deleted by the garbage collector`, async () => (await getOrUndefined(['secret', RS, '-n', NS.a2])) === undefined, 60_000);
    await waitStatus('4 matched, 3 provisioned, 1 failed', (s) => s.matchedNamespaces === 4 && s.provisionedNamespaces === 3 && s.failedNamespaceCount === 1);
    for (const ns of [NS.a1, NS.late, NS.tolabel]) expect(await getJson(['remotesecret', RS, '-n', ns])).toBeTruthy();
  });

  it('once the foreign RemoteSecret is gone, that namespace gets ours and the ClusterRemoteSecret is Ready', async () => {
    await kubectl(['delete', 'remotesecret', RS, '-n', NS.foreign, '--wait=true']);
    const crs = await waitStatus('4 provisioned, none failed', (s) => s.provisionedNamespaces === 4 && s.failedNamespaceCount === 0);
    expect(crs.status.failedNamespaces).toBeUndefined();
    expect(ready(crs)).toMatchObject({ status: 'True', reason: 'Provisioned', message: `RemoteSecret ${RS} in 4 namespaces` });
    const rs = await waitRemote(NS.foreign, RS, 'True', 'Synced', 60_000);
    expect(rs.metadata.ownerReferences[0].uid).toBe(crs.metadata.uid);
    await waitSecret(NS.foreign, { password: 'fan-pw-Hq4' });
    // One read per path for the new namespace (a restarted process shares from then on).
    expect(await vaultReads()).toBe(2);
  });

  it('deleting the ClusterRemoteSecret removes every RemoteSecret it made, and their Secrets', async () => {
    await kubectl(['delete', 'clusterremotesecret', crsName, '--wait=true']);
    for (const ns of [NS.a1, NS.foreign, NS.late, NS.tolabel]) {
      await waitFor(`RemoteSecret ${ns}/${RS} deleted`, async () => (await getOrUndefined(['remotesecret', RS, '-n', ns])) === undefined, 60_000);
      await waitFor(`Secret ${ns}/${RS} deleted`, async () => (await getOrUndefined(['secret', RS, '-n', ns])) === undefined, 60_000);
    }
  });

  it('applied from Git server-side (as Argo CD does): after the controller wrote status there is no diff, and it owns only status', async () => {
    const name = `${crsName}-git`;
    const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-crs-git-'));
    const file = path.join(dir, 'crs.yaml');
    writeFileSync(file, stringify({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', metadata: { name }, spec: { namespaces: [NS.other], template: { metadata: { name: 'from-git' }, spec: template().spec } } }));
    try {
      await kubectl(['apply', '--server-side', '--field-manager=argocd-controller', '-f', file]);
      await waitFor(`ClusterRemoteSecret ${name} Ready`, async () => {
        const o = await getJson(['clusterremotesecret', name]);
        return ready(o)?.reason === 'Provisioned' && o.status.provisionedNamespaces === 1 ? o : undefined;
      });
      const r = await kubectl(['diff', '--server-side', '--field-manager=argocd-controller', '-f', file], { allowFail: true });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(0);
      const live = await getJson(['clusterremotesecret', name, '--show-managed-fields']);
      expect(live.metadata.generation).toBe(1);
      const ours = live.metadata.managedFields.filter((e: any) => e.manager === FIELD_MANAGER);
      expect(ours.length).toBeGreaterThan(0);
      for (const e of ours) expect([e.subresource, Object.keys(e.fieldsV1)]).toEqual(['status', ['f:status']]);
    } finally {
      await kubectl(['delete', 'clusterremotesecret', name, '--ignore-not-found']);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sealkit ref --check -f resolves a ClusterRemoteSecret\'s references against Vault (the user\'s token), printing no value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-crs-check-'));
    const file = path.join(dir, 'crs.yaml');
    const t = template();
    t.spec.data = [...t.spec.data, { secretKey: 'nope', remoteRef: { key: `${P}/db`, property: 'missing' } }];
    writeFileSync(file, stringify({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', metadata: { name: crsName }, spec: { namespaceSelector: {}, template: t } }));
    try {
      const r = await run(process.execPath, [path.join(REPO, 'packages/cli/bin/sealkit.js'), 'ref', '--check', '-f', file], { env: { ...process.env, VAULT_ADDR: requireVault().addr, VAULT_TOKEN: readerToken }, allowFail: true });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`ClusterRemoteSecret/${crsName}: password: ok: secret/${P}/db property password (version 1)`);
      expect(r.stderr).toContain(`ClusterRemoteSecret/${crsName}: token: ok: secret/${P}/api property token (version 1)`);
      expect(r.stderr).toMatch(new RegExp(`ClusterRemoteSecret/${crsName}: nope: MISSING: property missing in secret/${P}/db`));
      for (const v of seeded) expect(r.stdout + r.stderr).not.toContain(v);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an invalid ClusterRemoteSecret says which field is wrong and creates nothing', async () => {
    const bad = `${crsName}-bad`;
    // Valid for the schema, refused by the controller's rules (the template's refresh interval).
    await apply({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', metadata: { name: bad }, spec: { namespaces: [NS.other], template: { spec: { ...template().spec, refreshInterval: '10ms' } } } });
    try {
      const o = await waitFor(`ClusterRemoteSecret ${bad} InvalidSpec`, async () => {
        const x = await getJson(['clusterremotesecret', bad]);
        return ready(x)?.reason === 'InvalidSpec' ? x : undefined;
      });
      expect(ready(o).message).toMatch(/^spec.template.spec.refreshInterval must be 0 \(fetch once\) or at least 1s/);
      expect(await getOrUndefined(['remotesecret', bad, '-n', NS.other])).toBeUndefined();
    } finally {
      await kubectl(['delete', 'clusterremotesecret', bad, '--ignore-not-found']);
    }
  });

  it('logs no Vault value or token', () => {
    const log = [...earlierLogs, ctl.logText()].join('\n');
    expect(log).toContain('fanned out');
    for (const v of seeded) expect(log.includes(v), 'a seeded secret appears in the log').toBe(false);
  });
});
