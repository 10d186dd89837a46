// Errors of the RemoteSecret side of the controller. Every failure a user can see (status message,
// Event, log line) goes through one of these, and none of them ever carries a secret value, a token
// or a raw Vault/Kubernetes response body: Vault error bodies can echo request input (a secret_id,
// a JWT), so only the HTTP status and Vault's short `errors` strings survive, truncated.

/** Ready-condition reasons of a RemoteSecret (also used as Event reasons). */
export const Reason = {
  Synced: 'Synced',
  InvalidSpec: 'InvalidSpec',
  StoreNotFound: 'StoreNotFound',
  StoreNotAllowed: 'StoreNotAllowed',
  CredentialsNotFound: 'CredentialsNotFound',
  AuthFailed: 'AuthFailed',
  PermissionDenied: 'PermissionDenied',
  VaultUnavailable: 'VaultUnavailable',
  RateLimited: 'RateLimited',
  KeyNotFound: 'KeyNotFound',
  PropertyNotFound: 'PropertyNotFound',
  VersionNotFound: 'VersionNotFound',
  TemplateError: 'TemplateError',
  InvalidRemoteData: 'InvalidRemoteData',
  SecretNotOwned: 'SecretNotOwned',
  SecretWriteFailed: 'SecretWriteFailed',
  SecretDeleted: 'SecretDeleted',
  // PushSecret: the Secret to push (or a key of it) is missing or not text; Vault holds someone else's newer data.
  SourceNotFound: 'SourceNotFound',
  InvalidSourceData: 'InvalidSourceData',
  Conflict: 'Conflict',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** A failure with the reason reported in status. `retryable` failures are retried with backoff. */
export class RemoteError extends Error {
  readonly reason: Reason;
  readonly retryable: boolean;
  /** A hint for the work queue (for example a store paused after HTTP 429). */
  readonly retryAfterMs: number | undefined;
  constructor(reason: Reason, message: string, options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message);
    this.name = 'RemoteError';
    this.reason = reason;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Largest part of a Vault error string we keep; longer ones are cut (they may echo input). */
const MAX_VAULT_ERROR_CHARS = 160;
const MAX_VAULT_ERRORS = 3;

/**
 * One failed Vault HTTP request, reduced to what is safe to show: the status code (0 when the
 * server was unreachable), a network error code such as ECONNREFUSED, and Vault's `errors` strings.
 */
export class VaultRequestError extends Error {
  readonly status: number;
  readonly errors: readonly string[];
  readonly networkCode: string | undefined;
  constructor(status: number, errors: readonly string[], networkCode?: string) {
    const detail = networkCode ?? (errors.length > 0 ? errors.join('; ') : 'no error text');
    super(status === 0 ? `Vault unreachable (${detail})` : `Vault returned HTTP ${status} (${detail})`);
    this.name = 'VaultRequestError';
    this.status = status;
    this.errors = errors;
    this.networkCode = networkCode;
  }
  /** Unreachable, sealed/standby (503), rate limited (429) or a server error: worth a retry. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** @internal Keeps Vault's short error strings, dropping anything that looks like more than a sentence. */
export function sanitizeVaultErrors(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: string[] = [];
  for (const e of errors.slice(0, MAX_VAULT_ERRORS)) {
    if (typeof e !== 'string') continue;
    // Vault joins several errors as "2 errors occurred:\n\t* permission denied\n\t* invalid token":
    // keep the items; any other multi-line text is cut to its first line.
    const items = [...e.matchAll(/^\s*\* (.+)$/gm)].map((m) => m[1]!.trim());
    let line = items.length > 0 ? items.join(', ') : e.split('\n', 1)[0]!.trim();
    if (line.length > MAX_VAULT_ERROR_CHARS) line = `${line.slice(0, MAX_VAULT_ERROR_CHARS)}...`;
    if (line) out.push(line);
  }
  return out;
}

/**
 * @internal Converts whatever node-vault/axios threw into a VaultRequestError. axios errors carry the
 * request config (including the X-Vault-Token header) and node-vault's carry the response body, so the
 * original object must never be logged or attached as a cause.
 */
export function toVaultRequestError(err: unknown): VaultRequestError {
  if (err instanceof VaultRequestError) return err;
  if (err !== null && typeof err === 'object') {
    const e = err as { response?: { statusCode?: unknown; status?: unknown; body?: unknown; data?: unknown }; code?: unknown };
    const status = typeof e.response?.statusCode === 'number' ? e.response.statusCode : typeof e.response?.status === 'number' ? e.response.status : 0;
    if (status > 0) return new VaultRequestError(status, sanitizeVaultErrors(e.response?.body ?? e.response?.data));
    const code = typeof e.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(e.code) ? e.code : 'network error';
    return new VaultRequestError(0, [], code);
  }
  return new VaultRequestError(0, [], 'network error');
}
