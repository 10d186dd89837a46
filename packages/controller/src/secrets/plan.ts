// What a managed Secret should become, for every kind that writes one. SealedSecrets, Bitnami
// SealedSecrets and RemoteSecrets decide differently *whether* they may write a Secret (each
// kind's own ownership rule), but once they may, they describe the Secret they want the same way
// (ManagedSecret, with the ownership and merge options below) and it is written the same way.
import type { OwnerReference } from '../runtime/object-fields.js';
import { sortedEntries } from '../runtime/object-fields.js';
import { foreignOwnerReferences, mergeOwnerReferences, replaceManagedFields } from './patch.js';

/** A Secret as the API returns it (the fields we read and write). */
export interface SecretObject {
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
    finalizers?: string[];
    [k: string]: unknown;
  };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

/** Whose ownerReferences the Secret carries. Other objects' non-controller references are kept unless `exact`. */
export type Ownership =
  /** Ours as the controller (SealedSecrets, RemoteSecret Owner, Bitnami by default). */
  | { kind: 'controller'; ref: OwnerReference }
  /** None of ours; a controller reference of ours (uid) is taken off (RemoteSecret Orphan, a retained Secret). */
  | { kind: 'none'; ourUid: string }
  /** Exactly this list (Bitnami's sealedsecrets.bitnami.com/skip-set-owner-references and `managed` rules). */
  | { kind: 'exact'; refs: OwnerReference[] }
  /** Left as they are (RemoteSecret Merge, Bitnami `patch` without `managed`). */
  | { kind: 'keep' };

/** The Secret a kind wants. */
export interface ManagedSecret {
  namespace: string;
  name: string;
  type: string;
  /** Set on create; on update only when true (a Secret cannot be made mutable again). */
  immutable?: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** base64 values */
  data: Record<string, string>;
  /** Copied onto a new Secret only (Bitnami templates). */
  finalizers?: string[];
  owners: Ownership;
  /**
   * Merge into the live Secret instead of replacing its labels, annotations and data (RemoteSecret
   * Merge, Bitnami `patch`): ours win, theirs stay. With `ownKeysAnnotation`, that annotation lists
   * the data keys we wrote, so keys we no longer produce are taken out again; `keepType` leaves
   * the live type alone. A merge never deletes and recreates.
   */
  merge?: { ownKeysAnnotation?: string; keepType?: boolean };
}

/** The whole of what an update writes (labels, annotations, owners and data replaced as a whole). */
export interface SecretContent {
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: OwnerReference[];
  data: Record<string, string>;
}

export function ownerReferencesFor(live: readonly OwnerReference[], o: Ownership): OwnerReference[] {
  switch (o.kind) {
    case 'controller':
      return mergeOwnerReferences(live, o.ref);
    case 'none':
      return foreignOwnerReferences(live, o.ourUid);
    case 'exact':
      return [...o.refs];
    case 'keep':
      return [...live];
  }
}

/** What the Secret holds after our write, given what is there now (undefined: nothing). */
export function finalContent(live: SecretObject | undefined, d: ManagedSecret): SecretContent {
  const md = live?.metadata;
  const ownerReferences = ownerReferencesFor(md?.ownerReferences ?? [], d.owners);
  if (!d.merge || !live) {
    return { type: d.type, labels: { ...d.labels }, annotations: { ...d.annotations }, ownerReferences, data: { ...d.data } };
  }
  const data: Record<string, string> = { ...(live.data ?? {}) };
  const annotations = { ...(md?.annotations ?? {}), ...d.annotations };
  const own = d.merge.ownKeysAnnotation;
  if (own) {
    for (const k of (md?.annotations?.[own] ?? '').split(',')) if (k && !(k in d.data)) delete data[k];
    annotations[own] = Object.keys(d.data).sort().join(',');
  }
  Object.assign(data, d.data);
  return {
    type: d.merge.keepType ? (live.type || 'Opaque') : d.type,
    labels: { ...(md?.labels ?? {}), ...d.labels },
    annotations,
    ownerReferences,
    data,
  };
}

/** The body that creates the Secret (empty maps and lists left out, as the API server stores them). */
export function secretBody(d: ManagedSecret): SecretObject {
  const f = finalContent(undefined, d);
  const metadata: SecretObject['metadata'] = { name: d.name, namespace: d.namespace };
  if (Object.keys(f.labels).length) metadata.labels = f.labels;
  if (Object.keys(f.annotations).length) metadata.annotations = f.annotations;
  if (f.ownerReferences.length) metadata.ownerReferences = f.ownerReferences;
  if (d.finalizers?.length) metadata.finalizers = [...d.finalizers];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    type: f.type,
    data: f.data,
    ...(d.immutable !== undefined ? { immutable: d.immutable } : {}),
  };
}

/** The JSON patch that brings `live` to the content asked for, conditional on live's resourceVersion. */
export function updatePatch(live: SecretObject, d: ManagedSecret): object[] {
  const f = finalContent(live, d);
  const ops = replaceManagedFields(live.metadata.resourceVersion, f);
  ops.push({ op: 'add', path: '/type', value: f.type });
  if (d.immutable === true) ops.push({ op: 'add', path: '/immutable', value: true });
  return ops;
}

export type SecretWrite =
  | { op: 'none' }
  | { op: 'create'; body: SecretObject }
  | { op: 'update'; patch: object[] }
  /** The API server refuses type changes and edits of an immutable Secret: delete (with preconditions) and create. */
  | { op: 'recreate'; body: SecretObject };

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  JSON.stringify(sortedEntries(a ?? {})) === JSON.stringify(sortedEntries(b ?? {}));
const refKey = (refs: readonly OwnerReference[] | undefined) =>
  JSON.stringify((refs ?? []).map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller === true]));

/** Whether `live` already holds what our write would leave (then nothing is written). */
export function isUpToDate(live: SecretObject, d: ManagedSecret): boolean {
  const f = finalContent(live, d);
  return (
    (live.type || 'Opaque') === f.type &&
    sameMap(live.data, f.data) &&
    sameMap(live.metadata.labels, f.labels) &&
    sameMap(live.metadata.annotations, f.annotations) &&
    refKey(live.metadata.ownerReferences) === refKey(f.ownerReferences) &&
    (d.immutable !== true || live.immutable === true)
  );
}

/** The write that brings the live Secret (read in full) to what the kind asks for; the caller has checked it may write it. */
export function planSecretWrite(live: SecretObject | undefined, d: ManagedSecret): SecretWrite {
  if (!live) return { op: 'create', body: secretBody(d) };
  if (isUpToDate(live, d)) return { op: 'none' };
  if (!d.merge && ((live.type || 'Opaque') !== d.type || live.immutable === true)) return { op: 'recreate', body: secretBody(d) };
  return { op: 'update', patch: updatePatch(live, d) };
}
