// RemoteSecrets end to end: the real sealkit-controller binary (its ServiceAccount token, the RBAC
// from deploy/ plus the remote rules), the real kube-apiserver + kube-controller-manager, and real
// Vault dev servers (the harness's, and a private one this suite stops and starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube, requireVault } from '../infra/env.js';
import { ControllerProcess } from './lib/controller-process.js';
import { apply, controllerIdentity, createNamespace, decoded, getJson, kubectl, sleep, suffix, waitFor } from './lib/kube.js';
import {
  PrivateVault, counter, createToken, ensureAuth, ensureMount, ensureRemoteCrds, grantRemoteRbac, kv1Put, kv2Put, ready,
  remoteSecret, secretOf, vault, vaultStore, waitRemote,
} from './remote-support.js';

let sfx: string;
let P: string; // Vault key prefix of this run
let policy: string;
let ctlNs: string;
let app: string;
let other: string;
let kubeconfig: string;
let ctl: ControllerProcess;
let vaultAddr: string;
let readerToken: string;
const seeded: string[] = []; // every secret value and token this suite puts anywhere: must never be logged
const earlierLogs: string[] = []; // logs of controller processes stopped during the suite

const track = <T extends string>(v: T): T => (seeded.push(v), v);

async function metrics(): Promise<string> {
  return (await fetch(`${ctl.url}/metrics`)).text();
}
const storeLabel = (name: string, ns = app) => `RemoteStore/${ns}/${name}`;

async function events(name: string, reason: string, ns = app): Promise<any[]> {
  const ev = await getJson(['events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`]);
  return ev?.items ?? [];
}

beforeAll(async () => {
  requireKube({ gc: true });
  const v = requireVault({ kubernetesAuth: true });
  vaultAddr = v.addr;
  await ensureRemoteCrds();
  sfx = suffix();
  P = `e2e-${sfx}`;
  policy = `sealkit-e2e-${sfx}`;
  ctlNs = await createNamespace('rsc');
  app = await createNamespace('rapp');
  other = await createNamespace('rother');
  await kubectl(['label', 'namespace', app, `sealkit-e2e=${sfx}`]);
  kubeconfig = await controllerIdentity(ctlNs);
  await grantRemoteRbac(ctlNs);

  await kv2Put('secret', `${P}/db`, { password: track('pw-v1-Zq8'), username: 'app', port: 5432, nested: { host: 'db.internal' } });
  await kv1Put('kv1', `${P}/legacy`, { apikey: track('legacy-key-Wx3'), region: 'eu' });
  await ensureMount(`kvd-${sfx}/data`, '2');
  await ensureMount(`kvd1-${sfx}/data`, '1');
  await vault('PUT', `sys/policies/acl/${policy}`, {
    policy: [
      `path "secret/data/${P}/*" { capabilities = ["read"] }`,
      `path "kv1/${P}/*" { capabilities = ["read"] }`,
      `path "kvd-${sfx}/data/*" { capabilities = ["read"] }`,
      `path "kvd1-${sfx}/data/*" { capabilities = ["read"] }`,
    ].join('\n'),
  });
  readerToken = track(await createToken([policy]));
  await apply([
    secretOf('vault-token', app, { token: readerToken }),
    vaultStore(app, 'vault', { server: vaultAddr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
  ]);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app, other], identity: 'remote-e2e' });
});

afterAll(async () => {
  await ctl?.stop();
  for (const ns of [app, other, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  if (sfx) await kubectl(['delete', 'clusterremotestore', `crs-${sfx}`, '--ignore-not-found', '--wait=false'], { allowFail: true });
});

describe('stores', () => {
  it('a RemoteStore is Ready after the controller checked its token, with the detected KV version', async () => {
    const s = await waitRemote(app, 'vault', 'True', 'Authenticated', 30_000, 'remotestore');
    expect(s.status.kvVersion).toBe('v2');
    expect(ready(s).message).toContain('token auth');
    const printed = (await kubectl(['get', 'remotestore', 'vault', '-n', app])).stdout;
    expect(printed).toMatch(/NAME\s+SERVER\s+MOUNT\s+KV\s+READY\s+REASON\s+AGE/);
    expect(printed).toMatch(/vault\s+http:\/\/127\.0\.0\.1:\d+\s+secret\s+v2\s+True\s+Authenticated/);
  });

  it('a store with a bad token is not Ready, and says why', async () => {
    await apply([
      secretOf('bad-token', app, { token: track('hvs.not-a-real-token') }),
      vaultStore(app, 'bad', { server: vaultAddr, mount: 'secret', auth: { token: { secretRef: { name: 'bad-token', key: 'token' } } } }),
    ]);
    const s = await waitRemote(app, 'bad', 'False', 'AuthFailed', 30_000, 'remotestore');
    expect(ready(s).message).toMatch(/invalid or expired/);
  });
});

describe('reading Vault', () => {
  it('token auth, KV v2: properties (nested too) into a Secret owned by the RemoteSecret; status lists keys and versions, never values', async () => {
    await apply(remoteSecret(app, 'db', {
      storeRef: { name: 'vault' },
      target: { template: { metadata: { labels: { team: 'a' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } } },
      data: [
        { secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } },
        { secretKey: 'port', remoteRef: { key: `${P}/db`, property: 'port' } },
        { secretKey: 'host', remoteRef: { key: `${P}/db`, property: 'nested.host' } },
      ],
    }));
    const rs = await waitRemote(app, 'db');
    const s = await getJson(['secret', 'db', '-n', app]);
    expect(decoded(s)).toEqual({ password: 'pw-v1-Zq8', port: '5432', host: 'db.internal' });
    expect(s.type).toBe('Opaque');
    expect(s.metadata.labels).toEqual({ team: 'a', 'app.kubernetes.io/managed-by': 'sealkit' });
    expect(s.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteSecret', name: 'db', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(ready(rs)).toMatchObject({ reason: 'Synced', observedGeneration: 1 });
    expect(rs.status.data).toEqual([
      { secretKey: 'password', key: `${P}/db`, property: 'password', version: '1' },
      { secretKey: 'port', key: `${P}/db`, property: 'port', version: '1' },
      { secretKey: 'host', key: `${P}/db`, property: 'nested.host', version: '1' },
    ]);
    expect(Date.parse(rs.status.refreshTime)).toBeGreaterThan(Date.now() - 60_000);
    expect(rs.status.syncedResourceVersion).toBe(s.metadata.resourceVersion);
    expect(JSON.stringify(rs)).not.toContain('pw-v1-Zq8');
    // kubectl wait works on it, as for SealedSecrets
    await kubectl(['wait', '--for=condition=Ready', 'remotesecret/db', '-n', app, '--timeout=10s']);
    const printed = (await kubectl(['get', 'remotesecret', 'db', '-n', app])).stdout;
    expect(printed).toMatch(/db\s+vault\s+True\s+Synced/);
    // what Argo CD would diff: the spec reads back exactly as applied (no server-side defaults)
    expect(rs.spec).toEqual({
      storeRef: { name: 'vault' },
      target: { template: { metadata: { labels: { team: 'a' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } } },
      data: expect.any(Array),
    });
    expect((await events('db', 'Synced')).length).toBeGreaterThan(0);
  });

  it('KV v1 (configured and detected) and whole-secret extraction', async () => {
    await apply([
      vaultStore(app, 'legacy', { server: vaultAddr, mount: 'kv1', kvVersion: 'v1', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      vaultStore(app, 'legacy-auto', { server: vaultAddr, mount: 'kv1', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      remoteSecret(app, 'legacy', { storeRef: { name: 'legacy' }, dataFrom: [{ extract: { key: `${P}/legacy` } }] }),
      remoteSecret(app, 'legacy-auto', { storeRef: { name: 'legacy-auto' }, data: [{ secretKey: 'key', remoteRef: { key: `${P}/legacy`, property: 'apikey' } }, { secretKey: 'all', remoteRef: { key: `${P}/legacy` } }] }),
    ]);
    const rs = await waitRemote(app, 'legacy');
    expect(decoded(await getJson(['secret', 'legacy', '-n', app]))).toEqual({ apikey: 'legacy-key-Wx3', region: 'eu' });
    expect(rs.status.dataFrom).toEqual([{ key: `${P}/legacy`, keys: ['apikey', 'region'] }]);
    await waitRemote(app, 'legacy-auto');
    const auto = decoded(await getJson(['secret', 'legacy-auto', '-n', app]));
    expect(auto.key).toBe('legacy-key-Wx3');
    expect(JSON.parse(auto.all!)).toEqual({ apikey: 'legacy-key-Wx3', region: 'eu' });
    expect((await waitRemote(app, 'legacy-auto', 'True', undefined, 10_000, 'remotestore')).status.kvVersion).toBe('v1');
  });

  it('a mount or key containing "data" is read exactly as written (External Secrets Operator #3116)', async () => {
    await kv2Put(`kvd-${sfx}/data`, 'data/app', { v: 'from-v2-data-mount' });
    await kv1Put(`kvd1-${sfx}/data`, 'data/app', { v: 'from-v1-data-mount' });
    await apply([
      vaultStore(app, 'dmount', { server: vaultAddr, mount: `kvd-${sfx}/data`, auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      vaultStore(app, 'dmount1', { server: vaultAddr, mount: `kvd1-${sfx}/data`, auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      remoteSecret(app, 'dmount', { storeRef: { name: 'dmount' }, data: [{ secretKey: 'v', remoteRef: { key: 'data/app', property: 'v' } }] }),
      remoteSecret(app, 'dmount1', { storeRef: { name: 'dmount1' }, data: [{ secretKey: 'v', remoteRef: { key: 'data/app', property: 'v' } }] }),
    ]);
    await waitRemote(app, 'dmount');
    await waitRemote(app, 'dmount1');
    expect(decoded(await getJson(['secret', 'dmount', '-n', app]))).toEqual({ v: 'from-v2-data-mount' });
    expect(decoded(await getJson(['secret', 'dmount1', '-n', app]))).toEqual({ v: 'from-v1-data-mount' });
  });

  it('templates: values combined into new keys, literal braces, type and merge with the fetched keys', async () => {
    await apply(remoteSecret(app, 'tpl', {
      storeRef: { name: 'vault' },
      target: {
        template: {
          type: 'kubernetes.io/basic-auth',
          mergePolicy: 'Merge',
          data: {
            url: 'postgres://{{ .username }}:{{ .password }}@{{ .host }}:5432/app',
            literal: '{{ "{{" }} .notATemplate {{ "}}" }}',
            encoded: '{{ .username | upper | b64enc }}',
          },
        },
      },
      data: [
        { secretKey: 'username', remoteRef: { key: `${P}/db`, property: 'username' } },
        { secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } },
        { secretKey: 'host', remoteRef: { key: `${P}/db`, property: 'nested.host' } },
      ],
    }));
    await waitRemote(app, 'tpl');
    const s = await getJson(['secret', 'tpl', '-n', app]);
    expect(s.type).toBe('kubernetes.io/basic-auth');
    expect(decoded(s)).toEqual({
      username: 'app',
      password: 'pw-v1-Zq8',
      host: 'db.internal',
      url: 'postgres://app:pw-v1-Zq8@db.internal:5432/app',
      literal: '{{ .notATemplate }}',
      encoded: Buffer.from('APP').toString('base64'),
    });
  });

  it('KV v2 version pinning; a deleted pinned version is VersionNotFound and the Secret is kept', async () => {
    await kv2Put('secret', `${P}/rot`, { token: track('tok-one-Qp1') });
    await kv2Put('secret', `${P}/rot`, { token: track('tok-two-Qp2') });
    await apply([
      remoteSecret(app, 'pinned', { storeRef: { name: 'vault' }, refreshInterval: '2s', data: [{ secretKey: 'token', remoteRef: { key: `${P}/rot`, property: 'token', version: '1' } }] }),
      remoteSecret(app, 'latest', { storeRef: { name: 'vault' }, data: [{ secretKey: 'token', remoteRef: { key: `${P}/rot`, property: 'token' } }] }),
    ]);
    const pinned = await waitRemote(app, 'pinned');
    const latest = await waitRemote(app, 'latest');
    expect(decoded(await getJson(['secret', 'pinned', '-n', app]))).toEqual({ token: 'tok-one-Qp1' });
    expect(decoded(await getJson(['secret', 'latest', '-n', app]))).toEqual({ token: 'tok-two-Qp2' });
    expect(pinned.status.data[0].version).toBe('1');
    expect(latest.status.data[0].version).toBe('2');
    const before = await getJson(['secret', 'pinned', '-n', app]);
    await vault('POST', `secret/delete/${P}/rot`, { versions: [1] });
    const rs = await waitRemote(app, 'pinned', 'False', 'VersionNotFound');
    expect(ready(rs).message).toContain(`version 1 of key "${P}/rot" is deleted`);
    expect(ready(rs).message).toContain('left unchanged');
    const after = await getJson(['secret', 'pinned', '-n', app]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(rs.status.refreshTime).toBe(pinned.status.refreshTime);
  });

  it('a missing key or property is Ready=False with its reason (never an empty value); it syncs once it exists', async () => {
    await apply([
      remoteSecret(app, 'nokey', { storeRef: { name: 'vault' }, data: [{ secretKey: 'x', remoteRef: { key: `${P}/later`, property: 'x' } }] }),
      remoteSecret(app, 'noprop', { storeRef: { name: 'vault' }, data: [{ secretKey: 'x', remoteRef: { key: `${P}/db`, property: 'passwd' } }] }),
      remoteSecret(app, 'withmount', { storeRef: { name: 'vault' }, data: [{ secretKey: 'x', remoteRef: { key: `secret/${P}/db`, property: 'password' } }] }),
    ]);
    const nokey = await waitRemote(app, 'nokey', 'False', 'KeyNotFound');
    expect(ready(nokey).message).toContain(`key "${P}/later" not found`);
    const noprop = await waitRemote(app, 'noprop', 'False', 'PropertyNotFound');
    expect(ready(noprop).message).toMatch(/property "passwd" not found .*nested, password, port, username/);
    // The policy covers secret/data/P/*, so Vault answers 403 for the mistyped path: same hint.
    const withMount = await waitRemote(app, 'withmount', 'False', 'PermissionDenied');
    expect(ready(withMount).message).toContain(`did you mean "${P}/db"`);
    for (const n of ['nokey', 'noprop', 'withmount']) expect(await getJson(['secret', n, '-n', app])).toBeUndefined();
    expect((await events('nokey', 'KeyNotFound'))[0]?.type).toBe('Warning');
    await kv2Put('secret', `${P}/later`, { x: 'now-here' });
    await waitRemote(app, 'nokey', 'True', 'Synced', 45_000);
    expect(decoded(await getJson(['secret', 'nokey', '-n', app]))).toEqual({ x: 'now-here' });
  });

  it('a value changed in Vault reaches the Secret on the next refresh', async () => {
    await kv2Put('secret', `${P}/moving`, { v: 'first' });
    await apply(remoteSecret(app, 'moving', { storeRef: { name: 'vault' }, refreshInterval: '2s', data: [{ secretKey: 'v', remoteRef: { key: `${P}/moving`, property: 'v' } }] }));
    await waitRemote(app, 'moving');
    expect(decoded(await getJson(['secret', 'moving', '-n', app]))).toEqual({ v: 'first' });
    await kv2Put('secret', `${P}/moving`, { v: 'second' });
    await waitFor('Secret moving updated', async () => decoded(await getJson(['secret', 'moving', '-n', app])).v === 'second', 15_000);
    const rs = await getJson(['remotesecret', 'moving', '-n', app]);
    await waitFor('status shows version 2', async () => (await getJson(['remotesecret', 'moving', '-n', app])).status.data[0].version === '2', 10_000);
    expect(ready(rs).status).toBe('True');
    await waitFor('Updated event', async () => (await events('moving', 'Updated')).length > 0, 10_000);
  });
});

describe('forcing a refresh', () => {
  it('changing the sealkit.dev/force-sync annotation reads Vault now, whatever the interval', async () => {
    await kv2Put('secret', `${P}/forced`, { v: 'old' });
    await apply(remoteSecret(app, 'forced', { storeRef: { name: 'vault' }, refreshInterval: '1h', data: [{ secretKey: 'v', remoteRef: { key: `${P}/forced`, property: 'v' } }] }));
    await waitRemote(app, 'forced');
    await kv2Put('secret', `${P}/forced`, { v: 'new' });
    await sleep(2000);
    expect(decoded(await getJson(['secret', 'forced', '-n', app]))).toEqual({ v: 'old' });
    await kubectl(['annotate', 'remotesecret', 'forced', '-n', app, `sealkit.dev/force-sync=${Date.now()}`]);
    await waitFor('forced refresh', async () => decoded(await getJson(['secret', 'forced', '-n', app])).v === 'new', 10_000);
  });
});

describe('the managed Secret', () => {
  it('drift is healed: an edited or deleted Secret is restored without waiting for a refresh', async () => {
    await apply(remoteSecret(app, 'drift', { storeRef: { name: 'vault' }, refreshInterval: '1h', data: [{ secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } }] }));
    await waitRemote(app, 'drift');
    await kubectl(['patch', 'secret', 'drift', '-n', app, '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from('tampered').toString('base64'), extra: 'eA==' } })]);
    await waitFor('edited Secret restored', async () => {
      const d = decoded(await getJson(['secret', 'drift', '-n', app]));
      return d.password === 'pw-v1-Zq8' && d.extra === undefined;
    }, 15_000);
    await kubectl(['delete', 'secret', 'drift', '-n', app]);
    await waitFor('deleted Secret recreated', async () => decoded(await getJson(['secret', 'drift', '-n', app])).password === 'pw-v1-Zq8', 15_000);
    expect((await events('drift', 'SecretRestored')).length).toBeGreaterThan(0);
  });

  it('Owner: the Secret goes with the RemoteSecret (garbage collector)', async () => {
    await apply(remoteSecret(app, 'owned', { storeRef: { name: 'vault' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }));
    await waitRemote(app, 'owned');
    await kubectl(['delete', 'remotesecret', 'owned', '-n', app]);
    await waitFor('owned Secret garbage-collected', async () => (await getJson(['secret', 'owned', '-n', app])) === undefined, 60_000);
  });

  it('Orphan: no owner reference; the Secret outlives the RemoteSecret', async () => {
    await apply(remoteSecret(app, 'orphan', { storeRef: { name: 'vault' }, target: { creationPolicy: 'Orphan' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }));
    await waitRemote(app, 'orphan');
    const s = await getJson(['secret', 'orphan', '-n', app]);
    expect(s.metadata.ownerReferences).toBeUndefined();
    expect(s.metadata.annotations['sealkit.dev/remote-secret']).toBe('orphan');
    // still managed: drift is healed
    await kubectl(['patch', 'secret', 'orphan', '-n', app, '--type', 'merge', '-p', JSON.stringify({ data: { p: 'eA==' } })]);
    await waitFor('orphan restored', async () => decoded(await getJson(['secret', 'orphan', '-n', app])).p === 'pw-v1-Zq8', 15_000);
    await kubectl(['delete', 'remotesecret', 'orphan', '-n', app]);
    await sleep(3000);
    expect(decoded(await getJson(['secret', 'orphan', '-n', app]))).toEqual({ p: 'pw-v1-Zq8' });
  });

  it('Merge: our keys into an existing opted-in Secret, theirs kept; without the opt-in nothing is touched', async () => {
    await apply([
      secretOf('shared', app, { theirs: 'keep-me' }, { annotations: { 'sealkit.dev/managed': 'true' }, labels: { owner: 'helm' } }),
      secretOf('locked', app, { theirs: 'keep-me-too' }),
    ]);
    await apply([
      remoteSecret(app, 'merge', { storeRef: { name: 'vault' }, target: { name: 'shared', creationPolicy: 'Merge' }, data: [{ secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
      remoteSecret(app, 'merge-locked', { storeRef: { name: 'vault' }, target: { name: 'locked', creationPolicy: 'Merge' }, data: [{ secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
      remoteSecret(app, 'merge-missing', { storeRef: { name: 'vault' }, target: { name: 'does-not-exist', creationPolicy: 'Merge' }, data: [{ secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'merge');
    const s = await getJson(['secret', 'shared', '-n', app]);
    expect(decoded(s)).toEqual({ theirs: 'keep-me', password: 'pw-v1-Zq8' });
    expect(s.metadata.ownerReferences).toBeUndefined();
    expect(s.metadata.labels.owner).toBe('helm');
    const locked = await getJson(['secret', 'locked', '-n', app]);
    const rs = await waitRemote(app, 'merge-locked', 'False', 'SecretNotOwned');
    expect(ready(rs).message).toContain('sealkit.dev/managed=true');
    expect(decoded(await getJson(['secret', 'locked', '-n', app]))).toEqual({ theirs: 'keep-me-too' });
    expect((await getJson(['secret', 'locked', '-n', app])).metadata.resourceVersion).toBe(locked.metadata.resourceVersion);
    expect(ready(await waitRemote(app, 'merge-missing', 'False', 'SecretNotOwned')).message).toContain('does not exist');
  });

  it('Owner never overwrites an existing Secret it does not own', async () => {
    await apply(secretOf('taken', app, { mine: 'not-yours' }));
    await apply(remoteSecret(app, 'taken', { storeRef: { name: 'vault' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }));
    const rs = await waitRemote(app, 'taken', 'False', 'SecretNotOwned');
    expect(ready(rs).message).toMatch(/not managed by this RemoteSecret/);
    expect(decoded(await getJson(['secret', 'taken', '-n', app]))).toEqual({ mine: 'not-yours' });
  });

  it('deletionPolicy: Retain keeps the Secret when the key is gone from Vault; Delete deletes it', async () => {
    await kv2Put('secret', `${P}/eph-r`, { v: 'r' });
    await kv2Put('secret', `${P}/eph-d`, { v: 'd' });
    await apply([
      remoteSecret(app, 'retain', { storeRef: { name: 'vault' }, refreshInterval: '2s', target: { deletionPolicy: 'Retain' }, data: [{ secretKey: 'v', remoteRef: { key: `${P}/eph-r`, property: 'v' } }] }),
      remoteSecret(app, 'delete', { storeRef: { name: 'vault' }, refreshInterval: '2s', target: { deletionPolicy: 'Delete' }, data: [{ secretKey: 'v', remoteRef: { key: `${P}/eph-d`, property: 'v' } }] }),
    ]);
    await waitRemote(app, 'retain');
    await waitRemote(app, 'delete');
    await vault('DELETE', `secret/metadata/${P}/eph-r`);
    await vault('DELETE', `secret/metadata/${P}/eph-d`);
    await waitRemote(app, 'retain', 'False', 'KeyNotFound', 20_000);
    expect(decoded(await getJson(['secret', 'retain', '-n', app]))).toEqual({ v: 'r' });
    const del = await waitRemote(app, 'delete', 'False', 'SecretDeleted', 20_000);
    expect(ready(del).message).toContain('deletionPolicy Delete');
    expect(await getJson(['secret', 'delete', '-n', app])).toBeUndefined();
  });
});

describe('authentication', () => {
  it('AppRole: role id inline, secret id from a Secret', async () => {
    await ensureAuth('approle', 'approle');
    const role = `sk-${sfx}`;
    await vault('POST', `auth/approle/role/${role}`, { token_policies: [policy], token_ttl: '1h', token_max_ttl: '2h' });
    const roleId = (await vault('GET', `auth/approle/role/${role}/role-id`)).data.role_id;
    const secretId = track((await vault('POST', `auth/approle/role/${role}/secret-id`, {})).data.secret_id as string);
    await apply([
      secretOf('approle', app, { 'secret-id': secretId }),
      vaultStore(app, 'approle', { server: vaultAddr, mount: 'secret', kvVersion: 'v2', auth: { appRole: { roleId, secretIdSecretRef: { name: 'approle', key: 'secret-id' } } } }),
      remoteSecret(app, 'via-approle', { storeRef: { name: 'approle' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'via-approle');
    expect(decoded(await getJson(['secret', 'via-approle', '-n', app]))).toEqual({ p: 'pw-v1-Zq8' });
    expect(ready(await waitRemote(app, 'approle', 'True', 'Authenticated', 10_000, 'remotestore')).message).toContain('appRole');
    expect(counter(await metrics(), 'sealkit_vault_logins_total', { store: storeLabel('approle'), result: 'success' })).toBe(1);
  });

  it('Kubernetes: a TokenRequest JWT of the service account, verified by the apiserver (TokenReview)', async () => {
    const role = `sk-k8s-${sfx}`;
    await kubectl(['create', 'serviceaccount', 'vault-reader', '-n', app]);
    await vault('POST', `auth/kubernetes/role/${role}`, { bound_service_account_names: ['vault-reader'], bound_service_account_namespaces: [app], token_policies: [policy], token_ttl: '1h' });
    await apply([
      vaultStore(app, 'k8s', { server: vaultAddr, mount: 'secret', auth: { kubernetes: { mount: 'kubernetes', role, serviceAccountRef: { name: 'vault-reader' } } } }),
      remoteSecret(app, 'via-k8s', { storeRef: { name: 'k8s' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'via-k8s');
    expect(decoded(await getJson(['secret', 'via-k8s', '-n', app]))).toEqual({ p: 'pw-v1-Zq8' });
    expect(counter(await metrics(), 'sealkit_vault_logins_total', { store: storeLabel('k8s'), method: 'kubernetes', result: 'success' })).toBe(1);

    // A service account the role does not admit: AuthFailed, reported on the store and the RemoteSecret.
    await kubectl(['create', 'serviceaccount', 'stranger', '-n', app]);
    await apply([
      vaultStore(app, 'k8s-denied', { server: vaultAddr, mount: 'secret', kvVersion: 'v2', auth: { kubernetes: { role, serviceAccountRef: { name: 'stranger' } } } }),
      remoteSecret(app, 'via-k8s-denied', { storeRef: { name: 'k8s-denied' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    const rs = await waitRemote(app, 'via-k8s-denied', 'False', 'AuthFailed');
    expect(ready(rs).message).toMatch(/kubernetes login rejected: Vault returned HTTP (400|403)/);
  });

  it('a short-lived token is renewed before it expires: one login, renewals, syncs keep working past its TTL', async () => {
    const shortToken = track(await createToken([policy], { ttl: '6s' }));
    await apply([
      secretOf('short-token', app, { token: shortToken }),
      vaultStore(app, 'short', { server: vaultAddr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'short-token', key: 'token' } } } }),
      remoteSecret(app, 'via-short', { storeRef: { name: 'short' }, refreshInterval: '2s', data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'via-short');
    await sleep(14_000); // more than twice the token's TTL
    const m = await metrics();
    expect(counter(m, 'sealkit_vault_token_renewals_total', { store: storeLabel('short'), result: 'success' })).toBeGreaterThanOrEqual(2);
    expect(counter(m, 'sealkit_vault_logins_total', { store: storeLabel('short') })).toBe(1);
    expect(counter(m, 'sealkit_vault_requests_total', { store: storeLabel('short'), code: '403' })).toBe(0);
    const rs = await waitRemote(app, 'via-short');
    expect(Date.parse(rs.status.refreshTime)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('a token at its max TTL is replaced by a fresh login, not one login per reconcile', async () => {
    const role = `sk-short-${sfx}`;
    await vault('POST', `auth/approle/role/${role}`, { token_policies: [policy], token_ttl: '4s', token_max_ttl: '8s' });
    const roleId = (await vault('GET', `auth/approle/role/${role}/role-id`)).data.role_id;
    const secretId = track((await vault('POST', `auth/approle/role/${role}/secret-id`, {})).data.secret_id as string);
    await apply([
      secretOf('approle-short', app, { 'secret-id': secretId }),
      vaultStore(app, 'approle-short', { server: vaultAddr, mount: 'secret', kvVersion: 'v2', auth: { appRole: { roleId, secretIdSecretRef: { name: 'approle-short', key: 'secret-id' } } } }),
      remoteSecret(app, 'via-approle-short', { storeRef: { name: 'approle-short' }, refreshInterval: '1s', data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'via-approle-short');
    await sleep(20_000);
    const m = await metrics();
    const logins = counter(m, 'sealkit_vault_logins_total', { store: storeLabel('approle-short'), result: 'success' });
    const syncs = counter(m, 'sealkit_vault_requests_total', { store: storeLabel('approle-short'), op: 'read', code: '200' });
    // ~20 refreshes in 20 s, but only a login every ~7 s (max TTL 8 s)
    expect(logins).toBeGreaterThanOrEqual(2);
    expect(logins).toBeLessThanOrEqual(5);
    expect(syncs).toBeGreaterThanOrEqual(10);
    expect(ready(await waitRemote(app, 'via-approle-short')).reason).toBe('Synced');
  });
});

describe('sharing and restarts', () => {
  const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
  it('reads of the same path are shared across RemoteSecrets (one Vault read for six objects)', async () => {
    await apply(vaultStore(app, 'shared', { server: vaultAddr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }));
    await waitRemote(app, 'shared', 'True', undefined, 30_000, 'remotestore');
    await apply(names.map((n, i) => remoteSecret(app, n, { storeRef: { name: 'shared' }, refreshInterval: '1h', data: [{ secretKey: `k${i}`, remoteRef: { key: `${P}/db`, property: i % 2 ? 'username' : 'password' } }] })));
    for (const n of names) await waitRemote(app, n);
    const m = await metrics();
    expect(counter(m, 'sealkit_vault_requests_total', { store: storeLabel('shared'), op: 'read' })).toBe(1);
    expect(counter(m, 'sealkit_vault_reads_shared_total', { store: storeLabel('shared') })).toBe(names.length - 1);
  });

  it('after a controller restart, synced objects are not all read again; a drifted one is healed', async () => {
    const before = await Promise.all(names.map((n) => getJson(['secret', n, '-n', app])));
    await ctl.stop();
    earlierLogs.push(ctl.logText());
    ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app, other], identity: 'remote-e2e-2' });
    await waitFor('remote caches synced after restart', async () => ctl.has('cache synced', (l) => l.informer === `remotesecrets/${app}`), 20_000);
    await sleep(4000);
    let m = await metrics();
    expect(counter(m, 'sealkit_vault_requests_total', { store: storeLabel('shared'), op: 'read' })).toBe(0);
    for (const [i, n] of names.entries()) {
      const s = await getJson(['secret', n, '-n', app]);
      expect(s.metadata.resourceVersion).toBe(before[i].metadata.resourceVersion);
      expect(ready(await getJson(['remotesecret', n, '-n', app])).status).toBe('True');
    }
    await kubectl(['patch', 'secret', 's1', '-n', app, '--type', 'merge', '-p', JSON.stringify({ data: { k0: 'eA==' } })]);
    await waitFor('s1 restored after restart', async () => decoded(await getJson(['secret', 's1', '-n', app])).k0 === 'pw-v1-Zq8', 15_000);
    m = await metrics();
    expect(counter(m, 'sealkit_vault_requests_total', { store: storeLabel('shared'), op: 'read' })).toBe(1);
  });
});

describe('Vault outages', () => {
  it('Vault stopped: the Secret is kept, status and an Event say why; it recovers when Vault returns', async () => {
    const pv = await PrivateVault.start();
    try {
      await kv2Put('secret', 'app/cfg', { k: track('before-outage-Lm4') }, pv.target);
      await apply([
        secretOf('private-token', app, { token: pv.token }),
        vaultStore(app, 'private', { server: pv.addr, mount: 'secret', auth: { token: { secretRef: { name: 'private-token', key: 'token' } } } }),
        remoteSecret(app, 'outage', { storeRef: { name: 'private' }, refreshInterval: '2s', data: [{ secretKey: 'k', remoteRef: { key: 'app/cfg', property: 'k' } }] }),
      ]);
      const ok = await waitRemote(app, 'outage');
      const before = await getJson(['secret', 'outage', '-n', app]);
      await pv.down();
      const down = await waitRemote(app, 'outage', 'False', 'VaultUnavailable', 30_000);
      expect(ready(down).message).toMatch(/Vault unreachable \(ECONNREFUSED\)/);
      expect(ready(down).message).toContain('left unchanged');
      expect(down.status.refreshTime).toBe(ok.status.refreshTime);
      const kept = await getJson(['secret', 'outage', '-n', app]);
      expect(kept.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(decoded(kept)).toEqual({ k: 'before-outage-Lm4' });
      await waitFor('VaultUnavailable event', async () => (await events('outage', 'VaultUnavailable'))[0]?.type === 'Warning', 10_000);
      await sleep(5000);
      expect(decoded(await getJson(['secret', 'outage', '-n', app]))).toEqual({ k: 'before-outage-Lm4' });

      await pv.up(); // a fresh dev server: data gone until re-seeded
      await kv2Put('secret', 'app/cfg', { k: track('after-outage-Lm5') }, pv.target);
      await waitRemote(app, 'outage', 'True', 'Synced', 60_000);
      await waitFor('Secret has the new value', async () => decoded(await getJson(['secret', 'outage', '-n', app])).k === 'after-outage-Lm5', 15_000);
    } finally {
      await pv.dispose();
    }
  });
});

describe('TLS', () => {
  it('an https Vault is trusted through caBundle or caSecretRef, and refused without them', async () => {
    const pv = await PrivateVault.start({ tls: true });
    try {
      // Seed over https with the generated CA (fetch cannot take a CA).
      const https = await import('node:https');
      await new Promise<void>((resolve, reject) => {
        const req = https.request(`${pv.addr}/v1/secret/data/app/tls`, { method: 'POST', ca: pv.caPem, headers: { 'x-vault-token': pv.token, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`seed: HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ data: { k: 'over-tls' } }));
      });
      const auth = { token: { secretRef: { name: 'tls-token', key: 'token' } } };
      await apply([
        secretOf('tls-token', app, { token: pv.token }),
        secretOf('vault-ca', app, { 'ca.crt': pv.caPem }),
        vaultStore(app, 'tls-bundle', { server: pv.addr, mount: 'secret', caBundle: Buffer.from(pv.caPem).toString('base64'), auth }),
        vaultStore(app, 'tls-secret', { server: pv.addr, mount: 'secret', caSecretRef: { name: 'vault-ca', key: 'ca.crt' }, auth }),
        vaultStore(app, 'tls-none', { server: pv.addr, mount: 'secret', kvVersion: 'v2', auth }),
        remoteSecret(app, 'tls-bundle', { storeRef: { name: 'tls-bundle' }, data: [{ secretKey: 'k', remoteRef: { key: 'app/tls', property: 'k' } }] }),
        remoteSecret(app, 'tls-secret', { storeRef: { name: 'tls-secret' }, data: [{ secretKey: 'k', remoteRef: { key: 'app/tls', property: 'k' } }] }),
        remoteSecret(app, 'tls-none', { storeRef: { name: 'tls-none' }, data: [{ secretKey: 'k', remoteRef: { key: 'app/tls', property: 'k' } }] }),
      ]);
      await waitRemote(app, 'tls-bundle');
      await waitRemote(app, 'tls-secret');
      expect(decoded(await getJson(['secret', 'tls-bundle', '-n', app]))).toEqual({ k: 'over-tls' });
      expect(decoded(await getJson(['secret', 'tls-secret', '-n', app]))).toEqual({ k: 'over-tls' });
      const refused = await waitRemote(app, 'tls-none', 'False', undefined, 30_000);
      expect(ready(refused).message).toMatch(/Vault unreachable \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    } finally {
      await pv.dispose();
    }
  });
});

describe('Vault sealed', () => {
  it('a sealed Vault (503) pauses the store with backoff instead of hammering it; unsealed, it recovers', async () => {
    const pv = await PrivateVault.start();
    try {
      await kv2Put('secret', 'app/cfg', { k: track('sealed-case-Lm6') }, pv.target);
      await apply([
        secretOf('sealed-token', app, { token: pv.token }),
        vaultStore(app, 'sealed', { server: pv.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'sealed-token', key: 'token' } } } }),
        remoteSecret(app, 'sealed', { storeRef: { name: 'sealed' }, refreshInterval: '1s', data: [{ secretKey: 'k', remoteRef: { key: 'app/cfg', property: 'k' } }] }),
      ]);
      await waitRemote(app, 'sealed');
      const before = await getJson(['secret', 'sealed', '-n', app]);
      expect(pv.unsealKey).toBeTruthy();
      await vault('PUT', 'sys/seal', undefined, pv.target);
      const down = await waitRemote(app, 'sealed', 'False', 'VaultUnavailable', 20_000);
      expect(ready(down).message).toMatch(/HTTP 503|sealed/);
      const m0 = counter(await metrics(), 'sealkit_vault_requests_total', { store: storeLabel('sealed'), code: '503' });
      await sleep(10_000);
      const m1 = counter(await metrics(), 'sealkit_vault_requests_total', { store: storeLabel('sealed'), code: '503' });
      // refreshInterval 1s, but the store backs off (1 s, 2 s, 4 s, ...): a handful of requests, not ten or more
      expect(m1 - m0).toBeLessThanOrEqual(5);
      expect((await getJson(['secret', 'sealed', '-n', app])).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      await fetch(`${pv.addr}/v1/sys/unseal`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: pv.unsealKey }) });
      await waitRemote(app, 'sealed', 'True', 'Synced', 60_000);
    } finally {
      await pv.dispose();
    }
  });
});

describe('ClusterRemoteStore', () => {
  it('serves the namespaces its selector admits, and refuses the others', async () => {
    await apply([
      secretOf('vault-token', ctlNs, { token: readerToken }),
      vaultStore('', `crs-${sfx}`, { server: vaultAddr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token', namespace: ctlNs } } } }, 'ClusterRemoteStore', { namespaceSelector: { matchLabels: { 'sealkit-e2e': sfx } } }),
      remoteSecret(app, 'via-crs', { storeRef: { name: `crs-${sfx}`, kind: 'ClusterRemoteStore' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
      remoteSecret(other, 'via-crs', { storeRef: { name: `crs-${sfx}`, kind: 'ClusterRemoteStore' }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }),
    ]);
    await waitRemote(app, 'via-crs');
    expect(decoded(await getJson(['secret', 'via-crs', '-n', app]))).toEqual({ p: 'pw-v1-Zq8' });
    const refused = await waitRemote(other, 'via-crs', 'False', 'StoreNotAllowed');
    expect(ready(refused).message).toContain(`does not admit namespace ${other}`);
    expect(await getJson(['secret', 'via-crs', '-n', other])).toBeUndefined();
    await waitRemote('', `crs-${sfx}`, 'True', 'Authenticated', 10_000, 'clusterremotestore');
  });
});

describe('hygiene', () => {
  it('no secret value or token appears in the controller log, in statuses or in Events', async () => {
    const log = [...earlierLogs, ctl.logText()].join('\n');
    expect(log).toContain('secret written');
    const statuses = JSON.stringify(await getJson(['remotesecrets,remotestores', '-n', app]));
    const evs = JSON.stringify(await getJson(['events', '-n', app]));
    for (const v of seeded) {
      expect(log, 'controller log').not.toContain(v);
      expect(statuses, 'statuses').not.toContain(v);
      expect(evs, 'events').not.toContain(v);
    }
  });
});
