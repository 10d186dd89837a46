// Readers for the fields of raw API objects, shared by the cache projections of both SealedSecret
// formats (reconcile/views.ts, bitnami/views.ts). Informers hand them untyped objects; reading
// them one way means a Secret is projected and digested alike whichever controller cached it.

export type { OwnerReference } from '@sealkit/core';
import type { OwnerReference } from '@sealkit/core';

/** The identity every cached projection carries (metadata read one way for every kind). */
export function objectIdentity(raw: any): { namespace: string; name: string; resourceVersion: string; uid: string; generation: number; deleting: boolean } {
  const md = raw?.metadata ?? {};
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    uid: md.uid ?? '',
    generation: Number(md.generation ?? 0),
    deleting: Boolean(md.deletionTimestamp),
  };
}

/** The string values of a map field (labels, annotations, data); absent or malformed reads as empty. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

/** A map as [key, value] pairs in key order: digests must not depend on the order the API server sent. */
export function sortedEntries(m: Record<string, string>): [string, string][] {
  return Object.keys(m)
    .sort()
    .map((k) => [k, m[k]!]);
}

/** metadata.ownerReferences with the identity fields as strings and the two flags only when set. */
export function ownerReferences(refs: unknown): OwnerReference[] {
  if (!Array.isArray(refs)) return [];
  return refs.map((r: any) => ({
    apiVersion: String(r?.apiVersion ?? ''),
    kind: String(r?.kind ?? ''),
    name: String(r?.name ?? ''),
    uid: String(r?.uid ?? ''),
    ...(r?.controller !== undefined ? { controller: Boolean(r.controller) } : {}),
    ...(r?.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: Boolean(r.blockOwnerDeletion) } : {}),
  }));
}

/** status.observedGeneration, when the object has one. */
export function observedGeneration(raw: any): number | undefined {
  return typeof raw?.status?.observedGeneration === 'number' ? raw.status.observedGeneration : undefined;
}

/** The raw status condition of that type, if any (each view keeps its own fields of it). */
export function findCondition(raw: any, type: string): any {
  const conds: unknown = raw?.status?.conditions;
  return Array.isArray(conds) ? conds.find((c) => c?.type === type) : undefined;
}

/** The strings of a list field (finalizers), or undefined when it is not a list. */
export function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** What a SealedSecret's spec.template says of the Secret besides its data (either format). */
export function secretTemplate(tpl: any): { labels: Record<string, string>; annotations: Record<string, string>; type: string | undefined; immutable: boolean | undefined } {
  return {
    labels: stringMap(tpl?.metadata?.labels),
    annotations: stringMap(tpl?.metadata?.annotations),
    type: typeof tpl?.type === 'string' && tpl.type ? tpl.type : undefined,
    immutable: typeof tpl?.immutable === 'boolean' ? tpl.immutable : undefined,
  };
}
