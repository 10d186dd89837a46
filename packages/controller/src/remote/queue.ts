// The RemoteSecret work queue: client-go workqueue guarantees (dedupe, one worker per key, dirty
// re-run, per-key exponential backoff that never gives up) plus two priority lanes. Objects that
// were never synced, changed, or whose Secret drifted go in the `urgent` lane and are always taken
// before periodic refreshes, so a new RemoteSecret does not wait behind thousands of refreshes
// (External Secrets Operator issues #3258/#2837/#4180: new objects waiting minutes).
//
// TODO(integration): the runtime's WorkQueue (src/workqueue.ts) has the same semantics with one
// lane; if it grows a priority argument this file can go.

import type { Clock, Timer } from './clock.js';

export type Lane = 'urgent' | 'refresh';

export type QueueWork = { kind: 'done' } | { kind: 'retry'; minMs?: number } | { kind: 'after'; ms: number };

export interface RemoteQueueOptions {
  handler(key: string): Promise<QueueWork>;
  clock: Clock;
  concurrency: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onError?(key: string, err: unknown): void;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

export class RemoteWorkQueue {
  private readonly lanes: Record<Lane, Set<string>> = { urgent: new Set(), refresh: new Set() };
  private readonly processing = new Set<string>();
  private readonly dirty = new Map<string, Lane>();
  private readonly delayed = new Map<string, { timer: Timer; at: number; lane: Lane }>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  /** Keys taken from each lane, for metrics and tests. */
  readonly taken: Record<Lane, number> = { urgent: 0, refresh: 0 };

  constructor(private readonly o: RemoteQueueOptions) {}

  get depth(): number {
    return this.lanes.urgent.size + this.lanes.refresh.size;
  }
  get inFlight(): number {
    return this.processing.size;
  }
  get waiting(): number {
    return this.delayed.size;
  }

  add(key: string, lane: Lane = 'urgent'): void {
    if (this.shuttingDown) return;
    const d = this.delayed.get(key);
    if (d) {
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

  /** Adds after ms; an earlier schedule for the key wins over a later one. */
  addAfter(key: string, ms: number, lane: Lane = 'refresh'): void {
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

  /** Drops a key's schedule and backoff (its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
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

  /** Stops taking work and waits for what is in flight; queued keys are kept. */
  async pause(): Promise<void> {
    this.running = false;
    await this.whenIdle();
  }

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
        this.taken[lane]++;
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
    let result: QueueWork;
    try {
      result = await this.o.handler(key);
    } catch (err) {
      this.o.onError?.(key, err);
      result = { kind: 'retry' };
    }
    this.processing.delete(key);
    if (!this.shuttingDown) {
      const dirtyLane = this.dirty.get(key);
      this.dirty.delete(key);
      if (result.kind === 'retry') {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const ms = Math.max(result.minMs ?? 0, backoffDelay(n, this.o.backoffBaseMs ?? 1000, this.o.backoffMaxMs ?? 300_000));
        if (dirtyLane) this.add(key, dirtyLane);
        else this.addAfter(key, ms, 'urgent');
      } else {
        this.failures.delete(key);
        if (dirtyLane) this.add(key, dirtyLane);
        else if (result.kind === 'after') this.addAfter(key, result.ms, 'refresh');
      }
    } else {
      this.dirty.delete(key);
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
    if (this.processing.size === 0 && this.depth === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}
