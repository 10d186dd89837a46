import type { KubeClient } from '@sealkit/kube';
import { FIELD_MANAGER } from '../constants.js';

/** A status condition as every kind writes it (Kubernetes API conventions). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ReadyState {
  ready: boolean;
  reason: string;
  message: string;
}

/** RFC 3339 to the second, as condition times are written. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The Ready condition for a state. lastTransitionTime moves only when the status flips, as the
 * condition convention says, so writing the same state again changes nothing.
 */
export function readyCondition(prev: Pick<Condition, 'status' | 'lastTransitionTime'> | undefined, state: ReadyState, generation: number, now: number): Condition & { lastTransitionTime: string; observedGeneration: number } {
  const status: Condition['status'] = state.ready ? 'True' : 'False';
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : isoSeconds(now);
  return { type: 'Ready', status, reason: state.reason, message: state.message.slice(0, 1000), lastTransitionTime, observedGeneration: generation };
}

/** The object whose status is written: its path and uid. */
export interface StatusTarget {
  /** The object's path (without /status). */
  path: string;
  uid: string;
}

/**
 * The one status writer, for every kind: a merge patch of the status subresource, with the uid as
 * a precondition, so a status meant for a deleted object never lands on its successor (409).
 * Fields to clear are sent as null (merge patch semantics). Give it the manager's gated client.
 */
export class StatusWriter {
  constructor(private readonly client: KubeClient) {}
  async patch(target: StatusTarget, status: object): Promise<void> {
    await this.client.request({
      method: 'PATCH',
      path: `${target.path}/status`,
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/merge-patch+json',
      body: { metadata: { uid: target.uid }, status },
    });
  }
}

interface Pending<T, S> {
  obj: T;
  status: S;
  attempt: number;
}

/**
 * Status writes, off the critical path. A status patch on a custom resource costs the API server
 * several times a Secret create (schema validation, managed fields), so during a flood (first
 * start with thousands of objects) Secrets are written first and statuses trickle in with
 * little concurrency; once the work queue is idle they go at full speed. Only the newest status
 * per object is kept; failures are retried with backoff; 404/409 (object gone or replaced) drop it.
 */
export class StatusLane<T extends { namespace: string; name: string }, S> {
  private readonly pending = new Map<string, Pending<T, S>>();
  private readonly inFlight = new Set<string>();
  private running = false;
  private tick: { cancel(): void } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly o: {
      writer: { patch(obj: T, status: S): Promise<void> };
      clock: { after(ms: number, fn: () => void): { cancel(): void } };
      /** true while the main work queue has keys waiting */
      busy(): boolean;
      concurrencyBusy?: number;
      concurrencyIdle?: number;
      onError?(obj: T, err: unknown): void;
    },
  ) {}

  get depth(): number {
    return this.pending.size + this.inFlight.size;
  }

  async patch(obj: T, status: S): Promise<void> {
    this.pending.set(`${obj.namespace}/${obj.name}`, { obj, status, attempt: 0 });
    this.pump();
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops sending and forgets what was pending (a new leader recomputes every status). */
  async pause(): Promise<void> {
    this.running = false;
    this.pending.clear();
    this.tick?.cancel();
    this.tick = undefined;
    if (this.inFlight.size) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (!this.running) return;
    const limit = this.o.busy() ? (this.o.concurrencyBusy ?? 2) : (this.o.concurrencyIdle ?? 16);
    for (const [key, item] of this.pending) {
      if (this.inFlight.size >= limit) break;
      if (this.inFlight.has(key)) continue;
      this.pending.delete(key);
      this.send(key, item);
    }
    // While throttled, look again soon: the queue may have drained.
    if (this.pending.size > 0 && !this.tick) {
      this.tick = this.o.clock.after(100, () => {
        this.tick = undefined;
        this.pump();
      });
    }
  }

  private send(key: string, item: Pending<T, S>): void {
    this.inFlight.add(key);
    this.o.writer.patch(item.obj, item.status).then(
      () => undefined,
      (err) => {
        const code = (err as { statusCode?: number }).statusCode;
        if (code === 404 || code === 409) return;
        this.o.onError?.(item.obj, err);
        const attempt = item.attempt + 1;
        this.o.clock.after(Math.min(30_000, 200 * 2 ** Math.min(attempt, 10)), () => {
          if (!this.running || this.pending.has(key)) return;
          this.pending.set(key, { ...item, attempt });
          this.pump();
        });
      },
    ).finally(() => {
      this.inFlight.delete(key);
      if (this.inFlight.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      this.pump();
    });
  }
}
