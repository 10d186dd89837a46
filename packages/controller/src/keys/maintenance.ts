import type { Clock, Timer } from '../runtime/clock.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields } from '@sealkit/kube';
import type { Logger } from '../runtime/log.js';
import type { EventSink } from '../runtime/events.js';
import type { Cache, Reconciler } from '../runtime/manager.js';
import { PUBLIC_KEYS_CONFIGMAP } from '../constants.js';
import type { KeyEntry, KeyringStore } from './keyring-store.js';
import { custodyStatusText, publishKeyStatus, publishPublicKeys, readPublishedKeyIds } from './publisher.js';

/** Which key ids the SealedSecrets use (the SealedSecret reconciler's cache), once its caches are synced. */
export interface KeyUsageSource {
  caches: Cache[];
  keysInUse(): ReadonlyMap<string, readonly string[]> | undefined;
}

/** How many SealedSecret names one log line or Event lists before "and N more". */
const NAMES_SHOWN = 10;

/** Longest single timer; longer waits (a 30-day rotation) are re-checked at this interval. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/**
 * The leader's work on keys, as a reconciler without a queue: creates the first key, rotates when
 * the newest is older than --key-renew-period, and keeps the public-key ConfigMap equal to the
 * keys (at every key change and every resync, so a ConfigMap deleted or edited by hand comes back).
 * Key Secrets get the same guard: one deleted or garbled while the controller holds its key is
 * written back from memory. At the start of each term it compares what was published and what the
 * SealedSecrets are sealed to with the key Secrets there are, and reports lost keys in one line.
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
      /** Events on the key Secrets and the public-key ConfigMap. */
      events?: EventSink;
      /** What the SealedSecrets are sealed to: tells lost keys at a start, and lets a retired key go. */
      usage?: KeyUsageSource;
    },
  ) {
    // The Secrets listed is enough to start: the key custody status is published while keys are
    // still waiting for Vault, and ensureKeys counts key Secrets whether or not they are unwrapped.
    this.caches = [o.keys.informer, ...(o.usage?.caches ?? [])];
    if (o.usage) o.keys.trackKeyUsage(() => o.usage!.keysInUse());
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
    let lost: string[] = [];
    try {
      lost = await this.reportLostKeys();
    } catch (err) {
      this.o.log.warn('could not check for lost keys', errorFields(err));
    }
    await this.rotateIfDue(lost.length > 0);
    if (this.leading) this.afterKeysChanged();
  }

  /**
   * Key ids that were published, or that SealedSecrets are sealed to, with no key Secret and not
   * held in memory: lost while no controller ran (or sealed for another cluster). One error line
   * and one Warning Event name them and the SealedSecrets affected, which report UnknownKey.
   */
  private async reportLostKeys(): Promise<string[]> {
    const present = new Set([...(await this.o.keys.listKeySecrets()).map((e) => e.keyId), ...this.o.keys.heldKeyIds()]);
    const published = await readPublishedKeyIds(this.o.client, this.o.namespace);
    const inUse = this.o.usage?.keysInUse() ?? new Map<string, readonly string[]>();
    const lost = [...new Set([...(published?.keyIds ?? []), ...inUse.keys()])].filter((id) => !present.has(id)).sort();
    if (lost.length === 0) return [];
    const affected = [...new Set(lost.flatMap((id) => inUse.get(id) ?? []))].sort();
    const shown = affected.slice(0, NAMES_SHOWN).join(', ') + (affected.length > NAMES_SHOWN ? ` and ${affected.length - NAMES_SHOWN} more` : '');
    this.o.log.error('key Secrets lost: no key Secret holds these keys; SealedSecrets sealed to them report UnknownKey and keep their Secrets until the key Secrets are restored from a backup', {
      lostKeyIds: lost,
      sealedSecrets: affected.length,
      ...(affected.length > 0 ? { examples: affected.slice(0, NAMES_SHOWN) } : {}),
    });
    if (published?.uid) {
      const what = affected.length > 0 ? `; ${affected.length} SealedSecret${affected.length === 1 ? '' : 's'} sealed to them cannot be unsealed: ${shown}` : '';
      this.o.events?.emit(
        { namespace: this.o.namespace, name: PUBLIC_KEYS_CONFIGMAP, uid: published.uid, kind: 'ConfigMap', apiVersion: 'v1' },
        'Warning',
        'KeysLost',
        `no key Secret holds key${lost.length === 1 ? '' : 's'} ${lost.join(', ')}${what}; restore the key Secrets from a backup`,
      );
    }
    return lost;
  }

  async stopLeading(): Promise<void> {
    this.leading = false;
    this.rotationTimer?.cancel();
  }

  resync(): void {
    this.maintain();
  }

  /** Creates the first key, or a new one when the newest is older than the renew period. */
  private async rotateIfDue(replacingLostKeys = false): Promise<void> {
    try {
      await this.o.keys.ensureKeys(this.o.renewPeriodMs, { replacingLostKeys });
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
    this.maintain();
  }

  /** Writes back the key Secrets that went missing or bad, then publishes; one pass at a time. */
  private maintain(): void {
    this.publishing = this.publishing.then(() => this.repairKeySecrets());
    this.publish();
  }

  /** Each key Secret deleted or garbled while this process holds the key, written back from memory. */
  private async repairKeySecrets(): Promise<void> {
    for (const e of this.o.keys.keySecretsToRepair()) {
      if (!this.leading) return;
      try {
        await this.repair(e);
      } catch (err) {
        if (!this.leading) return;
        this.o.log.warn('could not restore key Secret; will retry', { secret: e.name, keyId: e.keyId, ...errorFields(err) });
        this.o.clock.after(5_000, () => this.leading && this.maintain());
      }
    }
  }

  private async repair(e: KeyEntry): Promise<void> {
    const written = await this.o.keys.repairKeySecret(e);
    const was = e.repair!.why === 'deleted' ? 'deleted' : `unreadable (${e.repair!.detail ?? 'edited'})`;
    this.o.log.warn('key Secret restored from the key this controller holds', { secret: e.name, keyId: e.keyId, was: e.repair!.why });
    const uid = written?.metadata?.uid;
    if (uid) {
      this.o.events?.emit(
        { namespace: this.o.namespace, name: e.name, uid, kind: 'Secret', apiVersion: 'v1' },
        'Warning',
        'KeySecretRestored',
        `key Secret ${e.name} was ${was}; restored from key ${e.keyId} held in memory`,
      );
    }
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
