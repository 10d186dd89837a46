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
// How the write is made is shared with the runtime (src/secret-patch.ts: the JSON patch with a
// resourceVersion precondition, other owners' references kept). Deciding it is not: the runtime's
// decide() works on cached digests of Secrets labelled as ours and always sets a SealedSecret
// controller reference, while Orphan and Merge targets need the live Secret (marker annotation,
// keys merged into someone else's Secret), so planTargetWrite compares the live content itself.

import { MANAGED_BY_LABEL } from '@sealkit/core';
import { MANAGED_BY_VALUE, OPT_IN_ANNOTATION } from '../constants.js';
import { foreignOwnerReferences, mergeOwnerReferences, replaceManagedFields } from '../secrets/patch.js';
import { sortedEntries } from '../runtime/object-fields.js';
import { RemoteError, Reason } from './errors.js';
import type { CreationPolicy, OwnerReference } from './types.js';
import { REMOTE_API_VERSION, REMOTE_SECRET_KIND } from './types.js';

// The runtime's names, re-exported for the RemoteSecret side's users and tests.
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OPT_IN_ANNOTATION };
/** Names the RemoteSecret that writes an Orphan or Merge target (same namespace). */
export const REMOTE_SECRET_ANNOTATION = 'sealkit.dev/remote-secret';
/** Merge targets: the keys this RemoteSecret put there, comma-separated. */
export const REMOTE_KEYS_ANNOTATION = 'sealkit.dev/remote-secret-keys';

/** A Secret as the API returns it (the fields we read). */
export interface LiveSecret {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [k: string]: unknown;
  };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

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

export type TargetWrite =
  | { op: 'none' }
  | { op: 'create'; body: LiveSecret }
  | { op: 'patch'; patch: object[] }
  /** Type changes are refused by the API server: delete (with preconditions) and create. */
  | { op: 'recreate'; body: LiveSecret };

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(sortedEntries(a ?? {})) === JSON.stringify(sortedEntries(b ?? {}));
const sameRefs = (a: OwnerReference[] | undefined, b: OwnerReference[]) =>
  JSON.stringify((a ?? []).map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller === true])) ===
  JSON.stringify(b.map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller === true]));

function notOwned(ns: string, name: string, why: string): RemoteError {
  return new RemoteError(
    Reason.SecretNotOwned,
    `Secret ${ns}/${name} ${why}; sealkit will not overwrite it. Delete it, or annotate it with ${OPT_IN_ANNOTATION}=true to let sealkit take it over`,
    { retryable: true },
  );
}

/** What the full Secret should look like given the live one (Merge keeps what is not ours). */
function finalContent(live: LiveSecret | undefined, c: TargetContent, o: TargetOwner) {
  const liveMd = live?.metadata;
  if (o.policy === 'Merge') {
    const previous = (liveMd?.annotations?.[REMOTE_KEYS_ANNOTATION] ?? '').split(',').filter(Boolean);
    const data: Record<string, string> = { ...(live?.data ?? {}) };
    for (const k of previous) if (!(k in c.data)) delete data[k];
    Object.assign(data, c.data);
    const annotations = { ...(liveMd?.annotations ?? {}), ...c.annotations, [REMOTE_SECRET_ANNOTATION]: o.name, [REMOTE_KEYS_ANNOTATION]: Object.keys(c.data).sort().join(',') };
    const labels = { ...(liveMd?.labels ?? {}), ...c.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
    // Merge never changes the type of someone else's Secret, nor its owners.
    return { type: live?.type ?? 'Opaque', labels, annotations, data, ownerReferences: liveMd?.ownerReferences ?? [] };
  }
  const labels = { ...c.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  const annotations = { ...c.annotations };
  const liveRefs = liveMd?.ownerReferences ?? [];
  let ownerReferences: OwnerReference[];
  if (o.policy === 'Owner') ownerReferences = mergeOwnerReferences(liveRefs, ownerReference(o));
  else {
    annotations[REMOTE_SECRET_ANNOTATION] = o.name;
    ownerReferences = foreignOwnerReferences(liveRefs, o.uid);
  }
  return { type: c.type, labels, annotations, data: { ...c.data }, ownerReferences };
}

/**
 * Decides the write that brings `live` (undefined: no such Secret) to the content asked for, or
 * throws SecretNotOwned. Nothing is written when nothing differs.
 */
export function planTargetWrite(live: LiveSecret | undefined, c: TargetContent, o: TargetOwner, targetName: string): TargetWrite {
  if (!live) {
    if (o.policy === 'Merge') {
      throw new RemoteError(Reason.SecretNotOwned, `Secret ${o.namespace}/${targetName} does not exist; creationPolicy Merge only adds keys to an existing Secret`, { retryable: true });
    }
    const f = finalContent(undefined, c, o);
    return { op: 'create', body: secretBody(o.namespace, targetName, f) };
  }
  const own = ownership(live, o);
  if (!own) {
    const ctrl = (live.metadata.ownerReferences ?? []).find((r) => r.controller);
    throw notOwned(o.namespace, targetName, ctrl ? `is controlled by ${ctrl.kind} ${ctrl.name}` : 'exists and is not managed by this RemoteSecret');
  }
  const f = finalContent(live, c, o);
  const liveType = live.type || 'Opaque';
  if (o.policy !== 'Merge' && (liveType !== f.type || live.immutable === true)) {
    const same = liveType === f.type && sameMap(live.data, f.data) && sameMap(live.metadata.labels, f.labels) && sameMap(live.metadata.annotations, f.annotations) && sameRefs(live.metadata.ownerReferences, f.ownerReferences);
    if (same) return { op: 'none' };
    return { op: 'recreate', body: secretBody(o.namespace, targetName, f) };
  }
  if (
    sameMap(live.data, f.data) &&
    sameMap(live.metadata.labels, f.labels) &&
    sameMap(live.metadata.annotations, f.annotations) &&
    sameRefs(live.metadata.ownerReferences, f.ownerReferences)
  ) {
    return { op: 'none' };
  }
  return { op: 'patch', patch: replaceManagedFields(live.metadata.resourceVersion, f) };
}

function secretBody(namespace: string, name: string, f: ReturnType<typeof finalContent>): LiveSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: f.labels,
      annotations: f.annotations,
      ...(f.ownerReferences.length ? { ownerReferences: f.ownerReferences } : {}),
    },
    type: f.type,
    data: f.data,
  };
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
