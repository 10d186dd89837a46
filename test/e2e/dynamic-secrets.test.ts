// DynamicSecrets end to end: the real sealkit-controller binary (its ServiceAccount's token and the
// RBAC of deploy/), the real kube-apiserver + kube-controller-manager (garbage collection), a real
// Vault whose database secrets engine issues PostgreSQL logins, and the harness's real PostgreSQL,
// where the credentials in the Secret must log in with psql. The role's TTLs are short (10 s
// default, 40 s max) so renewals and a re-issue happen within the suite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube, requirePostgres, requireVault } from '../infra/env.js';
import { canLogIn, configureVaultDatabase, leasesUnder, roleExists } from '../infra/postgres.js';
import { ControllerProcess } from './lib/controller-process.js';
import { apply, controllerIdentity, createNamespace, decoded, getJson, kubectl, suffix, waitFor } from './lib/kube.js';
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
/** The DynamicSecret as a file in Git. */
function manifest(): string {
  const file = path.join(work, 'dynamicsecret.yaml');
  writeFileSync(file, stringify({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'DynamicSecret', metadata: { name: NAME, namespace: app }, spec: { storeRef: { name: 'vault' }, path: credsPath } }));
  return file;
}
const startController = (identity: string) => ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity });

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
  kubeconfig = await controllerIdentity(ctlNs);
  await grantRemoteRbac(ctlNs);
  await apply([
    secretOf('vault-token', app, { token }),
    vaultStore(app, 'vault', { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
  ]);
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
