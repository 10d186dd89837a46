// Key custody in Vault Transit (issue 14 item 2), end to end: the real controller binary with its
// ServiceAccount's own kubeconfig and token, the real kube-apiserver, the harness's Vault (Transit
// enabled here, Kubernetes auth configured by the harness) reached through Toxiproxy so a test can
// take Vault away and give it back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePublicKeysPem, encodePrivateKeyPem, keyId, keyPairFromSecretKey } from '@sealkit/core';
import { requireKube, requireVault } from '../infra/env.js';
import { apply, controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, keySecrets, kubectl, run, suffix, waitFor, waitReady } from './lib/kube.js';
import { CONTROLLER_BIN, ControllerProcess } from './lib/controller-process.js';
import { seal } from './lib/seal.js';
import { addrVia, vaultProxy, type Proxy } from './lib/toxiproxy.js';
import { vault } from './remote-support.js';

const SA = 'sealkit-controller';
const TRANSIT_KEY = 'sealkit';
const CUSTODY_ANN = 'sealkit.dev/key-custody';
const STATUS_ANN = 'sealkit.dev/key-custody-status';

let sfx = '';
let mount = '';
let role = '';
let proxy: Proxy;
let vaultVia = '';
const tmp = mkdtempSync(path.join(tmpdir(), 'sealkit-custody-'));
const namespaces: string[] = [];
const procs: ControllerProcess[] = [];

/** A ServiceAccount token file, as Kubernetes projects it into the pod. */
async function tokenFile(ns: string): Promise<string> {
  const r = await kubectl(['create', 'token', SA, '-n', ns, '--duration', '2h']);
  const file = path.join(tmp, `${ns}.token`);
  writeFileSync(file, r.stdout.trim(), { mode: 0o600 });
  return file;
}

/** Binds the Vault role to the controller ServiceAccount of every namespace given so far. */
async function bindRole(): Promise<void> {
  await vault('POST', `auth/kubernetes/role/${role}`, {
    bound_service_account_names: [SA],
    bound_service_account_namespaces: namespaces,
    token_policies: [role],
    token_ttl: '1h',
  });
}

interface Ctl {
  ns: string;
  app: string;
  kubeconfig: string;
  token: string;
}

async function controllerNamespace(prefix: string): Promise<Ctl> {
  const ns = await createNamespace(prefix);
  const app = await createNamespace(`${prefix}-app`);
  namespaces.push(ns, app);
  const kubeconfig = await controllerIdentity(ns);
  await bindRole();
  return { ns, app, kubeconfig, token: await tokenFile(ns) };
}

function custodyFlags(c: Ctl, transitMount = mount): string[] {
  return [
    '--key-custody', 'vault-transit',
    '--key-custody-vault-addr', vaultVia,
    '--key-custody-vault-role', role,
    '--key-custody-transit-mount', transitMount,
    '--key-custody-transit-key', TRANSIT_KEY,
    '--key-custody-vault-token-file', c.token,
  ];
}

async function start(c: Ctl, args: string[], opts: { waitReady?: boolean; identity?: string } = {}): Promise<ControllerProcess> {
  const p = await ControllerProcess.start({ kubeconfig: c.kubeconfig, namespace: c.ns, watchNamespaces: [c.app], args, identity: opts.identity ?? 'custody', waitReady: opts.waitReady ?? true });
  procs.push(p);
  return p;
}

/** What Transit gives back for a wrapped key Secret, decrypted here with the root token. */
async function transitDecrypt(secret: any, transitMount = mount): Promise<Buffer> {
  const id = secret.metadata.annotations['sealkit.dev/key-id'];
  const binding = Buffer.from(`sealkit.dev/key-custody/v1 key-id=${id}`).toString('base64');
  const r = await vault('POST', `${transitMount}/decrypt/${TRANSIT_KEY}`, { ciphertext: decoded(secret)['private.wrapped'], associated_data: binding });
  return Buffer.from(r.data.plaintext, 'base64');
}

/** Every encoding of the private key a careless store could leave behind. */
function keyEncodings(raw: Buffer): string[] {
  const pem = encodePrivateKeyPem(raw);
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return [raw.toString('base64'), raw.toString('hex'), der.toString('base64'), der.toString('hex'), pem.split('\n')[1]!, Buffer.from(pem).toString('base64').slice(0, 40)];
}

function expectNoPlaintextKey(secret: any, raw: Buffer): void {
  const text = JSON.stringify(secret);
  const decodedText = JSON.stringify(decoded(secret));
  for (const enc of keyEncodings(raw)) {
    expect(text).not.toContain(enc);
    expect(decodedText).not.toContain(enc);
  }
  expect(Buffer.from(text).includes(raw)).toBe(false);
  expect(secret.data['private.pem']).toBeUndefined();
}

async function readyz(p: ControllerProcess): Promise<{ status: number; text: string }> {
  const r = await fetch(`${p.url}/readyz`);
  return { status: r.status, text: await r.text() };
}

/** The controller's way to Vault is really closed. */
async function expectVaultAway(): Promise<void> {
  await expect(fetch(`${vaultVia}/v1/sys/health`)).rejects.toThrow();
}

const controller = (args: string[]) => run(process.execPath, [CONTROLLER_BIN, ...args], { allowFail: true });

beforeAll(async () => {
  requireKube({ gc: true });
  requireVault({ kubernetesAuth: true });
  await ensureCrd();
  sfx = suffix();
  mount = `transit-${sfx}`;
  role = `sealkit-custody-${sfx}`;
  await vault('POST', `sys/mounts/${mount}`, { type: 'transit' });
  await vault('POST', `${mount}/keys/${TRANSIT_KEY}`, { exportable: true, allow_plaintext_backup: true });
  // update only: a missing Transit key must not be created on first encrypt.
  await vault('PUT', `sys/policies/acl/${role}`, {
    policy: `path "${mount}/encrypt/${TRANSIT_KEY}" { capabilities = ["update"] }\npath "${mount}/decrypt/${TRANSIT_KEY}" { capabilities = ["update"] }\n`,
  });
  proxy = await vaultProxy(`custody-${sfx}`);
  vaultVia = addrVia(requireVault().addr, proxy);
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
  await proxy?.delete().catch(() => undefined);
  for (const ns of namespaces) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('vault-transit custody', () => {
  let c: Ctl;
  let ctl: ControllerProcess;
  let firstKey: any;

  it('a new key is wrapped before it is written: the Secret holds no plaintext key, and SealedSecrets open', async () => {
    c = await controllerNamespace('skc');
    ctl = await start(c, custodyFlags(c));
    const cert = await fetchCertPem(c.ns);
    await apply(seal(cert, { namespace: c.app, name: 'db', data: { password: 'transit-pw-1' } }));
    await waitReady(c.app, 'db');
    expect(decoded(await getJson(['secret', 'db', '-n', c.app]))).toEqual({ password: 'transit-pw-1' });

    const keys = await keySecrets(c.ns);
    expect(keys).toHaveLength(1);
    firstKey = keys[0];
    expect(firstKey.metadata.annotations).toMatchObject({
      [CUSTODY_ANN]: 'vault-transit',
      'sealkit.dev/key-custody-transit-mount': mount,
      'sealkit.dev/key-custody-transit-key': TRANSIT_KEY,
    });
    expect(Object.keys(firstKey.data).sort()).toEqual(['private.wrapped', 'public.pem']);
    expect(decoded(firstKey)['private.wrapped']).toMatch(/^vault:v1:/);
    // The wrapped bytes are this key (Vault gives back a key whose id is the Secret's) and appear nowhere.
    const raw = await transitDecrypt(firstKey);
    expect(keyId(keyPairFromSecretKey(raw).publicKey)).toBe(firstKey.metadata.annotations['sealkit.dev/key-id']);
    expect(keyId(decodePublicKeysPem(cert)[0]!)).toBe(firstKey.metadata.annotations['sealkit.dev/key-id']);
    expectNoPlaintextKey(firstKey, raw);

    const cm = await getJson(['configmap', 'sealkit-cert', '-n', c.ns]);
    expect(cm.metadata.annotations[STATUS_ANN]).toMatch(/^Ready: 1 key \(vault-transit\)/);
    // Nothing in the log carries key material.
    for (const enc of keyEncodings(raw)) expect(ctl.logText()).not.toContain(enc);
  });

  it('a restart unwraps the key and keeps opening; no key is generated', async () => {
    await ctl.stop();
    ctl = await start(c, custodyFlags(c));
    await apply(seal(await fetchCertPem(c.ns), { namespace: c.app, name: 'after-restart', data: { v: 'r1' } }));
    await waitReady(c.app, 'after-restart');
    expect(ctl.has('generated key')).toBe(false);
    expect(await keySecrets(c.ns)).toHaveLength(1);
  });

  it('Vault lost while running: the controller keeps working with the keys it holds', async () => {
    await proxy.setEnabled(false);
    try {
      await expectVaultAway();
      const cert = await fetchCertPem(c.ns);
      await apply(seal(cert, { namespace: c.app, name: 'during-outage', data: { v: 'o1' } }));
      await waitReady(c.app, 'during-outage');
      expect(decoded(await getJson(['secret', 'during-outage', '-n', c.app]))).toEqual({ v: 'o1' });
      expect((await readyz(ctl)).status).toBe(200);
    } finally {
      await proxy.setEnabled(true);
    }
  });

  it('Vault unreachable at start: not Ready, ConfigMap status and a log line say why; Ready once Vault is back', async () => {
    await ctl.stop();
    await proxy.setEnabled(false);
    try {
      await expectVaultAway();
      ctl = await start(c, custodyFlags(c), { waitReady: false });
      await waitFor('log line naming the key Secret and why', async () => ctl.has('cannot unwrap key; will retry', (l) => l.secret === firstKey.metadata.name && /Vault unreachable/.test(l.reason)), 30_000, 100);
      const r = await readyz(ctl);
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/key custody vault-transit: 1 key Secret waiting: .*Vault unreachable/);
      const cm = await waitFor('ConfigMap status Unavailable', async () => {
        const o = await getJson(['configmap', 'sealkit-cert', '-n', c.ns]);
        return /^Unavailable: /.test(o?.metadata?.annotations?.[STATUS_ANN] ?? '') && o;
      }, 30_000, 200);
      expect(cm.metadata.annotations[STATUS_ANN]).toMatch(/Vault unreachable/);
      // The published public key is left as it was: no key was generated, nothing blanked.
      expect(cm.data['key-id']).toBe(firstKey.metadata.annotations['sealkit.dev/key-id']);
      expect(ctl.has('generated key')).toBe(false);
    } finally {
      await proxy.setEnabled(true);
    }
    await ctl.waitReady(90_000);
    await waitFor('ConfigMap status Ready', async () => /^Ready: /.test((await getJson(['configmap', 'sealkit-cert', '-n', c.ns]))?.metadata?.annotations?.[STATUS_ANN] ?? ''), 30_000, 200);
    expect(await keySecrets(c.ns)).toHaveLength(1);
  });

  it('`sealkit-controller rotate` with the custody flags writes a wrapped key that the running controller loads', async () => {
    const r = await controller(['rotate', '--kubeconfig', c.kubeconfig, '--namespace', c.ns, ...custodyFlags(c)]);
    expect(r.code).toBe(0);
    // stderr has the rotate command's log: one line, no error.
    expect(r.stderr.trim().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['generated key']);
    const newId = r.stdout.trim().split(/\s+/).pop()!;
    expect(newId).toMatch(/^[0-9a-f]{16}$/);
    const secret = await getJson(['secret', `sealkit-key-${newId}`, '-n', c.ns]);
    expect(secret.metadata.annotations[CUSTODY_ANN]).toBe('vault-transit');
    expectNoPlaintextKey(secret, await transitDecrypt(secret));
    await waitFor('new key published', async () => (await getJson(['configmap', 'sealkit-cert', '-n', c.ns]))?.data?.['key-id'] === newId, 30_000, 200);
    await apply(seal(await fetchCertPem(c.ns), { namespace: c.app, name: 'rotated', data: { v: 'n1' } }));
    await waitReady(c.app, 'rotated');
  });

  it('a plaintext key Secret planted next to wrapped ones is ignored under vault-transit', async () => {
    const r = await controller(['rotate', '--kubeconfig', c.kubeconfig, '--namespace', c.ns]);
    expect(r.code).toBe(0);
    const planted = r.stdout.trim().split(/\s+/).pop()!;
    await waitFor('planted key ignored with a reason', async () => ctl.has('ignoring key secret: cannot unwrap', (l) => l.secret === `sealkit-key-${planted}` && /wrapped by plaintext custody/.test(l.reason)), 30_000, 100);
    const cm = await getJson(['configmap', 'sealkit-cert', '-n', c.ns]);
    expect(cm.data['key-id']).not.toBe(planted);
    expect(cm.data['keys.json']).not.toContain(planted);
    await kubectl(['delete', 'secret', `sealkit-key-${planted}`, '-n', c.ns]);
  });

  it("a wrapped key copied into another key's Secret does not decrypt (the key id is Transit's associated data)", async () => {
    const [a, b] = await keySecrets(c.ns);
    const swapped = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: b.type,
      metadata: { name: 'sealkit-key-swapped', namespace: c.ns, labels: b.metadata.labels, annotations: b.metadata.annotations },
      data: { ...b.data, 'private.wrapped': a.data['private.wrapped'] },
    };
    await apply(swapped);
    await waitFor('swapped blob refused', async () => ctl.has('ignoring key secret: cannot unwrap', (l) => l.secret === 'sealkit-key-swapped' && /message authentication failed/.test(l.reason)), 30_000, 100);
    expect((await readyz(ctl)).status).toBe(200);
    await kubectl(['delete', 'secret', 'sealkit-key-swapped', '-n', c.ns]);
    await ctl.stop();
  });
});

describe('first start', () => {
  it('Vault unreachable before any key exists: no key written, ConfigMap status and readiness say why; the key comes when Vault does', async () => {
    const c = await controllerNamespace('skf');
    await proxy.setEnabled(false);
    let ctl: ControllerProcess;
    try {
      await expectVaultAway();
      ctl = await start(c, custodyFlags(c), { waitReady: false });
      const cm = await waitFor('ConfigMap with the custody status', async () => {
        const o = await getJson(['configmap', 'sealkit-cert', '-n', c.ns]);
        return /^Unavailable: cannot create a key: .*Vault unreachable/.test(o?.metadata?.annotations?.[STATUS_ANN] ?? '') && o;
      }, 30_000, 200);
      expect(cm.data).toBeUndefined();
      expect(ctl.has('cannot wrap new key', (l) => /Vault unreachable/.test(l.reason))).toBe(true);
      const r = await readyz(ctl);
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/key custody vault-transit: cannot create a key: .*Vault unreachable/);
      expect(await keySecrets(c.ns)).toEqual([]);
    } finally {
      await proxy.setEnabled(true);
    }
    await ctl.waitReady(60_000);
    const keys = await keySecrets(c.ns);
    expect(keys).toHaveLength(1);
    expect(keys[0].metadata.annotations[CUSTODY_ANN]).toBe('vault-transit');
    const cm = await waitFor('ConfigMap with the key and Ready', async () => {
      const o = await getJson(['configmap', 'sealkit-cert', '-n', c.ns]);
      return o?.data?.['key-id'] && /^Ready: 1 key \(vault-transit\)/.test(o.metadata.annotations?.[STATUS_ANN] ?? '') && o;
    }, 30_000, 200);
    expect(cm.data['key-id']).toBe(keys[0].metadata.annotations['sealkit.dev/key-id']);
    await ctl.stop();
  });
});

describe('Vault login', () => {
  it('an expired Vault token is replaced by a new Kubernetes auth login when the custody is next needed', async () => {
    const c = await controllerNamespace('skl');
    // A role whose tokens live 4 s and cannot be renewed past that.
    const shortRole = `${role}-short`;
    await vault('POST', `auth/kubernetes/role/${shortRole}`, { bound_service_account_names: [SA], bound_service_account_namespaces: [c.ns], token_policies: [role], token_ttl: '4s', token_max_ttl: '4s' });
    const flags = custodyFlags(c).map((f) => (f === role ? shortRole : f));
    const ctl = await start(c, flags);
    const before = await keySecrets(c.ns);
    expect(before).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 6000)); // the login's token has expired
    ctl.signal('SIGUSR1'); // a manual rotation: wrapping needs Vault again
    await waitFor('a second, wrapped key', async () => (await keySecrets(c.ns)).length === 2, 30_000, 200);
    for (const s of await keySecrets(c.ns)) expect(s.metadata.annotations[CUSTODY_ANN]).toBe('vault-transit');
    expect(ctl.has('manual rotation failed')).toBe(false);
    // One login at start, one after the token ran out.
    expect(ctl.lines.filter((l) => l.msg === 'key custody: Vault login' && l.ok === true).length).toBe(2);
    await ctl.stop();
  });
});

describe('custody migrate', () => {
  it('plaintext -> vault-transit -> plaintext in place, dry run first; SealedSecrets keep opening', async () => {
    const c = await controllerNamespace('skm');
    // A cluster that started with plaintext keys (two of them).
    let ctl = await start(c, []);
    await apply(seal(await fetchCertPem(c.ns), { namespace: c.app, name: 'old', data: { v: 'old-1' } }));
    await waitReady(c.app, 'old');
    await ctl.stop();
    expect((await controller(['rotate', '--kubeconfig', c.kubeconfig, '--namespace', c.ns])).code).toBe(0);
    const before = await keySecrets(c.ns);
    expect(before).toHaveLength(2);
    const pemOf = new Map(before.map((s) => [s.metadata.name, s.data['private.pem']]));

    // A plaintext controller keeps running through the migration.
    ctl = await start(c, []);
    const dry = await controller(['custody', 'migrate', '--to', 'vault-transit', '--dry-run', '--kubeconfig', c.kubeconfig, '--namespace', c.ns, ...custodyFlags(c)]);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const s of before) expect(dry.stdout).toContain(`${s.metadata.name} (key ${s.metadata.annotations['sealkit.dev/key-id']}): would wrap plaintext -> vault-transit (transit-mount=${mount} transit-key=${TRANSIT_KEY})`);
    expect(lines[2]).toBe('dry run: 2 key Secrets would change, 0 already vault-transit; nothing written');
    // Nothing written.
    const afterDry = await keySecrets(c.ns);
    expect(afterDry.map((s) => s.metadata.resourceVersion).sort()).toEqual(before.map((s) => s.metadata.resourceVersion).sort());

    const real = await controller(['custody', 'migrate', '--to', 'vault-transit', '--kubeconfig', c.kubeconfig, '--namespace', c.ns, ...custodyFlags(c)]);
    expect(real.code).toBe(0);
    expect(real.stdout.trim().split('\n').pop()).toBe('2 key Secrets rewritten, 0 already vault-transit');
    for (const s of await keySecrets(c.ns)) {
      expect(s.metadata.annotations[CUSTODY_ANN]).toBe('vault-transit');
      expectNoPlaintextKey(s, await transitDecrypt(s));
      // The same key, now wrapped.
      expect(encodePrivateKeyPem(await transitDecrypt(s))).toBe(Buffer.from(pemOf.get(s.metadata.name)!, 'base64').toString());
    }
    // The running plaintext controller cannot read the rewritten Secrets, and keeps the keys it holds.
    await waitFor('plaintext replica notes the rewrite', async () => ctl.count('key secret rewritten in a form this replica cannot read now; keeping the key it holds') === 2, 30_000, 100);
    await kubectl(['delete', 'secret', 'old', '-n', c.app]);
    await waitFor('Secret old restored by the still-running plaintext controller', async () => decoded(await getJson(['secret', 'old', '-n', c.app]))?.v === 'old-1', 30_000, 200);
    expect((await readyz(ctl)).status).toBe(200);
    await ctl.stop();
    // Again: nothing to do.
    const again = await controller(['custody', 'migrate', '--to', 'vault-transit', '--kubeconfig', c.kubeconfig, '--namespace', c.ns, ...custodyFlags(c)]);
    expect(again.stdout.trim().split('\n').pop()).toBe('0 key Secrets rewritten, 2 already vault-transit');

    // A plaintext controller cannot use the wrapped keys (and says so): migrate is the way back.
    ctl = await start(c, custodyFlags(c));
    await apply(seal(await fetchCertPem(c.ns), { namespace: c.app, name: 'new', data: { v: 'new-1' } }));
    await waitReady(c.app, 'new');
    await kubectl(['delete', 'secret', 'old', '-n', c.app]);
    await waitFor('Secret old restored from its SealedSecret', async () => decoded(await getJson(['secret', 'old', '-n', c.app]))?.v === 'old-1', 30_000, 200);
    await ctl.stop();

    const back = await controller(['custody', 'migrate', '--to', 'plaintext', '--kubeconfig', c.kubeconfig, '--namespace', c.ns, ...custodyFlags(c)]);
    expect(back.code).toBe(0);
    expect(back.stdout.trim().split('\n').pop()).toBe('2 key Secrets rewritten, 0 already plaintext');
    for (const s of await keySecrets(c.ns)) {
      expect(s.data['private.pem']).toBe(pemOf.get(s.metadata.name));
      expect(s.data['private.wrapped']).toBeUndefined();
      expect(Object.keys(s.metadata.annotations).filter((k) => k.startsWith(CUSTODY_ANN))).toEqual([]);
    }
    ctl = await start(c, []);
    await kubectl(['delete', 'secret', 'new', '-n', c.app]);
    await waitFor('Secret new restored by the plaintext controller', async () => decoded(await getJson(['secret', 'new', '-n', c.app]))?.v === 'new-1', 30_000, 200);
    await ctl.stop();
  });

  it('bad input: one line, exit 2 for usage, and nothing written', async () => {
    const r = await controller(['custody', 'migrate', '--to', 'aws-kms', '--namespace', 'nowhere']);
    expect(r.code).toBe(2);
    // The error line, then the pointer to --help every usage error ends with.
    expect(r.stderr.trim().split('\n')).toEqual(["sealkit-controller: error: --to: expected plaintext or vault-transit, got 'aws-kms'", '(see sealkit-controller --help)']);
    const noVault = await controller(['custody', 'migrate', '--to', 'vault-transit', '--namespace', 'nowhere']);
    expect(noVault.code).toBe(2);
    expect(noVault.stderr).toMatch(/needs --key-custody-vault-addr/);
  });
});

describe('backup and restore', () => {
  it('the wrapped Secrets plus the Transit key restore a fresh namespace; the Secrets alone open nothing', async () => {
    const c = await controllerNamespace('skb');
    let ctl = await start(c, custodyFlags(c));
    await apply(seal(await fetchCertPem(c.ns), { namespace: c.app, name: 'kept', data: { v: 'backed-up' } }));
    await waitReady(c.app, 'kept');
    await ctl.stop();

    // Backup: the key Secrets (clean manifests) and the Transit key.
    const backup = (await keySecrets(c.ns)).map((s) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: s.type,
      data: s.data,
      metadata: { name: s.metadata.name, labels: s.metadata.labels, annotations: s.metadata.annotations },
    }));
    const transitBackup = (await vault('GET', `${mount}/backup/${TRANSIT_KEY}`)).data.backup as string;

    // Disaster: the Transit key is gone (the mount is rebuilt empty), and the cluster namespace is new.
    await vault('DELETE', `sys/mounts/${mount}`);
    await vault('POST', `sys/mounts/${mount}`, { type: 'transit' });
    // A new controller namespace; the application namespace and its SealedSecret (from Git) stay,
    // its Secret is gone.
    const fresh = { ...(await controllerNamespace('skr')), app: c.app };
    await apply(backup.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: fresh.ns } })));
    await kubectl(['delete', 'secret', 'kept', '-n', c.app]);

    // The Secrets alone: nothing opens, no key is generated, and the controller says why.
    ctl = await start(fresh, custodyFlags(fresh), { waitReady: false });
    await waitFor('unwrap failure logged', async () => ctl.has('cannot unwrap key; will retry', (l) => /Transit key .* not found/.test(l.reason)), 30_000, 100);
    expect((await readyz(ctl)).status).toBe(503);
    expect(await getJson(['secret', 'kept', '-n', fresh.app])).toBeUndefined();
    expect(await keySecrets(fresh.ns)).toHaveLength(backup.length);
    expect(ctl.has('generated key')).toBe(false);

    // Restore the Transit key: the controller gets Ready on its next retry and the Secret appears.
    await vault('POST', `${mount}/restore/${TRANSIT_KEY}`, { backup: transitBackup });
    await ctl.waitReady(90_000);
    const restored = await waitFor('Secret kept written again by the restored controller', () => getJson(['secret', 'kept', '-n', fresh.app]), 60_000, 250);
    expect(decoded(restored)).toEqual({ v: 'backed-up' });
    expect(await keySecrets(fresh.ns)).toHaveLength(backup.length);
    await ctl.stop();
  });
});
