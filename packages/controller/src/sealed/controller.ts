import { inspectValue } from '@sealkit/core';
import { SEALED_SECRETS_PATH, sealedSecretPath } from '../constants.js';
import { cacheKey, informerPerNamespace, splitKey, type InformerGroup } from '../runtime/informer.js';
import type { KeyringStore } from '../keys/keyring-store.js';
import { errorFields } from '@sealkit/kube';
import type { Reconciler, ReconcilerContext } from '../runtime/manager.js';
import { queueOnSpecChange } from '../runtime/queue-on-spec-change.js';
import { StatusLane, StatusWriter } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { SecretWriter } from '../secrets/writer.js';
import type { RolloutWiring } from '../rollout/wiring.js';
import { reconcileSealedSecret, type Memo, type ReconcileDeps } from './reconcile.js';
import { FinalizerWriter } from './retain.js';
import type { SealedSecretStatus } from './status.js';
import { sealedSecretView, type SealedSecretView, type SecretView } from './views.js';

export interface SealedSecretReconcilerOptions extends ReconcilerContext {
  /** The managed-Secret cache (shared with RemoteSecrets). */
  secrets: InformerGroup<SecretView>;
  keys: KeyringStore;
  resyncPeriodMs: number;
  /** Rollout on change: the restarter, and the workload caches it reads (with --rollout-on-change). */
  rollout?: RolloutWiring;
}

/** sealkit.dev/v1alpha1 SealedSecrets -> Secrets, plugged into the runtime's Manager. */
export class SealedSecretReconciler implements Reconciler {
  readonly name = 'sealedsecret';
  readonly sealedSecrets: InformerGroup<SealedSecretView>;
  readonly queue: WorkQueue;
  readonly caches;
  readonly queues;
  readonly resyncPeriodMs: number;
  private readonly statusLane: StatusLane<SealedSecretView, SealedSecretStatus>;
  private readonly memo = new Map<string, Memo>();

  constructor(private readonly o: SealedSecretReconcilerOptions) {
    const { client, clock, log, metrics } = o;
    this.resyncPeriodMs = o.resyncPeriodMs;
    this.sealedSecrets = informerPerNamespace(o.namespaces, {
      name: 'sealedsecrets',
      client,
      path: (ns) => (ns ? `/apis/sealkit.dev/v1alpha1/namespaces/${encodeURIComponent(ns)}/sealedsecrets` : SEALED_SECRETS_PATH),
      transform: sealedSecretView,
      clock,
      log,
      metrics,
    });
    const status = new StatusWriter(client);
    this.statusLane = new StatusLane({
      writer: { patch: (ss, s) => status.patch({ path: sealedSecretPath(ss.namespace, ss.name), uid: ss.uid }, s) },
      clock,
      busy: () => this.queue.depth > 0,
      // While Secrets are still waiting to be written, statuses wait: they cost the API server most,
      // and workloads need the Secrets. (Checked every 100 ms; retries in backoff do not count.)
      concurrencyBusy: 0,
      onError: (ss, err) => log.warn('status patch failed; will retry', { namespace: ss.namespace, name: ss.name, ...errorFields(err) }),
    });
    metrics.watchStatusLane(this.name, () => this.statusLane.depth);
    const deps: ReconcileDeps = {
      sealedSecret: (ns, n) => this.sealedSecrets.get(ns, n),
      cachedSecret: (ns, n) => o.secrets.get(ns, n),
      opener: () => o.keys.unsealer(),
      secrets: new SecretWriter(client),
      finalizers: new FinalizerWriter(client),
      status: this.statusLane,
      events: o.events,
      now: () => new Date(clock.now()),
      memo: this.memo,
      log,
      metrics,
      ...(o.rollout ? { rollout: o.rollout.restarter } : {}),
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: o.workers,
      backoffMaxMs: o.maxBackoffMs,
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
    metrics.watchQueue(this.name, this.queue);
    this.caches = [this.sealedSecrets, o.secrets, o.keys, ...(o.rollout?.caches ?? [])];
    this.queues = [this.queue];

    this.sealedSecrets.on(queueOnSpecChange(this.queue, this.memo));
    // A managed Secret changed or vanished: its SealedSecret decides whether to restore it.
    const secretChanged = (s: SecretView) => {
      if (this.sealedSecrets.get(s.namespace, s.name)) this.queue.add(cacheKey(s.namespace, s.name));
    };
    o.secrets.on({ add: secretChanged, update: secretChanged, delete: secretChanged });
    // New keys may open what failed before.
    o.keys.onChange(() => this.enqueueAll());
  }

  /**
   * Which key ids the SealedSecrets are sealed to, each with the objects (`namespace/name`) that
   * use it, read from the values' headers (no key needed); undefined until the cache has synced.
   */
  keysInUse(): Map<string, string[]> | undefined {
    if (!this.sealedSecrets.hasSynced) return undefined;
    const usage = new Map<string, string[]>();
    for (const ss of this.sealedSecrets.values()) {
      const ids = new Set<string>();
      for (const v of Object.values(ss.encryptedData)) {
        try {
          for (const id of inspectValue(v).keyIds) ids.add(id);
        } catch {
          // A malformed value is reported on the object (InvalidSealedValue); it uses no key.
        }
      }
      for (const id of ids) {
        const list = usage.get(id);
        if (list) list.push(`${ss.namespace}/${ss.name}`);
        else usage.set(id, [`${ss.namespace}/${ss.name}`]);
      }
    }
    return usage;
  }

  enqueueAll(): void {
    for (const k of this.sealedSecrets.keys()) this.queue.add(k);
  }

  notReady(): string[] {
    if (!this.o.keys.hasSynced) return ['key cache not synced'];
    return this.o.keys.active() ? [] : ['no key loaded yet'];
  }

  async startLeading(): Promise<void> {
    this.statusLane.start();
  }

  async stopLeading(): Promise<void> {
    await this.statusLane.pause();
    // What we remember was true while we led; a future term starts from the caches.
    this.memo.clear();
  }
}
