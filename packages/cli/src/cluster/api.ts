import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { ExitError } from '../errors.js';
import type { AuthSpec, ConnectionSpec, ExecConfig, Material } from './kubeconfig.js';

/**
 * A minimal Kubernetes API client over node:http(s) (internal).
 *
 * Why not @kubernetes/client-node: these commands make one to a few requests, and loading
 * client-node costs more time than the requests themselves; plain requests also keep every API
 * error body under our control, so none can leak into a message. Kubeconfig support is
 * what kubectl users rely on: CA, client certificates, tokens, token files, basic auth and
 * exec credential plugins.
 */

export interface ApiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute API path, e.g. `/api/v1/namespaces/sealkit/configmaps/sealkit-cert`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
}

/** The transport commands use: one method, so tests can hand in a fake. */
export interface ApiClient {
  /** The API server, for messages (`https://10.0.0.1:6443`). */
  readonly server: string;
  /** Resolves for any HTTP status; rejects (ExitError) when the API server cannot be reached at all. */
  request(req: ApiRequest): Promise<ApiResponse>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Responses are public keys or SealedSecrets: anything much larger is not what we asked for. */
const MAX_RESPONSE_BYTES = 8 << 20;

async function readMaterial(m: Material | undefined, what: string): Promise<Buffer | undefined> {
  if (m === undefined) return undefined;
  if ('data' in m) return m.data;
  try {
    return await readFile(m.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExitError(`kubeconfig: ${what} ${m.path}: cannot read: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`, { cause: err });
  }
}

interface Credentials {
  headers: Record<string, string>;
  cert?: Buffer;
  key?: Buffer;
}

/** Runs a client.authentication.k8s.io exec plugin; its output (a token) is never shown. */
export function runExecPlugin(exec: ExecConfig, dir: string, server: string): Promise<{ token?: string; cert?: Buffer; key?: Buffer }> {
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: { server } } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const { name, value } of exec.env) env[name] = value;
  // A relative command with a slash is relative to the kubeconfig, as in client-go.
  const command = exec.command.includes('/') && !exec.command.startsWith('/') ? `${dir}/${exec.command}` : exec.command;
  const what = `kubeconfig exec plugin "${exec.command}"`;
  return new Promise((resolvePromise, reject) => {
    // stderr passes through: plugins print login prompts and their own errors there.
    const child = spawn(command, exec.args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(new ExitError(`${what}: ${err.code === 'ENOENT' ? 'not found' : 'cannot run'}`, {
        hint: exec.installHint ?? 'install it, or put it on PATH',
        cause: err,
      }));
    });
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new ExitError(`${what} failed (exit ${code ?? 'signal'})`, { hint: 'run it yourself to see why (a login may have expired)' }));
        return;
      }
      let status: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(Buffer.concat(out).toString('utf8')) as { status?: Record<string, unknown> };
        status = parsed.status;
      } catch {
        status = undefined;
      }
      const token = typeof status?.token === 'string' && status.token !== '' ? status.token : undefined;
      const cert = typeof status?.clientCertificateData === 'string' ? Buffer.from(status.clientCertificateData) : undefined;
      const key = typeof status?.clientKeyData === 'string' ? Buffer.from(status.clientKeyData) : undefined;
      if (token === undefined && (cert === undefined || key === undefined)) {
        reject(new ExitError(`${what} returned no credential (expected an ExecCredential with status.token or a client certificate)`));
        return;
      }
      resolvePromise({ ...(token === undefined ? {} : { token }), ...(cert && key ? { cert, key } : {}) });
    });
  });
}

async function credentials(auth: AuthSpec, server: string): Promise<Credentials> {
  switch (auth.kind) {
    case 'none':
      return { headers: {} };
    case 'token':
      return { headers: { Authorization: `Bearer ${auth.token}` } };
    case 'token-file': {
      const token = (await readMaterial({ path: auth.path }, 'token file'))?.toString('utf8').trim() ?? '';
      return { headers: token === '' ? {} : { Authorization: `Bearer ${token}` } };
    }
    case 'basic':
      return { headers: { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } };
    case 'exec': {
      const got = await runExecPlugin(auth.exec, auth.dir, server);
      return {
        headers: got.token === undefined ? {} : { Authorization: `Bearer ${got.token}` },
        ...(got.cert && got.key ? { cert: got.cert, key: got.key } : {}),
      };
    }
  }
}

/** One-line cause of a network or TLS failure, from the error code only. */
export function describeNetworkError(err: unknown): { reason: string; hint: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', hint: 'is the cluster running, and is this the right --context?' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'host not found', hint: 'check the server address of the kubeconfig context, and your network/VPN' };
    case 'ETIMEDOUT':
    case 'SEALKIT_TIMEOUT':
      return { reason: 'timed out', hint: 'check your network/VPN, and that this is the right --context' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'connection reset', hint: 'retry; check proxies between you and the cluster' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'host unreachable', hint: 'check your network/VPN' };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_UNTRUSTED':
      return { reason: 'TLS: certificate signed by an unknown authority', hint: 'check certificate-authority(-data) of the cluster in your kubeconfig' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { reason: "TLS: the server certificate is not valid for this host name", hint: 'check the server address (or tls-server-name) in your kubeconfig' };
    case 'CERT_HAS_EXPIRED':
      return { reason: 'TLS: certificate has expired', hint: 'renew the certificate, or check the clock of this machine' };
    default:
      return { reason: code === '' ? 'network error' : code, hint: 'rerun with --debug for details' };
  }
}

/** Opens a client for a resolved connection; credentials are fetched once, on the first request. */
export function createApiClient(spec: ConnectionSpec, options: { timeoutMs?: number } = {}): ApiClient {
  const base = new URL(spec.server);
  const isHttps = base.protocol === 'https:';
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let setup: Promise<{ agent: http.Agent; headers: Record<string, string> }> | undefined;

  const prepare = async () => {
    const [ca, fileCert, fileKey] = await Promise.all([
      readMaterial(spec.ca, 'certificate-authority'),
      readMaterial(spec.clientCert, 'client-certificate'),
      readMaterial(spec.clientKey, 'client-key'),
    ]);
    const creds = await credentials(spec.auth, spec.server);
    const cert = creds.cert ?? fileCert;
    const key = creds.key ?? fileKey;
    const agent = isHttps
      ? new https.Agent({
          keepAlive: true,
          ...(ca === undefined ? {} : { ca }),
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
          ...(spec.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
          ...(spec.tlsServerName === undefined ? {} : { servername: spec.tlsServerName }),
        })
      : new http.Agent({ keepAlive: true });
    return { agent, headers: creds.headers };
  };

  return {
    server: spec.server,
    async request(req) {
      setup ??= prepare();
      const { agent, headers } = await setup;
      return new Promise<ApiResponse>((resolvePromise, reject) => {
        const fail = (err: unknown) => {
          const { reason, hint } = describeNetworkError(err);
          reject(new ExitError(`cannot reach the API server ${spec.server} (${spec.source}): ${reason}`, { hint, cause: err }));
        };
        const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
        const r = (isHttps ? https : http).request(
          {
            protocol: base.protocol,
            hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: base.port === '' ? undefined : base.port,
            method: req.method,
            path: prefix + req.path,
            agent,
            headers: {
              ...headers,
              Accept: req.accept ?? 'application/json',
              'User-Agent': 'sealkit-cli',
              ...(body === undefined ? {} : { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': String(body.length) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_RESPONSE_BYTES) {
                res.destroy();
                reject(new ExitError(`the API server ${spec.server} sent a response larger than ${MAX_RESPONSE_BYTES} bytes`));
                return;
              }
              chunks.push(c);
            });
            res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
            res.on('error', fail);
          },
        );
        r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error('timeout'), { code: 'SEALKIT_TIMEOUT' })));
        r.on('error', fail);
        r.end(body);
      });
    },
  };
}

/** The reason of a Kubernetes `Status` error body (`Forbidden`, `NotFound`, ...); its message is not used. */
export function statusReason(res: ApiResponse): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.includes('json')) return undefined;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { kind?: unknown; reason?: unknown };
    return body.kind === 'Status' && typeof body.reason === 'string' && /^[A-Za-z]{1,40}$/.test(body.reason) ? body.reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `HTTP 403 Forbidden`, for messages. Deliberately built from the status code and the Status
 * reason only: API error bodies can echo request content, which here may be ciphertext or
 * (from a misbehaving proxy) anything else.
 */
export function describeStatus(res: ApiResponse): string {
  const text = http.STATUS_CODES[res.status] ?? '';
  const reason = statusReason(res);
  const base = `HTTP ${res.status}${text === '' ? '' : ` ${text}`}`;
  return reason !== undefined && reason.replace(/([a-z])([A-Z])/g, '$1 $2') !== text ? `${base} (${reason})` : base;
}
