// The PushSecret reconciler, plugged into the runtime's Manager next to the RemoteSecret one, whose
// stores and Vault sessions it shares (RemoteController.clients: one login per store, one request
// limiter per store). Its caches: the PushSecrets, the stores' (shared), and the Secrets it pushes
// (source-secrets.ts: digests only, in the namespaces that hold PushSecrets). Each object is
// checked again at its own refresh interval, and at once when its Secret changes.

import { FORCE_SYNC_ANNOTATION, type PushSecret } from '@sealkit/core';
import { errorFields } from '@sealkit/kube';
import { cacheKey, informerPerNamespace, splitKey, type Cached, type InformerGroup } from '../runtime/informer.js';
import type { Reconciler, ReconcilerContext } from '../runtime/manager.js';
import { StatusWriter } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { SecretWriter } from '../secrets/writer.js';
import type { SecretView } from '../sealed/views.js';
import { FIELD_MANAGER } from '../constants.js';
import { systemRandom } from '../remote/clock.js';
import type { RemoteController } from '../remote/controller.js';
import { RequesterKubeApi } from '../remote/kube-api.js';
import { resolveStore } from '../remote/reconcile.js';
import { REMOTE_STORE_KIND } from '../remote/types.js';
import { pushSecretPath, pushSecretsPath, reconcilePushSecret, type PushReconcileDeps } from './reconcile.js';
import { SourceSecrets } from './source-secrets.js';

export type PushSecretEntry = PushSecret & Cached;

const entry = (raw: any): PushSecretEntry => {
  const { managedFields: _m, ...metadata } = (raw.metadata ?? {}) as Record<string, unknown>;
  const o = { ...raw, metadata } as PushSecret;
  return { ...o, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', resourceVersion: o.metadata.resourceVersion ?? '' };
};

export interface PushSecretReconcilerOptions extends ReconcilerContext {
  /** Its stores' caches and store clients are shared. */
  remote: RemoteController;
}

export class PushSecretReconciler implements Reconciler {
  readonly name = 'pushsecret';
  readonly caches;
  readonly queues;
  /** Each object is scheduled at its own refresh interval, not by a resync. */
  readonly resyncPeriodMs = 0;
  /** Clusters without the PushSecret CRD: the other kinds stay ready. */
  readonly readyNeedsCaches = false;
  readonly pushSecrets: InformerGroup<PushSecretEntry>;
  readonly sources: SourceSecrets;
  readonly queue: WorkQueue;
  /** ns/secretName -> PushSecret keys pushing it (routes Secret events). */
  private readonly bySecret = new Map<string, Set<string>>();
  private readonly indexed = new Map<string, string>();
  /** PushSecrets whose force-sync annotation changed, not yet reconciled. */
  private readonly forced = new Set<string>();

  constructor(o: PushSecretReconcilerOptions) {
    const { client, clock, log, metrics } = o;
    const plog = log.child({ part: 'push' });
    this.pushSecrets = informerPerNamespace(o.namespaces, { name: 'pushsecrets', client, path: pushSecretsPath, transform: entry, clock, log, metrics });
    this.sources = new SourceSecrets({ client, clock, log, metrics });
    const kube = new RequesterKubeApi(client, () => clock.now());
    const remote = o.remote;
    const secrets = new SecretWriter(client);
    const deps: PushReconcileDeps = {
      getPushSecret: (ns, n) => this.pushSecrets.get(ns, n),
      resolveStore: (plan) =>
        resolveStore(plan, {
          kube,
          getStore: (kind, n, ns) => (kind === REMOTE_STORE_KIND ? remote.remoteStores.get(ns ?? '', n) : remote.clusterStores.get('', n)),
        }),
      client: (store) => remote.clients.get(store),
      readSecret: (ns, n) => secrets.get(ns, n),
      status: new StatusWriter(client),
      patchMetadata: async (ns, n, metadata) => {
        await client.request({ method: 'PATCH', path: pushSecretPath(ns, n), query: { fieldManager: FIELD_MANAGER }, contentType: 'application/merge-patch+json', body: { metadata } });
      },
      events: o.events,
      clock,
      random: systemRandom,
      takeForced: (k) => this.forced.delete(k),
      log: (level, msg, fields) => plog[level](msg, fields),
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: Math.max(1, Math.min(o.workers, 16)),
      backoffBaseMs: 1000,
      backoffMaxMs: o.maxBackoffMs,
      handler: async (key) => (await reconcilePushSecret(key, deps)).work,
      onError: (key, err) => plog.warn('push secret reconcile failed; will retry', { key, ...errorFields(err) }),
    });
    metrics.watchQueue(this.name, this.queue);
    this.caches = [this.pushSecrets, remote.remoteStores, remote.clusterStores];
    this.queues = [this.queue];

    this.pushSecrets.on({
      add: (ps) => {
        this.index(ps);
        this.queue.add(cacheKey(ps.namespace, ps.name));
      },
      update: (ps, old) => {
        this.index(ps);
        const k = cacheKey(ps.namespace, ps.name);
        const md = ps.metadata;
        const was = old.metadata;
        const force = md.annotations?.[FORCE_SYNC_ANNOTATION];
        if (force && force !== was.annotations?.[FORCE_SYNC_ANNOTATION]) {
          this.forced.add(k);
          this.queue.add(k);
        } else if (md.generation !== was.generation || md.uid !== was.uid || Boolean(md.deletionTimestamp) !== Boolean(was.deletionTimestamp)) {
          // Our status and finalizer patches change neither: no second look for them.
          this.queue.add(k);
        }
      },
      delete: (ps) => {
        const k = cacheKey(ps.namespace, ps.name);
        this.unindex(k);
        this.forced.delete(k);
        this.queue.drop(k);
      },
    });
    const secretChanged = (s: SecretView) => {
      for (const k of this.bySecret.get(cacheKey(s.namespace, s.name)) ?? []) this.queue.add(k);
    };
    this.sources.on({ add: secretChanged, update: secretChanged, delete: secretChanged });
    const storeChanged = () => {
      for (const k of this.pushSecrets.keys()) this.queue.add(k, 'refresh');
    };
    const storeUpdated = (s: { metadata: { generation?: number } }, old: { metadata: { generation?: number } }) => s.metadata.generation !== old.metadata.generation && storeChanged();
    remote.remoteStores.on({ add: storeChanged, update: storeUpdated, delete: storeChanged });
    remote.clusterStores.on({ add: storeChanged, update: storeUpdated, delete: storeChanged });
  }

  enqueueAll(): void {
    for (const k of this.pushSecrets.keys()) this.queue.add(k);
  }

  async stop(): Promise<void> {
    await this.sources.stop();
  }

  private index(ps: PushSecretEntry): void {
    const k = cacheKey(ps.namespace, ps.name);
    const secretName = typeof ps.spec?.secretRef?.name === 'string' ? ps.spec.secretRef.name : '';
    const source = cacheKey(ps.namespace, secretName);
    if (this.indexed.get(k) === source) return;
    // Retained before the old entry is released: a new Secret name does not restart the namespace's watch.
    this.sources.retain(ps.namespace);
    this.unindex(k);
    this.indexed.set(k, source);
    let set = this.bySecret.get(source);
    if (!set) this.bySecret.set(source, (set = new Set()));
    set.add(k);
  }

  private unindex(k: string): void {
    const source = this.indexed.get(k);
    if (source === undefined) return;
    this.indexed.delete(k);
    const set = this.bySecret.get(source);
    set?.delete(k);
    if (set?.size === 0) this.bySecret.delete(source);
    this.sources.release(splitKey(k).namespace);
  }
}
