import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { Connection } from './connection.js';
import { ApiError, apiErrorFromBody, KubeTimeoutError, resourceOf } from './errors.js';
import { PlainTunnelAgent, TlsTunnelAgent } from './proxy-agent.js';
import { untilAborted } from './abort.js';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

/** What every request may say about its own deadline. */
export interface RequestControl {
  /**
   * Deadline for the whole request, from the first byte sent (credentials included) to the last
   * byte of the answer; default: the client's `requestTimeoutMs`; 0: none. A request that misses
   * it rejects with KubeTimeoutError (isTimeout).
   */
  timeoutMs?: number;
  /** Abort from the caller (shutdown, a lost lease): rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface KubeRequest extends RequestControl {
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

/** A request whose answer the caller reads itself, whatever its status (the API server's service proxy, PEM files). */
export interface RawRequest extends RequestControl {
  method: Verb;
  path: string;
  query?: Query;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpKubeClientOptions {
  /** Connections kept to the API server for ordinary requests (watches use their own). */
  maxSockets?: number;
  /** Default deadline of each request (see RequestControl.timeoutMs); 0: none. */
  requestTimeoutMs?: number;
  /** A watch that delivers nothing (not even a bookmark) for this long is considered dead. */
  watchIdleTimeoutMs?: number;
  userAgent?: string;
  /** Larger answers are refused (the CLI expects public keys and single objects). Default: no limit. */
  maxResponseBytes?: number;
}

/** Thrown when an answer exceeds maxResponseBytes. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly limit: number,
  ) {
    super(`${verb} ${resource}: the answer is larger than ${limit} bytes`);
  }
}

/**
 * A thin transport over node:http(s) with keep-alive connections.
 * Why not client-node: loading it costs ~400-500 ms and ~136 MB before the first request (the
 * controller's budget for 10,000 SealedSecrets is 200 MB, the CLI's start-up is measured against
 * kubeseal); plain JSON in and out keeps CPU low, lets us choose patch types per call, and keeps
 * error bodies out of errors and logs.
 *
 * Each instance has its own connection pools: give traffic that must not queue behind other
 * traffic (leader election) a client of its own.
 */
export class HttpKubeClient implements KubeClient {
  private readonly base: URL;
  private readonly isHttps: boolean;
  private readonly opts: Required<HttpKubeClientOptions>;
  private agents: { request: http.Agent; watch: http.Agent; cert: Buffer | undefined } | undefined;
  private readonly retired: http.Agent[] = [];
  /** Every request and watch in flight, so close() can end them all (a request still queued for a socket included). */
  private readonly inflight = new Set<AbortController>();

  constructor(
    private readonly conn: Connection,
    options: HttpKubeClientOptions = {},
  ) {
    this.base = new URL(conn.server);
    this.isHttps = this.base.protocol === 'https:';
    this.opts = {
      maxSockets: options.maxSockets ?? 64,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      watchIdleTimeoutMs: options.watchIdleTimeoutMs ?? 330_000,
      userAgent: options.userAgent ?? 'sealkit',
      maxResponseBytes: options.maxResponseBytes ?? Infinity,
    };
  }

  /** The API server, for messages (`https://10.0.0.1:6443`). */
  get server(): string {
    return this.conn.server;
  }

  /** Agents for the current client certificate: a credential plugin may rotate it, then new connections use the new one. */
  private async agentsFor(signal: AbortSignal): Promise<{ request: http.Agent; watch: http.Agent }> {
    const rotating = this.conn.clientCertificate === undefined ? undefined : await this.conn.clientCertificate(signal);
    const cert = rotating?.cert ?? this.conn.cert;
    if (this.agents !== undefined && this.agents.cert === cert) return this.agents;
    if (this.agents !== undefined) this.retired.push(this.agents.request, this.agents.watch);
    const key = rotating?.key ?? this.conn.key;
    const tls: https.AgentOptions = {
      ...(this.conn.ca ? { ca: this.conn.ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(this.conn.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(this.conn.tlsServerName ? { servername: this.conn.tlsServerName } : {}),
    };
    const make = (options: https.AgentOptions): http.Agent => {
      const proxy = this.conn.proxyUrl === undefined ? undefined : new URL(this.conn.proxyUrl);
      if (this.isHttps) return proxy ? new TlsTunnelAgent(proxy, { ...tls, ...options }) : new https.Agent({ ...tls, ...options });
      return proxy ? new PlainTunnelAgent(proxy, options) : new http.Agent(options);
    };
    this.agents = {
      request: make({ keepAlive: true, maxSockets: this.opts.maxSockets, maxFreeSockets: this.opts.maxSockets }),
      watch: make({ keepAlive: false }),
      cert,
    };
    return this.agents;
  }

  private url(path: string, query?: Query): URL {
    const u = new URL(this.base.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** JSON in, JSON out; a status outside 2xx rejects with ApiError (status and reason only). */
  async request<T = any>(req: KubeRequest): Promise<T> {
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const res = await this.exchange(req.method, req.path, req.query, payload, req.contentType ?? 'application/json', 'application/json', req);
    if (res.status >= 200 && res.status < 300) {
      if (res.body.length === 0) return undefined as T;
      try {
        return JSON.parse(res.body.toString('utf8')) as T;
      } catch {
        throw new ApiError(res.status, 'InvalidResponse', req.method, resourceOf(req.path));
      }
    }
    throw apiErrorFromBody(res.status, res.body, req.method, req.path, res.headers['retry-after']);
  }

  /** Any status resolves; only a network failure, the deadline or an abort reject. */
  send(req: RawRequest): Promise<RawResponse> {
    const payload = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    return this.exchange(req.method, req.path, req.query, payload, req.contentType ?? 'application/json', req.accept ?? 'application/json', req);
  }

  private async exchange(
    method: Verb,
    path: string,
    query: Query | undefined,
    payload: Buffer | undefined,
    contentType: string,
    accept: string,
    control: RequestControl,
  ): Promise<RawResponse> {
    const timeoutMs = control.timeoutMs ?? this.opts.requestTimeoutMs;
    // One signal for the whole request: the deadline and the caller's abort both end it, whatever
    // phase it is in (credentials, connect, send, headers, body).
    const ac = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => ac.abort(new KubeTimeoutError(method, resourceOf(path), timeoutMs)), timeoutMs) : undefined;
    const caller = control.signal;
    const onCallerAbort = () => ac.abort(caller!.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = ac.signal;
    this.inflight.add(ac);
    try {
      if (signal.aborted) throw signal.reason;
      const [authHeaders, agents] = await untilAborted(Promise.all([this.conn.authHeaders(signal), this.agentsFor(signal)]), signal);
      const headers: http.OutgoingHttpHeaders = { ...authHeaders, Accept: accept, 'User-Agent': this.opts.userAgent };
      if (payload) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(payload.length);
      }
      const res = await new Promise<RawResponse>((resolve, reject) => {
        let settled = false;
        let response: http.IncomingMessage | undefined;
        const settle = (err: unknown, value?: RawResponse) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          if (err === undefined) resolve(value!);
          else reject(err);
        };
        const onAbort = () => {
          const reason = signal.reason;
          settle(reason);
          response?.destroy();
          r.destroy();
        };
        const r = (this.isHttps ? https : http).request(this.url(path, query), { method, headers, agent: agents.request }, (res) => {
          response = res;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.opts.maxResponseBytes) {
              settle(new ResponseTooLargeError(method, resourceOf(path), this.opts.maxResponseBytes));
              res.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (e) => settle(e));
          res.on('aborted', () => settle(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' })));
        });
        r.on('error', (e) => settle(e));
        signal.addEventListener('abort', onAbort, { once: true });
        r.end(payload);
      });
      if (res.status === 401) this.conn.invalidate?.();
      return res;
    } finally {
      this.inflight.delete(ac);
      if (timer !== undefined) clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  async watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const connectTimeoutMs = this.opts.requestTimeoutMs;
    // Until the answer's headers arrive, the request deadline applies; then the idle timeout.
    const setup = new AbortController();
    const onEarlyAbort = () => setup.abort(signal.reason);
    signal.addEventListener('abort', onEarlyAbort, { once: true });
    let authHeaders: Record<string, string | string[]>;
    let agents: { request: http.Agent; watch: http.Agent };
    try {
      [authHeaders, agents] = await untilAborted(Promise.all([this.conn.authHeaders(setup.signal), this.agentsFor(setup.signal)]), setup.signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      signal.removeEventListener('abort', onEarlyAbort);
    }
    const u = this.url(path, { ...query, watch: 'true' });
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const closed = new AbortController();
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (idle) clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
        this.inflight.delete(closed);
        r.destroy();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      const arm = (ms: number, err: () => Error) => {
        if (idle) clearTimeout(idle);
        if (ms <= 0) return;
        idle = setTimeout(() => finish(err()), ms);
        idle.unref();
      };
      const touch = () => arm(this.opts.watchIdleTimeoutMs, () => new Error('watch idle timeout'));
      const headers = { ...authHeaders, Accept: 'application/json', 'User-Agent': this.opts.userAgent };
      const r = (this.isHttps ? https : http).request(u, { method: 'GET', headers, agent: agents.watch }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 401) this.conn.invalidate?.();
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(apiErrorFromBody(status, Buffer.concat(chunks), 'WATCH', path, res.headers['retry-after'])));
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
      closed.signal.addEventListener('abort', () => finish(closed.signal.reason), { once: true });
      this.inflight.add(closed);
      arm(connectTimeoutMs, () => new KubeTimeoutError('WATCH', resourceOf(path), connectTimeoutMs));
      r.end();
    });
  }

  /** Closes every pooled connection; requests and watches in flight fail. */
  close(): void {
    const closed = Object.assign(new Error('the Kubernetes client was closed'), { code: 'ECLIENTCLOSED' });
    for (const ac of [...this.inflight]) ac.abort(closed);
    this.inflight.clear();
    this.agents?.request.destroy();
    this.agents?.watch.destroy();
    for (const a of this.retired.splice(0)) a.destroy();
  }
}
