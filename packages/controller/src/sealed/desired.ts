import { MANAGED_BY_LABEL } from '@sealkit/core';
import { MANAGED_BY_VALUE, RETAINED_FROM_ANNOTATION, SEALED_SECRETS_GROUP_VERSION, type DeletionPolicy } from '../constants.js';
import type { ManagedSecret } from '../secrets/plan.js';
import { contentHash, controllerUid, type OwnerReference, type SealedSecretView, type SecretView } from './views.js';

/** The Secret a SealedSecret asks for: always controlled by it, plus the digest of its content. */
export interface DesiredSecret extends ManagedSecret {
  immutable: boolean;
  owners: { kind: 'controller'; ref: OwnerReference };
  hash: string;
  deletionPolicy: DeletionPolicy;
  /** Digest of the same Secret as released by this SealedSecret's name (deletionPolicy Retain). */
  retainedHash: string;
}

/** The controller reference every Secret of a SealedSecret carries. */
export function sealedSecretOwner(ss: Pick<SealedSecretView, 'name' | 'uid'>): OwnerReference {
  return { apiVersion: SEALED_SECRETS_GROUP_VERSION, kind: 'SealedSecret', name: ss.name, uid: ss.uid, controller: true, blockOwnerDeletion: true };
}

/** The Secret a SealedSecret asks for, from its template and its opened values. */
export function desiredSecret(ss: SealedSecretView, values: Record<string, Uint8Array>): DesiredSecret {
  const data: Record<string, string> = {};
  for (const k of Object.keys(values).sort()) data[k] = Buffer.from(values[k]!).toString('base64');
  const labels = { ...ss.template.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  const annotations = { ...ss.template.annotations };
  const type = ss.template.type ?? 'Opaque';
  const immutable = ss.template.immutable === true;
  return {
    namespace: ss.namespace,
    name: ss.name,
    type,
    immutable,
    labels,
    annotations,
    data,
    owners: { kind: 'controller', ref: sealedSecretOwner(ss) },
    hash: contentHash({ type, immutable, labels, annotations, data }),
    deletionPolicy: ss.deletionPolicy,
    retainedHash: contentHash({ type, immutable, ...releasedMetadata(labels, annotations, ss.name), data }),
  };
}

/**
 * The labels and annotations of a Secret once released (deletionPolicy Retain): the managed-by label
 * off, the annotation naming the SealedSecret it came from on; everything else as it was.
 */
export function releasedMetadata(labels: Record<string, string>, annotations: Record<string, string>, from: string) {
  const { [MANAGED_BY_LABEL]: _managed, ...kept } = labels;
  return { labels: kept, annotations: { ...annotations, [RETAINED_FROM_ANNOTATION]: from } };
}

export type Decision =
  /** No Secret of that name. */
  | 'create'
  /** Ours and already as desired. */
  | 'none'
  /** Ours (or opted in) and different: patch it. */
  | 'update'
  /** Ours (or opted in), but type or immutability forbid a patch: delete and create. */
  | 'recreate'
  /** Someone else's Secret: leave it alone and say so. */
  | 'not-owned';

/**
 * The ownership rule: a Secret is ours when its controller ownerReference is this SealedSecret
 * (same uid). Otherwise it is only touched when it carries the opt-in annotation
 * sealkit.dev/managed: "true" — never because of a name match, a label, or an owner that merely
 * looks like a SealedSecret of the same name. One exception, by design: a Secret this controller
 * released (deletionPolicy Retain; no controller reference, annotation sealkit.dev/retained-from
 * naming this SealedSecret) is taken back, without a write when nothing else changed.
 */
export function decide(live: SecretView | undefined, desired: DesiredSecret): Decision {
  if (!live) return 'create';
  const ours = controllerUid(live) === desired.owners.ref.uid;
  // Released by a SealedSecret of this name (deletionPolicy Retain): it may take the Secret back.
  const retained = live.retainedFrom === desired.name;
  if (!ours && !live.optIn && !retained) return 'not-owned';
  if (ours && live.hash === desired.hash && hasOurOwnerRef(live, desired)) return 'none';
  // Taken back as it is, without a write, by a SealedSecret that would release it again anyway.
  if (retained && desired.deletionPolicy === 'Retain' && live.hash === desired.retainedHash) return 'none';
  // The API server refuses to change a Secret's type, or anything of an immutable Secret but
  // its metadata; we keep only a digest of the live content, so any content difference on an
  // immutable Secret means delete and create.
  if (live.type !== desired.type) return 'recreate';
  if (live.immutable && live.hash !== desired.hash) return 'recreate';
  return 'update';
}

function hasOurOwnerRef(live: SecretView, d: DesiredSecret): boolean {
  return live.ownerReferences.some((r) => r.controller && r.uid === d.owners.ref.uid && r.kind === 'SealedSecret');
}
