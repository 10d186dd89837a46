// The ClusterRemoteSecret reconciler, plugged into the runtime's Manager next to the RemoteSecret
// one, whose RemoteSecret cache it reads (one cache of RemoteSecrets for both kinds). Its own
// caches: ClusterRemoteSecrets and Namespaces (name, labels, terminating). Any change that can
// move a namespace in or out of a selection queues every ClusterRemoteSecret (there are few);
// a change to a RemoteSecret queues its owner, or, for one it does not own, any ClusterRemoteSecret
// wanting that name (a foreign RemoteSecret deleted: now ours to create).

import { CLUSTER_REMOTE_SECRET_KIND, type ClusterRemoteSecret, type NamespaceInfo } from '@sealkit/core';
import { errorFields } from '@sealkit/kube';
import { cacheKey, Informer, splitKey, type Cached } from '../runtime/informer.js';
import type { Reconciler, ReconcilerContext } from '../runtime/manager.js';
import { ownerReferences, stringMap } from '../runtime/object-fields.js';
import { StatusWriter } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import type { RemoteController, RemoteSecretEntry } from '../remote/controller.js';
import type { LiveRemoteSecret } from './plan.js';
import { clusterRemoteSecretsPath, NAMESPACES_PATH } from './paths.js';
import { reconcileClusterRemoteSecret, type FanOutReconcileDeps } from './reconcile.js';

export type ClusterRemoteSecretEntry = ClusterRemoteSecret & Cached;
type NamespaceEntry = NamespaceInfo & Cached;

const crsEntry = (raw: any): ClusterRemoteSecretEntry => {
  const { managedFields: _m, ...metadata } = (raw.metadata ?? {}) as Record<string, unknown>;
  const o = { ...raw, metadata } as ClusterRemoteSecret;
  return { ...o, namespace: '', name: o.metadata.name ?? '', resourceVersion: o.metadata.resourceVersion ?? '' };
};
const namespaceEntry = (raw: any): NamespaceEntry => ({
  namespace: '',
  name: raw?.metadata?.name ?? '',
  resourceVersion: raw?.metadata?.resourceVersion ?? '',
  labels: stringMap(raw?.metadata?.labels),
  // A namespace being deleted: its deletionTimestamp is set (phase Terminating follows).
  terminating: Boolean(raw?.metadata?.deletionTimestamp) || raw?.status?.phase === 'Terminating',
});

/** A cached RemoteSecret as the fan-out diff sees it. */
export function liveRemoteSecret(rs: RemoteSecretEntry): LiveRemoteSecret {
  const ctrl = ownerReferences(rs.metadata.ownerReferences).find((r) => r.controller);
  return {
    namespace: rs.namespace,
    name: rs.name,
    uid: String(rs.metadata.uid ?? ''),
    resourceVersion: rs.resourceVersion,
    deleting: Boolean(rs.metadata.deletionTimestamp),
    controller: ctrl ? { kind: ctrl.kind, name: ctrl.name, uid: ctrl.uid } : undefined,
    labels: stringMap(rs.metadata.labels),
    annotations: stringMap(rs.metadata.annotations),
    spec: rs.spec,
  };
}

/** The ClusterRemoteSecret controlling a RemoteSecret, by name (undefined when none does). */
function ownerName(rs: RemoteSecretEntry): string | undefined {
  const ctrl = ownerReferences(rs.metadata.ownerReferences).find((r) => r.controller);
  return ctrl?.kind === CLUSTER_REMOTE_SECRET_KIND ? ctrl.name : undefined;
}

/** The name a ClusterRemoteSecret gives its RemoteSecrets, read leniently (the spec may be invalid). */
function wantedName(crs: ClusterRemoteSecretEntry): string {
  const n = (crs.spec as { template?: { metadata?: { name?: unknown } } } | undefined)?.template?.metadata?.name;
  return typeof n === 'string' && n ? n : crs.name;
}

export interface ClusterRemoteSecretReconcilerOptions extends ReconcilerContext {
  /** Its RemoteSecret cache is read (the one the RemoteSecret reconciler keeps). */
  remote: RemoteController;
  /** Period of the full re-check (cache reads; writes only on a difference). */
  resyncPeriodMs: number;
}

export class ClusterRemoteSecretReconciler implements Reconciler {
  readonly name = 'clusterremotesecret';
  readonly caches;
  readonly queues;
  readonly resyncPeriodMs: number;
  /** Clusters without the ClusterRemoteSecret CRD: the other kinds stay ready. */
  readonly readyNeedsCaches = false;
  readonly clusterRemoteSecrets: Informer<ClusterRemoteSecretEntry>;
  readonly namespaces: Informer<NamespaceEntry>;
  readonly queue: WorkQueue;
  /** ClusterRemoteSecret name -> keys of the RemoteSecrets it controls. */
  private readonly owned = new Map<string, Set<string>>();
  private readonly ownerOf = new Map<string, string>();

  constructor(o: ClusterRemoteSecretReconcilerOptions) {
    const { client, clock, log, metrics, remote } = o;
    const flog = log.child({ part: 'fanout' });
    this.resyncPeriodMs = o.resyncPeriodMs;
    const common = { client, clock, log: flog, metrics };
    this.clusterRemoteSecrets = new Informer({ ...common, name: 'clusterremotesecrets', path: clusterRemoteSecretsPath(), transform: crsEntry });
    this.namespaces = new Informer({ ...common, name: 'namespaces', path: NAMESPACES_PATH, transform: namespaceEntry });
    const watched = new Set(o.namespaces);
    const deps: FanOutReconcileDeps = {
      getClusterRemoteSecret: (n) => this.clusterRemoteSecrets.get('', n),
      namespaces: () => this.namespaces.values(),
      inScope: (ns) => watched.size === 0 || watched.has(ns),
      liveRemoteSecret: (ns, n) => {
        const rs = remote.remoteSecrets.get(ns, n);
        return rs ? liveRemoteSecret(rs) : undefined;
      },
      ownedBy: (n) => this.ownedBy(n, remote),
      client,
      status: new StatusWriter(client),
      now: () => clock.now(),
      log: (level, msg, fields) => flog[level](msg, fields),
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: Math.max(1, Math.min(o.workers, 4)),
      backoffBaseMs: 1000,
      backoffMaxMs: o.maxBackoffMs,
      handler: async (key) => (await reconcileClusterRemoteSecret(key, deps)).work,
      onError: (key, err) => flog.warn('cluster remote secret reconcile failed; will retry', { key, ...errorFields(err) }),
    });
    metrics.watchQueue(this.name, this.queue);
    this.caches = [this.clusterRemoteSecrets, this.namespaces, remote.remoteSecrets];
    this.queues = [this.queue];

    this.clusterRemoteSecrets.on({
      add: (c) => this.queue.add(c.name),
      update: (c, old) => {
        // Our status patches change only status: spec (generation), uid and deletion matter.
        if (c.metadata.generation !== old.metadata.generation || c.metadata.uid !== old.metadata.uid || Boolean(c.metadata.deletionTimestamp) !== Boolean(old.metadata.deletionTimestamp)) this.queue.add(c.name);
      },
      delete: (c) => this.queue.drop(c.name),
    });
    this.namespaces.on({
      add: () => this.enqueueAll(),
      update: (ns, old) => {
        if (ns.terminating !== old.terminating || JSON.stringify(ns.labels) !== JSON.stringify(old.labels)) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
    const rsChanged = (rs: RemoteSecretEntry, old?: RemoteSecretEntry) => {
      this.index(rs);
      const owner = ownerName(rs) ?? (old ? ownerName(old) : undefined);
      if (owner) {
        // Status-only updates (the RemoteSecret syncing) change none of what we write.
        if (old && old.metadata.generation === rs.metadata.generation && Boolean(old.metadata.deletionTimestamp) === Boolean(rs.metadata.deletionTimestamp) && JSON.stringify([old.metadata.labels, old.metadata.annotations, old.metadata.ownerReferences]) === JSON.stringify([rs.metadata.labels, rs.metadata.annotations, rs.metadata.ownerReferences])) return;
        this.queue.add(owner);
      }
      if (!owner || owner !== ownerName(rs)) this.enqueueWanting(rs.name);
    };
    remote.remoteSecrets.on({
      add: (rs) => rsChanged(rs),
      update: (rs, old) => rsChanged(rs, old),
      delete: (rs) => {
        this.unindex(cacheKey(rs.namespace, rs.name));
        const owner = ownerName(rs);
        if (owner) this.queue.add(owner);
        else this.enqueueWanting(rs.name);
      },
    });
  }

  enqueueAll(): void {
    for (const k of this.clusterRemoteSecrets.keys()) this.queue.add(k);
  }

  /** Every ClusterRemoteSecret whose RemoteSecrets bear this name. */
  private enqueueWanting(name: string): void {
    for (const c of this.clusterRemoteSecrets.values()) if (wantedName(c) === name) this.queue.add(c.name);
  }

  private *ownedBy(name: string, remote: RemoteController): Iterable<LiveRemoteSecret> {
    for (const k of this.owned.get(name) ?? []) {
      const { namespace, name: n } = splitKey(k);
      const rs = remote.remoteSecrets.get(namespace, n);
      if (rs) yield liveRemoteSecret(rs);
    }
  }

  private index(rs: RemoteSecretEntry): void {
    const k = cacheKey(rs.namespace, rs.name);
    const owner = ownerName(rs);
    if (this.ownerOf.get(k) === owner) return;
    this.unindex(k);
    if (!owner) return;
    this.ownerOf.set(k, owner);
    let s = this.owned.get(owner);
    if (!s) this.owned.set(owner, (s = new Set()));
    s.add(k);
  }

  private unindex(k: string): void {
    const owner = this.ownerOf.get(k);
    if (owner === undefined) return;
    this.ownerOf.delete(k);
    const s = this.owned.get(owner);
    s?.delete(k);
    if (s && s.size === 0) this.owned.delete(owner);
  }
}
