// Helpers for end-to-end tests against the real kube-apiserver started by test/infra.
// Everything goes through kubectl, as an operator would.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { requireKube } from '../../infra/env.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY = path.join(REPO, 'deploy');

export interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      if (code !== 0 && !opts.allowFail) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${code}): ${stderr.trim().slice(0, 2000)}`));
      } else resolve({ stdout, stderr, code });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** kubectl with the harness's admin kubeconfig (or another one). */
export function kubectl(args: string[], opts: { input?: string; kubeconfig?: string; allowFail?: boolean } = {}): Promise<Run> {
  const kubeconfig = opts.kubeconfig ?? requireKube().kubeconfig;
  return run('kubectl', ['--kubeconfig', kubeconfig, ...args], { ...opts, env: { ...process.env, KUBECONFIG: kubeconfig } });
}

export async function getJson(args: string[], opts: { kubeconfig?: string } = {}): Promise<any | undefined> {
  const r = await kubectl(['get', ...args, '-o', 'json'], { ...opts, allowFail: true });
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout);
}

export async function apply(objs: object | object[], opts: { kubeconfig?: string; serverSide?: boolean } = {}): Promise<void> {
  const list = Array.isArray(objs) ? objs : [objs];
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: list });
  await kubectl(['apply', ...(opts.serverSide ? ['--server-side'] : []), '-f', '-'], { ...opts, input });
}

export const suffix = () => randomBytes(3).toString('hex');

export async function createNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${suffix()}`;
  await kubectl(['create', 'namespace', ns]);
  return ns;
}

/** Polls until fn returns a truthy value; fails with `what` and the last value seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The SealedSecret CRD from deploy/, applied and Established. */
export async function ensureCrd(): Promise<void> {
  await kubectl(['apply', '-f', path.join(DEPLOY, 'crds', 'sealedsecret.yaml')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sealedsecrets.sealkit.dev']);
}

export function readDeployDocs(file: string): any[] {
  return parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8'))
    .map((d) => d.toJSON())
    .filter(Boolean);
}

/**
 * The controller's ServiceAccount and RBAC from deploy/, moved to namespace `ns` (cluster-scoped
 * objects get a per-namespace name so test runs do not collide), and a kubeconfig with that
 * ServiceAccount's own token: the controller under test never runs as admin.
 */
export async function controllerIdentity(ns: string, extraRbacFiles: string[] = []): Promise<string> {
  const { saKubeconfig } = await import('../../infra/env.js');
  const docs = [...readDeployDocs('serviceaccount.yaml'), ...readDeployDocs('rbac.yaml'), ...extraRbacFiles.flatMap(readDeployDocs)];
  const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding']);
  // ClusterRoles bound to the controller (the aggregated user roles are not).
  const bound = new Set(docs.filter((d) => d.kind === 'ClusterRoleBinding').map((d) => d.roleRef.name));
  const moved = docs
    .filter((d) => !(d.kind === 'ClusterRole' && !bound.has(d.metadata.name)))
    .map((d) => {
      const o = structuredClone(d);
      if (clusterScoped.has(o.kind)) o.metadata.name = `${o.metadata.name}-${ns}`;
      else o.metadata.namespace = ns;
      if (o.kind === 'ClusterRoleBinding' && o.roleRef.kind === 'ClusterRole') o.roleRef.name = `${o.roleRef.name}-${ns}`;
      for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = ns;
      return o;
    });
  await apply(moved);
  return saKubeconfig(ns, 'sealkit-controller');
}

/** The active public key PEM from the controller's ConfigMap, as any authenticated user reads it. */
export async function fetchCertPem(ns: string, kubeconfig?: string): Promise<string> {
  const cm = await waitFor(`ConfigMap ${ns}/sealkit-cert`, () => getJson(['configmap', 'sealkit-cert', '-n', ns], kubeconfig ? { kubeconfig } : {}));
  return cm.data['cert.pem'];
}

export async function keySecrets(ns: string): Promise<any[]> {
  const list = await getJson(['secrets', '-n', ns, '-l', 'sealkit.dev/key=true']);
  return list.items;
}

export function decoded(secret: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(secret?.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

export function readyCondition(ss: any): any {
  return (ss?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
}

export async function waitReady(ns: string, name: string, status: 'True' | 'False' = 'True', timeoutMs = 30_000, reason?: string): Promise<any> {
  return waitFor(`SealedSecret ${ns}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
    const ss = await getJson(['sealedsecrets.sealkit.dev', name, '-n', ns]);
    const c = readyCondition(ss);
    if (!c || c.status !== status || (reason && c.reason !== reason)) return undefined;
    if (ss.status.observedGeneration !== ss.metadata.generation) return undefined;
    return ss;
  }, timeoutMs);
}
