import type { Location } from '@sealkit/core';
import { RETAIN_FINALIZER, Reasons, type Reason } from '../constants.js';
import { keepFinalizerInStep, releaseOnDelete, type FinalizerWriter } from './retain.js';
import type { EventSink } from '../runtime/events.js';
import { splitKey } from '../runtime/informer.js';
import { ApiError, errorFields, isAlreadyExists, isConflict, isNotFound, retryAfterMs } from '@sealkit/kube';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import type { SecretWriter } from '../secrets/writer.js';
import type { Restarter, RolloutOutcome } from '../rollout/restarter.js';
import type { ReadyState } from '../runtime/status.js';
import { nextStatus, type SealedSecretStatus } from './status.js';
import type { WorkResult } from '../runtime/workqueue.js';
import { decide, desiredSecret, type Decision } from './desired.js';
import { asSecretObject, secretView, type SealedSecretView, type SecretView } from './views.js';

/** Opens one sealed value (core's Unsealer, with its per-ephemeral-key X25519 cache). */
export interface Opener {
  open(sealed: string, where: Location): Uint8Array;
}

/** What we remember of the last successful reconcile of a key, to skip repeated work. */
export interface Memo {
  uid: string;
  generation: number;
  /** resourceVersion of the Secret as we last wrote or verified it. */
  secretResourceVersion: string;
  /** The status we patched and the SealedSecret resourceVersion it was computed from. */
  statusSig?: string;
  statusFromRV?: string;
}

export interface ReconcileDeps {
  sealedSecret(namespace: string, name: string): SealedSecretView | undefined;
  cachedSecret(namespace: string, name: string): SecretView | undefined;
  /** undefined until at least one key is loaded. */
  opener(): Opener | undefined;
  /** The Secret writer (a fake of the API under it is all unit tests need). */
  secrets: Pick<SecretWriter, 'create' | 'update' | 'recreate' | 'get'>;
  /** Our finalizer on SealedSecrets (deletionPolicy Retain). */
  finalizers: Pick<FinalizerWriter, 'add' | 'remove'>;
  status: { patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void> };
  events: EventSink;
  now(): Date;
  memo: Map<string, Memo>;
  log: Logger;
  metrics?: Metrics;
  /** Restarts the workloads of a Secret whose data changed (spec.rolloutRestartTargets, opted-in workloads). */
  rollout?: Pick<Restarter, 'secretChanged'>;
}

export type Outcome = 'unchanged' | 'created' | 'updated' | 'recreated' | 'failed' | 'not_owned' | 'gone' | 'retained';

export interface ReconcileResult {
  outcome: Outcome;
  work: WorkResult;
  reason?: string;
}

const DONE: WorkResult = { kind: 'done' };

/** Maps core's typed errors (by their stable code) to a condition reason. */
export function unsealReason(err: unknown): Reason {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'scope_mismatch': return Reasons.ScopeMismatch;
    case 'unknown_key': return Reasons.UnknownKey;
    case 'authentication_failed': return Reasons.AuthenticationFailed;
    case 'unknown_version': return Reasons.UnsupportedVersion;
    default: return Reasons.InvalidSealedValue;
  }
}

const readyMessage = (ss: SealedSecretView) => {
  const n = Object.keys(ss.encryptedData).length;
  const retain = ss.deletionPolicy === 'Retain' ? '; it stays when this SealedSecret is deleted (deletionPolicy Retain)' : '';
  return `Secret ${ss.name} holds ${n} unsealed value${n === 1 ? '' : 's'}${retain}`;
};

/**
 * One pass over one SealedSecret: open every value, then create or fix its Secret, then say so
 * in status. Never writes a partial Secret, never touches a Secret it does not own, and leaves
 * the last good Secret in place when opening fails.
 */
export async function reconcileSealedSecret(key: string, d: ReconcileDeps): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const ss = d.sealedSecret(namespace, name);
  if (!ss || ss.deleting) {
    d.memo.delete(key);
    // deletionPolicy Retain: release the Secret, then let the SealedSecret go (retain.ts).
    if (ss?.finalizers.includes(RETAIN_FINALIZER)) {
      try {
        await releaseOnDelete(ss, d);
        return { outcome: 'retained', work: DONE };
      } catch (err) {
        d.log.warn('could not release the Secret yet; will retry', { namespace, name, ...errorFields(err) });
        return { outcome: 'failed', reason: 'ApiError', work: { kind: 'retry' } };
      }
    }
    // Otherwise the garbage collector removes the Secret through its ownerReference.
    return { outcome: 'gone', work: DONE };
  }
  if (!ss.specError) {
    try {
      await keepFinalizerInStep(ss, d);
    } catch (err) {
      d.log.warn('could not set the retain finalizer; will retry', { namespace, name, ...errorFields(err) });
      return { outcome: 'failed', reason: 'ApiError', work: { kind: 'retry' } };
    }
  }
  const okState: ReadyState = { ready: true, reason: Reasons.Unsealed, message: readyMessage(ss) };

  // Fast path: nothing changed since we last made this Secret right.
  const memo = d.memo.get(key);
  const cached = d.cachedSecret(namespace, name);
  if (
    memo &&
    memo.uid === ss.uid &&
    memo.generation === ss.generation &&
    cached &&
    cached.resourceVersion === memo.secretResourceVersion &&
    !statusNeeded(ss, okState, d)
  ) {
    return { outcome: 'unchanged', work: DONE };
  }

  if (ss.specError) {
    return fail(ss, { ready: false, reason: Reasons.InvalidSpec, message: ss.specError }, d, DONE);
  }
  const opener = d.opener();
  if (!opener) return { outcome: 'failed', reason: 'NoKeys', work: { kind: 'after', ms: 2000 } };

  // Open every value first: all or nothing.
  const values: Record<string, Uint8Array> = {};
  const where = { namespace, name };
  const started = performance.now();
  const failures: { key: string; reason: Reason; message: string }[] = [];
  for (const k of Object.keys(ss.encryptedData).sort()) {
    try {
      values[k] = opener.open(ss.encryptedData[k]!, where);
    } catch (err) {
      failures.push({ key: k, reason: unsealReason(err), message: err instanceof Error ? err.message : String(err) });
    }
  }
  d.metrics?.unsealSeconds.observe((performance.now() - started) / 1000);
  if (failures.length > 0) {
    const f = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more value${failures.length > 2 ? 's' : ''})` : '';
    const kept = cached ? '; the existing Secret was left unchanged' : '';
    return fail(ss, { ready: false, reason: f.reason, message: `cannot open value "${f.key}": ${f.message}${more}${kept}` }, d, DONE);
  }

  const desired = desiredSecret(ss, values);
  let live = cached;
  let decision: Decision = decide(live, desired);
  let written: SecretView | undefined;
  try {
    if (decision === 'create') {
      try {
        written = secretView(await d.secrets.create(desired));
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        // A Secret we cannot see in our cache (not labelled as ours): read it and decide again.
        const raw = await d.secrets.get(namespace, name);
        live = raw ? secretView(raw) : undefined;
        if (!live) return { outcome: 'failed', reason: 'Conflict', work: { kind: 'retry' } };
        decision = decide(live, desired);
        if (decision === 'create') return { outcome: 'failed', reason: 'Conflict', work: { kind: 'retry' } };
      }
    }
    if (decision === 'not-owned') {
      const message =
        `Secret ${namespace}/${name} exists and is not owned by this SealedSecret; sealkit will not overwrite it. ` +
        `Delete it, or annotate it with sealkit.dev/managed=true to let sealkit take it over`;
      // We do not watch unlabelled Secrets, so we look again on our own: soon at first (the user
      // may be adding the opt-in annotation right now), then backing off to --max-backoff.
      return fail(ss, { ready: false, reason: Reasons.SecretNotOwned, message }, d, { kind: 'retry' });
    }
    if (decision === 'update') written = secretView(await d.secrets.update(asSecretObject(live!), desired));
    else if (decision === 'recreate') written = secretView(await d.secrets.recreate(asSecretObject(live!), desired));
  } catch (err) {
    return writeFailed(ss, err, d);
  }

  const outcome: Outcome =
    decision === 'create' ? 'created' : decision === 'update' ? 'updated' : decision === 'recreate' ? 'recreated' : 'unchanged';
  if (written) {
    d.metrics?.secretWrites.inc({ op: decision === 'recreate' ? 'recreate' : decision });
    const drift = memo && memo.uid === ss.uid && memo.generation === ss.generation;
    // No event for a plain first creation (status says Ready): with thousands of objects that
    // would double the API writes of a first start for no information.
    if (drift) {
      d.events.emit(ss, 'Normal', 'SecretRestored', `Secret ${name} was changed or deleted outside sealkit and has been restored`);
    } else if (decision !== 'create') {
      d.events.emit(ss, 'Normal', Reasons.Unsealed, `Secret ${name} updated`);
    }
    // Routine first creations at debug: a first start with 10,000 objects should not print 10,000 lines.
    (decision === 'create' && !drift ? d.log.debug : d.log.info)('secret written', { namespace, name, op: decision, drift: Boolean(drift) });
  }
  // Restart what uses the Secret only when its data changed: a first creation, a label or
  // annotation change, a resync and a restart (nothing written) restart nothing.
  let rollout: RolloutOutcome | undefined;
  if (written && live && live.dataHash !== written.dataHash && d.rollout) {
    rollout = await d.rollout.secretChanged({ owner: ss, namespace, secretName: name, dataHash: written.dataHash, targets: ss.rolloutTargets });
  }
  const secretRV = (written ?? live)!.resourceVersion;
  const prevMemo = d.memo.get(key);
  d.memo.set(key, { ...prevMemo, uid: ss.uid, generation: ss.generation, secretResourceVersion: secretRV });
  await writeStatus(ss, okState, d, rollout);
  return { outcome, work: DONE };
}

function statusSig(ss: SealedSecretView, s: ReadyState): string {
  return `${ss.uid}|${ss.generation}|${s.ready}|${s.reason}|${s.message}`;
}

/** True when the status must still be written (our cache may lag behind our own last patch). */
function statusNeeded(ss: SealedSecretView, state: ReadyState, d: ReconcileDeps): boolean {
  if (!nextStatus(ss, state, d.now())) return false;
  const m = d.memo.get(`${ss.namespace}/${ss.name}`);
  return !(m && m.statusFromRV === ss.resourceVersion && m.statusSig === statusSig(ss, state));
}

async function writeStatus(ss: SealedSecretView, state: ReadyState, d: ReconcileDeps, rollout?: RolloutOutcome): Promise<boolean> {
  if (!rollout && !statusNeeded(ss, state, d)) return false;
  const next = nextStatus(ss, state, d.now(), rollout)!;
  try {
    await d.status.patch(ss, next);
  } catch (err) {
    // Deleted or replaced meanwhile: nothing to report on.
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
  d.metrics?.statusPatches.inc();
  const key = `${ss.namespace}/${ss.name}`;
  const m = d.memo.get(key);
  const sig = { statusSig: statusSig(ss, state), statusFromRV: ss.resourceVersion };
  d.memo.set(key, m ? { ...m, ...sig } : { uid: ss.uid, generation: -1, secretResourceVersion: '', ...sig });
  return true;
}

async function fail(ss: SealedSecretView, state: ReadyState, d: ReconcileDeps, work: WorkResult): Promise<ReconcileResult> {
  d.metrics?.reconcileErrors.inc({ reason: state.reason });
  const wasSame = ss.status.ready?.status === 'False' && ss.status.ready.reason === state.reason;
  const patched = await writeStatus(ss, state, d);
  if (patched && !wasSame) {
    d.events.emit(ss, 'Warning', state.reason, state.message);
    d.log.warn('sealed secret not ready', { namespace: ss.namespace, name: ss.name, reason: state.reason });
  }
  return { outcome: state.reason === Reasons.SecretNotOwned ? 'not_owned' : 'failed', reason: state.reason, work };
}

/** API failures on the Secret: transient ones are retried quietly; others are also reported. */
async function writeFailed(ss: SealedSecretView, err: unknown, d: ReconcileDeps): Promise<ReconcileResult> {
  const transient =
    !(err instanceof ApiError) || err.statusCode === 409 || err.statusCode === 429 || err.statusCode >= 500;
  d.log.warn('secret write failed', { namespace: ss.namespace, name: ss.name, ...errorFields(err) });
  if (transient) {
    d.metrics?.reconcileErrors.inc({ reason: 'ApiError' });
    const minMs = retryAfterMs(err);
    return { outcome: 'failed', reason: 'ApiError', work: minMs === undefined ? { kind: 'retry' } : { kind: 'retry', minMs } };
  }
  const message = `could not write Secret ${ss.name}: ${(err as ApiError).message}`;
  return fail(ss, { ready: false, reason: Reasons.WriteFailed, message }, d, { kind: 'retry' });
}
