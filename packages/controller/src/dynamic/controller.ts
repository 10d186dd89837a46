// The DynamicSecret reconciler, plugged into the runtime's Manager next to the RemoteSecret one,
// whose stores and Vault sessions it shares (RemoteController.clients: one login per store, one
// request limiter per store). Its own cache is the DynamicSecrets; it reads the stores' caches and
// the managed-Secret cache (drift). Work is scheduled per object at its lease's next renewal.

import { cacheKey, informerPerNamespace, type Cached, type InformerGroup } from '../runtime/informer.js';
import { errorFields } from '@sealkit/kube';
import type { Reconciler, ReconcilerContext } from '../runtime/manager.js';
import { StatusWriter } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { SecretWriter } from '../secrets/writer.js';
import type { SecretView } from '../sealed/views.js';
import { FIELD_MANAGER } from '../constants.js';
import type { RemoteController } from '../remote/controller.js';
import type { RolloutWiring } from '../rollout/wiring.js';
import { RequesterKubeApi } from '../remote/kube-api.js';
import { resolveStore } from '../remote/reconcile.js';
import { REMOTE_STORE_KIND } from '../remote/types.js';
import type { DynamicSecret } from '@sealkit/core';
import { dynamicSecretPath, dynamicSecretsPath, reconcileDynamicSecret, type DynamicMemo, type DynamicReconcileDeps } from './reconcile.js';

export type DynamicSecretEntry = DynamicSecret & Cached;

const entry = (raw: any): DynamicSecretEntry => {
  const { managedFields: _m, ...metadata } = (raw.metadata ?? {}) as Record<string, unknown>;
  const o = { ...raw, metadata } as DynamicSecret;
  return { ...o, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', resourceVersion: o.metadata.resourceVersion ?? '' };
};

export interface DynamicSecretReconcilerOptions extends ReconcilerContext {
  /** The managed-Secret cache (label managed-by=sealkit), shared with the other kinds. */
  secrets: InformerGroup<SecretView>;
  /** Its stores' caches and store clients are shared. */
  remote: RemoteController;
  /** Rollout on change: the restarter, and the workload caches it reads (with --rollout-on-change). */
  rollout?: RolloutWiring;
}

export class DynamicSecretReconciler implements Reconciler {
  readonly name = 'dynamicsecret';
  readonly caches;
  readonly queues;
  /** Each object is scheduled at its lease's next renewal, not by a resync. */
  readonly resyncPeriodMs = 0;
  /** Clusters without the DynamicSecret CRD: the other kinds stay ready. */
  readonly readyNeedsCaches = false;
  readonly dynamicSecrets: InformerGroup<DynamicSecretEntry>;
  readonly queue: WorkQueue;
  readonly memo = new Map<string, DynamicMemo>();
  /** ns/targetName -> DynamicSecret keys (routes Secret events). */
  private readonly byTarget = new Map<string, string>();

  constructor(o: DynamicSecretReconcilerOptions) {
    const { client, clock, log, metrics } = o;
    const plog = log.child({ part: 'dynamic' });
    this.dynamicSecrets = informerPerNamespace(o.namespaces, { name: 'dynamicsecrets', client, path: dynamicSecretsPath, transform: entry, clock, log, metrics });
    const kube = new RequesterKubeApi(client, () => clock.now());
    const remote = o.remote;
    const deps: DynamicReconcileDeps = {
      getDynamicSecret: (ns, n) => this.dynamicSecrets.get(ns, n),
      resolveStore: (plan) =>
        resolveStore(plan, {
          kube,
          getStore: (kind, n, ns) => (kind === REMOTE_STORE_KIND ? remote.remoteStores.get(ns ?? '', n) : remote.clusterStores.get('', n)),
        }),
      client: (store) => remote.clients.get(store),
      cachedSecretVersion: (ns, n) => o.secrets.get(ns, n)?.resourceVersion,
      secrets: new SecretWriter(client),
      status: new StatusWriter(client),
      patchMetadata: async (ns, n, metadata) => {
        await client.request({ method: 'PATCH', path: dynamicSecretPath(ns, n), query: { fieldManager: FIELD_MANAGER }, contentType: 'application/merge-patch+json', body: { metadata } });
      },
      events: o.events,
      ...(o.rollout ? { rollout: o.rollout.restarter } : {}),
      clock,
      memo: this.memo,
      log: (level, msg, fields) => plog[level](msg, fields),
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: Math.max(1, Math.min(o.workers, 8)),
      backoffBaseMs: 1000,
      // Backoff never beyond a lease's usual renewal slack: a short lease must be retried in time.
      backoffMaxMs: Math.min(o.maxBackoffMs, 30_000),
      handler: async (key) => (await reconcileDynamicSecret(key, deps)).work,
      onError: (key, err) => plog.warn('dynamic secret reconcile failed; will retry', { key, ...errorFields(err) }),
    });
    metrics.watchQueue(this.name, this.queue);
    this.caches = [this.dynamicSecrets, remote.remoteStores, remote.clusterStores, o.secrets, ...(o.rollout?.caches ?? [])];
    this.queues = [this.queue];

    this.dynamicSecrets.on({
      add: (ds) => {
        this.index(ds);
        this.queue.add(cacheKey(ds.namespace, ds.name));
      },
      update: (ds, old) => {
        this.index(ds);
        // Our status patches change only status; spec, deletion and finalizers are what matter.
        const md = ds.metadata;
        const was = old.metadata;
        if (md.generation !== was.generation || md.uid !== was.uid || Boolean(md.deletionTimestamp) !== Boolean(was.deletionTimestamp) || JSON.stringify(md.finalizers ?? []) !== JSON.stringify(was.finalizers ?? [])) {
          this.queue.add(cacheKey(ds.namespace, ds.name));
        }
      },
      delete: (ds) => {
        const k = cacheKey(ds.namespace, ds.name);
        for (const [t, owner] of this.byTarget) if (owner === k) this.byTarget.delete(t);
        this.memo.delete(k);
        this.queue.drop(k);
      },
    });
    const secretChanged = (s: SecretView) => {
      const k = this.byTarget.get(cacheKey(s.namespace, s.name));
      if (k) this.queue.add(k);
    };
    o.secrets.on({ add: secretChanged, update: secretChanged, delete: secretChanged });
    const storeChanged = () => {
      for (const k of this.dynamicSecrets.keys()) this.queue.add(k, 'refresh');
    };
    remote.remoteStores.on({ add: storeChanged, update: (s, old) => s.metadata.generation !== old.metadata.generation && storeChanged(), delete: storeChanged });
    remote.clusterStores.on({ add: storeChanged, update: (s, old) => s.metadata.generation !== old.metadata.generation && storeChanged(), delete: storeChanged });
  }

  enqueueAll(): void {
    for (const k of this.dynamicSecrets.keys()) this.queue.add(k);
  }

  /** Lost the lease: the new leader adopts the leases from the Secrets. */
  async stopLeading(): Promise<void> {
    this.memo.clear();
  }

  private index(ds: DynamicSecretEntry): void {
    const target = typeof ds.spec?.target?.name === 'string' && ds.spec.target.name ? ds.spec.target.name : ds.name;
    this.byTarget.set(cacheKey(ds.namespace, target), cacheKey(ds.namespace, ds.name));
  }
}

