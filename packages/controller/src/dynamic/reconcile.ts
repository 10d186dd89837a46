// One pass over one DynamicSecret: credentials with a lease, from Vault into a Secret.
//
//   no credentials yet (or spec/store changed) -> issue, write the Secret, revoke the lease replaced
//   lease at `renewalPercent` of its TTL         -> renew (sys/leases/renew)
//   renewal capped by the max TTL, or lease gone -> issue new credentials, restart the workloads that
//                                                   use them (rollout), then revoke the old lease
//   renewalPercent or rolloutRestartTargets edit -> nothing new from Vault (status follows)
//   object being deleted                         -> revoke the lease, then drop our finalizer
//
// The lease id lives on the Secret (annotations written in the same request as the credentials),
// so after a restart the controller adopts the lease it finds there (checked with
// sys/leases/lookup) instead of issuing a second one, when the annotation sealkit.dev/lease-source
// says it came from the spec as it is now (the generation, on Secrets written before that annotation). Status carries the lease's id and times,
// never a value. Credentials issued but not written (a failed Secret write) are revoked at once.
//
// Order on a re-issue: Secret write, rollout started (the pod-template patches), revoke of the
// replaced lease. The workloads' new pods are created after the patch and read the new Secret, while
// the old pods still hold the old login until the revoke; the revoke does not wait for the rollout
// to finish (a rollout can take as long as its strategy says), so an old pod may lose its login
// before its replacement is ready. See docs/remote-secrets.md.

import { planDynamicSecret as corePlanDynamicSecret, LEASE_DURATION_ANNOTATION, LEASE_FINALIZER, LEASE_GENERATION_ANNOTATION, LEASE_ID_ANNOTATION, LEASE_ISSUED_ANNOTATION, LEASE_SOURCE_ANNOTATION, MANAGED_BY_LABEL, type DynamicSecret, type DynamicSecretPlan, type DynamicSecretStatus } from '@sealkit/core';
import { MANAGED_BY_VALUE, OPT_IN_ANNOTATION } from '../constants.js';
import { ApiError, isConflict, isNotFound } from '@sealkit/kube';
import { splitKey } from '../runtime/informer.js';
import { isoSeconds, readyCondition, type Condition, type StatusTarget } from '../runtime/status.js';
import type { ManagedSecret, SecretObject } from '../secrets/plan.js';
import type { SecretWriter } from '../secrets/writer.js';
import type { Clock } from '../remote/clock.js';
import { RemoteError, Reason } from '../remote/errors.js';
import { apiFailure } from '../remote/kube-api.js';
import { asInvalidSpec } from '../remote/kv-path.js';
import type { RemoteEventSink } from '../remote/reconcile.js';
import { secretDataHash } from '../rollout/hash.js';
import { ROLLOUT_CONDITION, type Restarter, type RolloutOutcome } from '../rollout/restarter.js';
import type { StoreClient } from '../remote/store-client.js';
import { renderTemplate } from '../remote/template.js';
import type { StorePlan } from '../remote/validate.js';
import type { WorkResult } from '../runtime/workqueue.js';
import { issuedLease, nextLeaseAction, renewedLease, type LeaseTimes } from './lease-schedule.js';
import { isLeaseGone, issueCredentials, lookupLease, renewLease, revokeLease, type IssuedCredentials } from './vault-leases.js';

export const DYNAMIC_API_VERSION = 'sealkit.dev/v1alpha1';

/** What we remember of a DynamicSecret between passes (memory only). */
export interface DynamicMemo {
  uid: string;
  generation: number;
  /** DynamicSecretPlan.source the credentials were issued for. */
  source: string;
  storeFingerprint: string;
  lease: LeaseTimes;
  /** The Secret last written; undefined after a restart (adopted lease). Holds values: memory only. */
  secret: ManagedSecret | undefined;
  /** resourceVersion of the Secret as last written or verified. */
  secretRV: string | undefined;
}

export interface DynamicReconcileDeps {
  getDynamicSecret(namespace: string, name: string): DynamicSecret | undefined;
  /** The store a DynamicSecret names: exists, valid, admits the namespace (RemoteError otherwise). */
  resolveStore(plan: DynamicSecretPlan): Promise<StorePlan>;
  /** The store's shared client (one Vault session per store, with the RemoteSecrets). */
  client(store: StorePlan): Promise<StoreClient>;
  /** resourceVersion of a Secret in the managed-Secret cache; undefined when not there. */
  cachedSecretVersion(namespace: string, name: string): string | undefined;
  secrets: Pick<SecretWriter, 'apply' | 'get'>;
  status: { patch(target: StatusTarget, status: object): Promise<void> };
  /** Merge-patches the DynamicSecret's metadata (finalizers), conditional on its resourceVersion. */
  patchMetadata(namespace: string, name: string, metadata: { resourceVersion: string; finalizers: string[] }): Promise<void>;
  events: RemoteEventSink;
  /** Restarts the workloads of a Secret whose credentials were replaced (spec.rolloutRestartTargets, opted-in workloads). */
  rollout?: Pick<Restarter, 'secretChanged'>;
  clock: Clock;
  memo: Map<string, DynamicMemo>;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

export interface DynamicReconcileResult {
  work: WorkResult;
  /** issued | reissued | renewed | restamped | scheduled | revoked | failed | gone */
  outcome: string;
  reason?: string;
}

/** Checks a DynamicSecret; RemoteError(InvalidSpec) naming the field. */
export const planDynamicSecret = (o: unknown): DynamicSecretPlan => asInvalidSpec(() => corePlanDynamicSecret(o));

/** Vault's answer as Secret values: strings as they are, anything else as JSON. */
export function credentialValues(data: Record<string, unknown>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  return out;
}

function ownerRef(plan: DynamicSecretPlan) {
  return { apiVersion: DYNAMIC_API_VERSION, kind: 'DynamicSecret', name: plan.name, uid: plan.uid, controller: true, blockOwnerDeletion: true };
}

/** The Secret for freshly issued credentials: values, template, and the lease annotations. */
export function credentialSecret(plan: DynamicSecretPlan, issued: IssuedCredentials, issuedAt: number): ManagedSecret {
  const values = credentialValues(issued.data);
  let data = values;
  const t = plan.template;
  if (t?.data) {
    const rendered: Record<string, Buffer> = {};
    for (const [k, tpl] of Object.entries(t.data)) rendered[k] = renderTemplate(tpl, values, `spec.target.template.data.${k}`);
    data = t.mergePolicy === 'Merge' ? { ...values, ...rendered } : rendered;
  }
  return {
    namespace: plan.namespace,
    name: plan.targetName,
    type: t?.type ?? 'Opaque',
    labels: { ...(t?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: {
      ...(t?.annotations ?? {}),
      [LEASE_ID_ANNOTATION]: issued.leaseId,
      [LEASE_ISSUED_ANNOTATION]: isoSeconds(issuedAt),
      [LEASE_DURATION_ANNOTATION]: String(issued.durationSeconds),
      [LEASE_GENERATION_ANNOTATION]: String(plan.generation),
      [LEASE_SOURCE_ANNOTATION]: plan.source,
    },
    data: Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!.toString('base64')])),
    owners: { kind: 'controller', ref: ownerRef(plan) },
  };
}

/** Whether we may write this live Secret: ours (controller reference with our uid), or opted in. */
export function checkDynamicTarget(live: SecretObject | undefined, plan: DynamicSecretPlan): void {
  if (!live) return;
  const ctrl = (live.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (ctrl?.uid === plan.uid) return;
  if (!ctrl && live.metadata.annotations?.[OPT_IN_ANNOTATION] === 'true') return;
  throw new RemoteError(
    Reason.SecretNotOwned,
    `Secret ${plan.namespace}/${plan.targetName} ${ctrl ? `is controlled by ${ctrl.kind} ${ctrl.name}` : 'exists and is not managed by this DynamicSecret'}; sealkit will not overwrite it. Delete it, or annotate it with ${OPT_IN_ANNOTATION}=true`,
    { retryable: true },
  );
}

function asRemoteError(err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof ApiError) return new RemoteError(Reason.SecretWriteFailed, `Kubernetes API: ${apiFailure(err)}`, { retryable: true });
  return new RemoteError(Reason.VaultUnavailable, `unexpected ${err instanceof Error ? err.name : 'error'}`, { retryable: true });
}

const currentReady = (ds: DynamicSecret): Condition | undefined => ds.status?.conditions?.find((c) => c.type === 'Ready') as Condition | undefined;

export async function reconcileDynamicSecret(key: string, d: DynamicReconcileDeps): Promise<DynamicReconcileResult> {
  const { namespace, name } = splitKey(key);
  const ds = d.getDynamicSecret(namespace, name);
  if (!ds) {
    // Gone without our finalizer's pass (it was never added, or removed by hand): nothing to revoke from here.
    d.memo.delete(key);
    return { work: { kind: 'done' }, outcome: 'gone' };
  }
  return new Pass(key, ds, d).run();
}

class Pass {
  plan: DynamicSecretPlan | undefined;
  constructor(
    readonly key: string,
    readonly ds: DynamicSecret,
    readonly d: DynamicReconcileDeps,
  ) {}

  private get ref() {
    return { namespace: this.ds.metadata.namespace!, name: this.ds.metadata.name!, uid: this.ds.metadata.uid ?? '', kind: 'DynamicSecret', apiVersion: DYNAMIC_API_VERSION };
  }

  async run(): Promise<DynamicReconcileResult> {
    const { ds, d } = this;
    const finalizers = (ds.metadata.finalizers as string[] | undefined) ?? [];
    if (ds.metadata.deletionTimestamp) return finalizers.includes(LEASE_FINALIZER) ? this.finalize(finalizers) : { work: { kind: 'done' }, outcome: 'gone' };

    let plan: DynamicSecretPlan;
    let store: StorePlan;
    let client: StoreClient;
    try {
      plan = this.plan = planDynamicSecret(ds);
      store = await d.resolveStore(plan);
      // The finalizer first: from here on a lease may exist, and deleting the object must revoke it.
      if (!finalizers.includes(LEASE_FINALIZER)) {
        await d.patchMetadata(plan.namespace, plan.name, { resourceVersion: ds.metadata.resourceVersion ?? '', finalizers: [...finalizers, LEASE_FINALIZER] });
      }
      client = await d.client(store);
    } catch (err) {
      return this.fail(asRemoteError(err));
    }

    const now = d.clock.now();
    let memo = d.memo.get(this.key);
    if (memo && (memo.uid !== plan.uid || memo.storeFingerprint !== store.fingerprint || memo.source !== plan.source)) {
      // The spec or the store changed: the credentials must come from the new source.
      return this.issue(client, store, memo.lease.id, 'reissued');
    }
    if (!memo) {
      const adopted = await this.adopt(client, store).catch((err: unknown) => err as Error);
      if (adopted instanceof Error) return this.fail(asRemoteError(adopted));
      if (adopted.memo) memo = adopted.memo;
      else return this.issue(client, store, adopted.oldLeaseId, adopted.oldLeaseId ? 'reissued' : 'issued');
    }

    // The Secret changed or vanished under us.
    const cachedRV = d.cachedSecretVersion(plan.namespace, plan.targetName);
    if (cachedRV !== memo.secretRV) {
      if (!memo.secret) return this.issue(client, store, memo.lease.id, 'reissued');
      let rollout: RolloutOutcome | undefined;
      try {
        let op: string;
        ({ op, rv: memo.secretRV, rollout } = await this.write(memo.secret));
        if (op !== 'unchanged') d.events.emit(this.ref, 'Normal', 'SecretRestored', `Secret ${plan.targetName} was changed or deleted outside sealkit and has been restored`);
      } catch (err) {
        return this.fail(asRemoteError(err));
      }
      // Data edited by hand and restored is a change of data, as for the other kinds.
      if (rollout) await this.writeStatus(memo, rollout);
    }

    if (memo.generation !== plan.generation) {
      // Only fields that change no credentials were edited (renewalPercent, rolloutRestartTargets).
      memo.generation = plan.generation;
      await this.writeStatus(memo);
    }

    const next = nextLeaseAction(memo.lease, plan.renewFraction);
    if (now < next.at) return this.scheduled(memo, 'scheduled');
    if (next.kind === 'reissue' || now >= memo.lease.expiresAt) return this.issue(client, store, memo.lease.id, 'reissued');
    return this.renew(client, store, memo);
  }

  /**
   * After a restart: the lease named on the Secret, if the Secret is ours, was issued for this
   * spec's source, and Vault still has the lease. Otherwise the lease id to revoke (if any).
   */
  private async adopt(client: StoreClient, store: StorePlan): Promise<{ memo?: DynamicMemo; oldLeaseId?: string }> {
    const plan = this.plan!;
    const live = await this.d.secrets.get(plan.namespace, plan.targetName);
    const ann = live?.metadata.annotations ?? {};
    const leaseId = ann[LEASE_ID_ANNOTATION];
    const ours = live && (live.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === plan.uid);
    if (!live || !ours || !leaseId) return {};
    // Issued for the spec as it is now (a Secret written before lease-source: for this generation)?
    const source = ann[LEASE_SOURCE_ANNOTATION];
    if (source !== undefined ? source !== plan.source : ann[LEASE_GENERATION_ANNOTATION] !== String(plan.generation)) return { oldLeaseId: leaseId };
    const found = await lookupLease(client, leaseId);
    const now = this.d.clock.now();
    if (!found || found.expireTime <= now) return { oldLeaseId: leaseId };
    const increment = Number(ann[LEASE_DURATION_ANNOTATION]);
    const refreshedAt = found.lastRenewal ?? found.issueTime;
    const lease: LeaseTimes = {
      id: leaseId,
      renewable: found.renewable,
      incrementSeconds: Number.isFinite(increment) && increment > 0 ? increment : Math.round((found.expireTime - refreshedAt) / 1000),
      issuedAt: found.issueTime,
      refreshedAt,
      expiresAt: found.expireTime,
      capped: false,
      renewals: this.ds.status?.lease?.id === leaseId ? this.ds.status.lease.renewals : 0,
    };
    const memo: DynamicMemo = { uid: plan.uid, generation: plan.generation, source: plan.source, storeFingerprint: store.fingerprint, lease, secret: undefined, secretRV: live.metadata.resourceVersion };
    this.d.memo.set(this.key, memo);
    this.d.log?.('info', 'lease adopted from the Secret', { namespace: plan.namespace, name: plan.name });
    return { memo };
  }

  /**
   * New credentials into the Secret; when they replace others, the workloads using the Secret are
   * restarted (rollout) and only then is the replaced lease (if any) revoked.
   */
  private async issue(client: StoreClient, store: StorePlan, oldLeaseId: string | undefined, outcome: string): Promise<DynamicReconcileResult> {
    const { d } = this;
    const plan = this.plan!;
    let issued: IssuedCredentials;
    try {
      // A Secret we may not write is known before Vault is asked: no credentials issued for nothing
      // (and none issued and revoked at each retry while it stays in the way).
      checkDynamicTarget(await d.secrets.get(plan.namespace, plan.targetName), plan);
      issued = await issueCredentials(client, plan.path, plan.method, plan.parameters);
    } catch (err) {
      return this.fail(asRemoteError(err));
    }
    const now = d.clock.now();
    let secret: ManagedSecret;
    let rv: string | undefined;
    let rollout: RolloutOutcome | undefined;
    try {
      secret = credentialSecret(plan, issued, now);
      ({ rv, rollout } = await this.write(secret));
    } catch (err) {
      // Nobody will ever use these credentials: do not leave them alive until their TTL.
      await revokeLease(client, issued.leaseId).catch(() => d.log?.('warn', 'could not revoke unused credentials; they expire with their lease', { namespace: plan.namespace, name: plan.name }));
      return this.fail(asRemoteError(err));
    }
    const memo: DynamicMemo = { uid: plan.uid, generation: plan.generation, source: plan.source, storeFingerprint: store.fingerprint, lease: issuedLease(issued.leaseId, issued.durationSeconds, issued.renewable, now), secret, secretRV: rv };
    d.memo.set(this.key, memo);
    d.events.emit(this.ref, 'Normal', 'CredentialsIssued', `Secret ${plan.targetName} holds new credentials from ${plan.path} (lease TTL ${issued.durationSeconds}s)`);
    d.log?.('info', 'credentials issued', { namespace: plan.namespace, name: plan.name, ttlSeconds: issued.durationSeconds });
    // After the rollout started (above, in write): the new pods read the new credentials.
    if (oldLeaseId && oldLeaseId !== issued.leaseId) await this.revokeReplaced(client, oldLeaseId);
    await this.writeStatus(memo, rollout);
    return this.scheduled(memo, outcome);
  }

  /**
   * Creates or updates the Secret; the rollout is done when the write changed the data of a Secret
   * that existed (new credentials replacing others, or data edited by hand restored), never on a
   * first creation. The restarter never throws.
   */
  private async write(desired: ManagedSecret): Promise<{ op: string; rv: string | undefined; rollout?: RolloutOutcome }> {
    const plan = this.plan!;
    const { op, secret, previous } = await this.d.secrets.apply(desired, { check: (live) => checkDynamicTarget(live, plan) });
    const rv = secret?.metadata.resourceVersion;
    if (op === 'unchanged' || !previous || !secret || !this.d.rollout) return { op, rv };
    const after = secretDataHash(plan.namespace, plan.targetName, secret.data);
    if (secretDataHash(plan.namespace, plan.targetName, previous.data) === after) return { op, rv };
    const rollout = await this.d.rollout.secretChanged({ owner: this.ref, namespace: plan.namespace, secretName: plan.targetName, dataHash: after, targets: plan.rolloutRestartTargets });
    return { op, rv, ...(rollout ? { rollout } : {}) };
  }

  private async revokeReplaced(client: StoreClient, leaseId: string): Promise<void> {
    try {
      await revokeLease(client, leaseId);
    } catch {
      // It still expires with its TTL; say so rather than fail a pass whose Secret is good.
      this.d.events.emit(this.ref, 'Warning', 'LeaseRevokeFailed', 'the replaced credentials could not be revoked now; they expire with their lease');
    }
  }

  private async renew(client: StoreClient, store: StorePlan, memo: DynamicMemo): Promise<DynamicReconcileResult> {
    const { d } = this;
    let granted: number;
    try {
      granted = await renewLease(client, memo.lease.id, memo.lease.incrementSeconds);
    } catch (err) {
      // Vault no longer has the lease (revoked by someone, or a Vault that lost its storage): the
      // credentials are dead already, so new ones now.
      if (isLeaseGone(err)) return this.issue(client, store, undefined, 'reissued');
      return this.fail(asRemoteError(err));
    }
    memo.lease = renewedLease(memo.lease, granted, d.clock.now());
    await this.writeStatus(memo);
    return this.scheduled(memo, 'renewed');
  }

  /** Deleting: revoke the lease, then let the object go. */
  private async finalize(finalizers: string[]): Promise<DynamicReconcileResult> {
    const { d, ds } = this;
    const namespace = ds.metadata.namespace!;
    const name = ds.metadata.name!;
    const memo = d.memo.get(this.key);
    let leaseId = memo?.lease.id;
    let expiresAt = memo?.lease.expiresAt;
    try {
      const plan = (this.plan = planDynamicSecret(ds));
      if (!leaseId) {
        const live = await d.secrets.get(namespace, plan.targetName);
        const ours = live && (live.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === plan.uid);
        leaseId = ours ? live.metadata.annotations?.[LEASE_ID_ANNOTATION] : undefined;
        expiresAt ??= ds.status?.lease?.id === leaseId && ds.status?.lease?.expireTime ? Date.parse(ds.status.lease.expireTime) : undefined;
      }
      if (leaseId) {
        const client = await d.client(await d.resolveStore(plan));
        await revokeLease(client, leaseId);
        d.events.emit(this.ref, 'Normal', 'LeaseRevoked', 'the credentials\' lease was revoked (DynamicSecret deleted)');
      }
    } catch (err) {
      const e = asRemoteError(err);
      // A lease past its expiry is revoked by Vault itself: nothing left to wait for.
      const expired = expiresAt !== undefined && d.clock.now() >= expiresAt;
      if (e.retryable && !expired) return this.fail(e);
      d.events.emit(this.ref, 'Warning', 'LeaseRevokeFailed', `${e.message}; the object is released and the credentials expire with their lease`);
    }
    try {
      await d.patchMetadata(namespace, name, { resourceVersion: ds.metadata.resourceVersion ?? '', finalizers: finalizers.filter((f) => f !== LEASE_FINALIZER) });
    } catch (err) {
      if (!isNotFound(err)) return this.fail(asRemoteError(err));
    }
    d.memo.delete(this.key);
    return { work: { kind: 'done' }, outcome: 'revoked' };
  }

  private scheduled(memo: DynamicMemo, outcome: string): DynamicReconcileResult {
    const at = nextLeaseAction(memo.lease, this.plan!.renewFraction).at;
    return { work: { kind: 'refresh', ms: Math.max(0, at - this.d.clock.now()) }, outcome };
  }

  private async fail(err: RemoteError): Promise<DynamicReconcileResult> {
    const prev = currentReady(this.ds);
    const changed = !(prev?.status === 'False' && prev.reason === err.reason);
    const memo = this.d.memo.get(this.key);
    const kept = memo ? '; the Secret keeps the last credentials' : '';
    await this.patchStatus({ ready: false, reason: err.reason, message: `${err.message}${kept}` }, memo).catch(() => undefined);
    if (changed) {
      this.d.events.emit(this.ref, 'Warning', err.reason, err.message);
      this.d.log?.('warn', 'dynamic secret not ready', { namespace: this.ds.metadata.namespace, name: this.ds.metadata.name, reason: err.reason });
    }
    const work: WorkResult = err.retryable ? (err.retryAfterMs !== undefined ? { kind: 'retry', minMs: err.retryAfterMs } : { kind: 'retry' }) : { kind: 'done' };
    return { work, outcome: 'failed', reason: err.reason };
  }

  private writeStatus(memo: DynamicMemo, rollout?: RolloutOutcome): Promise<void> {
    const l = memo.lease;
    return this.patchStatus({ ready: true, reason: Reason.Synced, message: `Secret ${this.plan!.targetName} holds credentials of lease ${l.id}, valid until ${isoSeconds(l.expiresAt)}` }, memo, rollout);
  }

  /** A rollout just done is always written; otherwise the last Rollout condition stays and status.rollout is left as it is. */
  private async patchStatus(state: { ready: boolean; reason: string; message: string }, memo: DynamicMemo | undefined, rollout?: RolloutOutcome): Promise<void> {
    const ds = this.ds;
    const generation = ds.metadata.generation ?? 0;
    const l = memo?.lease;
    // A merge patch replaces the conditions list whole: the last Rollout condition is carried over.
    const rolloutCondition = rollout?.condition ?? ds.status?.conditions?.find((c) => c.type === ROLLOUT_CONDITION);
    const status: DynamicSecretStatus = {
      observedGeneration: generation,
      conditions: [readyCondition(currentReady(ds), state, generation, this.d.clock.now()), ...(rolloutCondition ? [rolloutCondition] : [])],
      ...(this.plan ? { secretName: this.plan.targetName } : {}),
      ...(l
        ? {
            lease: {
              id: l.id,
              renewable: l.renewable,
              durationSeconds: l.incrementSeconds,
              issueTime: isoSeconds(l.issuedAt),
              ...(l.renewals > 0 ? { lastRenewalTime: isoSeconds(l.refreshedAt) } : {}),
              expireTime: isoSeconds(l.expiresAt),
              renewals: l.renewals,
            },
          }
        : {}),
    };
    const cur = ds.status ?? {};
    if (!rollout && JSON.stringify([cur.observedGeneration, cur.conditions, cur.secretName, cur.lease]) === JSON.stringify([status.observedGeneration, status.conditions, status.secretName, status.lease])) return;
    // status.rollout is sent only with a new rollout (absent from a merge patch: left as it is).
    if (rollout) status.rollout = rollout.rollout;
    try {
      // Merge patch: the lease object is replaced as a whole (lastRenewalTime null when absent).
      await this.d.status.patch(
        { path: dynamicSecretPath(ds.metadata.namespace!, ds.metadata.name!), uid: ds.metadata.uid ?? '' },
        { ...status, lease: status.lease ? { lastRenewalTime: null, ...status.lease } : null },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

const enc = encodeURIComponent;
/** Collection path; an empty namespace means all namespaces. */
export const dynamicSecretsPath = (ns = '') => `/apis/sealkit.dev/v1alpha1${ns ? `/namespaces/${enc(ns)}` : ''}/dynamicsecrets`;
export const dynamicSecretPath = (ns: string, name: string) => `/apis/sealkit.dev/v1alpha1/namespaces/${enc(ns)}/dynamicsecrets/${enc(name)}`;
