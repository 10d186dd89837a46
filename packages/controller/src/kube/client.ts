import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { Connection } from './config.js';
import { ApiError } from './errors.js';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: Verb;
  path: string;
  query?: Query;
  body?: unknown;
  /** Defaults to application/json; patches name their strategy here. */
  contentType?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: any;
}

/**
 * The whole Kubernetes surface the controller uses: JSON requests and watch streams.
 * Small on purpose, so tests can hand the reconciler a fake and everything else runs for real.
 */
export interface KubeClient {
  request<T = any>(req: KubeRequest): Promise<T>;
  /** Streams watch events until the server ends the watch (resolves) or it fails (rejects). */
  watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

export interface HttpKubeClientOptions {
  /** Connections kept to the API server for ordinary requests (watches use their own). */
  maxSockets?: number;
  requestTimeoutMs?: number;
  /** A watch that delivers nothing (not even a bookmark) for this long is considered dead. */
  watchIdleTimeoutMs?: number;
  userAgent?: string;
}

/**
 * A thin transport over node:http(s) with keep-alive connections.
 * Why not client-node's generated API classes: loading them costs ~80 MB of memory before the
 * first object (the benchmark budget for 10,000 SealedSecrets is 200 MB), and plain JSON in and
 * out keeps CPU low; it also lets us choose patch types per call and keep error bodies out of logs.
 */
export class HttpKubeClient implements KubeClient {
  private readonly server: URL;
  private readonly isHttps: boolean;
  private readonly agent: http.Agent;
  private readonly watchAgent: http.Agent;
  private readonly opts: Required<HttpKubeClientOptions>;

  constructor(
    private readonly conn: Connection,
    options: HttpKubeClientOptions = {},
  ) {
    this.server = new URL(conn.server);
    this.isHttps = this.server.protocol === 'https:';
    this.opts = {
      maxSockets: options.maxSockets ?? 64,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      watchIdleTimeoutMs: options.watchIdleTimeoutMs ?? 330_000,
      userAgent: options.userAgent ?? 'sealkit-controller',
    };
    const tls: https.AgentOptions = {
      ...(conn.ca ? { ca: conn.ca } : {}),
      ...(conn.cert ? { cert: conn.cert } : {}),
      ...(conn.key ? { key: conn.key } : {}),
      ...(conn.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(conn.tlsServerName ? { servername: conn.tlsServerName } : {}),
    };
    const Agent = this.isHttps ? https.Agent : http.Agent;
    this.agent = new Agent({ ...tls, keepAlive: true, maxSockets: this.opts.maxSockets, maxFreeSockets: this.opts.maxSockets });
    this.watchAgent = new Agent({ ...tls, keepAlive: false });
  }

  private prepare(): Promise<Record<string, string>> {
    return this.conn.authHeaders();
  }

  private url(path: string, query?: Query): URL {
    const u = new URL(this.server.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<T = any>(req: KubeRequest): Promise<T> {
    const authHeaders = await this.prepare();
    const u = this.url(req.path, req.query);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string> = {
      ...authHeaders,
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent,
    };
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = this.isHttps ? https : http;
    return new Promise<T>((resolve, reject) => {
      const r = mod.request(u, { method: req.method, headers, agent: this.agent, timeout: this.opts.requestTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (body.length === 0) return resolve(undefined as T);
            try {
              resolve(JSON.parse(body.toString('utf8')) as T);
            } catch {
              reject(new ApiError(status, 'InvalidResponse', req.method, resourceOf(req.path)));
            }
            return;
          }
          reject(apiErrorFromBody(status, body, req.method, req.path));
        });
      });
      r.on('timeout', () => r.destroy(new Error(`request timed out after ${this.opts.requestTimeoutMs} ms`)));
      r.on('error', reject);
      r.end(payload);
    });
  }

  async watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const authHeaders = await this.prepare();
    const u = this.url(path, { ...query, watch: 'true' });
    const mod = this.isHttps ? https : http;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (idle) clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
        r.destroy();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      const touch = () => {
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => finish(new Error('watch idle timeout')), this.opts.watchIdleTimeoutMs);
        idle.unref();
      };
      const headers = { ...authHeaders, Accept: 'application/json', 'User-Agent': this.opts.userAgent };
      const r = mod.request(u, { method: 'GET', headers, agent: this.watchAgent }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(apiErrorFromBody(status, Buffer.concat(chunks), 'WATCH', path)));
          res.on('error', finish);
          return;
        }
        touch();
        res.on('data', touch);
        res.on('error', (e) => finish(e));
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        // readline re-emits the response's errors (a reset connection, our own abort): without
        // this listener they would be unhandled and take the process down.
        lines.on('error', (e) => finish(e));
        lines.on('line', (line) => {
          if (settled || line.length === 0) return;
          let ev: WatchEvent;
          try {
            ev = JSON.parse(line) as WatchEvent;
          } catch {
            return finish(new Error('watch stream sent a line that is not JSON'));
          }
          try {
            onEvent(ev);
          } catch (e) {
            finish(e);
          }
        });
        lines.on('close', () => finish());
      });
      r.on('error', (e) => finish(e));
      if (signal.aborted) return finish();
      signal.addEventListener('abort', onAbort, { once: true });
      touch();
      r.end();
    });
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}

function resourceOf(path: string): string {
  // "/api/v1/namespaces/ns/secrets/name" -> "secrets ns/name": enough to say what failed.
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const ns = parts.indexOf('namespaces');
  if (ns >= 0 && parts.length > ns + 2) return `${parts.slice(ns + 2).join('/')} in ${parts[ns + 1]}`;
  return parts.slice(-1)[0] ?? path;
}

/** Keeps reason, code and field names from a Status body; drops its messages and everything else. */
export function apiErrorFromBody(status: number, body: Buffer, verb: string, path: string): ApiError {
  let reason = httpReason(status);
  let fields: string[] = [];
  try {
    const s = JSON.parse(body.toString('utf8')) as {
      kind?: string;
      reason?: string;
      details?: { causes?: { field?: string }[] };
    };
    if (s && s.kind === 'Status') {
      if (typeof s.reason === 'string' && /^[A-Za-z]{1,64}$/.test(s.reason)) reason = s.reason;
      fields = (s.details?.causes ?? [])
        .map((c) => c.field)
        .filter((f): f is string => typeof f === 'string' && f.length < 200)
        .slice(0, 10);
    }
  } catch {
    // not a Status object: the status code is all we report
  }
  return new ApiError(status, reason, verb, resourceOf(path), fields);
}

function httpReason(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return `HTTP${status}`;
  }
}
