import { BITNAMI_ANNOTATIONS, BITNAMI_API_VERSION } from '@sealkit/core';
import { OPT_IN_ANNOTATION, SEALED_SECRETS_GROUP_VERSION } from '../constants.js';
import type { EventSink } from '../runtime/events.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '@sealkit/kube';
import { splitKey } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { WorkResult } from '../runtime/workqueue.js';
import type { OpenResult } from './opener.js';
import { bitnamiSecretView, managedHash, type BitnamiSealedSecretView, type BitnamiSecretView, type SyncedCondition } from './views.js';
import type { OwnerReference } from '../runtime/object-fields.js';
import { isUpToDate, type ManagedSecret } from '../secrets/plan.js';
import type { SecretWriter } from '../secrets/writer.js';

/**
 * One pass over one Bitnami SealedSecret, with the Bitnami controller's rules (pkg/controller,
 * v0.36), so that switching controllers changes no Secret:
 * - open every value (scope from the top-level annotations); failure: event ErrUnsealFailed,
 *   condition Synced=False, the existing Secret untouched;
 * - no Secret: create it from the template (labels, annotations, finalizers, type, immutable) with
 *   an ownerReference {bitnami.com/v1alpha1 SealedSecret, controller: true}, none when the
 *   template says sealedsecrets.bitnami.com/skip-set-owner-references: "true";
 * - a Secret it does not control and that has neither sealedsecrets.bitnami.com/managed nor
 *   .../patch "true": event ErrUpdateFailed "Resource ... already exists and is not managed by SealedSecret";
 * - patch annotation: data, labels and annotations merged into the Secret's (ownerReferences set
 *   only when it is also `managed`); otherwise data, labels, annotations and ownerReferences
 *   replaced; type set from the template; written only when something differs;
 * - condition Synced (status True/False, message, lastUpdateTime, lastTransitionTime) and
 *   status.observedGeneration, written when the status flips or the generation moved.
 * Differences, on purpose: retries never stop (Bitnami gives up after 5), the Unsealed event is sent
 * when the Secret was written (not on every pass), and the Secret is re-read only when needed.
 */

/** The writes a Bitnami reconcile makes: the runtime's Secret writer and a status patch. */
export type SecretsApi = Pick<SecretWriter, 'create' | 'update' | 'get' | 'annotate'>;

export interface StatusApi {
  patch(ss: BitnamiSealedSecretView, status: { observedGeneration: number; conditions: SyncedCondition[] }): Promise<void>;
}

export interface Memo {
  uid: string;
  generation: number;
  secretResourceVersion: string;
}

export interface BitnamiReconcileDeps {
  sealedSecret(namespace: string, name: string): BitnamiSealedSecretView | undefined;
  cachedSecret(namespace: string, name: string): BitnamiSecretView | undefined;
  /** Whether keys are loaded yet. */
  ready(): boolean;
  open(ss: BitnamiSealedSecretView): Promise<OpenResult>;
  secrets: SecretsApi;
  status: StatusApi;
  events: EventSink;
  now(): Date;
  memo: Map<string, Memo>;
  log: Logger;
  observe?(outcome: string, reason?: string): void;
  /** Whether a sealkit.dev SealedSecret of the same namespace/name exists (it then owns the Secret). */
  sealkitOwner?(namespace: string, name: string): boolean;
  /** Asks the sealkit controller to look at its SealedSecret now (after the hand-over annotation). */
  handOver?(key: string): void;
}

export const EventReasons = { Unsealed: 'Unsealed', ErrUnsealFailed: 'ErrUnsealFailed', ErrUpdateFailed: 'ErrUpdateFailed' } as const;

const DONE: WorkResult = { kind: 'done' };
const RETRY: WorkResult = { kind: 'retry' };

/** The Secret Bitnami would write, plus the digest of what its update replaces. */
export interface DesiredBitnamiSecret extends ManagedSecret {
  immutable: boolean | undefined;
  owners: { kind: 'exact'; refs: OwnerReference[] };
  hash: string;
}

/** The Secret the Bitnami controller would make from this SealedSecret and its opened values. */
export function desiredBitnamiSecret(ss: BitnamiSealedSecretView, data: Record<string, string>): DesiredBitnamiSecret {
  const t = ss.template;
  const skip = t.annotations[BITNAMI_ANNOTATIONS.skipSetOwnerReferences] === 'true';
  // Bitnami sets the owner list whole: its own reference, or (skip) the template's.
  const refs: OwnerReference[] = skip
    ? ((t.ownerReferences ?? []) as OwnerReference[])
    : [{ apiVersion: BITNAMI_API_VERSION, kind: 'SealedSecret', name: ss.name, uid: ss.uid, controller: true }];
  // An empty template type is sent as "" and defaulted to Opaque by the API server.
  const type = t.type ?? 'Opaque';
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(data).sort()) sorted[k] = data[k]!;
  return {
    namespace: ss.namespace,
    name: ss.name,
    type,
    immutable: t.immutable,
    labels: { ...t.labels },
    annotations: { ...t.annotations },
    ...(t.finalizers ? { finalizers: t.finalizers } : {}),
    owners: { kind: 'exact', refs },
    data: sorted,
    hash: managedHash({ type, labels: t.labels, annotations: t.annotations, ownerReferences: refs, data: sorted }),
  };
}

function syncedStatus(ss: BitnamiSealedSecretView, ok: boolean, message: string, now: Date): { observedGeneration: number; conditions: SyncedCondition[] } | undefined {
  const cur = ss.status.synced;
  const status = ok ? 'True' : 'False';
  const msg = message;
  const flips = cur?.status !== status;
  const moved = ss.status.observedGeneration !== ss.generation;
  // Bitnami writes on a flip or a new generation; a changed failure message is worth a write too.
  if (!flips && !moved && (cur?.message ?? '') === msg) return undefined;
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cond: SyncedCondition = {
    type: 'Synced',
    status,
    lastUpdateTime: at,
    lastTransitionTime: flips ? at : (cur?.lastTransitionTime ?? at),
  };
  if (msg) cond.message = msg;
  return { observedGeneration: ss.generation, conditions: [cond] };
}

async function writeStatus(ss: BitnamiSealedSecretView, ok: boolean, message: string, d: BitnamiReconcileDeps): Promise<void> {
  const next = syncedStatus(ss, ok, message, d.now());
  if (!next) return;
  try {
    await d.status.patch(ss, next);
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return;
    d.log.warn('could not update Bitnami SealedSecret status', { namespace: ss.namespace, name: ss.name, status: err instanceof ApiError ? err.statusCode : 0 });
  }
}

const target = (ss: BitnamiSealedSecretView) => ({ namespace: ss.namespace, name: ss.name, uid: ss.uid, kind: 'SealedSecret', apiVersion: BITNAMI_API_VERSION });

export async function reconcileBitnami(key: string, d: BitnamiReconcileDeps): Promise<WorkResult> {
  const { namespace, name } = splitKey(key);
  const ss = d.sealedSecret(namespace, name);
  if (!ss || ss.deleting) {
    d.memo.delete(key);
    d.observe?.('gone');
    return DONE;
  }
  if (d.sealkitOwner?.(namespace, name)) return handOver(key, ss, d);
  const memo = d.memo.get(key);
  const cached = d.cachedSecret(namespace, name);
  if (memo && memo.uid === ss.uid && memo.generation === ss.generation && cached && cached.resourceVersion === memo.secretResourceVersion && ss.status.synced?.status === 'True' && ss.status.observedGeneration === ss.generation) {
    d.observe?.('unchanged');
    return DONE;
  }
  if (!d.ready()) return { kind: 'after', ms: 2000 };

  const opened = await d.open(ss);
  if (!opened.ok) {
    if (opened.code === 'internal') return RETRY;
    d.events.emit(target(ss), 'Warning', EventReasons.ErrUnsealFailed, `Failed to unseal: ${opened.message}`);
    await writeStatus(ss, false, opened.message, d);
    d.observe?.('failed', 'unseal');
    return RETRY;
  }
  const desired = desiredBitnamiSecret(ss, opened.data);
  // Bitnami's event carries the message, its condition the error: "failed update: <message>".
  const updateFailed = async (message: string, condition = message): Promise<WorkResult> => {
    d.events.emit(target(ss), 'Warning', EventReasons.ErrUpdateFailed, message);
    await writeStatus(ss, false, condition, d);
    d.observe?.('failed', 'update');
    return RETRY;
  };

  let live = cached;
  let written: BitnamiSecretView | undefined;
  let op = 'none';
  try {
    if (!live) {
      try {
        written = bitnamiSecretView(await d.secrets.create(desired));
        op = 'create';
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const raw = await d.secrets.get(namespace, name);
        if (!raw) return RETRY;
        live = bitnamiSecretView(raw);
      }
    }
    // Checked after a create too, as Bitnami does: a Secret created without an ownerReference
    // (skip-set-owner-references) is then reported as not managed, unless its template also says
    // sealedsecrets.bitnami.com/managed: "true".
    const check = written ?? live;
    if (check && check.controllerUid !== ss.uid && !check.managed && !check.patch) {
      const msg = `Resource "${name}" already exists and is not managed by SealedSecret`;
      if (written) d.memo.delete(key);
      return await updateFailed(msg, `failed update: ${msg}`);
    }
    if (live && !written) {
      // Only at creation: an existing Secret keeps its immutability and finalizers, as with Bitnami.
      const update = { ...desired, immutable: undefined, finalizers: undefined };
      if (live.patch) {
        // Merged into what is there (data, labels, annotations; owners only when also `managed`):
        // needs the live values, read now.
        const raw = await d.secrets.get(namespace, name);
        if (!raw) return RETRY;
        const merged: ManagedSecret = { ...update, owners: live.managed ? desired.owners : { kind: 'keep' }, merge: {} };
        if (!isUpToDate(raw, merged)) {
          written = bitnamiSecretView(await d.secrets.update(raw, merged));
          op = 'update';
        }
      } else if (live.hash !== desired.hash) {
        written = bitnamiSecretView(await d.secrets.update({ metadata: { namespace, name, resourceVersion: live.resourceVersion } }, update));
        op = 'update';
      }
    }
  } catch (err) {
    if (err instanceof ApiError && (err.statusCode === 409 || err.statusCode === 429 || err.statusCode >= 500)) {
      d.observe?.('failed', 'api');
      return RETRY;
    }
    const immutable = err instanceof ApiError && err.statusCode === 422;
    return updateFailed(
      immutable
        ? `Error updating ${key}: the target Secret is immutable, or its type differs; delete the Secret to let it be recreated`
        : `could not write Secret ${name}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (written) {
    d.events.emit(target(ss), 'Normal', EventReasons.Unsealed, 'SealedSecret unsealed successfully');
    d.log.info('secret written', { namespace, name, op, format: 'bitnami' });
  }
  d.memo.set(key, { uid: ss.uid, generation: ss.generation, secretResourceVersion: (written ?? live)!.resourceVersion });
  await writeStatus(ss, true, '', d);
  d.observe?.(op === 'none' ? 'unchanged' : op === 'create' ? 'created' : 'updated');
  return DONE;
}

/**
 * A sealkit.dev SealedSecret of the same namespace/name exists (`sealkit migrate`, then applied):
 * it owns the Secret from now on. The Bitnami side stops writing it and, if it still controls the
 * Secret, marks it with sealkit's opt-in annotation, so the sealkit controller takes it over in
 * place (replacing the ownerReference) instead of refusing it. Once that is done, deleting the
 * Bitnami SealedSecret no longer garbage-collects the Secret.
 */
async function handOver(key: string, ss: BitnamiSealedSecretView, d: BitnamiReconcileDeps): Promise<WorkResult> {
  const live = d.cachedSecret(ss.namespace, ss.name);
  // Ours: controlled by this SealedSecret, or made without an ownerReference because its template said so.
  const skip = ss.template.annotations[BITNAMI_ANNOTATIONS.skipSetOwnerReferences] === 'true';
  const ours = live !== undefined && (live.controllerUid === ss.uid || (skip && live.controllerUid === undefined));
  if (live && ours && !live.sealkitOptIn) {
    try {
      await d.secrets.annotate(ss.namespace, ss.name, live.resourceVersion, { [OPT_IN_ANNOTATION]: 'true' });
    } catch (err) {
      if (isNotFound(err)) return DONE;
      d.observe?.('failed', 'api');
      return RETRY;
    }
    d.log.info('secret handed over to sealkit', { namespace: ss.namespace, name: ss.name });
  }
  d.handOver?.(key);
  d.memo.delete(key);
  await writeStatus(ss, true, `handed over to the ${SEALED_SECRETS_GROUP_VERSION} SealedSecret ${key}`, d);
  d.observe?.('handed_over');
  return DONE;
}
