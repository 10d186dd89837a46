// One pass over one RemoteSecret: decide whether Vault must be asked (due refresh, new spec, no
// memory of the values), fetch every referenced key through the store's shared client, build the
// Secret, write it if it differs, and say so in status. Failures never touch a good Secret: they
// are reported (status Ready=False with a reason, a Warning Event on change) and retried.
//
// The controller calls reconcileRemoteSecret(key, deps) from its work queue; everything it needs is
// in RemoteReconcileDeps (caches, the Kubernetes writes, the store clients, clock, randomness), so
// the runtime can host it next to the SealedSecret reconciler.

import { splitKey } from '../runtime/informer.js';
import type { Clock, Random } from './clock.js';
import { RemoteError, Reason } from './errors.js';
import { extractAll, extractProperty, type KvReadOutcome, type KvSecret } from './extract.js';
import { ApiError, isConflict, isNotFound } from '@sealkit/kube';
import { readyCondition, type StatusTarget } from '../runtime/status.js';
import { contentHash } from '../secrets/digest.js';
import type { SecretWriter } from '../secrets/writer.js';
import { secretDataHash } from '../rollout/hash.js';
import { ROLLOUT_CONDITION, type Restarter, type RolloutOutcome } from '../rollout/restarter.js';
import { apiFailure, remoteSecretPath, type RemoteKubeApi } from './kube-api.js';
import { notFoundHint } from './kv-path.js';
import type { RemoteMetrics } from './metrics.js';
import { shareWindowMs } from './shared-reads.js';
import type { StoreClient, StoreClients, TimedKvRead } from './store-client.js';
import { checkTarget, planTargetRemoval, targetSecret, type TargetContent, type TargetOwner } from './target.js';
import { renderTemplate } from './template.js';
import {
  CLUSTER_REMOTE_STORE_KIND,
  type Condition,
  type RemoteSecret,
  type RemoteSecretStatus,
  type StoreKind,
  type SyncedExtract,
  type SyncedRef,
} from './types.js';
import { planRemoteSecret, planStore, selectorMatches, type RemoteSecretPlan, type StorePlan } from './validate.js';

/** Refreshes happen between 90% and 100% of the interval after the last one (never later). */
export const REFRESH_JITTER = 0.1;

/** What we remember of a RemoteSecret between reconciles (memory only). */
export interface RemoteMemo {
  uid: string;
  generation: number;
  storeFingerprint: string;
  /** The Secret content last written; undefined after a restart until the next fetch. Holds values: memory only. */
  content: TargetContent | undefined;
  contentHash: string | undefined;
  synced: { data: SyncedRef[]; dataFrom: SyncedExtract[] };
  fetchedAt: number;
  nextRefreshAt: number;
  /** resourceVersion of the target Secret as we last wrote or verified it. */
  secretRV: string | undefined;
}

export interface RemoteEventSink {
  emit(target: { namespace: string; name: string; uid: string; kind: string; apiVersion: string }, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface RemoteReconcileDeps {
  getRemoteSecret(namespace: string, name: string): RemoteSecret | undefined;
  /** A store object from the informer cache (raw), undefined when it does not exist. */
  getStore(kind: StoreKind, name: string, namespace?: string): unknown;
  /** resourceVersion of a Secret in the managed-Secret cache (label managed-by=sealkit); undefined when not there. */
  cachedSecretVersion(namespace: string, name: string): string | undefined;
  kube: RemoteKubeApi;
  /** The runtime's Secret writer and status writer. */
  secrets: Pick<SecretWriter, 'apply' | 'get' | 'delete' | 'patch'>;
  status: { patch(target: StatusTarget, status: object): Promise<void> };
  clients: StoreClients;
  events: RemoteEventSink;
  metrics: RemoteMetrics;
  clock: Clock;
  random: Random;
  memo: Map<string, RemoteMemo>;
  /** True once after the force-sync annotation changed: read Vault now, bypassing shared reads. */
  takeForced?(key: string): boolean;
  /** Restarts the workloads of a Secret whose data changed (spec.rolloutRestartTargets, opted-in workloads). */
  rollout?: Pick<Restarter, 'secretChanged'>;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

/** What the work queue should do next with this key. */
export type RemoteWork =
  | { kind: 'done' }
  /** Failed: retry with the key's backoff, not sooner than minMs. */
  | { kind: 'retry'; minMs?: number }
  /** Look again after ms (the next refresh). */
  | { kind: 'after'; ms: number };

export interface RemoteReconcileResult {
  work: RemoteWork;
  /** created | updated | recreated | unchanged | restored | deleted | failed | skipped | gone */
  outcome: string;
  reason?: string;
}

const API_VERSION = 'sealkit.dev/v1alpha1';

const hashContent = (c: TargetContent): string => contentHash({ ...c, immutable: false });

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function currentReady(rs: RemoteSecret): Condition | undefined {
  return rs.status?.conditions?.find((c) => c.type === 'Ready');
}

/** True when the object's status says it was synced for its current generation (a restart can trust it). */
export function statusSaysSynced(rs: RemoteSecret): boolean {
  const c = currentReady(rs);
  return c?.status === 'True' && rs.status?.observedGeneration === rs.metadata.generation && typeof rs.status?.refreshTime === 'string';
}

/** Next refresh after a fetch at `at`: between 90% and 100% of the interval (Infinity when 0). */
export function nextRefresh(at: number, intervalMs: number, random: Random): number {
  if (intervalMs <= 0) return Infinity;
  return at + intervalMs * (1 - REFRESH_JITTER * random());
}

/**
 * After a restart, when the next refresh of an object last fetched at `refreshTime` is due: its
 * normal (jittered) time, or, when that has passed, spread over the next 10% of the interval so a
 * controller that was down does not refresh everything at once (External Secrets Operator #4231).
 */
export function restartRefresh(refreshTime: number, intervalMs: number, now: number, random: Random): number {
  if (intervalMs <= 0) return Infinity;
  const normal = nextRefresh(refreshTime, intervalMs, random);
  if (normal > now) return normal;
  return now + intervalMs * REFRESH_JITTER * random();
}

export async function reconcileRemoteSecret(key: string, d: RemoteReconcileDeps): Promise<RemoteReconcileResult> {
  const { namespace, name } = splitKey(key);
  const rs = d.getRemoteSecret(namespace, name);
  if (!rs || rs.metadata.deletionTimestamp) {
    // Owner: the garbage collector removes the Secret. Orphan and Merge: it stays, by definition.
    d.memo.delete(key);
    return { work: { kind: 'done' }, outcome: 'gone' };
  }
  const ctx = new Ctx(rs, d);

  let plan: RemoteSecretPlan;
  try {
    plan = planRemoteSecret(rs);
  } catch (err) {
    return ctx.fail(asRemoteError(err), undefined);
  }
  ctx.plan = plan;

  // The store: exists, is valid, admits this namespace.
  let store: StorePlan;
  try {
    store = await resolveStore(plan, d);
  } catch (err) {
    return ctx.fail(asRemoteError(err), undefined);
  }

  const now = d.clock.now();
  const memo = d.memo.get(key);
  if (d.takeForced?.(key)) return ctx.sync(store, memo, true);
  const cachedRV = d.cachedSecretVersion(namespace, plan.targetName);
  const current = memo && memo.uid === plan.uid && memo.generation === plan.generation && memo.storeFingerprint === store.fingerprint ? memo : undefined;

  if (current && now < current.nextRefreshAt) {
    // Not due: only make sure the Secret is still what we wrote (drift healing without Vault).
    if (cachedRV !== undefined && cachedRV === current.secretRV) return ctx.scheduled(current, 'unchanged');
    if (current.content) return ctx.heal(current, store);
    // No values in memory (restarted) and the Secret changed: fetch (shared reads keep this cheap).
  } else if (!memo && statusSaysSynced(rs) && cachedRV !== undefined && cachedRV === rs.status?.syncedResourceVersion) {
    // Restarted controller, object synced for this generation and its Secret untouched since:
    // trust the status and refresh when due instead of all at once.
    const refreshTime = Date.parse(rs.status!.refreshTime!);
    const m: RemoteMemo = {
      uid: plan.uid,
      generation: plan.generation,
      storeFingerprint: store.fingerprint,
      content: undefined,
      contentHash: undefined,
      synced: { data: rs.status?.data ?? [], dataFrom: rs.status?.dataFrom ?? [] },
      fetchedAt: refreshTime,
      nextRefreshAt: restartRefresh(refreshTime, plan.refreshIntervalMs, now, d.random),
      secretRV: cachedRV,
    };
    d.memo.set(key, m);
    return ctx.scheduled(m, 'skipped');
  }
  return ctx.sync(store, memo);
}

/** The store an object names (RemoteSecret, DynamicSecret): exists, is valid, admits the object's namespace. */
export async function resolveStore(plan: Pick<RemoteSecretPlan, 'storeRef' | 'namespace'>, d: Pick<RemoteReconcileDeps, 'getStore' | 'kube'>): Promise<StorePlan> {
  const { kind, name } = plan.storeRef;
  const raw = d.getStore(kind, name, kind === CLUSTER_REMOTE_STORE_KIND ? undefined : plan.namespace);
  if (!raw) {
    throw new RemoteError(Reason.StoreNotFound, kind === CLUSTER_REMOTE_STORE_KIND ? `ClusterRemoteStore ${name} not found` : `RemoteStore ${plan.namespace}/${name} not found`, { retryable: true });
  }
  let store: StorePlan;
  try {
    store = planStore(raw, kind);
  } catch (err) {
    const e = asRemoteError(err);
    throw new RemoteError(Reason.InvalidSpec, `${kind} ${name}: ${e.message}`);
  }
  if (kind === CLUSTER_REMOTE_STORE_KIND && store.namespaceSelector) {
    const labels = await d.kube.namespaceLabels(plan.namespace);
    if (!selectorMatches(store.namespaceSelector, labels)) {
      throw new RemoteError(Reason.StoreNotAllowed, `ClusterRemoteStore ${name} does not admit namespace ${plan.namespace} (spec.namespaceSelector)`);
    }
  }
  return store;
}

function asRemoteError(err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof ApiError) {
    return new RemoteError(Reason.SecretWriteFailed, `Kubernetes API: ${apiFailure(err)}`, { retryable: true });
  }
  // Unknown errors: a class name only (messages of foreign errors may carry anything).
  return new RemoteError(Reason.VaultUnavailable, `unexpected ${err instanceof Error ? err.name : 'error'}`, { retryable: true });
}

/** Per-reconcile helpers around one RemoteSecret. */
class Ctx {
  plan: RemoteSecretPlan | undefined;
  readonly key: string;
  constructor(readonly rs: RemoteSecret, readonly d: RemoteReconcileDeps) {
    this.key = `${rs.metadata.namespace}/${rs.metadata.name}`;
  }

  private get target() {
    return { namespace: this.rs.metadata.namespace!, name: this.rs.metadata.name!, uid: this.rs.metadata.uid ?? '', kind: 'RemoteSecret', apiVersion: API_VERSION };
  }
  private get owner(): TargetOwner {
    const p = this.plan!;
    return { namespace: p.namespace, name: p.name, uid: p.uid, policy: p.creationPolicy };
  }

  scheduled(m: RemoteMemo, outcome: string): RemoteReconcileResult {
    const now = this.d.clock.now();
    const work: RemoteWork = m.nextRefreshAt === Infinity ? { kind: 'done' } : { kind: 'after', ms: Math.max(0, m.nextRefreshAt - now) };
    return { work, outcome };
  }

  /** Not due, values in memory, Secret changed or gone: put it back. */
  async heal(m: RemoteMemo, store: StorePlan): Promise<RemoteReconcileResult> {
    let op: string;
    let rollout: RolloutOutcome | undefined;
    try {
      ({ op, rv: m.secretRV, rollout } = await this.write(m.content!));
    } catch (err) {
      return this.fail(asRemoteError(err), store);
    }
    if (op !== 'unchanged') {
      this.d.events.emit(this.target, 'Normal', 'SecretRestored', `Secret ${this.plan!.targetName} was changed or deleted outside sealkit and has been restored`);
      this.d.log?.('info', 'secret restored', { namespace: this.plan!.namespace, name: this.plan!.name, op });
    }
    await this.writeStatus(this.okStatus(m, rollout));
    return { ...this.scheduled(m, op === 'unchanged' ? 'unchanged' : 'restored') };
  }

  /** Fetch from Vault, build, write, report. */
  async sync(store: StorePlan, previous: RemoteMemo | undefined, forced = false): Promise<RemoteReconcileResult> {
    const plan = this.plan!;
    const d = this.d;
    let client: StoreClient;
    try {
      client = await d.clients.get(store);
    } catch (err) {
      return this.fail(asRemoteError(err), store);
    }
    const window = forced ? 0 : shareWindowMs(plan.refreshIntervalMs);
    const startedAt = d.clock.now();

    // Every distinct (key, version) once, all in parallel (the store limiter bounds concurrency).
    const reads = new Map<string, Promise<TimedKvRead>>();
    const readOf = (key: string, version: number | undefined) => {
      const k = `${key}\u0000${version ?? ''}`;
      let p = reads.get(k);
      if (!p) {
        p = client.read(key, version, window);
        reads.set(k, p);
      }
      return p;
    };
    const dataReads = plan.data.map((r) => readOf(r.key, r.version));
    const fromReads = plan.dataFrom.map((r) => readOf(r.key, r.version));
    const settled = await Promise.allSettled([...reads.values()]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) return this.fail(asRemoteError(failed.reason), store);
    const dataOutcomes = await Promise.all(dataReads);
    const fromOutcomes = await Promise.all(fromReads);
    // The values are as old as the oldest (possibly shared) read: refresh relative to it. This also
    // aligns objects sharing a path on one schedule, so each path is read once per cycle.
    const readAt = Math.min(startedAt, ...[...dataOutcomes, ...fromOutcomes].map((o) => o.fetchedAt));

    // Missing keys / versions: an error with its reason, or (deletionPolicy Delete, all gone) removal.
    const missing: { key: string; reason: Reason; detail: string }[] = [];
    const seenMissing = new Set<string>();
    const note = (key: string, o: KvReadOutcome) => {
      if (o.found || seenMissing.has(o.detail)) return;
      seenMissing.add(o.detail);
      missing.push({ key, reason: o.reason, detail: o.detail });
    };
    plan.data.forEach((r, i) => note(r.key, dataOutcomes[i]!));
    plan.dataFrom.forEach((r, i) => note(r.key, fromOutcomes[i]!));
    if (missing.length > 0) {
      const allGone = [...dataOutcomes, ...fromOutcomes].every((o) => !o.found);
      if (allGone && plan.deletionPolicy === 'Delete') return this.removeTarget(store);
      const kv = client.kvVersionKnown ?? 'v2';
      const first = missing[0]!;
      const msg =
        `${missing.slice(0, 3).map((m) => m.detail + (m.reason === Reason.KeyNotFound ? notFoundHint(store.mount, m.key, kv) : '')).join('; ')}` +
        (missing.length > 3 ? ` (and ${missing.length - 3} more)` : '') +
        ` (mount "${store.mount}")`;
      return this.fail(new RemoteError(first.reason, msg, { retryable: true }), store);
    }

    // Values: dataFrom in order (later wins), then data[] (wins over dataFrom).
    const values: Record<string, Buffer> = {};
    const synced: RemoteMemo['synced'] = { data: [], dataFrom: [] };
    const problems: RemoteError[] = [];
    plan.dataFrom.forEach((r, i) => {
      const o = fromOutcomes[i]!;
      if (!o.found) return;
      try {
        const all = extractAll(o.secret, r.key);
        Object.assign(values, all);
        synced.dataFrom.push({ key: r.key, ...versionField(o.secret), keys: Object.keys(all).sort() });
      } catch (err) {
        problems.push(asRemoteError(err));
      }
    });
    plan.data.forEach((r, i) => {
      const o = dataOutcomes[i]!;
      if (!o.found) return;
      try {
        values[r.secretKey] = extractProperty(o.secret, r.key, r.property);
        synced.data.push({ secretKey: r.secretKey, key: r.key, ...(r.property ? { property: r.property } : {}), ...versionField(o.secret) });
      } catch (err) {
        problems.push(asRemoteError(err));
      }
    });
    if (problems.length > 0) {
      const msg = problems.slice(0, 3).map((p) => p.message).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');
      return this.fail(new RemoteError(problems[0]!.reason, msg, { retryable: true }), store);
    }

    // Template.
    let data: Record<string, Buffer> = values;
    const t = plan.template;
    if (t?.data) {
      const rendered: Record<string, Buffer> = {};
      try {
        for (const [k, tpl] of Object.entries(t.data)) rendered[k] = renderTemplate(tpl, values, `spec.target.template.data.${k}`);
      } catch (err) {
        return this.fail(asRemoteError(err), store);
      }
      data = t.mergePolicy === 'Merge' ? { ...values, ...rendered } : rendered;
    }
    const content: TargetContent = {
      type: t?.type ?? 'Opaque',
      labels: { ...(t?.labels ?? {}) },
      annotations: { ...(t?.annotations ?? {}) },
      data: Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!.toString('base64')])),
    };
    const contentHash = hashContent(content);

    // Write, unless the same content is already in an untouched Secret.
    const cachedRV = d.cachedSecretVersion(plan.namespace, plan.targetName);
    let op = 'unchanged';
    let rv = cachedRV;
    let rollout: RolloutOutcome | undefined;
    const sameAsBefore = previous && previous.uid === plan.uid && previous.contentHash === contentHash && cachedRV !== undefined && cachedRV === previous.secretRV;
    if (!sameAsBefore) {
      try {
        ({ op, rv, rollout } = await this.write(content));
      } catch (err) {
        return this.fail(asRemoteError(err), store);
      }
    }
    const m: RemoteMemo = {
      uid: plan.uid,
      generation: plan.generation,
      storeFingerprint: store.fingerprint,
      content,
      contentHash,
      synced,
      fetchedAt: readAt,
      nextRefreshAt: nextRefresh(readAt, plan.refreshIntervalMs, d.random),
      secretRV: rv,
    };
    d.memo.set(this.key, m);
    d.metrics.sync(true, Reason.Synced);

    const wasReady = currentReady(this.rs)?.status === 'True';
    if (op === 'created' || !wasReady) {
      this.d.events.emit(this.target, 'Normal', Reason.Synced, `Secret ${plan.targetName} ${op === 'created' ? 'created' : 'synced'} from ${reads.size} Vault path${reads.size === 1 ? '' : 's'}`);
    } else if (op !== 'unchanged') {
      this.d.events.emit(this.target, 'Normal', 'Updated', `Secret ${plan.targetName} updated from Vault`);
    }
    if (op !== 'unchanged') this.d.log?.('info', 'secret written', { namespace: plan.namespace, name: plan.name, op });
    await this.writeStatus(this.okStatus(m, rollout));
    return this.scheduled(m, op);
  }

  /**
   * Creates or updates the target Secret; returns what was done, its resourceVersion, and the
   * rollout done when the write changed the Secret's data (a first creation restarts nothing).
   */
  async write(content: TargetContent): Promise<{ op: string; rv: string | undefined; rollout?: RolloutOutcome }> {
    const plan = this.plan!;
    // A Secret absent from the managed-Secret cache is usually absent: try to create it without a
    // GET first (an AlreadyExists answer, e.g. an unlabelled Secret of that name, means: read, decide again).
    const skipRead = plan.creationPolicy !== 'Merge' && this.d.cachedSecretVersion(plan.namespace, plan.targetName) === undefined;
    const { op, secret, previous } = await this.d.secrets.apply(targetSecret(content, this.owner, plan.targetName), {
      skipRead,
      check: (live) => checkTarget(live, this.owner, plan.targetName),
    });
    const rv = secret?.metadata.resourceVersion;
    if (op === 'unchanged' || !previous || !secret || !this.d.rollout) return { op, rv };
    const before = secretDataHash(plan.namespace, plan.targetName, previous.data);
    const after = secretDataHash(plan.namespace, plan.targetName, secret.data);
    if (before === after) return { op, rv };
    const rollout = await this.d.rollout.secretChanged({ owner: this.target, namespace: plan.namespace, secretName: plan.targetName, dataHash: after, targets: plan.rolloutRestartTargets });
    return { op, rv, ...(rollout ? { rollout } : {}) };
  }

  /** deletionPolicy Delete and every referenced key gone from Vault. */
  async removeTarget(store: StorePlan): Promise<RemoteReconcileResult> {
    const plan = this.plan!;
    const secrets = this.d.secrets;
    let removed = false;
    try {
      const live = await secrets.get(plan.namespace, plan.targetName);
      const r = planTargetRemoval(live, this.owner);
      if (r.op === 'delete') {
        await secrets.delete(plan.namespace, plan.targetName, { uid: live!.metadata.uid, resourceVersion: live!.metadata.resourceVersion });
        removed = true;
      } else if (r.op === 'patch') {
        await secrets.patch(plan.namespace, plan.targetName, r.patch);
        removed = true;
      }
    } catch (err) {
      if (!isNotFound(err)) return this.fail(asRemoteError(err), store);
    }
    this.d.memo.delete(this.key);
    const message = `every referenced key is gone from Vault; ${removed ? (plan.creationPolicy === 'Merge' ? 'our keys were removed from' : 'deleted') : 'nothing to remove from'} Secret ${plan.targetName} (deletionPolicy Delete)`;
    if (removed) this.d.events.emit(this.target, 'Normal', Reason.SecretDeleted, message);
    this.d.metrics.sync(false, Reason.SecretDeleted);
    await this.writeStatus(this.baseStatus({ ready: false, reason: Reason.SecretDeleted, message }, { keepSynced: false }));
    // Keep looking at the refresh interval: the keys may come back.
    return { work: plan.refreshIntervalMs > 0 ? { kind: 'after', ms: plan.refreshIntervalMs } : { kind: 'retry' }, outcome: removed ? 'deleted' : 'unchanged', reason: Reason.SecretDeleted };
  }

  async fail(err: RemoteError, _store: StorePlan | undefined): Promise<RemoteReconcileResult> {
    const d = this.d;
    d.metrics.sync(false, err.reason);
    const plan = this.plan;
    const kept = plan && d.cachedSecretVersion(plan.namespace, plan.targetName) !== undefined ? '; the existing Secret was left unchanged' : '';
    const message = `${err.message}${kept}`;
    const prev = currentReady(this.rs);
    const changed = !(prev?.status === 'False' && prev.reason === err.reason);
    await this.writeStatus(this.baseStatus({ ready: false, reason: err.reason, message }, { keepSynced: true })).catch(() => undefined);
    if (changed) {
      d.events.emit(this.target, 'Warning', err.reason, message);
      d.log?.('warn', 'remote secret not ready', { namespace: this.rs.metadata.namespace, name: this.rs.metadata.name, reason: err.reason });
    }
    const work: RemoteWork = err.retryable ? (err.retryAfterMs !== undefined ? { kind: 'retry', minMs: err.retryAfterMs } : { kind: 'retry' }) : { kind: 'done' };
    return { work, outcome: 'failed', reason: err.reason };
  }

  okStatus(m: RemoteMemo, rollout?: RolloutOutcome): RemoteSecretStatus {
    const n = m.content ? Object.keys(m.content.data).length : undefined;
    const message = n !== undefined ? `Secret ${this.plan!.targetName} holds ${n} key${n === 1 ? '' : 's'} from Vault` : `Secret ${this.plan!.targetName} is synced`;
    const s = this.baseStatus({ ready: true, reason: Reason.Synced, message }, { keepSynced: false });
    s.refreshTime = iso(m.fetchedAt);
    if (m.secretRV !== undefined) s.syncedResourceVersion = m.secretRV;
    if (m.synced.data.length) s.data = m.synced.data;
    if (m.synced.dataFrom.length) s.dataFrom = m.synced.dataFrom;
    if (rollout) {
      s.conditions = [s.conditions![0]!, rollout.condition];
      s.rollout = rollout.rollout;
    }
    return s;
  }

  baseStatus(state: { ready: boolean; reason: string; message: string }, o: { keepSynced: boolean }): RemoteSecretStatus {
    const prev = this.rs.status ?? {};
    const generation = this.rs.metadata.generation ?? 0;
    const s: RemoteSecretStatus = {
      observedGeneration: generation,
      // The Rollout condition of the last rollout stays (a merge patch replaces the list whole).
      conditions: [readyCondition(currentReady(this.rs), state, generation, this.d.clock.now()), ...(prev.conditions ?? []).filter((c) => c.type === ROLLOUT_CONDITION)],
    };
    if (o.keepSynced) {
      if (prev.refreshTime !== undefined) s.refreshTime = prev.refreshTime;
      if (prev.syncedResourceVersion !== undefined) s.syncedResourceVersion = prev.syncedResourceVersion;
      if (prev.data !== undefined) s.data = prev.data;
      if (prev.dataFrom !== undefined) s.dataFrom = prev.dataFrom;
    }
    return s;
  }

  /** Patches status when it differs from what the object already says. */
  async writeStatus(next: RemoteSecretStatus): Promise<void> {
    const cur = this.rs.status ?? {};
    const norm = (s: RemoteSecretStatus) =>
      JSON.stringify([s.observedGeneration, s.conditions ?? [], s.refreshTime ?? null, s.syncedResourceVersion ?? null, s.data ?? null, s.dataFrom ?? null]);
    // A rollout just done is always reported (status.rollout is otherwise left as it is).
    if (norm(cur) === norm(next) && !next.rollout) return;
    // Merge patch: absent fields must be sent as null to be cleared.
    const body = { refreshTime: null, syncedResourceVersion: null, data: null, dataFrom: null, ...next } as unknown as RemoteSecretStatus;
    try {
      await this.d.status.patch({ path: remoteSecretPath(this.rs.metadata.namespace!, this.rs.metadata.name!), uid: this.rs.metadata.uid ?? '' }, body);
    } catch (err) {
      // Deleted or replaced meanwhile: nothing to report on.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

function versionField(s: KvSecret): { version?: string } {
  return s.version !== undefined ? { version: String(s.version) } : {};
}
