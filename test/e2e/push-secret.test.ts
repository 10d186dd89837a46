// PushSecrets end to end: the real sealkit-controller binary (its ServiceAccount's token and the
// RBAC of deploy/), the real kube-apiserver + kube-controller-manager, and a private real Vault dev
// server with a file audit device, so writes are counted by Vault itself: KV v2 by its metadata
// (current_version and the versions kept), KV v1 (which has no versions) by the audit log's
// create/update requests on the key. The store's token has a least-privilege policy (the one
// docs/remote-secrets.md gives).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube } from '../infra/env.js';
import { planStore } from '../../packages/controller/src/remote/validate.js';
import { StoreClients } from '../../packages/controller/src/remote/store-client.js';
import { SharedReads } from '../../packages/controller/src/remote/shared-reads.js';
import { RemoteError } from '../../packages/controller/src/remote/errors.js';
import { systemClock } from '../../packages/controller/src/runtime/clock.js';
import { readRemoteKv, writeRemoteKv } from '../../packages/controller/src/push/vault-kv.js';
import { ControllerProcess } from './lib/controller-process.js';
import { apply, controllerIdentity, createNamespace, decoded, getJson, kubectl, suffix, waitFor } from './lib/kube.js';
import { PrivateVault, counter, createToken, ensureMount, ensureRemoteCrds, remoteSecret, secretOf, vault, vaultStore, waitRemote, type VaultTarget } from './remote-support.js';

let sfx: string;
let ctlNs: string;
let app: string;
let ctl: ControllerProcess;
let pv: PrivateVault;
let target: VaultTarget;
let token: string;
let kubeconfig: string;
const work = mkdtempSync(path.join(tmpdir(), 'sealkit-push-'));
const auditLog = path.join(work, 'audit.log');
const earlierLogs: string[] = [];
/** Every value pushed in this suite: none may appear in a status, an Event or a log line. */
const values: string[] = [];

const v = (method: string, p: string, body?: unknown) => vault(method, p, body, target);
const kv2Meta = async (key: string) => (await v('GET', `secret/metadata/${key}`))?.data;
const kv2Data = async (key: string) => (await v('GET', `secret/data/${key}`))?.data?.data;
const kv1Data = async (key: string) => (await v('GET', `kv1/${key}`))?.data;
/** Create/update requests Vault answered on `p`, from its own audit log. */
function auditedWrites(p: string): number {
  let n = 0;
  for (const line of readFileSync(auditLog, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'response' && e.request?.path === p && (e.request.operation === 'create' || e.request.operation === 'update') && !e.error) n++;
  }
  return n;
}
const pushSecret = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'PushSecret', metadata: { name, namespace: app }, spec });
const secretValue = (s: string) => (values.push(s), s);
const getPush = (name: string) => getJson(['pushsecret', name, '-n', app]);
const metrics = async () => (await fetch(`${ctl.url}/metrics`)).text();
const vaultOps = async (op: string) => counter(await metrics(), 'sealkit_vault_requests_total', { op });
async function events(name: string): Promise<any[]> {
  return (await getJson(['events', '-n', app, '--field-selector', `involvedObject.name=${name},involvedObject.kind=PushSecret`])).items;
}

beforeAll(async () => {
  requireKube({ gc: true });
  await ensureRemoteCrds();
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/pushsecrets.sealkit.dev']);
  sfx = suffix();
  pv = await PrivateVault.start();
  target = pv.target;
  await v('PUT', 'sys/audit/file', { type: 'file', options: { file_path: auditLog } });
  await ensureMount('kv1', '1', target);
  const policy = `sealkit-push-${sfx}`;
  // What a PushSecret's store needs (docs/remote-secrets.md): read and write the keys; delete for deletionPolicy Delete.
  await v('PUT', `sys/policies/acl/${policy}`, {
    policy: [
      `path "secret/data/${sfx}/*" { capabilities = ["create", "read", "update"] }`,
      `path "secret/metadata/${sfx}/*" { capabilities = ["delete"] }`,
      `path "kv1/${sfx}/*" { capabilities = ["create", "read", "update", "delete"] }`,
    ].join('\n'),
  });
  token = await createToken([policy], {}, target);
  values.push(token);
  ctlNs = await createNamespace('pushc');
  app = await createNamespace('push');
  kubeconfig = await controllerIdentity(ctlNs);
  const auth = { token: { secretRef: { name: 'vault-token', key: 'token' } } };
  await apply([
    secretOf('vault-token', app, { token }),
    vaultStore(app, 'v2', { server: pv.addr, mount: 'secret', kvVersion: 'v2', auth }),
    vaultStore(app, 'v1', { server: pv.addr, mount: 'kv1', kvVersion: 'v1', auth }),
  ]);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'push-e2e' });
}, 120_000);

afterAll(async () => {
  await ctl?.stop();
  const logs = [...earlierLogs, ctl?.logText() ?? ''].join('\n');
  for (const s of values) expect(logs.includes(s), 'a pushed value or a token appeared in the controller log').toBe(false);
  if (app) await kubectl(['delete', 'namespace', app, ctlNs, '--wait=false'], { allowFail: true });
  await pv?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('PushSecret: a Secret written to Vault KV', () => {
  it('pushes selected keys to KV v2 (a field renamed) and every key to KV v1; status lists keys and versions, never values', async () => {
    const password = secretValue(`pw-${sfx}-1`);
    const user = secretValue(`user-${sfx}`);
    await apply([
      secretOf('db', app, { password, username: user, unrelated: secretValue(`not-pushed-${sfx}`) }),
      pushSecret('db-v2', { storeRef: { name: 'v2' }, secretRef: { name: 'db' }, remoteRef: { key: `${sfx}/db` }, data: [{ secretKey: 'password', property: 'db_password' }, { secretKey: 'username' }], refreshInterval: '2s', deletionPolicy: 'Delete' }),
      pushSecret('db-v1', { storeRef: { name: 'v1' }, secretRef: { name: 'db' }, remoteRef: { key: `${sfx}/db` }, refreshInterval: '2s' }),
    ]);
    const p2 = await waitRemote(app, 'db-v2', 'True', 'Synced', 30_000, 'pushsecret');
    const p1 = await waitRemote(app, 'db-v1', 'True', 'Synced', 30_000, 'pushsecret');
    expect(await kv2Data(`${sfx}/db`)).toEqual({ db_password: password, username: user });
    expect((await kv2Meta(`${sfx}/db`)).current_version).toBe(1);
    expect(await kv1Data(`${sfx}/db`)).toEqual({ password, unrelated: `not-pushed-${sfx}`, username: user });
    expect(p2.status.pushed).toMatchObject({ store: 'RemoteStore/v2', key: `${sfx}/db`, path: `secret/data/${sfx}/db`, kvVersion: 'v2', version: 1, properties: ['db_password', 'username'] });
    expect(Date.parse(p2.status.pushed.pushTime)).toBeGreaterThan(0);
    expect(p1.status.pushed).toMatchObject({ store: 'RemoteStore/v1', path: `kv1/${sfx}/db`, kvVersion: 'v1', properties: ['password', 'unrelated', 'username'] });
    expect(p1.status.pushed.version).toBeUndefined();
    // Delete holds a finalizer (the key is deleted first); Retain needs none.
    expect(p2.metadata.finalizers).toEqual(['sealkit.dev/delete-remote']);
    expect(p1.metadata.finalizers ?? []).toEqual([]);
    for (const o of [p2, p1]) for (const s of values) expect(JSON.stringify(o.status)).not.toContain(s);
    expect((await events('db-v2')).map((e) => e.reason)).toContain('Pushed');
    expect(auditedWrites(`kv1/${sfx}/db`)).toBe(1);
  });

  it('a resync writes nothing: Vault keeps one version (v2) and sees no second write (v1, its audit log) while the keys are compared again', async () => {
    const writes = await vaultOps('write');
    const reads = await vaultOps('read');
    // Several refreshes of both objects (2 s each): counted by the controller's reads, not by a clock.
    await waitFor('three more reads of each pushed key', async () => (await vaultOps('read')) - reads >= 6, 30_000);
    expect(await vaultOps('write')).toBe(writes);
    const meta = await kv2Meta(`${sfx}/db`);
    expect(meta.current_version).toBe(1);
    expect(Object.keys(meta.versions)).toEqual(['1']);
    expect(auditedWrites(`kv1/${sfx}/db`)).toBe(1);
    expect((await waitRemote(app, 'db-v2', 'True', 'Synced', 5_000, 'pushsecret')).status.pushed.version).toBe(1);
  });

  it('a change of the Secret is pushed at once (watch, no refresh): KV v2 version 2, KV v1 rewritten once', async () => {
    const password = secretValue(`pw-${sfx}-2`);
    await apply([
      secretOf('api', app, { token: secretValue(`api-${sfx}-1`) }),
      pushSecret('api', { storeRef: { name: 'v2' }, secretRef: { name: 'api' }, remoteRef: { key: `${sfx}/api` }, refreshInterval: '0' }),
    ]);
    await waitRemote(app, 'api', 'True', 'Synced', 30_000, 'pushsecret');
    await apply(secretOf('api', app, { token: secretValue(`api-${sfx}-2`) }));
    await waitFor('the new api token in Vault', async () => (await kv2Data(`${sfx}/api`))?.token === `api-${sfx}-2`, 30_000);
    expect((await kv2Meta(`${sfx}/api`)).current_version).toBe(2);

    // A RemoteSecret of the same store reads the key before the change (its read is shared for 30 s) ...
    const readBack = (name: string) => remoteSecret(app, name, { storeRef: { name: 'v2' }, data: [{ secretKey: 'password', remoteRef: { key: `${sfx}/db`, property: 'db_password' } }] });
    await apply(readBack('read-back-1'));
    await waitRemote(app, 'read-back-1');
    await kubectl(['patch', 'secret', 'db', '-n', app, '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from(password).toString('base64') } })]);
    await waitFor('the new password in both mounts', async () => (await kv2Data(`${sfx}/db`))?.db_password === password && (await kv1Data(`${sfx}/db`))?.password === password, 30_000);
    expect((await kv2Meta(`${sfx}/db`)).current_version).toBe(2);
    const p2 = await waitFor('status version 2', async () => ((await getPush('db-v2'))?.status?.pushed?.version === 2 ? getPush('db-v2') : undefined));
    expect(p2.status.pushed.version).toBe(2);
    expect(auditedWrites(`kv1/${sfx}/db`)).toBe(2);
    // ... and one created right after the push reads the pushed value, not that shared read.
    await apply(readBack('read-back-2'));
    await waitRemote(app, 'read-back-2');
    expect(decoded(await getJson(['secret', 'read-back-2', '-n', app])).password).toBe(password);
  });

  it('a controller restart writes nothing: the status says which version is its own, and Vault holds it', async () => {
    await ctl.stop();
    earlierLogs.push(ctl.logText());
    const versions = (await kv2Meta(`${sfx}/db`)).current_version;
    const v1Writes = auditedWrites(`kv1/${sfx}/db`);
    ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'push-e2e-2' });
    await waitFor('both pushed keys compared by the new controller, twice', async () => (await vaultOps('read')) >= 4, 30_000);
    expect(await vaultOps('write')).toBe(0);
    expect((await kv2Meta(`${sfx}/db`)).current_version).toBe(versions);
    expect(auditedWrites(`kv1/${sfx}/db`)).toBe(v1Writes);
    expect((await waitRemote(app, 'db-v2', 'True', 'Synced', 5_000, 'pushsecret')).status.pushed.version).toBe(versions);
  });

  it('KV v2: a newer version written by someone else is never overwritten: Conflict in status and an Event, until a forced push', async () => {
    const theirs = { db_password: 'set-by-hand', username: 'someone' };
    await v('POST', `secret/data/${sfx}/db`, { data: theirs });
    const conflict = await waitRemote(app, 'db-v2', 'False', 'Conflict', 30_000, 'pushsecret');
    expect(conflict.status.conditions[0].message).toContain('current version 3 was written by someone else after version 2');
    expect(conflict.status.pushed.version).toBe(2);
    expect((await events('db-v2')).map((e) => e.reason)).toContain('Conflict');
    // A change of the Secret does not clobber it either.
    const password = secretValue(`pw-${sfx}-3`);
    await kubectl(['patch', 'secret', 'db', '-n', app, '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from(password).toString('base64') } })]);
    await waitFor('KV v1 (no versions: restored, last writer wins) took the change', async () => (await kv1Data(`${sfx}/db`))?.password === password, 30_000);
    await waitRemote(app, 'db-v2', 'False', 'Conflict', 10_000, 'pushsecret');
    expect(await kv2Data(`${sfx}/db`)).toEqual(theirs);
    expect((await kv2Meta(`${sfx}/db`)).current_version).toBe(3);

    await kubectl(['annotate', 'pushsecret', 'db-v2', '-n', app, '--overwrite', 'sealkit.dev/force-sync=1']);
    const forced = await waitFor('the forced push', async () => {
      const o = await getPush('db-v2');
      return o?.status?.pushed?.version === 4 && o.status.conditions[0].status === 'True' ? o : undefined;
    }, 30_000);
    expect(forced.status.conditions[0].reason).toBe('Synced');
    expect((await kv2Data(`${sfx}/db`)).db_password).toBe(password);
  });

  it('KV v2 check-and-set: a write racing someone else\'s (they wrote between our read and our write) is refused by Vault and reported as Conflict', async () => {
    // The controller's own Vault pieces against this Vault: read, someone writes, then our write with the version read.
    const store = planStore(vaultStore(app, 'v2', { server: pv.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }), 'RemoteStore');
    const clients = new StoreClients({
      clock: systemClock,
      random: Math.random,
      credentials: { readSecretKey: async () => token, requestServiceAccountToken: async () => { throw new Error('not used'); } },
      reads: new SharedReads({ clock: systemClock }),
    });
    try {
      const client = await clients.get(store);
      const key = `${sfx}/race`;
      await v('POST', `secret/data/${key}`, { data: { a: 'ours' } });
      const read = await readRemoteKv(client, key);
      expect(read.state.version).toBe(1);
      await v('POST', `secret/data/${key}`, { data: { a: 'theirs' } });
      const err = await writeRemoteKv(client, read, key, { a: 'late' }, read.state.version).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteError);
      expect((err as RemoteError).reason).toBe('Conflict');
      expect(await kv2Data(key)).toEqual({ a: 'theirs' });
      expect((await kv2Meta(key)).current_version).toBe(2);
    } finally {
      await clients.closeAll();
    }
  });

  it('a missing Secret key is reported (SourceNotFound), and the Vault key is left as it is', async () => {
    await apply(pushSecret('api', { storeRef: { name: 'v2' }, secretRef: { name: 'api' }, remoteRef: { key: `${sfx}/api` }, data: [{ secretKey: 'nope' }], refreshInterval: '0' }));
    const o = await waitRemote(app, 'api', 'False', 'SourceNotFound', 30_000, 'pushsecret');
    expect(o.status.conditions[0].message).toContain('no key "nope"');
    expect((await kv2Meta(`${sfx}/api`)).current_version).toBe(2);
  });

  it('deletionPolicy Delete removes the key with all its versions; Retain keeps it', async () => {
    await kubectl(['delete', 'pushsecret', 'db-v2', 'db-v1', '-n', app, '--wait=true', '--timeout=60s']);
    expect(await v('GET', `secret/metadata/${sfx}/db`)).toMatchObject({ errors: [] });
    expect(await kv1Data(`${sfx}/db`)).toMatchObject({ username: `user-${sfx}` });
    expect((await events('db-v2')).map((e) => e.reason)).toContain('RemoteDeleted');
  });

  it('deletionPolicy Delete keeps a key someone else wrote a newer version of (RemoteKept)', async () => {
    await apply(pushSecret('api', { storeRef: { name: 'v2' }, secretRef: { name: 'api' }, remoteRef: { key: `${sfx}/api` }, refreshInterval: '0', deletionPolicy: 'Delete' }));
    await waitFor('the finalizer and Ready', async () => {
      const o = await getPush('api');
      return o?.metadata?.finalizers?.includes('sealkit.dev/delete-remote') && o.status?.conditions?.[0]?.status === 'True' && o.status.observedGeneration === o.metadata.generation;
    }, 30_000);
    await v('POST', `secret/data/${sfx}/api`, { data: { token: 'rotated-by-hand' } });
    await kubectl(['delete', 'pushsecret', 'api', '-n', app, '--wait=true', '--timeout=60s']);
    expect(await kv2Data(`${sfx}/api`)).toEqual({ token: 'rotated-by-hand' });
    expect((await events('api')).map((e) => e.reason)).toContain('RemoteKept');
  });

  it('deletionPolicy Delete and a new remoteRef.key: the new key is pushed, the old one deleted', async () => {
    const moving = (key: string) => pushSecret('moving', { storeRef: { name: 'v2' }, secretRef: { name: 'api' }, remoteRef: { key }, refreshInterval: '0', deletionPolicy: 'Delete' });
    await apply(moving(`${sfx}/move-a`));
    await waitRemote(app, 'moving', 'True', 'Synced', 30_000, 'pushsecret');
    expect(await kv2Data(`${sfx}/move-a`)).toEqual({ token: `api-${sfx}-2` });
    await apply(moving(`${sfx}/move-b`));
    const moved = await waitRemote(app, 'moving', 'True', 'Synced', 30_000, 'pushsecret');
    expect(moved.status.pushed).toMatchObject({ key: `${sfx}/move-b`, version: 1 });
    expect(await kv2Data(`${sfx}/move-b`)).toEqual({ token: `api-${sfx}-2` });
    expect(await v('GET', `secret/metadata/${sfx}/move-a`)).toMatchObject({ errors: [] });
    expect((await events('moving')).map((e) => e.message).join('\n')).toContain(`Vault key "${sfx}/move-a" deleted with all its versions (spec.remoteRef.key changed`);
  });

  it('no pushed value in any PushSecret status or Event message', async () => {
    const all = JSON.stringify([(await getJson(['pushsecrets', '-n', app])).items.map((o: any) => o.status), (await getJson(['events', '-n', app])).items.map((e: any) => e.message)]);
    for (const s of values) expect(all).not.toContain(s);
  });
});
