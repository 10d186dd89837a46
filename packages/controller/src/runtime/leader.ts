import { sleep, type Clock } from './clock.js';
import type { KubeClient } from '../kube/client.js';
import { errorFields, isAlreadyExists, isConflict, isNotFound } from '../kube/errors.js';
import type { Config } from '../config.js';
import type { Logger } from './log.js';

export interface LeaderOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  clock: Clock;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
}

/**
 * The elector --leader-elect asks for, on the Lease `name` in the controller's namespace with the
 * configured timings; undefined without --leader-elect (the one replica leads from the start).
 * Both SealedSecret controllers campaign this way, each on its own Lease.
 */
export function electorFromConfig(
  cfg: Config,
  o: Pick<LeaderOptions, 'client' | 'name' | 'clock' | 'log' | 'onStartedLeading' | 'onStoppedLeading'>,
): LeaderElector | undefined {
  if (!cfg.leaderElect) return undefined;
  return new LeaderElector({
    ...o,
    namespace: cfg.namespace,
    identity: cfg.identity,
    leaseDurationMs: cfg.leaseDurationMs,
    renewDeadlineMs: cfg.renewDeadlineMs,
    retryPeriodMs: cfg.retryPeriodMs,
  });
}

/** RFC 3339 with microseconds, as the Lease's MicroTime fields require. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's rules:
 * a lease is free when its holder is empty or when we have not seen it renewed for
 * leaseDuration by *our* clock (so clock skew between nodes does not matter); updates carry
 * the resourceVersion we read, so two candidates can never both win the same round.
 * A leader that cannot renew within renewDeadline steps down before the lease can expire.
 */
export class LeaderElector {
  private leading = false;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private observed: { holder: string; renew: string; at: number } | undefined;
  private readonly path: string;

  constructor(private readonly o: LeaderOptions) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get leaseMs() {
    return this.o.leaseDurationMs ?? 15_000;
  }
  private get renewDeadlineMs() {
    return this.o.renewDeadlineMs ?? 10_000;
  }
  private get retryMs() {
    return this.o.retryPeriodMs ?? 2_000;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Stops campaigning; a leader steps down and releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
    if (this.leading) {
      this.leading = false;
      await this.o.onStoppedLeading();
      await this.release();
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Campaign.
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
        await sleep(this.o.clock, this.retryMs * (1 + Math.random() * 0.2), signal);
      }
      if (signal.aborted) return;
      this.leading = true;
      this.o.log.info('became leader', { lease: this.o.name, identity: this.o.identity });
      await this.o.onStartedLeading();
      // Renew until we cannot.
      let lastRenew = this.o.clock.now();
      while (!signal.aborted) {
        await sleep(this.o.clock, this.retryMs, signal);
        if (signal.aborted) return;
        if (await this.tryAcquireOrRenew()) {
          lastRenew = this.o.clock.now();
        } else if (this.o.clock.now() - lastRenew >= this.renewDeadlineMs || this.lostTo()) {
          break;
        }
      }
      if (signal.aborted) return;
      this.leading = false;
      this.o.log.warn('lost leadership', { lease: this.o.name, identity: this.o.identity });
      await this.o.onStoppedLeading();
    }
  }

  private lostTo(): boolean {
    return this.observed !== undefined && this.observed.holder !== '' && this.observed.holder !== this.o.identity;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock.now();
    const seconds = Math.ceil(this.leaseMs / 1000);
    let lease: any;
    try {
      lease = await this.o.client.request({ method: 'GET', path: `${this.path}/${this.o.name}` });
    } catch (err) {
      if (!isNotFound(err)) {
        this.o.log.warn('could not read lease', errorFields(err));
        return false;
      }
      try {
        await this.o.client.request({
          method: 'POST',
          path: this.path,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: {
              holderIdentity: this.o.identity,
              leaseDurationSeconds: seconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
        });
        this.observed = { holder: this.o.identity, renew: microTime(now), at: now };
        return true;
      } catch (e) {
        if (!isAlreadyExists(e)) this.o.log.warn('could not create lease', errorFields(e));
        return false;
      }
    }
    const spec = lease.spec ?? {};
    const holder: string = spec.holderIdentity ?? '';
    const renew: string = spec.renewTime ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renew !== renew) {
      this.observed = { holder, renew, at: now };
    }
    const heldByOther = holder !== '' && holder !== this.o.identity;
    const duration = (Number(spec.leaseDurationSeconds) || seconds) * 1000;
    if (heldByOther && this.observed.at + duration > now) return false;
    const mine = holder === this.o.identity;
    try {
      await this.o.client.request({
        method: 'PUT',
        path: `${this.path}/${this.o.name}`,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: this.o.identity,
            leaseDurationSeconds: seconds,
            acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
            renewTime: microTime(now),
            leaseTransitions: (Number(spec.leaseTransitions) || 0) + (mine ? 0 : 1),
          },
        },
      });
      this.observed = { holder: this.o.identity, renew: microTime(now), at: now };
      return true;
    } catch (err) {
      if (!isConflict(err)) this.o.log.warn('could not update lease', errorFields(err));
      return false;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease: any = await this.o.client.request({ method: 'GET', path: `${this.path}/${this.o.name}` });
      if (lease?.spec?.holderIdentity !== this.o.identity) return;
      const now = this.o.clock.now();
      await this.o.client.request({
        method: 'PUT',
        path: `${this.path}/${this.o.name}`,
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) },
        },
      });
      this.o.log.info('released leadership', { lease: this.o.name });
    } catch (err) {
      this.o.log.warn('could not release lease', errorFields(err));
    }
  }
}
