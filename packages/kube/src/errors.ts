import { STATUS_CODES } from 'node:http';

/**
 * The errors of Kubernetes access, and their predicates: defined here once for the CLI and the
 * controller. Nothing here ever holds a response body, a token or a key: API error bodies can
 * echo what was sent (a Secret), and kubeconfigs hold credentials.
 */

/**
 * An error from the Kubernetes API, reduced to what is safe to log and to put in a status:
 * the HTTP status, the Status reason and, for invalid objects, the names of the offending fields.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    readonly verb: string,
    readonly resource: string,
    readonly fields: readonly string[] = [],
    /** How long the server asked us to wait (429/503 `Retry-After`, or the Status' retryAfterSeconds). */
    readonly retryAfterMs?: number,
  ) {
    super(`${verb} ${resource}: HTTP ${statusCode} ${reason}` + (fields.length ? ` (fields: ${fields.join(', ')})` : ''));
  }
}

/** A request that did not complete before its deadline (connect, send and the whole response). */
export class KubeTimeoutError extends Error {
  override readonly name = 'KubeTimeoutError';
  /** As node's own timeouts, so code that maps error codes sees a timeout. */
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly timeoutMs: number,
  ) {
    super(`${verb} ${resource}: no answer within ${formatMs(timeoutMs)}`);
  }
}

/**
 * A kubeconfig (or the flags given with it) that cannot be used. `usage` marks what the user
 * chose wrongly on the command line (an unknown --context), as opposed to a broken file.
 */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
  readonly hint: string | undefined;
  readonly usage: boolean;
  /** `no-cluster`: nothing configured at all (no kubeconfig, not in a pod). */
  readonly code: 'no-cluster' | 'invalid';
  constructor(message: string, options: { hint?: string; usage?: boolean; code?: 'no-cluster' | 'invalid'; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.usage = options.usage ?? false;
    this.code = options.code ?? 'invalid';
  }
}

/** A credential plugin (kubeconfig `exec`) that could not be run or gave no credential. */
export class ExecPluginError extends Error {
  override readonly name = 'ExecPluginError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const status = (e: unknown): number | undefined => (e instanceof ApiError ? e.statusCode : undefined);

export const isNotFound = (e: unknown): boolean => status(e) === 404;
/**
 * An optimistic-concurrency conflict: a 409 whose reason is Conflict (the resourceVersion sent
 * is stale; read again and retry). A 409 AlreadyExists is a different answer (isAlreadyExists),
 * as in apimachinery's errors.IsConflict / IsAlreadyExists.
 */
export const isConflict = (e: unknown): boolean => status(e) === 409 && (e as ApiError).reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => status(e) === 409 && (e as ApiError).reason === 'AlreadyExists';
/** 410: a watch or list resourceVersion too old; relist. */
export const isGone = (e: unknown): boolean => status(e) === 410;
export const isForbidden = (e: unknown): boolean => status(e) === 403;
export const isUnauthorized = (e: unknown): boolean => status(e) === 401;
export const isTooManyRequests = (e: unknown): boolean => status(e) === 429;
/** Our own deadline passed, or the API server answered that it timed out (504 / reason Timeout). */
export const isTimeout = (e: unknown): boolean =>
  e instanceof KubeTimeoutError || status(e) === 504 || (e instanceof ApiError && (e.reason === 'Timeout' || e.reason === 'ServerTimeout'));

/** Log fields for any error: ApiErrors by code and reason; others by class name and message. */
export function errorFields(err: unknown): Record<string, string | number | string[]> {
  if (err instanceof ApiError) {
    return { error: err.message, status: err.statusCode, reason: err.reason };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: `${err.name}: ${err.message}`, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}

/** "/api/v1/namespaces/ns/secrets/name" -> "secrets/name in ns": enough to say what failed. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const ns = parts.indexOf('namespaces');
  if (ns >= 0 && parts.length > ns + 2) return `${parts.slice(ns + 2).join('/')} in ${parts[ns + 1]}`;
  return parts.slice(-1)[0] ?? path;
}

const REASON = /^[A-Za-z]{1,64}$/;

/**
 * The `reason` of a Kubernetes `Status` body (`Forbidden`, `NotFound`, ...), or undefined when
 * the body is not a Status (a proxied answer, HTML from a load balancer). Its message is never read.
 */
export function statusReasonOf(body: Buffer, contentType?: string): string | undefined {
  if (contentType !== undefined && !contentType.includes('json')) return undefined;
  try {
    const s = JSON.parse(body.toString('utf8')) as { kind?: unknown; reason?: unknown };
    return s !== null && s.kind === 'Status' && typeof s.reason === 'string' && REASON.test(s.reason) ? s.reason : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps reason, code and field names from a Status body; drops its messages and everything else. */
export function apiErrorFromBody(statusCode: number, body: Buffer, verb: string, path: string, retryAfterHeader?: string | string[]): ApiError {
  let reason = httpReason(statusCode);
  let fields: string[] = [];
  let retryAfterSeconds = parseRetryAfter(retryAfterHeader);
  try {
    const s = JSON.parse(body.toString('utf8')) as { kind?: string; reason?: string; details?: { causes?: { field?: string }[]; retryAfterSeconds?: unknown } };
    if (s && s.kind === 'Status') {
      const fromBody = s.details?.retryAfterSeconds;
      if (retryAfterSeconds === undefined && typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody > 0) retryAfterSeconds = fromBody;
      if (typeof s.reason === 'string' && REASON.test(s.reason)) reason = s.reason;
      fields = (Array.isArray(s.details?.causes) ? s.details.causes : [])
        .map((c) => c?.field)
        .filter((f): f is string => typeof f === 'string' && f.length < 200)
        .slice(0, 10);
    }
  } catch {
    // not a Status object: the status code is all we report
  }
  return new ApiError(statusCode, reason, verb, resourceOf(path), fields, retryAfterSeconds === undefined ? undefined : Math.min(retryAfterSeconds, MAX_RETRY_AFTER_S) * 1000);
}

/** A server's Retry-After is obeyed up to this (a broken or hostile value must not park work for hours). */
const MAX_RETRY_AFTER_S = 300;

/** `Retry-After` in seconds (the API server sends delta-seconds; an HTTP date is not used by it). */
function parseRetryAfter(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined || !/^\d{1,6}$/.test(v.trim())) return undefined;
  const s = Number(v.trim());
  return s > 0 ? s : undefined;
}

/** How long the server asked to wait before trying again, when it said (429 Too Many Requests, 503). */
export function retryAfterMs(err: unknown): number | undefined {
  return err instanceof ApiError ? err.retryAfterMs : undefined;
}

/** The Status reason the API server would give for a code, for answers without a Status body. */
export function httpReason(statusCode: number): string {
  switch (statusCode) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 410: return 'Expired';
    case 413: return 'RequestEntityTooLarge';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return `HTTP${statusCode}`;
  }
}

/** `HTTP 403 Forbidden (reason)`, from the status code and the Status reason only, for messages. */
export function describeHttpStatus(statusCode: number, reason?: string): string {
  const text = STATUS_CODES[statusCode] ?? '';
  const base = `HTTP ${statusCode}${text === '' ? '' : ` ${text}`}`;
  return reason !== undefined && reason.replace(/([a-z])([A-Z])/g, '$1 $2') !== text ? `${base} (${reason})` : base;
}

/** One-line cause of a network or TLS failure, from the error code only (never its message). */
export function describeNetworkError(err: unknown): { reason: string; hint: string } {
  if (err instanceof KubeTimeoutError) {
    return { reason: `no answer within ${formatMs(err.timeoutMs)}`, hint: 'check your network/VPN and the --context; --request-timeout sets the deadline' };
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', hint: 'is the cluster running, and is this the right --context?' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'host not found', hint: 'check the server address of the kubeconfig context, and your network/VPN' };
    case 'ETIMEDOUT':
      return { reason: 'timed out', hint: 'check your network/VPN, and that this is the right --context' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'connection reset', hint: 'retry; check proxies between you and the cluster' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'host unreachable', hint: 'check your network/VPN' };
    case 'EPROXY':
      return { reason: 'the proxy (proxy-url) refused the connection', hint: 'check proxy-url of the cluster in your kubeconfig' };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_UNTRUSTED':
      return { reason: 'TLS: certificate signed by an unknown authority', hint: 'check certificate-authority(-data) of the cluster in your kubeconfig' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { reason: 'TLS: the server certificate is not valid for this host name', hint: 'check the server address (or tls-server-name) in your kubeconfig' };
    case 'CERT_HAS_EXPIRED':
      return { reason: 'TLS: certificate has expired', hint: 'renew the certificate, or check the clock of this machine' };
    default:
      return { reason: code === '' ? 'network error' : code, hint: 'rerun with --debug for details' };
  }
}

/** 1500 -> "1.5s", 60000 -> "1m0s" (Go's style, as kubectl's --request-timeout is written). */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}m${Number.isInteger(rest) ? rest : rest.toFixed(3).replace(/0+$/, '')}s`;
}
