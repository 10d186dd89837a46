import { sleep, type Clock } from './clock.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields, isAlreadyExists, isConflict, isNotFound } from '@sealkit/kube';
import type { Logger } from './log.js';

export interface LeaderOptions {
  /** Lease traffic only: its own connection pool, so reconcile load cannot delay a renew. */
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  clock: Clock;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  random?: () => number;
  /** Called as soon as the lease is held. */
  onStartedLeading(): void | Promise<void>;
  /**
   * Called when leadership ends (lost, or the renew deadline passed). It runs synchronously up to
   * its first await before anything else happens, so a callback that closes a write gate there
   * guarantees no write starts after the step-down.
   */
  onStoppedLeading(): void | Promise<void>;
  /** Called after every attempt the API server answered (lease held, or held by another). */
  onContact?(): void;
}

/** RFC 3339 with microseconds, as the Lease's MicroTime fields require. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** How one acquire/renew attempt ended. */
type Attempt = 'held' | 'busy' | 'failed' | 'deadline';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's guarantees:
 * - a lease is free when its holder is empty or when we have not seen it change for its duration
 *   by *our* clock (observed time, never the renewTime written by another node, so clock skew
 *   between replicas does not matter);
 * - updates carry the resourceVersion we read, so two candidates never both win a round;
 * - every acquire/renew attempt is bounded by the renew deadline (an AbortSignal over each
 *   request, fired by our clock); a leader whose last successful renew started more than
 *   renewDeadline ago steps down at that moment, whatever its pending request is doing, and
 *   before the lease (leaseDuration > renewDeadline) can expire for the standbys;
 * - a leader that sees another holder in the lease steps down at once.
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
      // Campaign: each attempt bounded by the renew deadline.
      let started = this.o.clock.now();
      while (!signal.aborted) {
        started = this.o.clock.now();
        if ((await this.attempt(this.renewDeadlineMs, signal)) === 'held') break;
        await sleep(this.o.clock, this.retryMs * (1 + (this.o.random ?? Math.random)() * 0.2), signal);
      }
      if (signal.aborted) return;
      this.leading = true;
      this.o.log.info('became leader', { lease: this.o.name, identity: this.o.identity });
      await this.o.onStartedLeading();
      // Renew until we cannot. The lease was last written by a request that started at `lastRenew`.
      let lastRenew = started;
      let why = '';
      while (!signal.aborted) {
        await sleep(this.o.clock, this.retryMs, signal);
        if (signal.aborted) return;
        const remaining = lastRenew + this.renewDeadlineMs - this.o.clock.now();
        if (remaining <= 0) {
          why = 'renew deadline passed';
          break;
        }
        const at = this.o.clock.now();
        const r = await this.attempt(remaining, signal);
        if (signal.aborted) return;
        if (r === 'held') lastRenew = at;
        else if (r === 'busy') {
          why = `lease held by ${this.observed?.holder ?? 'another replica'}`;
          break;
        } else if (r === 'deadline' || this.o.clock.now() - lastRenew >= this.renewDeadlineMs) {
          why = 'renew deadline passed';
          break;
        }
      }
      if (signal.aborted) return;
      this.leading = false;
      this.o.log.warn('lost leadership', { lease: this.o.name, identity: this.o.identity, reason: why });
      await this.o.onStoppedLeading();
    }
  }

  /**
   * One acquire/renew, over within budgetMs by our clock: the requests carry a signal that fires
   * then (and a timeout for the transport's own clock), and the answer is 'deadline' at that
   * moment even if a request ignores its signal.
   */
  private async attempt(budgetMs: number, stop: AbortSignal): Promise<Attempt> {
    const deadline = new AbortController();
    const timer = this.o.clock.after(budgetMs, () => deadline.abort(new Error('renew deadline passed')));
    const onStop = () => deadline.abort(new Error('stopped'));
    stop.addEventListener('abort', onStop, { once: true });
    const expired = new Promise<Attempt>((r) => deadline.signal.addEventListener('abort', () => r('deadline'), { once: true }));
    try {
      const r = await Promise.race([this.tryAcquireOrRenew(deadline.signal, budgetMs), expired]);
      if (r === 'held' || r === 'busy') this.o.onContact?.();
      return r;
    } finally {
      timer.cancel();
      stop.removeEventListener('abort', onStop);
      deadline.abort(new Error('attempt over'));
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number): Promise<Attempt> {
    const now = this.o.clock.now();
    const seconds = Math.ceil(this.leaseMs / 1000);
    const bounded = { signal, timeoutMs };
    let lease: any;
    try {
      lease = await this.o.client.request({ method: 'GET', path: `${this.path}/${this.o.name}`, ...bounded });
    } catch (err) {
      if (signal.aborted) return 'deadline';
      if (!isNotFound(err)) {
        this.o.log.warn('could not read lease', { lease: this.o.name, ...errorFields(err) });
        return 'failed';
      }
      try {
        await this.o.client.request({
          method: 'POST',
          path: this.path,
          ...bounded,
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
        return this.wrote(signal, now);
      } catch (e) {
        if (signal.aborted) return 'deadline';
        if (!isAlreadyExists(e)) this.o.log.warn('could not create lease', { lease: this.o.name, ...errorFields(e) });
        return 'failed';
      }
    }
    if (signal.aborted) return 'deadline';
    const spec = lease.spec ?? {};
    const holder: string = spec.holderIdentity ?? '';
    const renew: string = spec.renewTime ?? '';
    // Observed time: when *we* first saw this holder/renewTime pair, by our clock.
    if (!this.observed || this.observed.holder !== holder || this.observed.renew !== renew) {
      this.observed = { holder, renew, at: now };
    }
    const heldByOther = holder !== '' && holder !== this.o.identity;
    const duration = (Number(spec.leaseDurationSeconds) || seconds) * 1000;
    if (heldByOther && this.observed.at + duration > now) return 'busy';
    const mine = holder === this.o.identity;
    try {
      await this.putLease(lease, {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: seconds,
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (Number(spec.leaseTransitions) || 0) + (mine ? 0 : 1),
      }, bounded);
      return this.wrote(signal, now);
    } catch (err) {
      if (signal.aborted) return 'deadline';
      if (!isConflict(err)) this.o.log.warn('could not update lease', { lease: this.o.name, ...errorFields(err) });
      return 'failed';
    }
  }

  /** Replaces the lease's spec fields given, conditional on the resourceVersion it was read at. */
  private async putLease(lease: any, spec: Record<string, unknown>, bounded: { signal?: AbortSignal; timeoutMs: number }): Promise<void> {
    await this.o.client.request({ method: 'PUT', path: `${this.path}/${this.o.name}`, ...bounded, body: { ...lease, spec: { ...lease.spec, ...spec } } });
  }

  /** Our write of the lease (made at `now`) succeeded, unless the attempt's deadline passed meanwhile. */
  private wrote(signal: AbortSignal, now: number): Attempt {
    if (signal.aborted) return 'deadline';
    this.observed = { holder: this.o.identity, renew: microTime(now), at: now };
    return 'held';
  }

  /** Gives the lease up (holder cleared) so a standby need not wait for it to expire. */
  private async release(): Promise<void> {
    const bounded = { timeoutMs: this.renewDeadlineMs };
    try {
      const lease: any = await this.o.client.request({ method: 'GET', path: `${this.path}/${this.o.name}`, ...bounded });
      if (lease?.spec?.holderIdentity !== this.o.identity) return;
      await this.putLease(lease, { holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.o.clock.now()) }, bounded);
      this.o.log.info('released leadership', { lease: this.o.name });
    } catch (err) {
      this.o.log.warn('could not release lease', { lease: this.o.name, ...errorFields(err) });
    }
  }
}
