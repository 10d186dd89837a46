// DynamicSecrets end to end: the real sealkit-controller binary (its ServiceAccount's token and the
// RBAC of deploy/), the real kube-apiserver + kube-controller-manager (garbage collection), a real
// Vault whose database secrets engine issues PostgreSQL logins, and the harness's real PostgreSQL,
// where the credentials in the Secret must log in with psql. The role's TTLs are short (10 s
// default, 40 s max) so renewals and a re-issue happen within the suite. Rollout on change too
// (--rollout-on-change, deploy/rbac-rollout.yaml): kube-controller-manager's deployment controller
// turns each pod-template change into a new ReplicaSet (no nodes: pods stay Pending), so a
// Deployment's ReplicaSets count the restarts the re-issue of credentials caused.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube, requirePostgres, requireVault } from '../infra/env.js';
import { canLogIn, configureVaultDatabase, leasesUnder, roleExists } from '../infra/postgres.js';
import { ControllerProcess } from './lib/controller-process.js';
import { apply, controllerIdentity, createNamespace, decoded, getJson, kubectl, sleep, suffix, waitFor } from './lib/kube.js';
import { createToken, ensureRemoteCrds, grantRemoteRbac, secretOf, vault, vaultStore, waitRemote } from './remote-support.js';

let sfx: string;
let ctlNs: string;
let app: string;
let kubeconfig: string;
let ctl: ControllerProcess;
let credsPath: string;
const earlierLogs: string[] = [];
const seen: string[] = []; // every password and token of this suite: none may appear in a log or a status

const NAME = 'app-db';

async function dynamicSecret(): Promise<any> {
  return getJson(['dynamicsecret', NAME, '-n', app]);
}
async function credentials(): Promise<{ user: string; password: string; leaseId: string; secret: any }> {
  const secret = await getJson(['secret', NAME, '-n', app]);
  const d = decoded(secret);
  seen.push(d.password!);
  return { user: d.username!, password: d.password!, leaseId: secret.metadata.annotations['sealkit.dev/lease-id'], secret };
}
/** The field manager Argo CD uses for server-side apply. */
const GITOPS = 'argocd-controller';
const work = mkdtempSync(path.join(tmpdir(), 'sealkit-dyn-'));
/** Restarted when the credentials are replaced: listed in the DynamicSecret. */
const LISTED = { kind: 'Deployment', name: 'api' };
/** The DynamicSecret as a file in Git. */
function manifest(rolloutRestartTargets: object[] = [LISTED]): string {
  const file = path.join(work, 'dynamicsecret.yaml');
  writeFileSync(file, stringify({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'DynamicSecret', metadata: { name: NAME, namespace: app }, spec: { storeRef: { name: 'vault' }, path: credsPath, rolloutRestartTargets } }));
  return file;
}
const startController = (identity: string) => ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity, args: ['--rollout-on-change'] });

// ---- workloads using the credentials ----------------------------------------------------------

/** A Deployment whose pods read the credentials from the Secret as environment variables. */
function deployment(name: string, annotations: Record<string, string> = {}) {
  const labels = { app: name };
  const container = { name: 'app', image: 'registry.invalid/app:1', env: [{ name: 'PGUSER', valueFrom: { secretKeyRef: { name: NAME, key: 'username' } } }], envFrom: [{ secretRef: { name: NAME } }] };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: app, annotations }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } } };
}
/** api: listed in spec.rolloutRestartTargets; optin: annotated sealkit.dev/restart-on-change; plain: neither. */
const WORKLOADS = ['api', 'optin', 'plain'] as const;
/** How many pod templates a Deployment has had: its ReplicaSets. */
async function revisions(name: string): Promise<number> {
  const list = await getJson(['replicasets', '-n', app]);
  return (list?.items ?? []).filter((o: any) => (o.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'Deployment' && r.name === name)).length;
}
async function revisionCounts(): Promise<Record<string, number>> {
  return Object.fromEntries(await Promise.all(WORKLOADS.map(async (n) => [n, await revisions(n)])));
}
const waitRevisions = (name: string, n: number) =>
  waitFor(`Deployment ${name}: ${n} ReplicaSet(s)`, async () => {
    const got = await revisions(name);
    if (got > n) throw new Error(`${got} ReplicaSets, more than ${n}`);
    return got === n;
  }, 30_000);
/** The rollout's pod-template annotation, computed here independently of the controller's code. */
function expectedHash(secret: any): string {
  const entries = Object.entries(secret.data as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(['sealkit.dev/secret-data/v1', app, NAME, entries])).digest('hex');
}
const HASH_ANNOTATION = `sealkit.dev/secret-hash.${NAME}`;
async function templateHash(name: string): Promise<string | undefined> {
  return (await getJson(['deployment', name, '-n', app]))?.spec?.template?.metadata?.annotations?.[HASH_ANNOTATION];
}
const rolloutCondition = (o: any) => (o?.status?.conditions ?? []).find((c: any) => c.type === 'Rollout');

beforeAll(async () => {
  requireKube({ gc: true });
  const v = requireVault();
  requirePostgres();
  await ensureRemoteCrds();
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/dynamicsecrets.sealkit.dev']);
  sfx = suffix();
  ({ credsPath } = await configureVaultDatabase(vault, { mount: `db-${sfx}`, role: 'app', defaultTtl: '10s', maxTtl: '40s' }));
  const policy = `sealkit-dyn-${sfx}`;
  // What a DynamicSecret's store needs: read the creds path, renew, look up and revoke leases.
  await vault('PUT', `sys/policies/acl/${policy}`, {
    policy: [
      `path "${credsPath}" { capabilities = ["read"] }`,
      'path "sys/leases/renew" { capabilities = ["update"] }',
      'path "sys/leases/lookup" { capabilities = ["update"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
    ].join('\n'),
  });
  const token = await createToken([policy]);
  seen.push(token);
  ctlNs = await createNamespace('dync');
  app = await createNamespace('dyn');
  kubeconfig = await controllerIdentity(ctlNs, ['rbac-rollout.yaml']);
  await grantRemoteRbac(ctlNs);
  await apply([
    secretOf('vault-token', app, { token }),
    vaultStore(app, 'vault', { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
    deployment('api'),
    deployment('optin', { 'sealkit.dev/restart-on-change': 'true' }),
    deployment('plain'),
  ]);
  for (const n of WORKLOADS) await waitRevisions(n, 1);
  ctl = await startController('dyn-e2e');
}, 120_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await ctl?.stop();
  const logs = [...earlierLogs, ctl?.logText() ?? ''].join('\n');
  for (const s of seen) expect(logs.includes(s), 'a password or token appeared in the controller log').toBe(false);
  if (app) await kubectl(['delete', 'namespace', app, ctlNs, '--wait=false'], { allowFail: true });
});

describe('DynamicSecret: PostgreSQL credentials from Vault', () => {
  let first: { user: string; password: string; leaseId: string };

  it('writes credentials that log in with psql; the lease id is on the Secret and in status, no value is in status', async () => {
    // As Argo CD applies it (server-side, its own field manager), from a file "in Git".
    await kubectl(['apply', '--server-side', `--field-manager=${GITOPS}`, '-f', manifest()]);
    const ds = await waitRemote(app, NAME, 'True', 'Synced', 60_000, 'dynamicsecret');
    first = await credentials();
    expect(first.user).toMatch(/^v-token-app-/);
    expect(await canLogIn(first)).toBe(true);
    expect(first.leaseId).toMatch(new RegExp(`^${credsPath}/`));
    expect(ds.status.lease.id).toBe(first.leaseId);
    expect(ds.status.lease.durationSeconds).toBe(10);
    expect(ds.metadata.finalizers).toContain('sealkit.dev/revoke-lease');
    expect(JSON.stringify(ds.status)).not.toContain(first.password);
    expect(first.secret.metadata.ownerReferences[0]).toMatchObject({ kind: 'DynamicSecret', name: NAME, controller: true });
    expect(await leasesUnder(vault, credsPath)).toEqual([first.leaseId]);
    // A first creation restarts nothing: the pods start with these credentials anyway.
    expect(await revisionCounts()).toEqual({ api: 1, optin: 1, plain: 1 });
    expect(rolloutCondition(ds)).toBeUndefined();
  });

  it('no perpetual diff in Argo CD: the manifest from Git, applied again server-side, shows no difference (no schema defaults, the finalizer is ours)', async () => {
    const r = await kubectl(['diff', '--server-side', `--field-manager=${GITOPS}`, '-f', manifest()], { allowFail: true });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect((await dynamicSecret()).metadata.generation).toBe(1);
  });

  it('renews the lease: past the 10 s default TTL the same credentials still log in', async () => {
    const ds = await waitFor('two renewals of the first lease', async () => {
      const o = await dynamicSecret();
      return o?.status?.lease?.id === first.leaseId && o.status.lease.renewals >= 2 ? o : undefined;
    }, 30_000);
    expect(Date.now() - Date.parse(ds.status.lease.issueTime)).toBeGreaterThan(10_000);
    const now = await credentials();
    expect(now.user).toBe(first.user);
    expect(await canLogIn(first)).toBe(true);
    expect(await leasesUnder(vault, credsPath)).toEqual([first.leaseId]);
    // A renewal changes nothing in the Secret: no restart.
    expect(await revisionCounts()).toEqual({ api: 1, optin: 1, plain: 1 });
  });

  it('before the 40 s max TTL, new credentials replace the old ones, and the old lease is revoked (its role dropped)', async () => {
    const next = await waitFor('credentials of a new lease in the Secret', async () => {
      const c = await credentials();
      return c.leaseId !== first.leaseId ? c : undefined;
    }, 60_000);
    expect(next.user).not.toBe(first.user);
    expect(await canLogIn(next)).toBe(true);
    await waitFor('the replaced lease revoked', async () => (await leasesUnder(vault, credsPath)).length === 1, 15_000);
    expect(await leasesUnder(vault, credsPath)).toEqual([next.leaseId]);
    expect(await canLogIn(first)).toBe(false);
    expect(await roleExists(first.user)).toBe(false);
    first = next;
  });

  it('the re-issue rolled out the listed Deployment and the opted-in one, once each, to the new credentials (which log in); the others stay', async () => {
    await waitRevisions('api', 2);
    await waitRevisions('optin', 2);
    const secret = (await credentials()).secret;
    expect(secret.metadata.annotations['sealkit.dev/lease-id']).toBe(first.leaseId);
    const hash = expectedHash(secret);
    expect(await templateHash('api')).toBe(hash);
    expect(await templateHash('optin')).toBe(hash);
    expect(await templateHash('plain')).toBeUndefined();
    expect(await revisions('plain')).toBe(1);
    // The new ReplicaSet's pods are made from the new template: they read the Secret as it is now.
    expect(await canLogIn(first)).toBe(true);
    const ds = await waitFor('status.rollout of the re-issue', async () => {
      const o = await dynamicSecret();
      return o?.status?.rollout?.targets?.length === 2 ? o : undefined;
    });
    expect(ds.status.rollout.targets.map((t: any) => `${t.kind}/${t.name}`).sort()).toEqual(['Deployment/api', 'Deployment/optin']);
    expect(rolloutCondition(ds)).toMatchObject({ status: 'True', reason: 'Restarted' });
    expect(ds.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(JSON.stringify(ds.status)).not.toContain(first.password);
  });

  it('an edit of rolloutRestartTargets alone issues no new credentials (Argo CD applies it; status follows the generation)', async () => {
    const issued = ctl.count('credentials issued');
    await kubectl(['apply', '--server-side', `--field-manager=${GITOPS}`, '-f', manifest([LISTED, { kind: 'Deployment', name: 'plain' }])]);
    const ds = await waitRemote(app, NAME, 'True', 'Synced', 30_000, 'dynamicsecret');
    expect(ds.metadata.generation).toBe(2);
    expect(ds.status.lease.id).toBe(first.leaseId);
    expect(ctl.count('credentials issued')).toBe(issued);
    expect((await credentials()).leaseId).toBe(first.leaseId);
    expect(rolloutCondition(ds)).toMatchObject({ reason: 'Restarted' }); // kept by the status write of the edit
    await sleep(1_000);
    expect(await revisionCounts()).toEqual({ api: 2, optin: 2, plain: 1 });
  });

  it('a controller restart adopts the lease on the Secret: no second lease, no new credentials, renewals go on', async () => {
    await ctl.stop();
    earlierLogs.push(ctl.logText());
    // Read once the old controller is gone: nothing changes them until the new one runs.
    const before = await credentials();
    const renewals: number = (await dynamicSecret()).status.lease.renewals;
    ctl = await startController('dyn-e2e-2');
    const ds = await waitFor('a renewal by the new controller', async () => {
      const o = await dynamicSecret();
      return ctl.has('lease adopted from the Secret') && o?.status?.lease?.renewals > renewals ? o : undefined;
    }, 30_000);
    expect(ds.status.lease.id).toBe(before.leaseId);
    expect(ctl.count('credentials issued')).toBe(0);
    const after = await credentials();
    expect(after.user).toBe(before.user);
    expect(after.secret.metadata.resourceVersion).toBe(before.secret.metadata.resourceVersion);
    expect(await leasesUnder(vault, credsPath)).toEqual([before.leaseId]);
    expect(await canLogIn(after)).toBe(true);
    // Adopting a lease writes nothing: no restart (the edit of generation 2 included).
    expect(await revisionCounts()).toEqual({ api: 2, optin: 2, plain: 1 });
    first = after;
  });

  it('deleting the DynamicSecret revokes the lease: the credentials no longer log in, the role is gone, the Secret goes', async () => {
    await kubectl(['delete', 'dynamicsecret', NAME, '-n', app, '--wait=true', '--timeout=60s']);
    expect(await leasesUnder(vault, credsPath)).toEqual([]);
    expect(await canLogIn(first)).toBe(false);
    expect(await roleExists(first.user)).toBe(false);
    await waitFor('the Secret garbage-collected', async () => (await getJson(['secret', NAME, '-n', app])) === undefined, 60_000);
  });
});
