// One pass over one PushSecret: selected keys of a Secret, written to one Vault KV key.
//
//   read the Secret -> the data the key should hold (pushPayload)
//   read the key    -> equal: nothing written; else write (KV v2 with check-and-set), or Conflict
//   object deleted with deletionPolicy Delete -> delete the key if it still holds what we wrote
//
// The decision is @sealkit/core's (push-plan.ts, unit-tested). What this PushSecret wrote last
// (store, key, KV v2 version) is in its status, so a restarted controller knows which version is
// its own; no value is ever kept outside the pass (status lists keys and versions only).

import {
  decidePush,
  FORCE_SYNC_ANNOTATION,
  mayDeleteRemote,
  planPushSecret as corePlanPushSecret,
  PUSH_FINALIZER,
  pushPayload,
  type PushedStatus,
  type PushRecord,
  type PushSecret,
  type PushSecretPlan,
  type PushSecretStatus,
} from '@sealkit/core';
import { isDeepStrictEqual } from 'node:util';
import { ApiError, isConflict, isNotFound } from '@sealkit/kube';
import { splitKey } from '../runtime/informer.js';
import { isoSeconds, readyCondition, type Condition, type StatusTarget } from '../runtime/status.js';
import type { WorkResult } from '../runtime/workqueue.js';
import type { SecretObject } from '../secrets/plan.js';
import type { Clock, Random } from '../remote/clock.js';
import { RemoteError, Reason } from '../remote/errors.js';
import { apiFailure } from '../remote/kube-api.js';
import { asInvalidSpec } from '../remote/kv-path.js';
import { nextRefresh, type RemoteEventSink } from '../remote/reconcile.js';
import type { StoreClient } from '../remote/store-client.js';
import type { StorePlan } from '../remote/validate.js';
import { deleteRemoteKv, readRemoteKv, writeRemoteKv, type RemoteKv } from './vault-kv.js';

export const PUSH_API_VERSION = 'sealkit.dev/v1alpha1';

export interface PushReconcileDeps {
  getPushSecret(namespace: string, name: string): PushSecret | undefined;
  /** The store a PushSecret names: exists, valid, admits the namespace (RemoteError otherwise). */
  resolveStore(plan: PushSecretPlan): Promise<StorePlan>;
  /** The store's shared client (one Vault session per store). */
  client(store: StorePlan): Promise<StoreClient>;
  /** The Secret to push, with its values (a GET; undefined when it does not exist). */
  readSecret(namespace: string, name: string): Promise<SecretObject | undefined>;
  status: { patch(target: StatusTarget, status: object): Promise<void> };
  /** Merge-patches the PushSecret's finalizers, conditional on its resourceVersion. */
  patchMetadata(namespace: string, name: string, metadata: { resourceVersion: string; finalizers: string[] }): Promise<void>;
  events: RemoteEventSink;
  clock: Clock;
  random: Random;
  /** True once after the force-sync annotation changed: push over whatever the key holds. */
  takeForced(key: string): boolean;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

export interface PushReconcileResult {
  work: WorkResult;
  /** pushed | unchanged | conflict | failed | deleted | kept | gone */
  outcome: string;
  reason?: string;
}

/** Checks a PushSecret; RemoteError(InvalidSpec) naming the field. */
export const planPushSecret = (o: unknown): PushSecretPlan => asInvalidSpec(() => corePlanPushSecret(o));

/** The store as status names it: a RemoteStore is always the PushSecret's own namespace's. */
const storeId = (store: StorePlan) => `${store.kind}/${store.name}`;

/** What the status says this PushSecret wrote to this store and key before (its KV v2 version). */
export function pushRecord(pushed: PushedStatus | undefined, store: StorePlan, key: string, kvVersion: string): PushRecord | undefined {
  if (!pushed || pushed.store !== storeId(store) || pushed.key !== key || pushed.kvVersion !== kvVersion) return undefined;
  return { version: pushed.version };
}

function asRemoteError(err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof ApiError) return new RemoteError(Reason.SecretWriteFailed, `Kubernetes API: ${apiFailure(err)}`, { retryable: true });
  return new RemoteError(Reason.VaultUnavailable, `unexpected ${err instanceof Error ? err.name : 'error'}`, { retryable: true });
}

/** Failures that cannot stop a deletion: the key is left in Vault and the object goes. */
const RETRY_ON_DELETE = new Set<string>([Reason.VaultUnavailable, Reason.RateLimited, Reason.SecretWriteFailed]);

export async function reconcilePushSecret(key: string, d: PushReconcileDeps): Promise<PushReconcileResult> {
  const { namespace, name } = splitKey(key);
  const ps = d.getPushSecret(namespace, name);
  if (!ps) return { work: { kind: 'done' }, outcome: 'gone' };
  return new Pass(key, ps, d).run();
}

class Pass {
  plan: PushSecretPlan | undefined;
  constructor(
    readonly key: string,
    readonly ps: PushSecret,
    readonly d: PushReconcileDeps,
  ) {}

  private get ref() {
    return { namespace: this.ps.metadata.namespace!, name: this.ps.metadata.name!, uid: this.ps.metadata.uid ?? '', kind: 'PushSecret', apiVersion: PUSH_API_VERSION };
  }
  private get finalizers(): string[] {
    return (this.ps.metadata.finalizers as string[] | undefined) ?? [];
  }

  async run(): Promise<PushReconcileResult> {
    const { ps, d } = this;
    if (ps.metadata.deletionTimestamp) return this.finalizers.includes(PUSH_FINALIZER) ? this.finalize() : { work: { kind: 'done' }, outcome: 'gone' };
    let plan: PushSecretPlan;
    let store: StorePlan;
    let client: StoreClient;
    let desired: Record<string, string>;
    let remote: RemoteKv;
    try {
      plan = this.plan = planPushSecret(ps);
      store = await d.resolveStore(plan);
      await this.keepFinalizer(plan);
      const secret = await d.readSecret(plan.namespace, plan.secretName);
      if (!secret) throw new RemoteError(Reason.SourceNotFound, `Secret ${plan.namespace}/${plan.secretName} not found; nothing pushed, the Vault key is left as it is`, { retryable: true });
      const payload = pushPayload(plan, secret.data ?? {});
      if (!payload.ok) {
        throw payload.problem === 'missing'
          ? new RemoteError(Reason.SourceNotFound, `Secret ${plan.secretName} has no key "${payload.secretKey}"; nothing pushed`, { retryable: true })
          : new RemoteError(Reason.InvalidSourceData, `Secret ${plan.secretName} key "${payload.secretKey}" is not UTF-8 text (Vault KV holds text); nothing pushed`, { retryable: true });
      }
      desired = payload.data;
      client = await d.client(store);
      remote = await readRemoteKv(client, plan.remoteKey);
    } catch (err) {
      return this.fail(asRemoteError(err));
    }

    const record = pushRecord(ps.status?.pushed, store, plan.remoteKey, remote.kvVersion);
    const force = d.takeForced(this.key);
    const decision = decidePush({ desired, remote: remote.state, kvVersion: remote.kvVersion, record, force });
    if (decision.action === 'conflict') {
      return this.fail(new RemoteError(Reason.Conflict, `key "${plan.remoteKey}": ${decision.detail}; sealkit did not overwrite it (to push over it, set the annotation ${FORCE_SYNC_ANNOTATION} to a new value)`));
    }
    if (decision.action === 'none') {
      const pushTime = record ? ps.status?.pushed?.pushTime : undefined;
      await this.dropPreviousKey(client, store);
      await this.succeed(store, remote, desired, remote.kvVersion === 'v2' ? remote.state.version : undefined, pushTime);
      return { work: this.nextRefresh(), outcome: 'unchanged' };
    }
    let version: number | undefined;
    try {
      version = await writeRemoteKv(client, remote, plan.remoteKey, desired, decision.cas);
    } catch (err) {
      return this.fail(asRemoteError(err));
    }
    const v = version !== undefined ? ` (version ${version})` : '';
    d.events.emit(this.ref, 'Normal', 'Pushed', `${Object.keys(desired).length} key(s) of Secret ${plan.secretName} written to Vault key "${plan.remoteKey}"${v}`);
    d.log?.('info', 'pushed to Vault', { namespace: plan.namespace, name: plan.name, key: plan.remoteKey, version, forced: force });
    await this.dropPreviousKey(client, store);
    await this.succeed(store, remote, desired, version, isoSeconds(d.clock.now()));
    return { work: this.nextRefresh(), outcome: 'pushed' };
  }

  /** deletionPolicy Delete holds a finalizer (to delete the key first); Retain needs none. */
  private async keepFinalizer(plan: PushSecretPlan): Promise<void> {
    const has = this.finalizers.includes(PUSH_FINALIZER);
    const want = plan.deletionPolicy === 'Delete';
    if (has === want) return;
    const finalizers = want ? [...this.finalizers, PUSH_FINALIZER] : this.finalizers.filter((f) => f !== PUSH_FINALIZER);
    await this.d.patchMetadata(plan.namespace, plan.name, { resourceVersion: this.ps.metadata.resourceVersion ?? '', finalizers });
  }

  /** Deletes `key` if it still holds what this PushSecret wrote (status.pushed); an Event says which. */
  private async deleteIfOurs(client: StoreClient, store: StorePlan, key: string, why: string): Promise<'deleted' | 'kept'> {
    const remote = await readRemoteKv(client, key);
    const record = pushRecord(this.ps.status?.pushed, store, key, remote.kvVersion);
    if (!remote.state.hasData && remote.state.version === 0) return 'deleted';
    if (mayDeleteRemote({ remote: remote.state, kvVersion: remote.kvVersion, record })) {
      await deleteRemoteKv(client, remote, key);
      this.d.events.emit(this.ref, 'Normal', 'RemoteDeleted', `Vault key "${key}" deleted${remote.kvVersion === 'v2' ? ' with all its versions' : ''} (${why})`);
      return 'deleted';
    }
    this.d.events.emit(this.ref, 'Warning', 'RemoteKept', `Vault key "${key}" was ${record ? `changed by someone else (version ${remote.state.version})` : 'not written by this PushSecret'}; it is kept`);
    return 'kept';
  }

  /** spec.remoteRef.key changed under deletionPolicy Delete: the key pushed before goes (same store only). */
  private async dropPreviousKey(client: StoreClient, store: StorePlan): Promise<void> {
    const prev = this.ps.status?.pushed;
    const plan = this.plan!;
    if (plan.deletionPolicy !== 'Delete' || !prev || prev.store !== storeId(store) || prev.key === plan.remoteKey) return;
    try {
      await this.deleteIfOurs(client, store, prev.key, 'spec.remoteRef.key changed; deletionPolicy Delete');
    } catch (err) {
      // The new key is pushed: report it, and say the old one stays (the status forgets it now).
      this.d.events.emit(this.ref, 'Warning', 'RemoteKept', `${asRemoteError(err).message}; the previous Vault key "${prev.key}" is kept`);
    }
  }

  /** Deleting with deletionPolicy Delete: the key goes if it still holds what this PushSecret wrote. */
  private async finalize(): Promise<PushReconcileResult> {
    const { d, ps } = this;
    let outcome = 'kept';
    try {
      const plan = (this.plan = planPushSecret(ps));
      const store = await d.resolveStore(plan);
      outcome = await this.deleteIfOurs(await d.client(store), store, plan.remoteKey, 'deletionPolicy Delete');
    } catch (err) {
      const e = asRemoteError(err);
      if (RETRY_ON_DELETE.has(e.reason)) return this.fail(e);
      d.events.emit(this.ref, 'Warning', 'RemoteKept', `${e.message}; the PushSecret is released and the Vault key is kept`);
    }
    try {
      await d.patchMetadata(ps.metadata.namespace!, ps.metadata.name!, { resourceVersion: ps.metadata.resourceVersion ?? '', finalizers: this.finalizers.filter((f) => f !== PUSH_FINALIZER) });
    } catch (err) {
      if (!isNotFound(err)) return this.fail(asRemoteError(err));
    }
    return { work: { kind: 'done' }, outcome };
  }

  private nextRefresh(): WorkResult {
    const interval = this.plan!.refreshIntervalMs;
    if (interval <= 0) return { kind: 'done' };
    const now = this.d.clock.now();
    return { kind: 'refresh', ms: Math.max(0, nextRefresh(now, interval, this.d.random) - now) };
  }

  private succeed(store: StorePlan, remote: RemoteKv, desired: Record<string, string>, version: number | undefined, pushTime: string | undefined): Promise<void> {
    const plan = this.plan!;
    const pushed: PushedStatus = {
      store: storeId(store),
      key: plan.remoteKey,
      path: remote.path,
      kvVersion: remote.kvVersion,
      ...(version !== undefined ? { version } : {}),
      properties: Object.keys(desired).sort(),
      ...(pushTime !== undefined ? { pushTime } : {}),
    };
    const v = version !== undefined ? `, version ${version}` : '';
    return this.patchStatus({ ready: true, reason: Reason.Synced, message: `Vault key "${plan.remoteKey}" (${remote.path}) holds the Secret's data${v}` }, pushed);
  }

  private async fail(err: RemoteError): Promise<PushReconcileResult> {
    const ready = this.ps.status?.conditions?.find((c) => c.type === 'Ready');
    const changed = !(ready?.status === 'False' && ready.reason === err.reason);
    await this.patchStatus({ ready: false, reason: err.reason, message: err.message }, this.ps.status?.pushed).catch(() => undefined);
    if (changed) {
      this.d.events.emit(this.ref, 'Warning', err.reason, err.message);
      this.d.log?.('warn', 'push secret not ready', { namespace: this.ps.metadata.namespace, name: this.ps.metadata.name, reason: err.reason });
    }
    // A conflict waits for the data to match again, a forced push, or the next refresh: no backoff loop on Vault.
    if (err.reason === Reason.Conflict && this.plan) return { work: this.nextRefresh(), outcome: 'conflict', reason: err.reason };
    const work: WorkResult = err.retryable ? (err.retryAfterMs !== undefined ? { kind: 'retry', minMs: err.retryAfterMs } : { kind: 'retry' }) : { kind: 'done' };
    return { work, outcome: 'failed', reason: err.reason };
  }

  private async patchStatus(state: { ready: boolean; reason: string; message: string }, pushed: PushedStatus | undefined): Promise<void> {
    const ps = this.ps;
    const generation = ps.metadata.generation ?? 0;
    const prev = ps.status?.conditions?.find((c) => c.type === 'Ready') as Condition | undefined;
    const status: PushSecretStatus = { observedGeneration: generation, conditions: [readyCondition(prev, state, generation, this.d.clock.now())] };
    if (pushed) status.pushed = pushed;
    const cur = ps.status ?? {};
    // A resync that changes nothing writes nothing, to Vault or to the API server.
    // (Compared by value: the API server returns fields in its own order.)
    if (isDeepStrictEqual([cur.observedGeneration, cur.conditions, cur.pushed], [status.observedGeneration, status.conditions, status.pushed])) return;
    try {
      // Merge patch: `pushed` is replaced as a whole (fields it no longer has sent as null).
      await this.d.status.patch(
        { path: pushSecretPath(ps.metadata.namespace!, ps.metadata.name!), uid: ps.metadata.uid ?? '' },
        { ...status, pushed: status.pushed ? { version: null, pushTime: null, ...status.pushed } : null },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

const enc = encodeURIComponent;
/** Collection path; an empty namespace means all namespaces. */
export const pushSecretsPath = (ns = '') => `/apis/sealkit.dev/v1alpha1${ns ? `/namespaces/${enc(ns)}` : ''}/pushsecrets`;
export const pushSecretPath = (ns: string, name: string) => `/apis/sealkit.dev/v1alpha1/namespaces/${enc(ns)}/pushsecrets/${enc(name)}`;
