import type { Clock, Timer } from '../runtime/clock.js';
import type { Config } from '../config.js';
import { EventRecorder } from '../runtime/events.js';
import { InformerGroup, cacheKey, informerPerNamespace, splitKey } from '../runtime/informer.js';
import { KeyringStore } from '../keys/keyring-store.js';
import { publishPublicKeys } from '../keys/publisher.js';
import type { KubeClient } from '../kube/client.js';
import { errorFields } from '../kube/errors.js';
import { electorFromConfig, type LeaderElector } from '../runtime/leader.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { reconcileSealedSecret, type Memo, type ReconcileDeps } from './reconcile.js';
import { sealedSecretView, secretView, type SealedSecretView, type SecretView } from './views.js';
import { ApiSecretWriter } from '../secrets/writer.js';
import { queueOnSpecChange } from '../runtime/queue-on-spec-change.js';
import { ApiStatusWriter, StatusLane } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { MANAGED_BY_LABEL } from '@sealkit/core';
import { MANAGED_BY_VALUE, SEALED_SECRETS_PATH } from '../constants.js';
import { RemoteController } from '../remote/controller.js';

/** Longest single timer; longer waits (a 30-day rotation) are re-checked at this interval. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/**
 * Wires informers, the work queue, the keyring and leader election together.
 * Every replica keeps its caches and keys warm and serves HTTP; only the leader writes
 * (Secrets, statuses, keys, the public-key ConfigMap).
 */
export class Controller {
  readonly sealedSecrets: InformerGroup<SealedSecretView>;
  readonly secrets: InformerGroup<SecretView>;
  readonly keys: KeyringStore;
  readonly queue: WorkQueue;
  /** RemoteSecrets (Vault): own informers and queue, shares the managed-Secret cache and events. */
  readonly remote: RemoteController;
  private readonly elector: LeaderElector | undefined;
  private readonly events: EventRecorder;
  private readonly statusLane: StatusLane;
  private readonly memo = new Map<string, Memo>();
  private leading = false;
  private rotationTimer: Timer | undefined;
  private resyncTimer: Timer | undefined;
  private stopped = false;
  private leaderWork: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: Config,
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    const restarts = (informer: string) => (cause: string) => metrics.informerRestarts.inc({ informer, cause });
    this.sealedSecrets = informerPerNamespace(cfg.watchNamespaces, {
      name: 'sealedsecrets',
      client,
      path: (ns) => (ns ? `/apis/sealkit.dev/v1alpha1/namespaces/${ns}/sealedsecrets` : SEALED_SECRETS_PATH),
      transform: sealedSecretView,
      clock,
      log,
      onRestart: restarts('sealedsecrets'),
    });
    // Only Secrets labelled as ours: never a cache of every Secret in the cluster.
    this.secrets = informerPerNamespace(cfg.watchNamespaces, {
      name: 'secrets',
      client,
      path: (ns) => (ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets'),
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      transform: secretView,
      clock,
      log,
      onRestart: restarts('secrets'),
    });
    this.keys = new KeyringStore({ client, namespace: cfg.namespace, clock, log, metrics });
    this.events = new EventRecorder({ client, identity: cfg.identity, log, metrics });
    this.remote = new RemoteController({
      client,
      secrets: this.secrets,
      events: this.events,
      log,
      clock,
      registry: metrics.registry,
      workers: cfg.workers,
      maxBackoffMs: cfg.maxBackoffMs,
      namespaces: cfg.watchNamespaces,
    });

    this.statusLane = new StatusLane({
      writer: new ApiStatusWriter(client),
      clock,
      busy: () => this.queue.depth > 0,
      // While Secrets are still waiting to be written, statuses wait: they cost the API server most,
      // and workloads need the Secrets. (Checked every 100 ms; retries in backoff do not count.)
      concurrencyBusy: 0,
      onError: (ss, err) => log.warn('status patch failed; will retry', { namespace: ss.namespace, name: ss.name, ...errorFields(err) }),
    });
    const deps: ReconcileDeps = {
      sealedSecret: (ns, n) => this.sealedSecrets.get(ns, n),
      cachedSecret: (ns, n) => this.secrets.get(ns, n),
      opener: () => this.keys.unsealer(),
      secrets: new ApiSecretWriter(client),
      status: this.statusLane,
      events: this.events,
      now: () => new Date(clock.now()),
      memo: this.memo,
      log,
      metrics,
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: cfg.workers,
      backoffMaxMs: cfg.maxBackoffMs,
      handler: async (key) => {
        const r = await reconcileSealedSecret(key, deps);
        metrics.reconciles.inc({ result: r.outcome });
        return r.work;
      },
      onError: (key, err) => {
        metrics.reconciles.inc({ result: 'error' });
        metrics.reconcileErrors.inc({ reason: 'ApiError' });
        const { namespace, name } = splitKey(key);
        log.warn('reconcile failed; will retry', { namespace, name, ...errorFields(err) });
      },
    });
    metrics.queueInFlight.collect(() => metrics.queueInFlight.set(this.queue.inFlight));
    metrics.queueWaiting.collect(() => metrics.queueWaiting.set(this.queue.waiting));
    metrics.statusQueue.collect(() => metrics.statusQueue.set(this.statusLane.depth));
    metrics.cachedObjects.collect(() => {
      metrics.cachedObjects.set(this.sealedSecrets.size, { informer: 'sealedsecrets' });
      metrics.cachedObjects.set(this.secrets.size, { informer: 'secrets' });
      metrics.cachedObjects.set(this.keys.informer.size, { informer: 'keys' });
    });
    const retries = metrics.queueRetries;
    let seenRetries = 0;
    metrics.queueDepth.collect(() => {
      metrics.queueDepth.set(this.queue.depth);
      retries.inc({}, this.queue.retriesTotal - seenRetries);
      seenRetries = this.queue.retriesTotal;
    });

    this.sealedSecrets.on(queueOnSpecChange(this.queue, this.memo));
    // A managed Secret changed or vanished: its SealedSecret decides whether to restore it.
    const secretChanged = (s: SecretView) => {
      if (this.sealedSecrets.get(s.namespace, s.name)) this.queue.add(cacheKey(s.namespace, s.name));
    };
    this.secrets.on({ add: secretChanged, update: secretChanged, delete: secretChanged });
    this.keys.onChange(() => {
      // New keys may open what failed before; the leader also republishes the public keys.
      this.enqueueAll();
      if (this.leading) this.afterKeysChanged();
    });

    this.elector = electorFromConfig(cfg, { client, name: cfg.leaseName, clock, log, onStartedLeading: () => this.startLeading(), onStoppedLeading: () => this.stopLeading() });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Why /readyz says no (empty when ready). */
  notReady(): string[] {
    const why: string[] = [];
    if (!this.sealedSecrets.hasSynced) why.push('SealedSecret cache not synced');
    if (!this.secrets.hasSynced) why.push('Secret cache not synced');
    if (!this.keys.hasSynced) why.push('key cache not synced');
    else if (!this.keys.active()) why.push('no key loaded yet');
    if (this.stopped) why.push('shutting down');
    return why;
  }

  async start(): Promise<void> {
    this.keys.start();
    this.sealedSecrets.start();
    this.secrets.start();
    this.remote.start();
    if (this.elector) this.elector.start();
    else await this.startLeading();
  }

  private async startLeading(): Promise<void> {
    this.leading = true;
    this.metrics.leader.set(1);
    // Separately: RemoteSecrets wait for their own caches (and CRDs) without holding up SealedSecrets.
    this.remote.startLeading().catch((err) => this.log.error('remote secrets start failed', errorFields(err)));
    this.leaderWork = this.leaderWork.then(async () => {
      await Promise.all([this.keys.waitForSync(), this.sealedSecrets.waitForSync(), this.secrets.waitForSync()]);
      if (!this.leading) return;
      await this.rotateIfDue();
      if (!this.leading) return;
      this.afterKeysChanged();
      this.enqueueAll();
      this.queue.start();
      this.statusLane.start();
      this.scheduleResync();
    });
    // Not awaited: the elector must keep renewing the lease while caches fill.
    this.leaderWork.catch((err) => this.log.error('leader start failed', errorFields(err)));
  }

  private async stopLeading(): Promise<void> {
    this.leading = false;
    this.metrics.leader.set(0);
    this.rotationTimer?.cancel();
    this.resyncTimer?.cancel();
    await Promise.all([this.queue.pause(), this.statusLane.pause(), this.remote.stopLeading()]);
    // What we remember was true while we led; a future term starts from the caches.
    this.memo.clear();
  }

  private enqueueAll(): void {
    for (const k of this.sealedSecrets.keys()) this.queue.add(k);
  }

  private scheduleResync(): void {
    this.resyncTimer?.cancel();
    if (this.cfg.resyncPeriodMs <= 0) return;
    this.resyncTimer = this.clock.after(this.cfg.resyncPeriodMs, () => {
      if (!this.leading) return;
      this.enqueueAll();
      // The public-key ConfigMap is ours too: deleted or edited by hand, it comes back here
      // (one GET when nothing changed) instead of waiting months for the next key change.
      this.publishKeys();
      this.scheduleResync();
    });
  }

  /** Creates the first key, or a new one when the newest is older than the renew period. */
  private async rotateIfDue(): Promise<void> {
    try {
      await this.keys.ensureKeys(this.cfg.keyRenewPeriodMs);
    } catch (err) {
      this.log.error('key check failed; will retry', errorFields(err));
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
      const due = this.keys.nextRotation(this.cfg.keyRenewPeriodMs);
      if (due === undefined) {
        // No key visible yet (cache behind our own create), or rotation disabled: look again later.
        if (this.keys.active() && this.cfg.keyRenewPeriodMs <= 0) return;
        wait = 5_000;
      } else wait = Math.max(0, due - this.clock.now());
    }
    this.rotationTimer = this.clock.after(Math.min(wait, MAX_TIMER_MS), () => void this.rotateIfDue());
  }

  private publishing: Promise<unknown> = Promise.resolve();

  private afterKeysChanged(): void {
    this.scheduleRotation();
    this.publishKeys();
  }

  /** Writes the public-key ConfigMap when it differs from the keys (or is missing). */
  private publishKeys(): void {
    // One publication at a time, each with the keys current when it starts.
    this.publishing = this.publishing.then(() => publishPublicKeys(this.client, this.cfg.namespace, this.keys.publicKeys())).then(
      (changed) => changed && this.log.info('published public keys', { activeKeyId: this.keys.active()?.keyId ?? null }),
      (err) => {
        this.log.warn('could not publish public keys; will retry', errorFields(err));
        this.clock.after(5_000, () => this.leading && this.publishKeys());
      },
    );
  }

  /** Manual rotation (SIGUSR1): any replica may do it; all replicas load the new key by watch. */
  async rotateNow(): Promise<string> {
    return this.keys.createKey('manual rotation');
  }

  /** Graceful stop: finish in-flight reconciles, release the lease, stop watching. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rotationTimer?.cancel();
    this.resyncTimer?.cancel();
    if (this.elector) await this.elector.stop();
    else await this.stopLeading();
    await Promise.all([this.queue.shutdown(), this.remote.stop()]);
    await Promise.race([this.events.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.all([this.sealedSecrets.stop(), this.secrets.stop(), this.keys.stop()]);
  }
}
