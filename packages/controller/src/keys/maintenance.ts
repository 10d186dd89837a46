import type { Clock, Timer } from '../runtime/clock.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields } from '@sealkit/kube';
import type { Logger } from '../runtime/log.js';
import type { Reconciler } from '../runtime/manager.js';
import type { KeyringStore } from './keyring-store.js';
import { custodyStatusText, publishKeyStatus, publishPublicKeys } from './publisher.js';

/** Longest single timer; longer waits (a 30-day rotation) are re-checked at this interval. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/**
 * The leader's work on keys, as a reconciler without a queue: creates the first key, rotates when
 * the newest is older than --key-renew-period, and keeps the public-key ConfigMap equal to the
 * keys (at every key change and every resync, so a ConfigMap deleted or edited by hand comes back).
 */
export class KeyMaintenance implements Reconciler {
  readonly name = 'keys';
  readonly caches;
  readonly queues = [];
  private leading = false;
  private rotationTimer: Timer | undefined;
  private publishing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: {
      keys: KeyringStore;
      /** The manager's gated client. */
      client: KubeClient;
      namespace: string;
      renewPeriodMs: number;
      resyncPeriodMs: number;
      clock: Clock;
      log: Logger;
    },
  ) {
    // The Secrets listed is enough to start: the key custody status is published while keys are
    // still waiting for Vault, and ensureKeys counts key Secrets whether or not they are unwrapped.
    this.caches = [o.keys.informer];
    o.keys.onChange(() => {
      if (this.leading) this.afterKeysChanged();
    });
  }

  get resyncPeriodMs(): number {
    return this.o.resyncPeriodMs;
  }

  enqueueAll(): void {}

  notReady(): string[] {
    return this.o.keys.notReady();
  }

  async startLeading(): Promise<void> {
    this.leading = true;
    await this.rotateIfDue();
    if (this.leading) this.afterKeysChanged();
  }

  async stopLeading(): Promise<void> {
    this.leading = false;
    this.rotationTimer?.cancel();
  }

  resync(): void {
    this.publish();
  }

  /** Creates the first key, or a new one when the newest is older than the renew period. */
  private async rotateIfDue(): Promise<void> {
    try {
      await this.o.keys.ensureKeys(this.o.renewPeriodMs);
    } catch (err) {
      if (!this.leading) return;
      this.o.log.error('key check failed; will retry', errorFields(err));
      this.scheduleRotation(10_000);
      return;
    }
    this.scheduleRotation();
  }

  private scheduleRotation(inMs?: number): void {
    this.rotationTimer?.cancel();
    if (!this.leading) return;
    let wait = inMs;
    if (wait === undefined) {
      const due = this.o.keys.nextRotation(this.o.renewPeriodMs);
      if (due === undefined) {
        // No key visible yet (cache behind our own create), or rotation disabled: look again later.
        if (this.o.keys.active() && this.o.renewPeriodMs <= 0) return;
        wait = 5_000;
      } else wait = Math.max(0, due - this.o.clock.now());
    }
    this.rotationTimer = this.o.clock.after(Math.min(wait, MAX_TIMER_MS), () => void this.rotateIfDue());
  }

  private afterKeysChanged(): void {
    this.scheduleRotation();
    this.publish();
  }

  /**
   * Writes the public-key ConfigMap when it differs from the keys (or is missing); one at a time.
   * While key Secrets wait for the custody, only its status annotation: publishing the keys loaded
   * so far could name an older key active.
   */
  private publish(): void {
    this.publishing = this.publishing
      .then(() => {
        const status = this.o.keys.custodyStatus();
        const text = custodyStatusText(status);
        if (status.waiting.length > 0) return publishKeyStatus(this.o.client, this.o.namespace, text);
        return publishPublicKeys(this.o.client, this.o.namespace, this.o.keys.publicKeys(), text);
      })
      .then(
        (changed) => changed && this.o.log.info('published public keys', { activeKeyId: this.o.keys.active()?.keyId ?? null }),
        (err) => {
          if (!this.leading) return;
          this.o.log.warn('could not publish public keys; will retry', errorFields(err));
          this.o.clock.after(5_000, () => this.leading && this.publish());
        },
      );
  }
}
