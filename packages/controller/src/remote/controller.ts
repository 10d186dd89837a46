// The RemoteSecret reconciler, plugged into the runtime's Manager (src/runtime/manager.ts) next to
// the SealedSecret one: three informers (RemoteSecrets, RemoteStores, ClusterRemoteStores), a
// priority work queue for RemoteSecrets and one for store checks, the store clients and the
// shared-read cache. It reads the managed-Secret cache (label app.kubernetes.io/managed-by=sealkit)
// for drift; the manager runs its queues only while leading, and stop() revokes the Vault tokens
// it created.

import type { RolloutWiring } from '../rollout/wiring.js';
import type { EventSink } from '../runtime/events.js';
import { Informer, InformerGroup, cacheKey, informerPerNamespace, splitKey, type Cached } from '../runtime/informer.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields, isConflict, isNotFound } from '@sealkit/kube';
import type { Cache, Reconciler } from '../runtime/manager.js';
import type { Metrics } from '../runtime/metrics.js';
import { readyCondition, StatusWriter } from '../runtime/status.js';
import { SecretWriter } from '../secrets/writer.js';
import type { Logger } from '../runtime/log.js';
import type { SecretView } from '../sealed/views.js';
import { WorkQueue, type WorkResult } from '../runtime/workqueue.js';
import { systemClock, systemRandom, type Clock, type Random } from './clock.js';
import { RemoteError, Reason } from './errors.js';
import { clusterRemoteStoresPath, RequesterKubeApi, remoteSecretsPath, remoteStoresPath, storePath } from './kube-api.js';
import { remoteMetrics, type RemoteMetrics } from './metrics.js';
import { reconcileRemoteSecret, statusSaysSynced, type RemoteMemo, type RemoteReconcileDeps, type RemoteWork } from './reconcile.js';
import { SharedReads } from './shared-reads.js';
import { StoreClients } from './store-client.js';
import {
  CLUSTER_REMOTE_STORE_KIND,
  FORCE_SYNC_ANNOTATION,
  REMOTE_STORE_KIND,
  type Condition,
  type RemoteSecret,
  type RemoteStore,
  type RemoteStoreStatus,
  type StoreKind,
} from './types.js';
import { planStore, storeKey } from './validate.js';
import type { NodeVaultApiOptions, VaultApi } from './vault-api.js';

/** A RemoteSecret as cached: the object minus managedFields (no secret values in it). */
export type RemoteSecretEntry = RemoteSecret & Cached;
export type StoreEntry = RemoteStore & Cached & { kind: StoreKind };

function trim<T extends { metadata?: Record<string, unknown> }>(raw: T): T {
  const { managedFields: _m, ...metadata } = (raw.metadata ?? {}) as Record<string, unknown>;
  return { ...raw, metadata };
}
const rsEntry = (raw: any): RemoteSecretEntry => {
  const o = trim(raw) as RemoteSecret;
  return { ...o, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', resourceVersion: o.metadata.resourceVersion ?? '' };
};
const storeEntry = (kind: StoreKind) => (raw: any): StoreEntry => {
  const o = trim(raw) as RemoteStore;
  return { ...o, kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', resourceVersion: o.metadata.resourceVersion ?? '' };
};

export interface RemoteControllerOptions {
  /** The manager's gated client: reads pass, writes only while leading. */
  client: KubeClient;
  /** The runtime's informer of managed Secrets (label managed-by=sealkit). */
  secrets: InformerGroup<SecretView>;
  events: EventSink;
  /** Rollout on change: the restarter, and the workload caches it reads (with --rollout-on-change). */
  rollout?: RolloutWiring;
  log: Logger;
  clock?: Clock;
  random?: Random;
  /** The runtime's metrics. */
  metrics: Metrics;
  /** RemoteSecrets reconciled in parallel (default 16). */
  workers?: number;
  /** Vault requests in flight per store (default 8). */
  vaultConcurrency?: number;
  maxBackoffMs?: number;
  /** Namespaces whose RemoteSecrets and RemoteStores we handle (empty: all), like --watch-namespaces. */
  namespaces?: readonly string[];
  /** Tests: a different Vault client factory. */
  createApi?: (options: NodeVaultApiOptions) => VaultApi;
}

/**
 * A RemoteSecret's 'after' is its next periodic refresh after a successful sync: the queue's
 * 'refresh' (backoff reset, `refresh` lane, so it never delays new or changed objects).
 */
function queueWork(work: RemoteWork): WorkResult {
  return work.kind === 'after' ? { kind: 'refresh', ms: work.ms } : work;
}

export class RemoteController implements Reconciler {
  readonly name = 'remotesecret';
  readonly caches: readonly Cache[];
  readonly queues: readonly WorkQueue[];
  /** Refreshes are scheduled per object (spec.refreshInterval), not by a resync. */
  readonly resyncPeriodMs = 0;
  /** Clusters without the RemoteSecret CRDs: SealedSecrets stay ready. */
  readonly readyNeedsCaches = false;
  readonly remoteSecrets: InformerGroup<RemoteSecretEntry>;
  readonly remoteStores: InformerGroup<StoreEntry>;
  readonly clusterStores: Informer<StoreEntry>;
  readonly queue: WorkQueue;
  readonly storeQueue: WorkQueue;
  readonly clients: StoreClients;
  readonly reads: SharedReads;
  readonly counters: RemoteMetrics;
  readonly memo = new Map<string, RemoteMemo>();
  private readonly kube: RequesterKubeApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** ns/targetName -> RemoteSecret keys writing it (routes Secret events). */
  private readonly byTarget = new Map<string, Set<string>>();
  /** store key -> RemoteSecret keys using it. */
  private readonly byStore = new Map<string, Set<string>>();
  private readonly indexed = new Map<string, { target: string; store: string }>();
  private readonly statusWriter: StatusWriter;
  /** RemoteSecrets whose force-sync annotation changed, not yet reconciled. */
  private readonly forced = new Set<string>();

  constructor(private readonly o: RemoteControllerOptions) {
    this.clock = o.clock ?? systemClock;
    const random = o.random ?? systemRandom;
    this.log = o.log.child({ part: 'remote' });
    this.kube = new RequesterKubeApi(o.client, () => this.clock.now());
    this.counters = remoteMetrics(o.metrics);
    this.reads = new SharedReads({ clock: this.clock, onShared: (key) => this.counters.sharedRead(key.slice(0, key.indexOf('#'))) });
    this.clients = new StoreClients({
      clock: this.clock,
      random,
      credentials: this.kube,
      reads: this.reads,
      metrics: this.counters,
      ...(o.vaultConcurrency !== undefined ? { concurrency: o.vaultConcurrency } : {}),
      ...(o.createApi ? { createApi: o.createApi } : {}),
    });
    const common = { client: o.client, clock: this.clock, log: this.log, metrics: o.metrics };
    // One informer per watched namespace, or one cluster-wide (as the runtime does for SealedSecrets).
    const namespaces = o.namespaces ?? [];
    this.remoteSecrets = informerPerNamespace(namespaces, { ...common, name: 'remotesecrets', path: remoteSecretsPath, transform: rsEntry });
    this.remoteStores = informerPerNamespace(namespaces, { ...common, name: 'remotestores', path: remoteStoresPath, transform: storeEntry(REMOTE_STORE_KIND) });
    this.clusterStores = new Informer({ ...common, name: 'clusterremotestores', path: clusterRemoteStoresPath(), transform: storeEntry(CLUSTER_REMOTE_STORE_KIND) });

    const deps: RemoteReconcileDeps = {
      getRemoteSecret: (ns, n) => this.remoteSecrets.get(ns, n),
      getStore: (kind, n, ns) => (kind === REMOTE_STORE_KIND ? this.remoteStores.get(ns ?? '', n) : this.clusterStores.get('', n)),
      cachedSecretVersion: (ns, n) => o.secrets.get(ns, n)?.resourceVersion,
      kube: this.kube,
      secrets: new SecretWriter(o.client),
      status: new StatusWriter(o.client),
      clients: this.clients,
      events: o.events,
      metrics: this.counters,
      clock: this.clock,
      random,
      memo: this.memo,
      takeForced: (k) => this.forced.delete(k),
      ...(o.rollout ? { rollout: o.rollout.restarter } : {}),
      log: (level, msg, fields) => this.log[level](msg, fields),
    };
    this.queue = new WorkQueue({
      clock: this.clock,
      concurrency: o.workers ?? 16,
      backoffBaseMs: 1000,
      backoffMaxMs: o.maxBackoffMs ?? 300_000,
      handler: async (key) => queueWork((await reconcileRemoteSecret(key, deps)).work),
      onError: (key, err) => this.log.warn('remote secret reconcile failed; will retry', { key, ...errorFields(err) }),
    });
    o.metrics.watchQueue(this.name, this.queue);
    this.storeQueue = new WorkQueue({
      clock: this.clock,
      concurrency: 4,
      backoffBaseMs: 1000,
      backoffMaxMs: o.maxBackoffMs ?? 300_000,
      handler: (key) => this.reconcileStore(key),
      onError: (key, err) => this.log.warn('store check failed; will retry', { key, ...errorFields(err) }),
    });
    this.caches = [this.remoteSecrets, this.remoteStores, this.clusterStores, o.secrets, ...(o.rollout?.caches ?? [])];
    this.queues = [this.queue, this.storeQueue];
    this.statusWriter = new StatusWriter(o.client);

    this.remoteSecrets.on({
      add: (rs) => {
        this.index(rs);
        this.queue.add(cacheKey(rs.namespace, rs.name), statusSaysSynced(rs) ? 'refresh' : 'urgent');
      },
      update: (rs, old) => {
        this.index(rs);
        // Our own status patches change only status: no need to look again.
        const k = cacheKey(rs.namespace, rs.name);
        if (rs.metadata.annotations?.[FORCE_SYNC_ANNOTATION] !== old.metadata.annotations?.[FORCE_SYNC_ANNOTATION] && rs.metadata.annotations?.[FORCE_SYNC_ANNOTATION]) {
          this.forced.add(k);
          this.queue.add(k, 'urgent');
        } else if (rs.metadata.generation !== old.metadata.generation || rs.metadata.uid !== old.metadata.uid || Boolean(rs.metadata.deletionTimestamp) !== Boolean(old.metadata.deletionTimestamp)) {
          this.queue.add(k, 'urgent');
        }
      },
      delete: (rs) => {
        const k = cacheKey(rs.namespace, rs.name);
        this.unindex(k);
        this.forced.delete(k);
        this.memo.delete(k);
        this.queue.drop(k);
      },
    });
    const storeEvents = (kind: StoreKind) => ({
      add: (s: StoreEntry) => this.storeChanged(kind, s, false),
      update: (s: StoreEntry, old: StoreEntry) => {
        if (s.metadata.generation !== old.metadata.generation || s.metadata.uid !== old.metadata.uid) this.storeChanged(kind, s, false);
      },
      delete: (s: StoreEntry) => this.storeChanged(kind, s, true),
    });
    this.remoteStores.on(storeEvents(REMOTE_STORE_KIND));
    this.clusterStores.on(storeEvents(CLUSTER_REMOTE_STORE_KIND));
    // A managed Secret changed or vanished: the RemoteSecret writing it decides whether to restore it.
    const secretChanged = (s: SecretView) => {
      for (const k of this.byTarget.get(cacheKey(s.namespace, s.name)) ?? []) this.queue.add(k, 'urgent');
    };
    o.secrets.on({ add: secretChanged, update: secretChanged, delete: secretChanged });
  }

  /** Queues every store check and every RemoteSecret (synced ones in the refresh lane). */
  enqueueAll(): void {
    for (const s of this.remoteStores.values()) this.storeQueue.add(storeKey(REMOTE_STORE_KIND, s.name, s.namespace));
    for (const s of this.clusterStores.values()) this.storeQueue.add(storeKey(CLUSTER_REMOTE_STORE_KIND, s.name));
    for (const rs of this.remoteSecrets.values()) this.queue.add(cacheKey(rs.namespace, rs.name), statusSaysSynced(rs) ? 'refresh' : 'urgent');
  }

  /** Lost the lease: log out of Vault (a new leader logs in on its own) and forget what we knew. */
  async stopLeading(): Promise<void> {
    this.memo.clear();
    await this.clients.closeAll();
  }

  /** Shutdown: revokes the Vault tokens it created. */
  async stop(): Promise<void> {
    await this.clients.closeAll();
  }

  private index(rs: RemoteSecretEntry): void {
    const k = cacheKey(rs.namespace, rs.name);
    const spec = (rs.spec ?? {}) as RemoteSecret['spec'];
    const targetName = typeof spec.target?.name === 'string' && spec.target.name ? spec.target.name : rs.name;
    const kind: StoreKind = spec.storeRef?.kind === CLUSTER_REMOTE_STORE_KIND ? CLUSTER_REMOTE_STORE_KIND : REMOTE_STORE_KIND;
    const store = storeKey(kind, String(spec.storeRef?.name ?? ''), rs.namespace);
    const target = cacheKey(rs.namespace, targetName);
    const cur = this.indexed.get(k);
    if (cur && cur.target === target && cur.store === store) return;
    this.unindex(k);
    this.indexed.set(k, { target, store });
    addTo(this.byTarget, target, k);
    addTo(this.byStore, store, k);
  }

  private unindex(k: string): void {
    const cur = this.indexed.get(k);
    if (!cur) return;
    this.indexed.delete(k);
    removeFrom(this.byTarget, cur.target, k);
    removeFrom(this.byStore, cur.store, k);
  }

  private storeChanged(kind: StoreKind, s: StoreEntry, deleted: boolean): void {
    const key = storeKey(kind, s.name, kind === REMOTE_STORE_KIND ? s.namespace : undefined);
    if (deleted) void this.clients.drop(key);
    else this.storeQueue.add(key);
    for (const k of this.byStore.get(key) ?? []) {
      const { namespace, name } = splitKey(k);
      const rs = this.remoteSecrets.get(namespace, name);
      this.queue.add(k, rs && statusSaysSynced(rs) && !deleted ? 'refresh' : 'urgent');
    }
  }

  /** Store status: Ready after a successful login (or token lookup) and KV version check. */
  private async reconcileStore(key: string): Promise<WorkResult> {
    const [kind, ...rest] = key.split('/') as [StoreKind, ...string[]];
    const entry = kind === REMOTE_STORE_KIND ? this.remoteStores.get(rest[0]!, rest[1]!) : this.clusterStores.get('', rest[0]!);
    if (!entry || entry.metadata.deletionTimestamp) return { kind: 'done' };
    let state: { ready: boolean; reason: string; message: string; kvVersion?: 'v1' | 'v2' };
    let work: WorkResult = { kind: 'done' };
    try {
      const plan = planStore(entry, kind);
      const client = await this.clients.get(plan);
      const kv = await client.check();
      state = { ready: true, reason: 'Authenticated', message: `logged in to ${plan.server} with ${plan.auth.method} auth; mount ${plan.mount} is KV ${kv}`, kvVersion: kv };
    } catch (err) {
      const e = err instanceof RemoteError ? err : new RemoteError(Reason.VaultUnavailable, 'unexpected error', { retryable: true });
      state = { ready: false, reason: e.reason, message: e.message };
      work = e.retryable ? { kind: 'retry', ...(e.retryAfterMs !== undefined ? { minMs: e.retryAfterMs } : {}) } : { kind: 'done' };
    }
    const prev = entry.status?.conditions?.find((c) => c.type === 'Ready');
    const status: 'True' | 'False' = state.ready ? 'True' : 'False';
    const generation = entry.metadata.generation ?? 0;
    if (prev && prev.status === status && prev.reason === state.reason && prev.message === state.message && entry.status?.observedGeneration === generation && entry.status?.kvVersion === state.kvVersion) {
      return work;
    }
    const cond = readyCondition(prev, state, generation, this.clock.now());
    const next: RemoteStoreStatus = { observedGeneration: generation, conditions: [cond], ...(state.kvVersion ? { kvVersion: state.kvVersion } : { kvVersion: undefined }) };
    try {
      await this.statusWriter.patch({ path: storePath(kind, entry.name, entry.namespace || undefined), uid: entry.metadata.uid ?? '' }, {
        ...next,
        kvVersion: next.kvVersion ?? null,
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    if (!state.ready && prev?.reason !== state.reason) {
      this.o.events.emit({ namespace: entry.namespace || 'default', name: entry.name, uid: entry.metadata.uid ?? '', kind, apiVersion: 'sealkit.dev/v1alpha1' }, 'Warning', state.reason, state.message);
    }
    return work;
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
