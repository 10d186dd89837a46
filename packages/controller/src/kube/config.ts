import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const execFileAsync = promisify(execFile);

/** How to reach and authenticate to one API server. */
export interface Connection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** Default namespace of the context (or the pod's namespace in a cluster). */
  namespace?: string;
  /** Authorization headers for the next request; called often, so implementations cache. */
  authHeaders(): Promise<Record<string, string>>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Thrown when a kubeconfig uses something only client-node knows (auth-provider plugins). */
export class UnsupportedKubeconfig extends Error {}

const file = (p: string, base: string) => readFileSync(path.isAbsolute(p) ? p : path.join(base, p));
const b64 = (s: string) => Buffer.from(s, 'base64');

/**
 * A cached token read from a file: service-account tokens are rotated by the kubelet (hourly),
 * so the file is re-read every minute rather than once.
 */
function tokenFileAuth(tokenPath: string): () => Promise<Record<string, string>> {
  let cached: { token: string; at: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > 60_000) {
      cached = { token: readFileSync(tokenPath, 'utf8').trim(), at: Date.now() };
    }
    return { Authorization: `Bearer ${cached.token}` };
  };
}

/** client.authentication.k8s.io exec plugins that return a token (EKS, GKE, OIDC helpers). */
function execAuth(exec: any, base: string): () => Promise<Record<string, string>> {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.until) return { Authorization: `Bearer ${cached.token}` };
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of exec.env ?? []) if (e?.name) env[e.name] = String(e.value ?? '');
    const cmd = String(exec.command);
    const resolved = cmd.includes('/') && !path.isAbsolute(cmd) ? path.join(base, cmd) : cmd;
    const { stdout } = await execFileAsync(resolved, (exec.args ?? []).map(String), { env, maxBuffer: 1 << 20 });
    const cred = JSON.parse(stdout);
    const token = cred?.status?.token;
    if (typeof token !== 'string' || !token) throw new UnsupportedKubeconfig('exec credential plugin returned no token');
    const exp = Date.parse(cred.status.expirationTimestamp ?? '');
    cached = { token, until: Number.isFinite(exp) ? exp - 30_000 : Date.now() + 5 * 60_000 };
    return { Authorization: `Bearer ${token}` };
  };
}

/**
 * Reads a kubeconfig file: server, CA, client certificate, token, token file, basic auth and
 * exec plugins. Legacy auth-provider plugins throw UnsupportedKubeconfig (the caller then falls
 * back to client-node's KubeConfig, which is loaded only in that case: it costs ~80 MB of memory).
 */
export function loadKubeconfigFile(filePath: string, contextName?: string): Connection {
  const base = path.dirname(path.resolve(filePath));
  const doc: any = parseYaml(readFileSync(filePath, 'utf8'));
  const byName = (list: any[] | undefined, name: string, what: string) => {
    const hit = (list ?? []).find((x) => x?.name === name);
    if (!hit) throw new Error(`kubeconfig ${filePath}: no ${what} named '${name}'`);
    return hit;
  };
  const ctxName = contextName ?? doc?.['current-context'];
  if (!ctxName) throw new Error(`kubeconfig ${filePath}: no current-context (pass --context)`);
  const ctx = byName(doc.contexts, ctxName, 'context').context ?? {};
  const cluster = byName(doc.clusters, ctx.cluster, 'cluster').cluster ?? {};
  const user = ctx.user ? (byName(doc.users, ctx.user, 'user').user ?? {}) : {};
  if (user['auth-provider']) throw new UnsupportedKubeconfig('auth-provider');
  if (!cluster.server) throw new Error(`kubeconfig ${filePath}: cluster '${ctx.cluster}' has no server`);
  let authHeaders: () => Promise<Record<string, string>>;
  if (user.token) {
    const h = { Authorization: `Bearer ${String(user.token)}` };
    authHeaders = async () => h;
  } else if (user.tokenFile) {
    authHeaders = tokenFileAuth(path.isAbsolute(user.tokenFile) ? user.tokenFile : path.join(base, user.tokenFile));
  } else if (user.exec) {
    authHeaders = execAuth(user.exec, base);
  } else if (user.username) {
    const h = { Authorization: 'Basic ' + Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64') };
    authHeaders = async () => h;
  } else {
    authHeaders = async () => ({});
  }
  const conn: Connection = { server: String(cluster.server), authHeaders };
  if (cluster['certificate-authority-data']) conn.ca = b64(cluster['certificate-authority-data']);
  else if (cluster['certificate-authority']) conn.ca = file(cluster['certificate-authority'], base);
  if (user['client-certificate-data']) conn.cert = b64(user['client-certificate-data']);
  else if (user['client-certificate']) conn.cert = file(user['client-certificate'], base);
  if (user['client-key-data']) conn.key = b64(user['client-key-data']);
  else if (user['client-key']) conn.key = file(user['client-key'], base);
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTLSVerify = true;
  if (cluster['tls-server-name']) conn.tlsServerName = String(cluster['tls-server-name']);
  if (ctx.namespace) conn.namespace = String(ctx.namespace);
  return conn;
}

/** The pod's service account: KUBERNETES_SERVICE_HOST/PORT, its CA, its (rotating) token. */
export function inClusterConnection(): Connection {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST is unset)');
  const h = host.includes(':') ? `[${host}]` : host;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(`${SA_DIR}/namespace`, 'utf8').trim();
  } catch {
    namespace = undefined;
  }
  return {
    server: `https://${h}:${port}`,
    ca: readFileSync(`${SA_DIR}/ca.crt`),
    authHeaders: tokenFileAuth(`${SA_DIR}/token`),
    ...(namespace ? { namespace } : {}),
  };
}

/** Fallback for kubeconfigs only client-node understands (loaded lazily: it is large). */
export async function clientNodeConnection(filePath: string, contextName?: string): Promise<Connection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(filePath);
  if (contextName) kc.setCurrentContext(contextName);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig ${filePath}: no current cluster`);
  const probe: import('node:https').RequestOptions = {};
  await kc.applyToHTTPSOptions(probe);
  let cached: { h: Record<string, string>; at: number } | undefined;
  return {
    server: cluster.server,
    ...(probe.ca ? { ca: Buffer.from(probe.ca as Buffer) } : {}),
    ...(probe.cert ? { cert: Buffer.from(probe.cert as Buffer) } : {}),
    ...(probe.key ? { key: Buffer.from(probe.key as Buffer) } : {}),
    ...(cluster.skipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    async authHeaders() {
      if (cached && Date.now() - cached.at < 30_000) return cached.h;
      const o: import('node:https').RequestOptions = {};
      await kc.applyToHTTPSOptions(o);
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.headers ?? {})) if (typeof v === 'string') h[k] = v;
      cached = { h, at: Date.now() };
      return h;
    },
  };
}

/** --kubeconfig FILE, else in-cluster. */
export async function connect(opts: { kubeconfig?: string | undefined; context?: string | undefined }): Promise<Connection> {
  if (opts.kubeconfig) {
    try {
      return loadKubeconfigFile(opts.kubeconfig, opts.context);
    } catch (err) {
      if (err instanceof UnsupportedKubeconfig) return clientNodeConnection(opts.kubeconfig, opts.context);
      throw err;
    }
  }
  return inClusterConnection();
}
