// One authenticated Vault session per store: log in once, renew before expiry, log in again only
// when the token is really gone. This is the fix for External Secrets Operator's login-per-reconcile
// (issues #376, #4032, #4536: every login creates a token lease that lingers until its TTL).
//
// - Single flight: concurrent reconciles waiting for a token share one login.
// - Renewal at 2/3 of the TTL on a timer; when Vault caps the renewal (max_ttl reached) the next use
//   after 2/3 of the remaining TTL logs in afresh instead.
// - A 403 is ambiguous in Vault (bad token or policy denial). We ask lookup-self: only a dead token
//   triggers one re-login and one retry; a policy denial is reported as is, so a denied path cannot
//   cause a login per reconcile either.
// - Failed logins back off (1 s doubling to 5 min): while backing off, callers get the last error.
// - The token lives in this object and the node-vault client only; close() revokes tokens we created.

import type { Clock, Timer } from './clock.js';
import { RemoteError, Reason, VaultRequestError } from './errors.js';
import type { VaultApi } from './vault-api.js';

export type AuthMethod = 'token' | 'kubernetes' | 'appRole';

/** Obtains a token and installs it in the api (api.setToken). */
export interface Authenticator {
  readonly method: AuthMethod;
  /** True when the token comes from a login we performed (so we renew/revoke it); false for a static token. */
  readonly createsTokens: boolean;
  authenticate(api: VaultApi): Promise<{ ttlSeconds: number; renewable: boolean }>;
}

/**
 * Vault's Kubernetes auth: a fresh service account JWT for every login (the JWT is short-lived and
 * used once), then the token Vault returns. Used by RemoteStores and by key custody alike.
 */
export function kubernetesAuthenticator(mount: string, role: string, jwt: () => Promise<string>): Authenticator {
  return {
    method: 'kubernetes',
    createsTokens: true,
    async authenticate(api) {
      const r = await api.kubernetesLogin(mount, role, await jwt());
      api.setToken(r.token);
      return r;
    },
  };
}

export interface SessionEvents {
  login?(method: AuthMethod, ok: boolean): void;
  renew?(ok: boolean): void;
}

export interface SessionOptions {
  clock: Clock;
  events?: SessionEvents;
  /** Fraction of the TTL after which we renew or log in again (default 2/3). */
  renewFraction?: number;
  /** Login failure backoff bounds (default 1 s .. 5 min). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a successful lookup-self vouches for the token when a 403 comes back (default 30 s). */
  tokenCheckTtlMs?: number;
}

const RENEW_RETRY_MS = 10_000;

export class VaultSession {
  readonly api: VaultApi;
  private readonly auth: Authenticator;
  private readonly clock: Clock;
  private readonly events: SessionEvents;
  private readonly renewFraction: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly tokenCheckTtlMs: number;

  private ready = false;
  /** Bumped on every successful authentication, so concurrent 403s re-login once, not N times. */
  private epoch = 0;
  private ttlMs = 0;
  /** After this instant, the next use logs in again (Infinity: never, e.g. root/static tokens). */
  private reloginAt = Infinity;
  private renewTimer: Timer | undefined;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;
  private lastError: unknown;
  private tokenCheckedAt = -Infinity;
  private closed = false;

  constructor(api: VaultApi, auth: Authenticator, options: SessionOptions) {
    this.api = api;
    this.auth = auth;
    this.clock = options.clock;
    this.events = options.events ?? {};
    this.renewFraction = options.renewFraction ?? 2 / 3;
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.tokenCheckTtlMs = options.tokenCheckTtlMs ?? 30_000;
  }

  get method(): AuthMethod {
    return this.auth.method;
  }
  get authenticated(): boolean {
    return this.ready;
  }

  /** Makes sure a usable token is installed; logs in only when there is none or it is about to expire. */
  async ensure(): Promise<void> {
    if (this.closed) throw new RemoteError(Reason.VaultUnavailable, 'store client closed', { retryable: true });
    if (this.ready && this.clock.now() < this.reloginAt) return;
    await this.authenticate(this.epoch);
  }

  /**
   * Runs one Vault call with the session's token. On a 403 caused by a dead token (not a policy
   * denial), authenticates again once and retries once.
   */
  async run<T>(fn: (api: VaultApi) => Promise<T>): Promise<T> {
    await this.ensure();
    const epoch = this.epoch;
    try {
      return await fn(this.api);
    } catch (err) {
      if (!(err instanceof VaultRequestError) || err.status !== 403) throw err;
      if (await this.tokenAlive(epoch)) throw err;
      if (this.epoch === epoch) this.ready = false;
      await this.authenticate(epoch);
      return await fn(this.api);
    }
  }

  /** Stops renewal and revokes a token we created (best effort). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    if (this.ready && this.auth.createsTokens) {
      try {
        await this.api.revokeSelf();
      } catch {
        // The token expires on its own; nothing else to do.
      }
    }
    this.ready = false;
    this.api.setToken(undefined);
  }

  // Whether the current token still works; cached for tokenCheckTtlMs so a path denied by policy
  // costs one lookup per window, not one per reconcile.
  private async tokenAlive(epoch: number): Promise<boolean> {
    if (this.epoch !== epoch) return false; // someone already authenticated again
    if (this.clock.now() - this.tokenCheckedAt < this.tokenCheckTtlMs) return true;
    try {
      await this.api.lookupSelf();
      this.tokenCheckedAt = this.clock.now();
      return true;
    } catch (err) {
      if (err instanceof VaultRequestError && err.status === 403) return false;
      throw err;
    }
  }

  private authenticate(seenEpoch: number): Promise<void> {
    if (this.epoch !== seenEpoch && this.ready) return Promise.resolve();
    if (this.inflight) return this.inflight;
    if (this.clock.now() < this.retryAt) return Promise.reject(this.lastError);
    const p = this.doAuthenticate().finally(() => {
      this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  private async doAuthenticate(): Promise<void> {
    this.stopTimer();
    this.ready = false;
    let result: { ttlSeconds: number; renewable: boolean };
    try {
      result = await this.auth.authenticate(this.api);
    } catch (err) {
      this.events.login?.(this.auth.method, false);
      this.failures++;
      const backoff = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(this.failures - 1, 20));
      this.retryAt = this.clock.now() + backoff;
      this.lastError = classifyAuthError(err, this.auth.method);
      throw this.lastError;
    }
    if (this.closed) {
      // Closed while logging in: do not keep (or leak) the new token.
      if (this.auth.createsTokens) await this.api.revokeSelf().catch(() => undefined);
      this.api.setToken(undefined);
      throw new RemoteError(Reason.VaultUnavailable, 'store client closed', { retryable: true });
    }
    this.events.login?.(this.auth.method, true);
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    this.epoch++;
    this.ready = true;
    this.tokenCheckedAt = this.clock.now();
    this.ttlMs = result.ttlSeconds * 1000;
    this.plan(result.ttlSeconds, result.renewable);
  }

  // Decide what happens before the token expires: renew on a timer, or log in again on next use.
  private plan(ttlSeconds: number, renewable: boolean): void {
    this.stopTimer();
    if (ttlSeconds <= 0) {
      this.reloginAt = Infinity; // non-expiring token
      return;
    }
    const due = ttlSeconds * 1000 * this.renewFraction;
    if (renewable) {
      this.reloginAt = this.clock.now() + ttlSeconds * 1000 - Math.min(5000, ttlSeconds * 100);
      this.renewTimer = this.clock.after(due, () => void this.renew());
    } else {
      // A static token that cannot be renewed simply runs out (then a 403 re-reads its Secret).
      this.reloginAt = this.auth.createsTokens ? this.clock.now() + due : Infinity;
    }
  }

  private async renew(): Promise<void> {
    this.renewTimer = undefined;
    if (this.closed || !this.ready) return;
    const epoch = this.epoch;
    try {
      const r = await this.api.renewSelf(Math.max(1, Math.round(this.ttlMs / 1000)));
      if (this.epoch !== epoch || this.closed) return;
      this.events.renew?.(true);
      if (r.ttlSeconds * 1000 < this.ttlMs / 2 || !r.renewable) {
        // Capped by max_ttl: stop renewing; the next use after 2/3 of what is left logs in again.
        this.reloginAt = this.auth.createsTokens
          ? this.clock.now() + r.ttlSeconds * 1000 * this.renewFraction
          : this.clock.now() + r.ttlSeconds * 1000;
        return;
      }
      this.plan(r.ttlSeconds, r.renewable);
    } catch (err) {
      if (this.epoch !== epoch || this.closed) return;
      this.events.renew?.(false);
      if (err instanceof VaultRequestError && err.transient) {
        // Vault briefly away: try again while the token is still valid.
        if (this.clock.now() + RENEW_RETRY_MS < this.reloginAt) {
          this.renewTimer = this.clock.after(RENEW_RETRY_MS, () => void this.renew());
        }
        return;
      }
      // The token is gone (revoked, expired): authenticate again on next use.
      this.ready = false;
    }
  }

  private stopTimer(): void {
    this.renewTimer?.cancel();
    this.renewTimer = undefined;
  }
}

/** Maps an authentication failure to a status reason without leaking what was sent. */
function classifyAuthError(err: unknown, method: AuthMethod): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof VaultRequestError) {
    if (err.transient) {
      return new RemoteError(err.status === 429 ? Reason.RateLimited : Reason.VaultUnavailable, `${method} login: ${err.message}`, { retryable: true });
    }
    return new RemoteError(Reason.AuthFailed, `${method} login rejected: ${err.message}`, { retryable: true });
  }
  return new RemoteError(Reason.AuthFailed, `${method} login failed`, { retryable: true });
}
