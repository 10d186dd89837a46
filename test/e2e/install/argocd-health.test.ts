// The Argo CD health checks in deploy/argocd/, run the way Argo CD runs them (test/lua-harness:
// gopher-lua with Argo CD's restricted libraries), fed with objects the real controller wrote:
// each case below makes the real sealkit-controller (its ServiceAccount token, the RBAC from
// deploy/) bring an object into a state against the real kube-apiserver and Vault, records the
// object as Argo CD would read it, and checks what the script says about it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePublicKeyPem, generateKeyPair } from '@sealkit/core';
import { requireKube, requireVault } from '../../infra/env.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { DEPLOY, apply, controllerIdentity, createNamespace, fetchCertPem, getJson, kubectl, suffix, waitFor, waitReady } from '../lib/kube.js';
import { seal } from '../lib/seal.js';
import {
  PrivateVault, createToken, ensureRemoteCrds, grantRemoteRbac, kv2Put, remoteSecret, secretOf, vault, vaultStore, waitRemote,
} from '../remote-support.js';
import { tool } from './tools.js';

type Health = { status: string; message?: string };

const HEALTH_LUA = readFileSync(path.join(DEPLOY, 'argocd/health.lua'), 'utf8');
const ARGOCD_CM = parse(readFileSync(path.join(DEPLOY, 'argocd/argocd-cm.yaml'), 'utf8'));
const KINDS = ['SealedSecret', 'RemoteSecret', 'RemoteStore', 'ClusterRemoteStore', 'DynamicSecret', 'PushSecret', 'ClusterRemoteSecret'];
const scriptDir = mkdtempSync(path.join(tmpdir(), 'sealkit-argocd-'));

let lua: string;
let sfx: string;
let ctlNs: string;
let app: string;
let unwatched: string;
let kubeconfig: string;
let ctl: ControllerProcess | undefined;
let cert: string;
let pv: PrivateVault | undefined;
const results: { kind: string; name: string; state: string; health: Health }[] = [];

/** The script Argo CD runs for this object: the argocd-cm key for its group and kind. */
function scriptFor(obj: any): string {
  const key = `resource.customizations.health.sealkit.dev_${obj.kind}`;
  const script = ARGOCD_CM.data[key];
  if (typeof script !== 'string') throw new Error(`deploy/argocd/argocd-cm.yaml has no ${key}`);
  const file = path.join(scriptDir, `${obj.kind}.lua`);
  writeFileSync(file, script);
  return file;
}

/** Runs the health script on a recorded object, as Argo CD would, and keeps the result for the summary. */
function health(obj: any, state: string): Health {
  const out = execFileSync(lua, [scriptFor(obj)], { input: JSON.stringify(obj), encoding: 'utf8' });
  const h = JSON.parse(out) as Health;
  results.push({ kind: obj.kind, name: obj.metadata.name, state, health: h });
  return h;
}

const readyOf = (o: any) => (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');

/** What a Degraded object must say: its Ready reason, then the controller's message. */
function degradedMessage(o: any): string {
  const c = readyOf(o);
  return c.message ? `${c.reason}: ${c.message}` : c.reason;
}

async function startController(): Promise<void> {
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'argocd-health' });
}

beforeAll(async () => {
  lua = tool('lua');
  requireKube();
  requireVault();
  await ensureRemoteCrds();
  sfx = suffix();
  ctlNs = await createNamespace('argo-ctl');
  app = await createNamespace('argo-app');
  unwatched = await createNamespace('argo-unwatched');
  kubeconfig = await controllerIdentity(ctlNs);
  await grantRemoteRbac(ctlNs);
  await startController();
  cert = await fetchCertPem(ctlNs);
}, 1_200_000);

afterAll(async () => {
  rmSync(scriptDir, { recursive: true, force: true });
  await ctl?.stop();
  await pv?.dispose();
  for (const ns of [app, unwatched, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  if (sfx) await kubectl(['delete', 'clusterremotestore', `argo-${sfx}`, '--ignore-not-found', '--wait=false'], { allowFail: true });
  if (results.length) {
    const rows = results.map((r) => `  ${r.kind.padEnd(18)} ${r.state.padEnd(34)} ${r.health.status.padEnd(11)} ${r.health.message ?? ''}`);
    process.stderr.write(`Argo CD health per recorded status:\n${rows.join('\n')}\n`);
  }
});

describe('the argocd-cm snippet', () => {
  it('carries deploy/argocd/health.lua verbatim for each kind, under Argo CD key names', () => {
    for (const kind of KINDS) expect(ARGOCD_CM.data[`resource.customizations.health.sealkit.dev_${kind}`]).toBe(HEALTH_LUA);
    expect(Object.keys(ARGOCD_CM.data)).toHaveLength(KINDS.length);
  });

  it('uses no library Argo CD leaves closed: a script that does fails in the harness', () => {
    const bad = path.join(scriptDir, 'string.lua');
    writeFileSync(bad, 'return { status = "Healthy", message = string.format("%d", 1) }');
    expect(() => execFileSync(lua, [bad], { input: '{}', stdio: ['pipe', 'pipe', 'pipe'] })).toThrow(/non-table object\(nil\) with key 'format'/);
  });
});

describe('SealedSecret, as the controller leaves it', () => {
  it('Ready for the current generation: Healthy, with the controller message', async () => {
    await apply(seal(cert, { namespace: app, name: 'db', data: { password: 'hunter2' } }));
    const ss = await waitReady(app, 'db');
    expect(health(ss, 'Ready=True (Unsealed)')).toEqual({ status: 'Healthy', message: readyOf(ss).message || readyOf(ss).reason });
  });

  it('not seen by any controller yet (no status): Progressing', async () => {
    await apply(seal(cert, { namespace: unwatched, name: 'db', data: { password: 'x' } }));
    const ss = await getJson(['sealedsecrets.sealkit.dev', 'db', '-n', unwatched]);
    expect(ss.status).toBeUndefined();
    expect(health(ss, 'no status yet')).toEqual({ status: 'Progressing', message: 'Waiting for the sealkit controller' });
  });

  it('edited while the controller was down (old Ready=True, newer generation): Progressing, not Healthy; then UnknownKey: Degraded', async () => {
    await ctl!.stop();
    ctl = undefined;
    const foreign = encodePublicKeyPem(generateKeyPair().publicKey);
    const edited = seal(foreign, { namespace: app, name: 'db', data: { password: 'rotated' } });
    await apply(edited);
    const stale = await getJson(['sealedsecrets.sealkit.dev', 'db', '-n', app]);
    expect(stale.metadata.generation).toBe(2);
    expect(stale.status.observedGeneration).toBe(1);
    expect(readyOf(stale).status).toBe('True');
    expect(health(stale, 'Ready=True for generation 1 of 2')).toEqual({
      status: 'Progressing', message: 'Waiting for the sealkit controller to observe generation 2',
    });
    await startController();
    const failed = await waitReady(app, 'db', 'False', 30_000, 'UnknownKey');
    expect(health(failed, 'Ready=False (UnknownKey)')).toEqual({ status: 'Degraded', message: degradedMessage(failed) });
  });

  it('moved to another name (strict scope): Degraded with ScopeMismatch', async () => {
    const moved = seal(cert, { namespace: app, name: 'original', data: { k: 'v' } });
    moved.metadata.name = 'moved';
    await apply(moved);
    const ss = await waitReady(app, 'moved', 'False', 30_000, 'ScopeMismatch');
    const h = health(ss, 'Ready=False (ScopeMismatch)');
    expect(h).toEqual({ status: 'Degraded', message: degradedMessage(ss) });
    expect(h.message).toMatch(/^ScopeMismatch: /);
  });

  it('a Secret of that name it does not own: Degraded with SecretNotOwned', async () => {
    await kubectl(['create', 'secret', 'generic', 'theirs', '-n', app, '--from-literal=password=mine']);
    await apply(seal(cert, { namespace: app, name: 'theirs', data: { password: 'sealed' } }));
    const ss = await waitReady(app, 'theirs', 'False', 30_000, 'SecretNotOwned');
    expect(health(ss, 'Ready=False (SecretNotOwned)')).toEqual({ status: 'Degraded', message: degradedMessage(ss) });
  });
});

describe('RemoteSecret and stores, as the controller leaves them', () => {
  const P = () => `argo-${sfx}`;

  it('a store that logged in, a cluster store, and a RemoteSecret that synced: Healthy', async () => {
    await kv2Put('secret', `${P()}/db`, { password: 'from-vault' });
    await vault('PUT', `sys/policies/acl/argo-${sfx}`, { policy: `path "secret/data/${P()}/*" { capabilities = ["read"] }` });
    const token = await createToken([`argo-${sfx}`]);
    await kubectl(['label', 'namespace', app, `sealkit-argo=${sfx}`]);
    const v = requireVault();
    await apply([
      secretOf('vault-token', app, { token }),
      secretOf('vault-token', ctlNs, { token }),
      vaultStore(app, 'vault', { server: v.addr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
      vaultStore('', `argo-${sfx}`, { server: v.addr, mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token', namespace: ctlNs } } } }, 'ClusterRemoteStore', { namespaceSelector: { matchLabels: { 'sealkit-argo': sfx } } }),
      remoteSecret(app, 'remote-db', { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: `${P()}/db`, property: 'password' } }] }),
    ]);
    const store = await waitRemote(app, 'vault', 'True', 'Authenticated', 30_000, 'remotestore');
    expect(health(store, 'Ready=True (Authenticated)')).toEqual({ status: 'Healthy', message: readyOf(store).message });
    const cluster = await waitRemote('', `argo-${sfx}`, 'True', 'Authenticated', 30_000, 'clusterremotestore');
    expect(health(cluster, 'Ready=True (Authenticated)')).toEqual({ status: 'Healthy', message: readyOf(cluster).message });
    const rs = await waitRemote(app, 'remote-db');
    expect(health(rs, 'Ready=True (Synced)')).toEqual({ status: 'Healthy', message: readyOf(rs).message || readyOf(rs).reason });
  });

  it('a store that cannot log in, and a RemoteSecret using it: both Degraded with the reason', async () => {
    const v = requireVault();
    await apply([
      secretOf('bad-token', app, { token: 'hvs.not-a-real-token' }),
      vaultStore(app, 'bad', { server: v.addr, mount: 'secret', auth: { token: { secretRef: { name: 'bad-token', key: 'token' } } } }),
      remoteSecret(app, 'via-bad', { storeRef: { name: 'bad' }, data: [{ secretKey: 'password', remoteRef: { key: `${P()}/db`, property: 'password' } }] }),
    ]);
    const store = await waitRemote(app, 'bad', 'False', 'AuthFailed', 30_000, 'remotestore');
    expect(health(store, 'Ready=False (AuthFailed)')).toEqual({ status: 'Degraded', message: degradedMessage(store) });
    const rs = await waitFor('RemoteSecret via-bad Ready=False', async () => {
      const o = await getJson(['remotesecret', 'via-bad', '-n', app]);
      return readyOf(o)?.status === 'False' && o.status.observedGeneration === o.metadata.generation ? o : undefined;
    });
    expect(health(rs, `store not ready: Ready=False (${readyOf(rs).reason})`)).toEqual({ status: 'Degraded', message: degradedMessage(rs) });
  });

  it('Vault down: the RemoteSecret keeps its Secret but is Degraded with VaultUnavailable', async () => {
    pv = await PrivateVault.start();
    await kv2Put('secret', 'app/cfg', { k: 'before-outage' }, pv.target);
    await apply([
      secretOf('private-token', app, { token: pv.token }),
      vaultStore(app, 'private', { server: pv.addr, mount: 'secret', auth: { token: { secretRef: { name: 'private-token', key: 'token' } } } }),
      remoteSecret(app, 'outage', { storeRef: { name: 'private' }, refreshInterval: '2s', data: [{ secretKey: 'k', remoteRef: { key: 'app/cfg', property: 'k' } }] }),
    ]);
    await waitRemote(app, 'outage');
    await pv.down();
    const rs = await waitRemote(app, 'outage', 'False', 'VaultUnavailable', 30_000);
    const h = health(rs, 'Ready=False (VaultUnavailable)');
    expect(h).toEqual({ status: 'Degraded', message: degradedMessage(rs) });
    expect(h.message).toMatch(/^VaultUnavailable: /);
  });
});

describe('PushSecret, as the controller leaves it', () => {
  it('pushed: Healthy; a newer version written by someone else in Vault: Degraded with Conflict', async () => {
    // The private Vault of the outage case above is down; one of its own here (root token: the store's policy is not the point).
    const v = await PrivateVault.start();
    try {
      await apply([
        secretOf('push-token', app, { token: v.token }),
        vaultStore(app, 'push', { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'push-token', key: 'token' } } } }),
        secretOf('to-push', app, { password: 'pushed' }),
        { apiVersion: 'sealkit.dev/v1alpha1', kind: 'PushSecret', metadata: { name: 'push', namespace: app }, spec: { storeRef: { name: 'push' }, secretRef: { name: 'to-push' }, remoteRef: { key: 'app/pushed' }, refreshInterval: '2s' } },
      ]);
      const pushed = await waitRemote(app, 'push', 'True', 'Synced', 30_000, 'pushsecret');
      expect(health(pushed, 'Ready=True (Synced)')).toEqual({ status: 'Healthy', message: readyOf(pushed).message });
      await kv2Put('secret', 'app/pushed', { password: 'changed-in-vault' }, v.target);
      const conflict = await waitRemote(app, 'push', 'False', 'Conflict', 30_000, 'pushsecret');
      const h = health(conflict, 'Ready=False (Conflict)');
      expect(h).toEqual({ status: 'Degraded', message: degradedMessage(conflict) });
      expect(h.message).toMatch(/^Conflict: /);
    } finally {
      await v.dispose();
    }
  });
});

describe('ClusterRemoteSecret, as the controller leaves it', () => {
  it('provisioned: Healthy; a namespace where a RemoteSecret of that name is not ours: Degraded with NamespacesFailed', async () => {
    const fan = (name: string, remoteName?: string) => ({
      apiVersion: 'sealkit.dev/v1alpha1',
      kind: 'ClusterRemoteSecret',
      metadata: { name },
      spec: {
        namespaces: [app],
        template: {
          ...(remoteName ? { metadata: { name: remoteName } } : {}),
          spec: { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: `argo-${sfx}/db`, property: 'password' } }] },
        },
      },
    });
    const ok = `argo-fan-${sfx}`;
    const blocked = `argo-fan-blocked-${sfx}`;
    try {
      // Someone else's RemoteSecret where the second one would write its own.
      await apply([remoteSecret(app, `hand-made-${sfx}`, { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: `argo-${sfx}/db`, property: 'password' } }] })]);
      await apply([fan(ok), fan(blocked, `hand-made-${sfx}`)]);
      const provisioned = await waitRemote('', ok, 'True', 'Provisioned', 30_000, 'clusterremotesecret');
      expect(health(provisioned, 'Ready=True (Provisioned)')).toEqual({ status: 'Healthy', message: readyOf(provisioned).message });
      const failed = await waitRemote('', blocked, 'False', 'NamespacesFailed', 30_000, 'clusterremotesecret');
      const h = health(failed, 'Ready=False (NamespacesFailed)');
      expect(h).toEqual({ status: 'Degraded', message: degradedMessage(failed) });
      expect(h.message).toMatch(/^NamespacesFailed: /);
    } finally {
      await kubectl(['delete', 'clusterremotesecret', ok, blocked, '--ignore-not-found', '--wait=false'], { allowFail: true });
    }
  });
});
