import { readFileSync } from 'node:fs';
import { untilAborted } from './abort.js';
import { KubeconfigError } from './errors.js';
import { runExecPlugin, type ExecCredential } from './exec-plugin.js';
import {
  inClusterSpec,
  loadConnectionSpec,
  mergeKubeconfigs,
  readKubeconfig,
  resolveContext,
  type AuthSpec,
  type ConnectionSpec,
  type Impersonation,
  type KubeSelection,
  type Material,
} from './kubeconfig.js';

/** How to reach and authenticate to one API server: files read, credentials ready to fetch. */
export interface Connection {
  server: string;
  /** Where it came from (`context "dev"`), for messages. */
  source?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** http://, https:// or socks5:// proxy for every connection (kubeconfig `proxy-url`). */
  proxyUrl?: string;
  /** Default namespace of the context (or the pod's namespace in a cluster). */
  namespace?: string;
  /** Authorization and impersonation headers for the next request; called often, so implementations cache. */
  authHeaders(signal?: AbortSignal): Promise<Record<string, string | string[]>>;
  /** A client certificate that can change while we run (from a credential plugin); fixed ones are `cert`/`key`. */
  clientCertificate?(signal?: AbortSignal): Promise<{ cert: Buffer; key: Buffer } | undefined>;
  /** The server rejected our credentials (401): drop cached ones, so the next request fetches fresh ones. */
  invalidate?(): void;
}

export interface OpenOptions {
  /** Injected for tests of credential caching. */
  now?: () => number;
}

/** A token file is re-read this often (client-go's CachedFileTokenSource): the kubelet rotates them. */
export const TOKEN_FILE_REREAD_MS = 60_000;
/** An exec credential is renewed this long before it expires, so no request carries a dying token. */
const EXEC_RENEW_BEFORE_MS = 10_000;

function readMaterial(m: Material | undefined, what: string): Buffer | undefined {
  if (m === undefined) return undefined;
  if ('data' in m) return m.data;
  try {
    return readFileSync(m.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KubeconfigError(`kubeconfig: ${what} ${m.path}: cannot read: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`, { cause: err });
  }
}

function impersonationHeaders(imp: Impersonation | undefined): Record<string, string | string[]> {
  if (imp === undefined) return {};
  const h: Record<string, string | string[]> = { 'Impersonate-User': imp.user };
  if (imp.groups.length > 0) h['Impersonate-Group'] = imp.groups;
  if (imp.uid !== undefined) h['Impersonate-Uid'] = imp.uid;
  for (const [k, v] of Object.entries(imp.extra)) if (v.length > 0) h[`Impersonate-Extra-${encodeURIComponent(k)}`] = v;
  return h;
}

/** Bearer token from a file, re-read every minute; a failed re-read keeps the last good token. */
function tokenFileSource(path: string, now: () => number) {
  let cached: { token: string; at: number } | undefined;
  return {
    get(): string {
      if (cached === undefined || now() - cached.at >= TOKEN_FILE_REREAD_MS) {
        try {
          cached = { token: readFileSync(path, 'utf8').trim(), at: now() };
        } catch (err) {
          if (cached === undefined) {
            const code = (err as NodeJS.ErrnoException).code;
            throw new KubeconfigError(`token file ${path}: cannot read: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`, { cause: err });
          }
        }
      }
      return cached!.token;
    },
    invalidate() {
      if (cached !== undefined) cached.at = -Infinity;
    },
  };
}

/** One exec credential shared by every request until it expires (or a 401 says it is no good). */
function execSource(auth: Extract<AuthSpec, { kind: 'exec' }>, spec: ConnectionSpec, ca: Buffer | undefined, now: () => number) {
  let cached: ExecCredential | undefined;
  let running: Promise<ExecCredential> | undefined;
  const fresh = (c: ExecCredential) => c.expiresAt === undefined || now() < c.expiresAt - EXEC_RENEW_BEFORE_MS;
  return {
    async get(signal?: AbortSignal): Promise<ExecCredential> {
      if (cached !== undefined && fresh(cached)) return cached;
      // One plugin run for all the requests waiting on it; a caller's abort does not kill it for the others.
      running ??= runExecPlugin(auth.exec, {
        server: spec.server,
        ...(spec.tlsServerName === undefined ? {} : { tlsServerName: spec.tlsServerName }),
        insecureSkipTlsVerify: spec.insecureSkipTlsVerify,
        ...(ca === undefined ? {} : { caData: ca }),
        ...(spec.proxyUrl === undefined ? {} : { proxyUrl: spec.proxyUrl }),
      }).finally(() => {
        running = undefined;
      });
      const got = await (signal === undefined ? running : untilAborted(running, signal));
      cached = got;
      return got;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** Opens a resolved spec: reads its CA and client certificate files, prepares its credentials. */
export function openConnection(spec: ConnectionSpec, options: OpenOptions = {}): Connection {
  const now = options.now ?? Date.now;
  const ca = readMaterial(spec.ca, 'certificate-authority');
  const cert = readMaterial(spec.clientCert, 'client-certificate');
  const key = readMaterial(spec.clientKey, 'client-key');
  const imp = impersonationHeaders(spec.impersonate);
  const conn: Connection = {
    server: spec.server,
    source: spec.source,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(spec.insecureSkipTlsVerify ? { insecureSkipTLSVerify: true } : {}),
    ...(spec.tlsServerName === undefined ? {} : { tlsServerName: spec.tlsServerName }),
    ...(spec.proxyUrl === undefined ? {} : { proxyUrl: spec.proxyUrl }),
    ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
    authHeaders: async () => imp,
  };
  const auth = spec.auth;
  switch (auth.kind) {
    case 'none':
      break;
    case 'token': {
      const h = { ...imp, Authorization: `Bearer ${auth.token}` };
      conn.authHeaders = async () => h;
      break;
    }
    case 'basic': {
      const h = { ...imp, Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
      conn.authHeaders = async () => h;
      break;
    }
    case 'token-file': {
      const source = tokenFileSource(auth.path, now);
      source.get(); // a missing token file is an error now, not at the first request
      conn.authHeaders = async () => {
        const token = source.get();
        return token === '' ? imp : { ...imp, Authorization: `Bearer ${token}` };
      };
      conn.invalidate = () => source.invalidate();
      break;
    }
    case 'exec': {
      const source = execSource(auth, spec, ca, now);
      conn.authHeaders = async (signal) => {
        const c = await source.get(signal);
        return c.token === undefined ? imp : { ...imp, Authorization: `Bearer ${c.token}` };
      };
      conn.clientCertificate = async (signal) => {
        const c = await source.get(signal);
        return c.cert !== undefined && c.key !== undefined ? { cert: c.cert, key: c.key } : undefined;
      };
      conn.invalidate = () => source.invalidate();
      break;
    }
  }
  return conn;
}

export interface ConnectOptions {
  /**
   * controller-runtime's order for programs that usually run in a pod: --kubeconfig, KUBECONFIG,
   * the in-cluster service account, and ~/.kube/config only after it. kubectl's (false) ends with
   * ~/.kube/config before in-cluster.
   */
  inClusterBeforeHome?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The service-account directory (tests). */
  saDir?: string;
}

/** Resolves the selection by kubectl's rules (./kubeconfig.ts) and opens it. */
export async function connect(selection: KubeSelection = {}, options: ConnectOptions = {}): Promise<Connection> {
  return openConnection(resolveSelection(selection, options));
}

/** The ConnectionSpec a selection resolves to (no file but the kubeconfigs read). */
export function resolveSelection(selection: KubeSelection = {}, options: ConnectOptions = {}): ConnectionSpec {
  const env = options.env ?? process.env;
  if (options.inClusterBeforeHome === true && (selection.kubeconfig ?? '') === '' && (env.KUBECONFIG ?? '') === '' && selection.context === undefined) {
    const inCluster = inClusterSpec(env, options.saDir, selection);
    if (inCluster !== undefined) return inCluster;
  }
  return loadConnectionSpec(selection, env, options.saDir);
}

/** One kubeconfig file, as `kubectl --kubeconfig FILE [--context NAME]` reads it (synchronous). */
export function loadKubeconfigFile(filePath: string, contextName?: string): Connection {
  return openConnection(resolveContext(mergeKubeconfigs([readKubeconfig(filePath)]), contextName === undefined ? {} : { context: contextName }));
}

/** The pod's service account: KUBERNETES_SERVICE_HOST/PORT, its CA, its (rotating) token. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env): Connection {
  const spec = inClusterSpec(env);
  if (spec === undefined) throw new KubeconfigError('not running in a cluster (KUBERNETES_SERVICE_HOST/PORT are unset)', { code: 'no-cluster' });
  return openConnection(spec);
}
