import type { KubeClient } from '@sealkit/kube';
import { errorFields } from '@sealkit/kube';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { CONTROLLER_NAME, SEALED_SECRETS_GROUP_VERSION } from '../constants.js';

export interface EventTarget {
  namespace: string;
  name: string;
  uid: string;
  /** Defaults to SealedSecret (sealkit.dev/v1alpha1); RemoteSecrets pass their own. */
  kind?: string;
  apiVersion?: string;
}

export interface EventSink {
  emit(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * Kubernetes Events, sent in the background so a reconcile never waits for one.
 * Bounded: at most `capacity` pending (beyond that they are dropped and counted, as client-go's
 * broadcaster does under a flood), two in flight, and the same event for the same object is
 * sent at most once per `dedupeMs`.
 */
export class EventRecorder implements EventSink {
  private readonly pending: object[] = [];
  private inFlight = 0;
  private readonly recent = new Map<string, number>();
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly o: {
      client: KubeClient;
      identity: string;
      log: Logger;
      metrics?: Metrics;
      capacity?: number;
      concurrency?: number;
      dedupeMs?: number;
      now?: () => number;
    },
  ) {}

  emit(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.closed) return;
    const now = (this.o.now ?? Date.now)();
    const key = `${target.uid}\u0000${reason}\u0000${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.o.dedupeMs ?? 600_000)) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) {
      for (const [k, t] of this.recent) if (now - t >= (this.o.dedupeMs ?? 600_000)) this.recent.delete(k);
      if (this.recent.size > 10_000) this.recent.clear();
    }
    if (this.pending.length >= (this.o.capacity ?? 1000)) {
      this.o.metrics?.events.inc({ outcome: 'dropped' });
      return;
    }
    const ts = new Date(now).toISOString();
    this.pending.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${target.name}.`, namespace: target.namespace },
      involvedObject: {
        apiVersion: target.apiVersion ?? SEALED_SECRETS_GROUP_VERSION,
        kind: target.kind ?? 'SealedSecret',
        namespace: target.namespace,
        name: target.name,
        uid: target.uid,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: CONTROLLER_NAME },
      reportingComponent: CONTROLLER_NAME,
      reportingInstance: this.o.identity.slice(0, 128),
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < (this.o.concurrency ?? 2) && this.pending.length > 0) {
      const ev = this.pending.shift() as { metadata: { namespace: string } };
      this.inFlight++;
      this.o.client
        .request({ method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(ev.metadata.namespace)}/events`, body: ev })
        .then(
          () => this.o.metrics?.events.inc({ outcome: 'sent' }),
          (err) => {
            this.o.metrics?.events.inc({ outcome: 'failed' });
            this.o.log.debug('could not record event', errorFields(err));
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0 && this.pending.length === 0) for (const w of this.idle.splice(0)) w();
          this.pump();
        });
    }
  }

  /** Sends what is pending (bounded by the caller's patience) and accepts no more. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0 && this.pending.length === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }
}
