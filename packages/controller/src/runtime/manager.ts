import type { Clock, Timer } from './clock.js';
import { errorFields } from '@sealkit/kube';
import type { KubeClient } from '@sealkit/kube';
import type { EventSink } from './events.js';
import type { Metrics } from './metrics.js';
import { LeaderElector } from './leader.js';
import type { Logger } from './log.js';
import type { WorkQueue } from './workqueue.js';
import type { WriteGate } from './write-gate.js';

/** What main.ts builds every reconciler with. */
export interface ReconcilerContext {
  /** The manager's gated client: reads pass, writes only while leading. */
  client: KubeClient;
  events: EventSink;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** --watch-namespaces (empty: all). */
  namespaces: readonly string[];
  /** --workers: objects reconciled in parallel. */
  workers: number;
  /** --max-backoff */
  maxBackoffMs: number;
}

/** What the manager needs of an informer (or a group of them, or a store built on one). */
export interface Cache {
  start(): void;
  stop(): Promise<void>;
  readonly hasSynced: boolean;
  waitForSync(): Promise<void>;
}

/**
 * One kind plugged into the runtime (SealedSecret, Bitnami SealedSecret, RemoteSecret): its caches,
 * its queues and how to fill them. The manager does the rest: starts the caches on every replica,
 * runs the queues only while this replica leads (after every cache the kind reads has synced),
 * queues every object again at each resync, and stops it all on step-down or shutdown.
 */
export interface Reconciler {
  /** Name in logs. */
  readonly name: string;
  /** Caches it reads; several reconcilers may list the same one (it is started once). */
  readonly caches: readonly Cache[];
  /** Started while leading, paused on step-down, drained on shutdown. */
  readonly queues: readonly WorkQueue[];
  /** Queue every object: when leadership starts, and at each resync. */
  enqueueAll(): void;
  /** Period of the full re-check (0: none). */
  readonly resyncPeriodMs: number;
  /** Extra work when leading starts (caches synced, queues not yet started) and stops. */
  startLeading?(): Promise<void>;
  stopLeading?(): Promise<void>;
  /** Extra work at each resync, after enqueueAll. */
  resync?(): void;
  /**
   * False for a kind whose CRDs may not be installed (RemoteSecrets): its caches then never sync,
   * which must not make the replica unready for the kinds that are (default true).
   */
  readonly readyNeedsCaches?: boolean;
  /** Why /readyz should say no (empty when ready), beyond unsynced caches. */
  notReady?(): string[];
  /** Final cleanup after the queues have drained (logins revoked, threads closed). */
  stop?(): Promise<void>;
}

export interface ManagerOptions {
  /** The lease's name, in logs. */
  name: string;
  gate: WriteGate;
  clock: Clock;
  log: Logger;
  /** Leader election; without it this replica leads from the start (--leader-elect=false). */
  election?: {
    /** Lease traffic only (its own connection pool). */
    client: KubeClient;
    namespace: string;
    identity: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  /** 1 while leading. */
  leaderGauge?: { set(value: number): void };
  /** Flushed (bounded) before the lease is released at shutdown. */
  events?: { close(): Promise<void> };
}

/**
 * The controller runtime, in the manner of controller-runtime's Manager: caches, queues, leader
 * election, resync and the write gate wired once for any number of reconcilers. Every replica keeps
 * its caches warm; only the leader's queues run, and every write passes the gate that leadership
 * opens and a step-down closes (synchronously, before anything else happens).
 */
export class Manager {
  private readonly reconcilers: Reconciler[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly resyncTimers = new Map<Reconciler, Timer>();
  private leading = false;
  /** Bumped at every start and end of leadership: late startups of an old term stop there. */
  private term = 0;
  private stopping = false;
  /** False from a step-down on a failed renew until the lease answers again. */
  private renewing = true;

  constructor(private readonly o: ManagerOptions) {
    const e = o.election;
    if (e) {
      this.elector = new LeaderElector({
        client: e.client,
        namespace: e.namespace,
        name: o.name,
        identity: e.identity,
        clock: o.clock,
        log: o.log,
        leaseDurationMs: e.leaseDurationMs,
        renewDeadlineMs: e.renewDeadlineMs,
        retryPeriodMs: e.retryPeriodMs,
        onStartedLeading: () => this.startedLeading(),
        onStoppedLeading: () => this.stoppedLeading(),
        onContact: () => {
          this.renewing = true;
        },
      });
    }
  }

  add(r: Reconciler): this {
    this.reconcilers.push(r);
    return this;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private caches(): Cache[] {
    return [...new Set(this.reconcilers.flatMap((r) => r.caches))];
  }

  /** Why /readyz says no (empty when ready). */
  notReady(): string[] {
    const why: string[] = [];
    for (const r of this.reconcilers) {
      if (r.readyNeedsCaches !== false && r.caches.some((c) => !c.hasSynced)) why.push(`${r.name}: caches not synced`);
      why.push(...(r.notReady?.() ?? []));
    }
    if (!this.renewing) why.push(`lease ${this.o.name}: could not renew before the deadline; not writing until the lease answers again`);
    if (this.stopping) why.push('shutting down');
    return [...new Set(why)];
  }

  /** Starts every cache (all replicas) and the election (or leads at once). */
  start(): void {
    for (const c of this.caches()) c.start();
    if (this.elector) this.elector.start();
    else this.startedLeading();
  }

  private startedLeading(): void {
    if (this.stopping) return;
    const term = ++this.term;
    this.leading = true;
    this.renewing = true;
    this.o.gate.open();
    this.o.leaderGauge?.set(1);
    // Each reconciler on its own: one waiting for its CRDs must not hold up the others, nor the
    // elector, which must keep renewing while caches fill.
    for (const r of this.reconcilers) {
      this.startReconciler(r, term).catch((err) => this.o.log.error('leader start failed', { reconciler: r.name, ...errorFields(err) }));
    }
  }

  private async startReconciler(r: Reconciler, term: number): Promise<void> {
    await Promise.all(r.caches.map((c) => c.waitForSync()));
    if (term !== this.term) return;
    await r.startLeading?.();
    if (term !== this.term) return;
    r.enqueueAll();
    for (const q of r.queues) q.start();
    this.scheduleResync(r, term);
  }

  private scheduleResync(r: Reconciler, term: number): void {
    this.resyncTimers.get(r)?.cancel();
    if (r.resyncPeriodMs <= 0) return;
    this.resyncTimers.set(
      r,
      this.o.clock.after(r.resyncPeriodMs, () => {
        if (term !== this.term) return;
        r.enqueueAll();
        r.resync?.();
        this.scheduleResync(r, term);
      }),
    );
  }

  private async stoppedLeading(): Promise<void> {
    // First and synchronously: no write may start from here on.
    this.o.gate.close();
    const wasLeading = this.leading;
    this.leading = false;
    this.term++;
    this.o.leaderGauge?.set(0);
    if (!this.stopping && wasLeading) this.renewing = false;
    for (const t of this.resyncTimers.values()) t.cancel();
    this.resyncTimers.clear();
    await Promise.all(this.reconcilers.map(async (r) => {
      await Promise.all(r.queues.map((q) => q.pause()));
      await r.stopLeading?.();
    }));
  }

  /**
   * Graceful stop: in-flight reconciles finish while the gate is still open, pending Events are
   * sent (bounded), then the lease is released (a standby takes over at once) and caches stop.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.resyncTimers.values()) t.cancel();
    await Promise.all(this.reconcilers.flatMap((r) => r.queues.map((q) => q.shutdown())));
    if (this.o.events) await Promise.race([this.o.events.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (this.elector) await this.elector.stop();
    else if (this.leading) await this.stoppedLeading();
    await Promise.all(this.reconcilers.map((r) => r.stop?.()));
    await Promise.all(this.caches().map((c) => c.stop()));
  }
}
