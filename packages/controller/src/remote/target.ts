// The Secret a RemoteSecret writes, and the ownership rules for writing it. The rules are the
// SealedSecret ones (src/reconcile/desired.ts) extended by the two creation policies only
// RemoteSecrets have:
//
//   Owner   the Secret is controlled by the RemoteSecret (ownerReference controller=true), so the
//           garbage collector deletes it with the RemoteSecret.
//   Orphan  no ownerReference: the Secret outlives the RemoteSecret. It carries the managed-by label
//           and the annotation sealkit.dev/remote-secret=<name>, which is how we recognise it as ours.
//   Merge   the Secret must already exist; we add (and keep correct) only our keys, recorded in the
//           annotation sealkit.dev/remote-secret-keys so keys we stop producing are removed.
//
// Whatever the policy, an existing Secret we do not own is never written unless it carries the
// opt-in annotation sealkit.dev/managed=true (Merge included: otherwise any RemoteSecret could
// write into any Secret of its namespace). A Secret controlled by another object is someone else's.
//
// The policies are options of the runtime's one Secret writer (src/secrets/): Owner is a
// controller reference, Orphan no reference of ours, Merge a merge into the live Secret with the
// keys we wrote listed in an annotation. What is RemoteSecret-specific is only the ownership rule
// (ownership() below) and the removal of a Merge target's keys.

import { MANAGED_BY_LABEL } from '@sealkit/core';
import { MANAGED_BY_VALUE, OPT_IN_ANNOTATION } from '../constants.js';
import { planSecretWrite, type ManagedSecret, type SecretObject, type SecretWrite } from '../secrets/plan.js';
import { RemoteError, Reason } from './errors.js';
import type { CreationPolicy, OwnerReference } from './types.js';
import { REMOTE_API_VERSION, REMOTE_SECRET_KIND } from './types.js';

// The runtime's names, re-exported for the RemoteSecret side's users and tests.
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OPT_IN_ANNOTATION };
/** Names the RemoteSecret that writes an Orphan or Merge target (same namespace). */
export const REMOTE_SECRET_ANNOTATION = 'sealkit.dev/remote-secret';
/** Merge targets: the keys this RemoteSecret put there, comma-separated. */
export const REMOTE_KEYS_ANNOTATION = 'sealkit.dev/remote-secret-keys';

/** A Secret as the API returns it. */
export type LiveSecret = SecretObject;

/** The Secret content a RemoteSecret asks for. */
export interface TargetContent {
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** base64 values */
  data: Record<string, string>;
}

export interface TargetOwner {
  namespace: string;
  name: string;
  uid: string;
  policy: CreationPolicy;
}

export function ownerReference(o: TargetOwner): OwnerReference {
  // blockOwnerDeletion as for SealedSecrets: foreground deletion of the RemoteSecret waits for the Secret.
  return { apiVersion: REMOTE_API_VERSION, kind: REMOTE_SECRET_KIND, name: o.name, uid: o.uid, controller: true, blockOwnerDeletion: true };
}

/** Why we may write a live Secret, or undefined when we may not. */
export function ownership(live: LiveSecret, o: TargetOwner): 'controller' | 'marker' | 'opt-in' | undefined {
  const md = live.metadata;
  const ctrl = (md.ownerReferences ?? []).find((r) => r.controller);
  if (ctrl && ctrl.uid === o.uid) return 'controller';
  const optIn = md.annotations?.[OPT_IN_ANNOTATION] === 'true';
  if (!ctrl && md.annotations?.[REMOTE_SECRET_ANNOTATION] === o.name && md.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return 'marker';
  return optIn ? 'opt-in' : undefined;
}

export type TargetWrite = SecretWrite;

function notOwned(ns: string, name: string, why: string): RemoteError {
  return new RemoteError(
    Reason.SecretNotOwned,
    `Secret ${ns}/${name} ${why}; sealkit will not overwrite it. Delete it, or annotate it with ${OPT_IN_ANNOTATION}=true to let sealkit take it over`,
    { retryable: true },
  );
}

/** The Secret a RemoteSecret asks for, with its creation policy as options of the Secret writer. */
export function targetSecret(c: TargetContent, o: TargetOwner, targetName: string): ManagedSecret {
  const base = { namespace: o.namespace, name: targetName, type: c.type, labels: { ...c.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, data: { ...c.data } };
  switch (o.policy) {
    case 'Owner':
      return { ...base, annotations: { ...c.annotations }, owners: { kind: 'controller', ref: ownerReference(o) } };
    case 'Orphan':
      return { ...base, annotations: { ...c.annotations, [REMOTE_SECRET_ANNOTATION]: o.name }, owners: { kind: 'none', ourUid: o.uid } };
    case 'Merge':
      // Merge never changes the type of someone else's Secret, nor its owners.
      return {
        ...base,
        annotations: { ...c.annotations, [REMOTE_SECRET_ANNOTATION]: o.name },
        owners: { kind: 'keep' },
        merge: { ownKeysAnnotation: REMOTE_KEYS_ANNOTATION, keepType: true },
      };
  }
}

/** Throws SecretNotOwned unless the RemoteSecret may write this Secret (undefined: none there). */
export function checkTarget(live: LiveSecret | undefined, o: TargetOwner, targetName: string): void {
  if (!live) {
    if (o.policy === 'Merge') {
      throw new RemoteError(Reason.SecretNotOwned, `Secret ${o.namespace}/${targetName} does not exist; creationPolicy Merge only adds keys to an existing Secret`, { retryable: true });
    }
    return;
  }
  if (!ownership(live, o)) {
    const ctrl = (live.metadata.ownerReferences ?? []).find((r) => r.controller);
    throw notOwned(o.namespace, targetName, ctrl ? `is controlled by ${ctrl.kind} ${ctrl.name}` : 'exists and is not managed by this RemoteSecret');
  }
}

/**
 * Decides the write that brings `live` (undefined: no such Secret) to the content asked for, or
 * throws SecretNotOwned. Nothing is written when nothing differs.
 */
export function planTargetWrite(live: LiveSecret | undefined, c: TargetContent, o: TargetOwner, targetName: string): TargetWrite {
  checkTarget(live, o, targetName);
  return planSecretWrite(live, targetSecret(c, o, targetName));
}

export type TargetRemoval = { op: 'none' } | { op: 'delete' } | { op: 'patch'; patch: object[] };

/**
 * deletionPolicy Delete, when every referenced Vault key is gone: delete a Secret we own, or take
 * our keys out of a Merge target. Never touches a Secret we do not own.
 */
export function planTargetRemoval(live: LiveSecret | undefined, o: TargetOwner): TargetRemoval {
  if (!live) return { op: 'none' };
  const own = ownership(live, o);
  if (!own || own === 'opt-in') return { op: 'none' };
  if (o.policy !== 'Merge') return { op: 'delete' };
  const ours = (live.metadata.annotations?.[REMOTE_KEYS_ANNOTATION] ?? '').split(',').filter(Boolean);
  const data = { ...(live.data ?? {}) };
  for (const k of ours) delete data[k];
  const annotations = { ...(live.metadata.annotations ?? {}) };
  delete annotations[REMOTE_KEYS_ANNOTATION];
  delete annotations[REMOTE_SECRET_ANNOTATION];
  return {
    op: 'patch',
    patch: [
      { op: 'add', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
      { op: 'add', path: '/metadata/annotations', value: annotations },
      { op: 'add', path: '/data', value: data },
    ],
  };
}

/** The RemoteSecret a managed Secret belongs to (for routing Secret events), if any. */
export function owningRemoteSecret(s: LiveSecret): string | undefined {
  const ctrl = (s.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === REMOTE_SECRET_KIND);
  if (ctrl) return ctrl.name;
  return s.metadata.annotations?.[REMOTE_SECRET_ANNOTATION];
}
