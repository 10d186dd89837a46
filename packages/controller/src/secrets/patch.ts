// How our controllers overwrite the part of an existing Secret they manage. SealedSecrets
// (secret-writer.ts), Bitnami SealedSecrets (bitnami/reconcile.ts) and RemoteSecrets
// (remote/target.ts) decide differently what to write, but write it the same way, so that the
// three never disagree about what is theirs to replace on a Secret.
import type { OwnerReference } from '../runtime/object-fields.js';

/** Other objects' non-controller references: not ours to drop when we write the Secret. */
export function foreignOwnerReferences(existing: readonly OwnerReference[], ourUid: string): OwnerReference[] {
  return existing.filter((r) => !r.controller && r.uid !== ourUid);
}

/** Owner references for an update: ours as the controller, plus any non-controller ones already there. */
export function mergeOwnerReferences(existing: readonly OwnerReference[], ours: OwnerReference): OwnerReference[] {
  return [...foreignOwnerReferences(existing, ours.uid), ours];
}

/** The fields of a Secret an update replaces whole. */
export interface ManagedFields {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: readonly OwnerReference[];
  data: Record<string, string>;
}

/**
 * A JSON patch replacing labels, annotations, ownerReferences and data whole (a merge patch could
 * only add), leaving fields we do not manage (finalizers, type) alone, and carrying the
 * resourceVersion we decided on, so a concurrent change makes the API server answer 409 instead
 * of being overwritten. Callers may push more ops (type, immutable) onto the array returned.
 */
export function replaceManagedFields(resourceVersion: string | undefined, f: ManagedFields): object[] {
  return [
    { op: 'add', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'add', path: '/metadata/labels', value: f.labels },
    { op: 'add', path: '/metadata/annotations', value: f.annotations },
    { op: 'add', path: '/metadata/ownerReferences', value: f.ownerReferences },
    { op: 'add', path: '/data', value: f.data },
  ];
}
