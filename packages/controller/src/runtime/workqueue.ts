import { backoffDelay, type Clock, type Timer } from './clock.js';
import { retryAfterMs } from '@sealkit/kube';

/**
 * Two priority lanes: keys in `urgent` are always taken before keys in `refresh`. Callers that
 * never name a lane get one FIFO queue (everything is `urgent`). The RemoteSecret controller puts
 * objects that were never synced, changed, or whose Secret drifted in `urgent`, and periodic
 * refreshes in `refresh`, so a new RemoteSecret does not wait behind thousands of refreshes
 * (External Secrets Operator issues #3258/#2837/#4180: new objects waiting minutes).
 */
export type Lane = 'urgent' | 'refresh';

/** What a handler asks of the queue after processing a key. */
export type WorkResult =
  | { kind: 'done' }
  /** Failed: retry with this key's exponential backoff (never given up on), not sooner than minMs. */
  | { kind: 'retry'; minMs?: number }
  /** Look again after a fixed delay (e.g. waiting for something we cannot watch); the backoff is kept. */
  | { kind: 'after'; ms: number }
  /** Done for now; look again after ms in the `refresh` lane (a periodic refresh); the backoff resets. */
  | { kind: 'refresh'; ms: number };

export interface WorkQueueOptions {
  handler(key: string): Promise<WorkResult>;
  clock: Clock;
  concurrency: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Called when a handler throws; the key is then retried with backoff. */
  onError?(key: string, err: unknown): void;
}

/**
 * A keyed work queue with the guarantees of client-go's workqueue:
 * - a key is queued at most once however many times it is added (dedupe);
 * - a key is processed by at most one worker at a time; an add while it is being processed
 *   marks it dirty and it runs once more afterwards;
 * - failures are retried with per-key exponential backoff, capped in delay but never in
 *   count (a controller that silently gives up leaves a Secret stale for ever);
 * - at most `concurrency` handlers run at once;
 * - keys in the `urgent` lane are taken before keys in the `refresh` lane (see Lane).
 * Processing only happens while started; keys added while paused wait (used by leader election).
 */
export class WorkQueue {
  // insertion order = FIFO within a lane
  private readonly lanes: Record<Lane, Set<string>> = { urgent: new Set(), refresh: new Set() };
  private readonly processing = new Set<string>();
  /** Keys added while processing, with the most urgent lane they were added to. */
  private readonly dirty = new Map<string, Lane>();
  private readonly delayed = new Map<string, { timer: Timer; at: number; lane: Lane }>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  retriesTotal = 0;

  constructor(private readonly o: WorkQueueOptions) {}

  get depth(): number {
    return this.lanes.urgent.size + this.lanes.refresh.size;
  }
  get inFlight(): number {
    return this.processing.size;
  }
  get waiting(): number {
    return this.delayed.size;
  }
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  add(key: string, lane: Lane = 'urgent'): void {
    if (this.shuttingDown) return;
    const d = this.delayed.get(key);
    if (d) {
      // A fresh event beats a scheduled retry: run now, keep the failure count.
      d.timer.cancel();
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      if (lane === 'urgent' || !this.dirty.has(key)) this.dirty.set(key, lane);
      return;
    }
    if (this.lanes.urgent.has(key)) return;
    if (this.lanes.refresh.has(key)) {
      if (lane === 'refresh') return;
      this.lanes.refresh.delete(key); // promoted
    }
    this.lanes[lane].add(key);
    this.pump();
  }

  /** Adds after ms; an earlier schedule for the key wins over a later one (as in client-go). */
  addAfter(key: string, ms: number, lane: Lane = 'urgent'): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key, lane);
    if (this.lanes.urgent.has(key) || this.lanes.refresh.has(key)) return;
    const at = this.o.clock.now() + ms;
    const cur = this.delayed.get(key);
    if (cur && cur.at <= at) return;
    cur?.timer.cancel();
    const timer = this.o.clock.after(ms, () => {
      if (this.delayed.get(key)?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key, lane);
    });
    this.delayed.set(key, { timer, at, lane });
  }

  /** Schedules a retry after this key's next backoff delay (at least minMs). */
  addRateLimited(key: string, minMs = 0): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.retriesTotal++;
    const ms = Math.max(minMs, backoffDelay(n, this.o.backoffBaseMs ?? 200, this.o.backoffMaxMs ?? 300_000));
    this.addAfter(key, ms);
    return ms;
  }

  /** Resets the backoff of a key (after it succeeded, or when its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The key's object is gone: resets its backoff and drops its scheduled retry or refresh. */
  drop(key: string): void {
    this.forget(key);
    const d = this.delayed.get(key);
    if (d) {
      d.timer.cancel();
      this.delayed.delete(key);
    }
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops starting new work and waits for what is in flight; queued keys are kept. */
  async pause(): Promise<void> {
    this.running = false;
    await this.whenIdle();
  }

  /** Final stop: drops pending retries, waits for in-flight handlers. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.running = false;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    await this.whenIdle();
  }

  /** Resolves when nothing is queued or running (delayed keys do not count). */
  async drained(): Promise<void> {
    while (this.depth > 0 || this.processing.size > 0) {
      await new Promise<void>((r) => this.drainWaiters.push(r));
    }
  }

  private whenIdle(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private next(): string | undefined {
    for (const lane of ['urgent', 'refresh'] as const) {
      const key = this.lanes[lane].values().next().value as string | undefined;
      if (key !== undefined) {
        this.lanes[lane].delete(key);
        return key;
      }
    }
    return undefined;
  }

  private pump(): void {
    while (this.running && this.processing.size < this.o.concurrency) {
      const key = this.next();
      if (key === undefined) break;
      this.processing.add(key);
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    let result: WorkResult;
    try {
      result = await this.o.handler(key);
    } catch (err) {
      this.o.onError?.(key, err);
      // An API server answering 429 says how long to wait: the key's backoff, but not sooner.
      const minMs = retryAfterMs(err);
      result = minMs === undefined ? { kind: 'retry' } : { kind: 'retry', minMs };
    }
    this.processing.delete(key);
    if (!this.shuttingDown) {
      const dirtyLane = this.dirty.get(key);
      this.dirty.delete(key);
      if (dirtyLane) {
        // Changed while we worked on it: the new state gets a fresh, immediate look.
        if (result.kind === 'done' || result.kind === 'refresh') this.forget(key);
        this.add(key, dirtyLane);
      } else if (result.kind === 'retry') {
        this.addRateLimited(key, result.minMs);
      } else if (result.kind === 'after') {
        this.addAfter(key, result.ms);
      } else if (result.kind === 'refresh') {
        this.forget(key);
        this.addAfter(key, result.ms, 'refresh');
      } else {
        this.forget(key);
      }
    } else {
      this.dirty.delete(key);
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
    if (this.processing.size === 0 && this.depth === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}
