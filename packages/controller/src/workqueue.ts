import { backoffDelay, type Clock, type Timer } from './clock.js';

/** What a handler asks of the queue after processing a key. */
export type WorkResult =
  | { kind: 'done' }
  /** Failed: retry with this key's exponential backoff (never given up on). */
  | { kind: 'retry' }
  /** Look again after a fixed delay (e.g. waiting for something we cannot watch). */
  | { kind: 'after'; ms: number };

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
 * - at most `concurrency` handlers run at once.
 * Processing only happens while started; keys added while paused wait (used by leader election).
 */
export class WorkQueue {
  private readonly queue = new Set<string>(); // insertion order = FIFO
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, Timer>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];
  retriesTotal = 0;

  constructor(private readonly o: WorkQueueOptions) {}

  get depth(): number {
    return this.queue.size;
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

  add(key: string): void {
    if (this.shuttingDown) return;
    const t = this.delayed.get(key);
    if (t) {
      // A fresh event beats a scheduled retry: run now, keep the failure count.
      t.cancel();
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queue.has(key)) return;
    this.queue.add(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    if (this.queue.has(key) || this.delayed.has(key)) return;
    const timer = this.o.clock.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, timer);
  }

  /** Schedules a retry after this key's next backoff delay. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.retriesTotal++;
    const ms = backoffDelay(n, this.o.backoffBaseMs ?? 200, this.o.backoffMaxMs ?? 300_000);
    this.addAfter(key, ms);
    return ms;
  }

  /** Resets the backoff of a key (after it succeeded, or when its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
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
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    await this.whenIdle();
  }

  private whenIdle(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running && this.processing.size < this.o.concurrency && this.queue.size > 0) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
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
      result = { kind: 'retry' };
    }
    this.processing.delete(key);
    if (!this.shuttingDown) {
      if (this.dirty.delete(key)) {
        // Changed while we worked on it: the new state gets a fresh, immediate look.
        if (result.kind === 'done') this.forget(key);
        this.queue.add(key);
      } else if (result.kind === 'retry') {
        this.addRateLimited(key);
      } else if (result.kind === 'after') {
        this.addAfter(key, result.ms);
      } else {
        this.forget(key);
      }
    } else {
      this.dirty.delete(key);
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
  }
}
