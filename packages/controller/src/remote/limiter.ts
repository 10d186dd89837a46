// Per-store request limits: at most N Vault requests in flight per store, and a store-wide pause
// with exponential backoff (plus jitter) after Vault answers 429 (rate limit, or a performance
// standby) or 503 (sealed, or standby): retrying at full speed is what turns a hiccup into an outage.
// While paused, calls fail fast with a retry hint so the work queue re-schedules the object instead of
// holding a worker.

import type { Clock, Random } from './clock.js';
import { RemoteError, Reason, VaultRequestError } from './errors.js';

export interface LimiterOptions {
  concurrency: number;
  clock: Clock;
  random: Random;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class StoreLimiter {
  private readonly max: number;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private strikes = 0;
  private pausedUntil = 0;
  private pauseStatus = 0;

  constructor(options: LimiterOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be >= 1');
    this.max = Math.floor(options.concurrency);
    this.clock = options.clock;
    this.random = options.random;
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  get inFlight(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiters.length;
  }
  /** Milliseconds left in the current pause, 0 when not paused. */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.checkPaused();
    await this.acquire();
    try {
      // The pause may have started while we waited for a slot.
      this.checkPaused();
      const result = await fn();
      this.strikes = 0;
      return result;
    } catch (err) {
      if (err instanceof VaultRequestError && (err.status === 429 || err.status === 503)) this.pause(err.status);
      throw err;
    } finally {
      this.release();
    }
  }

  private checkPaused(): void {
    const left = this.pauseRemainingMs();
    if (left <= 0) return;
    const why = this.pauseStatus === 429 ? 'Vault is rate limiting requests (HTTP 429)' : 'Vault is sealed or in standby (HTTP 503)';
    throw new RemoteError(this.pauseStatus === 429 ? Reason.RateLimited : Reason.VaultUnavailable, `${why}; requests to this store paused for ${Math.ceil(left / 1000)}s`, {
      retryable: true,
      retryAfterMs: left,
    });
  }

  private pause(status: number): void {
    this.strikes++;
    const base = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(this.strikes - 1, 20));
    // Full jitter on the upper half, so stores (and controller replicas) do not return in lockstep.
    const delay = base / 2 + (base / 2) * this.random();
    const until = this.clock.now() + delay;
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pauseStatus = status;
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next(); // hand the slot over directly
    else this.active--;
  }
}
