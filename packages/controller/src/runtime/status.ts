import type { KubeClient } from '../kube/client.js';
import type { Condition, SealedSecretView } from '../sealed/views.js';
import { sealedSecretPath } from '../constants.js';

export interface ReadyState {
  ready: boolean;
  reason: string;
  message: string;
}

export interface SealedSecretStatus {
  observedGeneration: number;
  conditions: Condition[];
}

/**
 * The status to write, or undefined when the current one already says the same thing.
 * lastTransitionTime moves only when Ready flips, as the Kubernetes condition convention says,
 * so a resync with nothing changed patches nothing.
 */
export function nextStatus(ss: SealedSecretView, state: ReadyState, now: Date): SealedSecretStatus | undefined {
  const cur = ss.status.ready;
  const status: Condition['status'] = state.ready ? 'True' : 'False';
  const same =
    cur !== undefined &&
    cur.status === status &&
    cur.reason === state.reason &&
    cur.message === state.message &&
    cur.observedGeneration === ss.generation &&
    ss.status.observedGeneration === ss.generation;
  if (same) return undefined;
  const lastTransitionTime =
    cur && cur.status === status && cur.lastTransitionTime ? cur.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    observedGeneration: ss.generation,
    conditions: [
      { type: 'Ready', status, reason: state.reason, message: state.message, lastTransitionTime, observedGeneration: ss.generation },
    ],
  };
}

export interface StatusWriter {
  patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void>;
}

export class ApiStatusWriter implements StatusWriter {
  constructor(private readonly client: KubeClient) {}
  async patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void> {
    await this.client.request({
      method: 'PATCH',
      path: sealedSecretPath(ss.namespace, ss.name) + '/status',
      query: { fieldManager: 'sealkit-controller' },
      contentType: 'application/merge-patch+json',
      // The uid is a precondition: a status meant for a deleted object never lands on its successor.
      body: { metadata: { uid: ss.uid }, status },
    });
  }
}

interface PendingStatus {
  ss: SealedSecretView;
  status: SealedSecretStatus;
  attempt: number;
}

/**
 * Status writes, off the critical path. A status patch on a custom resource costs the API server
 * several times a Secret create (schema validation, managed fields), so during a flood (first
 * start with thousands of SealedSecrets) Secrets are written first and statuses trickle in with
 * little concurrency; once the work queue is idle they go at full speed. Only the newest status
 * per object is kept; failures are retried with backoff; 404/409 (object gone or replaced) drop it.
 */
export class StatusLane implements StatusWriter {
  private readonly pending = new Map<string, PendingStatus>();
  private readonly inFlight = new Set<string>();
  private running = false;
  private tick: { cancel(): void } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly o: {
      writer: StatusWriter;
      clock: { after(ms: number, fn: () => void): { cancel(): void } };
      /** true while the main work queue has keys waiting */
      busy(): boolean;
      concurrencyBusy?: number;
      concurrencyIdle?: number;
      onError?(ss: SealedSecretView, err: unknown): void;
    },
  ) {}

  get depth(): number {
    return this.pending.size + this.inFlight.size;
  }

  async patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void> {
    this.pending.set(`${ss.namespace}/${ss.name}`, { ss, status, attempt: 0 });
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

  private send(key: string, item: PendingStatus): void {
    this.inFlight.add(key);
    this.o.writer.patch(item.ss, item.status).then(
      () => undefined,
      (err) => {
        const code = (err as { statusCode?: number }).statusCode;
        if (code === 404 || code === 409) return;
        this.o.onError?.(item.ss, err);
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
