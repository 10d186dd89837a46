// Reads of the same Vault path shared across RemoteSecrets (External Secrets Operator issue #2129:
// N ExternalSecrets referencing one path make N reads). Two kinds of sharing:
//  - in flight: a read already on the wire is awaited, not repeated (this is what collapses the
//    burst after a controller restart);
//  - recent: a successful answer (including "not found") is reused by a caller whose window
//    (shareWindowMs of its refresh interval) it still falls in. Failures are never reused.
// Values stay in memory only for the longest window any caller asked for.

import type { Clock } from './clock.js';

interface Entry {
  promise: Promise<unknown>;
  startedAt: number;
  settled: boolean;
  keepUntil: number;
}

/** A window never shorter than this, so the first sync of many objects after a restart shares reads. */
export const MIN_SHARE_WINDOW_MS = 30_000;
/** Fraction of the refresh interval within which an earlier read is fresh enough. Larger than the refresh jitter (10%). */
export const SHARE_FRACTION = 0.15;

/**
 * How old a shared read may be for an object refreshed every `refreshIntervalMs` (0 = fetch once):
 * 15% of the interval, at least 30 s, but never more than half the interval, so a changed value is
 * still picked up by the next refresh.
 */
export function shareWindowMs(refreshIntervalMs: number): number {
  if (refreshIntervalMs <= 0) return MIN_SHARE_WINDOW_MS;
  return Math.min(refreshIntervalMs / 2, Math.max(MIN_SHARE_WINDOW_MS, refreshIntervalMs * SHARE_FRACTION));
}

export interface SharedReadsOptions {
  clock: Clock;
  /** Called when a caller got a shared answer instead of a new request (for metrics). */
  onShared?: (key: string) => void;
}

export class SharedReads {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly onShared: (key: string) => void;
  private lastSweep = 0;

  constructor(options: SharedReadsOptions) {
    this.clock = options.clock;
    this.onShared = options.onShared ?? (() => {});
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The answer for `key`: shared when one is in flight or younger than maxAgeMs (and, when given,
   * `reuse(value, ageMs)` agrees), else from fetch().
   */
  get<T>(key: string, maxAgeMs: number, fetch: () => Promise<T>, reuse?: (value: T, ageMs: number) => boolean): Promise<T> {
    const now = this.clock.now();
    this.sweep(now);
    const hit = this.entries.get(key);
    if (hit && !hit.settled) {
      this.onShared(key);
      return hit.promise as Promise<T>;
    }
    if (hit && now - hit.startedAt <= maxAgeMs) {
      if (!reuse) {
        hit.keepUntil = Math.max(hit.keepUntil, hit.startedAt + maxAgeMs);
        this.onShared(key);
        return hit.promise as Promise<T>;
      }
      return (hit.promise as Promise<T>).then((value) => {
        if (this.entries.get(key) === hit && reuse(value, this.clock.now() - hit.startedAt)) {
          hit.keepUntil = Math.max(hit.keepUntil, hit.startedAt + maxAgeMs);
          this.onShared(key);
          return value;
        }
        // Not acceptable to this caller: a fresh read, unless someone started one meanwhile.
        const cur = this.entries.get(key);
        if (cur && cur !== hit && !cur.settled) {
          this.onShared(key);
          return cur.promise as Promise<T>;
        }
        return this.start(key, this.clock.now(), maxAgeMs, fetch);
      });
    }
    return this.start(key, now, maxAgeMs, fetch);
  }

  private start<T>(key: string, now: number, maxAgeMs: number, fetch: () => Promise<T>): Promise<T> {
    const entry: Entry = { promise: undefined as unknown as Promise<unknown>, startedAt: now, settled: false, keepUntil: now + maxAgeMs };
    const p = (async () => fetch())();
    entry.promise = p;
    this.entries.set(key, entry);
    p.then(
      () => {
        entry.settled = true;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return p;
  }

  /** Forgets every entry whose key starts with prefix (a store changed or went away). */
  invalidate(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Forgets one entry (e.g. the reader saw a value that must not be reused). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [key, e] of this.entries) if (e.settled && now > e.keepUntil) this.entries.delete(key);
  }
}
