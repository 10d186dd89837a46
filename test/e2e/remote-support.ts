// Support for the RemoteSecret end-to-end suites (test/e2e/remote*.test.ts): the real controller
// binary with its ServiceAccount's own token, the real kube-apiserver (+ kube-controller-manager),
// and a real Vault dev server (the harness's, plus private ones a test may stop and start).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { infra, requireVault } from '../infra/env.js';
import { DEPLOY, apply, getJson, kubectl, sleep, waitFor } from './lib/kube.js';

/** The CRDs from deploy/ (SealedSecret for the runtime, and the three remote ones), Established. */
export async function ensureRemoteCrds(): Promise<void> {
  await kubectl(['apply', '-f', path.join(DEPLOY, 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/remotesecrets.sealkit.dev', 'crd/remotestores.sealkit.dev', 'crd/clusterremotestores.sealkit.dev', 'crd/sealedsecrets.sealkit.dev']);
}

/**
 * The RBAC the RemoteSecret side needs on top of deploy/rbac.yaml (to be merged there; see
 * docs/remote-secrets.md), bound to the controller ServiceAccount in `ns`.
 */
export const REMOTE_RBAC_RULES = [
  { apiGroups: ['sealkit.dev'], resources: ['remotesecrets', 'remotestores', 'clusterremotestores'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['sealkit.dev'], resources: ['remotesecrets/status', 'remotestores/status', 'clusterremotestores/status'], verbs: ['update', 'patch'] },
  { apiGroups: ['sealkit.dev'], resources: ['remotesecrets/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
];

export async function grantRemoteRbac(ns: string): Promise<void> {
  await apply([
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `sealkit-controller-remote-${ns}` }, rules: REMOTE_RBAC_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `sealkit-controller-remote-${ns}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `sealkit-controller-remote-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name: 'sealkit-controller', namespace: ns }],
    },
  ]);
}

// ---- Vault over its HTTP API -----------------------------------------------------------------

export interface VaultTarget {
  addr: string;
  token: string;
}

export async function vault(method: string, p: string, body?: unknown, target?: Partial<VaultTarget>): Promise<any> {
  const v = { ...requireVault(), ...target };
  const res = await fetch(`${v.addr}/v1/${p}`, {
    method,
    headers: { 'x-vault-token': v.token!, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok && !(method === 'GET' && res.status === 404)) throw new Error(`vault ${method} ${p}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export const kv2Put = (mount: string, key: string, data: Record<string, unknown>, target?: Partial<VaultTarget>) => vault('POST', `${mount}/data/${key}`, { data }, target);
export const kv1Put = (mount: string, key: string, data: Record<string, unknown>, target?: Partial<VaultTarget>) => vault('POST', `${mount}/${key}`, data, target);

/** A token with `policies` (token auth), optionally short-lived to exercise renewal. */
export async function createToken(policies: string[], opts: { ttl?: string; explicitMaxTtl?: string } = {}, target?: Partial<VaultTarget>): Promise<string> {
  const r = await vault('POST', 'auth/token/create', { policies, no_default_policy: false, ttl: opts.ttl ?? '1h', ...(opts.explicitMaxTtl ? { explicit_max_ttl: opts.explicitMaxTtl } : {}), renewable: true }, target);
  return r.auth.client_token;
}

/** Enables an auth method when it is not there yet. */
export async function ensureAuth(mount: string, type: string, target?: Partial<VaultTarget>): Promise<void> {
  const auths = await vault('GET', 'sys/auth', undefined, target);
  if (!auths.data?.[`${mount}/`] && !auths[`${mount}/`]) await vault('POST', `sys/auth/${mount}`, { type }, target);
}

export async function ensureMount(mount: string, version: '1' | '2', target?: Partial<VaultTarget>): Promise<void> {
  const mounts = await vault('GET', 'sys/mounts', undefined, target);
  if (!mounts.data?.[`${mount}/`] && !mounts[`${mount}/`]) await vault('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version } }, target);
}

// ---- a private Vault dev server a test may stop and start ------------------------------------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A Vault dev server of our own (in memory: a restart loses its data and tokens, like a real rebuild). */
export class PrivateVault {
  private child: ChildProcess | undefined;
  unsealKey: string | undefined;
  private readonly home = mkdtempSync(path.join(tmpdir(), 'sealkit-vault-'));
  private constructor(readonly port: number, readonly token: string, readonly tls: boolean) {}

  /** {tls: true}: -dev-tls, a generated CA (caPem) and an https address. */
  static async start(opts: { tls?: boolean } = {}): Promise<PrivateVault> {
    const v = new PrivateVault(await freePort(), 'root-private', opts.tls === true);
    await v.up();
    return v;
  }

  get addr(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** The CA -dev-tls generated (PEM). */
  get caPem(): string {
    return readFileSync(path.join(this.home, 'tls', 'vault-ca.pem'), 'utf8');
  }
  get target(): VaultTarget {
    return { addr: this.addr, token: this.token };
  }

  async up(): Promise<void> {
    const bin = infra().env.SEALKIT_VAULT_BIN;
    if (!bin) throw new Error('SEALKIT_VAULT_BIN is not set: run with the vault component (SEALKIT_INFRA=apiserver,gc,vault)');
    if (this.tls) mkdirSync(path.join(this.home, 'tls'), { recursive: true });
    const tls = this.tls ? ['-dev-tls', `-dev-tls-cert-dir=${path.join(this.home, 'tls')}`] : [];
    this.child = spawn(bin, ['server', '-dev', ...tls, `-dev-root-token-id=${this.token}`, `-dev-listen-address=127.0.0.1:${this.port}`, '-log-level=error'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Dev mode prints its unseal key once at start: keep it to unseal after a test seals Vault.
    let out = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /Unseal Key: (\S+)/.exec(out);
      if (m) this.unsealKey = m[1];
    });
    await waitFor(`private vault on ${this.addr}`, async () => {
      if (this.tls) {
        // fetch cannot take a CA: a TCP connect is enough, the test's Vault calls go through the controller.
        return new Promise<boolean>((resolve) => {
          const sock = net.connect(this.port, '127.0.0.1', () => (sock.end(), resolve(true)));
          sock.on('error', () => resolve(false));
        }).then(async (up) => up && (await sleep(1000), true));
      }
      const r = await fetch(`${this.addr}/v1/sys/health`).catch(() => undefined);
      return r?.status === 200;
    }, 60_000, 200);
  }

  async down(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.home, { recursive: true, force: true });
  }
}

// ---- RemoteSecret helpers --------------------------------------------------------------------

export function ready(o: any): any {
  return (o?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
}

/** Waits for a RemoteSecret (or store: kind) Ready condition for its current generation. */
export async function waitRemote(ns: string, name: string, status: 'True' | 'False' = 'True', reason?: string, timeoutMs = 30_000, kind = 'remotesecret'): Promise<any> {
  return waitFor(`${kind} ${ns}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
    const o = await getJson([kind, name, ...(ns ? ['-n', ns] : [])]);
    const c = ready(o);
    // Thrown, so a timeout message shows the last state seen.
    if (!c || c.status !== status || (reason && c.reason !== reason)) throw new Error(c ? `${c.status}/${c.reason}: ${c.message}` : 'no Ready condition');
    if (o.status.observedGeneration !== o.metadata.generation) throw new Error(`observedGeneration ${o.status.observedGeneration} != ${o.metadata.generation}`);
    return o;
  }, timeoutMs);
}

export function remoteSecret(ns: string, name: string, spec: Record<string, unknown>): any {
  return { apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteSecret', metadata: { name, namespace: ns }, spec };
}

export function vaultStore(ns: string, name: string, vaultSpec: Record<string, unknown>, kind: 'RemoteStore' | 'ClusterRemoteStore' = 'RemoteStore', extra: Record<string, unknown> = {}): any {
  return { apiVersion: 'sealkit.dev/v1alpha1', kind, metadata: { name, ...(kind === 'RemoteStore' ? { namespace: ns } : {}) }, spec: { provider: { vault: vaultSpec }, ...extra } };
}

export function secretOf(name: string, ns: string, data: Record<string, string>, extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, ...extra },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** Sum of a counter in Prometheus text over the lines matching every label given. */
export function counter(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.split(' ').pop());
  }
  return sum;
}
