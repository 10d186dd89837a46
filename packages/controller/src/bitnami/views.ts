import { createHash } from 'node:crypto';
import { BITNAMI_ANNOTATIONS, BITNAMI_API_VERSION, bitnamiScope, type Scope } from '@sealkit/core';
import { OPT_IN_ANNOTATION } from '../constants.js';
import type { Cached } from '../runtime/informer.js';
import { findCondition, objectIdentity, secretTemplate, stringList, observedGeneration, ownerReferences, sortedEntries, stringMap, type OwnerReference } from '../runtime/object-fields.js';

/** What the controller keeps of a Bitnami SealedSecret: identity, the spec to open, its status. */
export interface BitnamiSealedSecretView extends Cached {
  uid: string;
  generation: number;
  deleting: boolean;
  /** From the top-level annotations, as the Bitnami controller reads it. */
  scope: Scope;
  /** The object as core's unsealBitnamiSealedSecret takes it (metadata reduced to what opening uses). */
  sealed: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: unknown;
  };
  /** Template metadata beyond labels/annotations that the Bitnami controller copies onto a new Secret. */
  template: {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    finalizers: string[] | undefined;
    ownerReferences: unknown[] | undefined;
    type: string | undefined;
    immutable: boolean | undefined;
  };
  status: { observedGeneration: number | undefined; synced: SyncedCondition | undefined };
}

export interface SyncedCondition {
  type: 'Synced';
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function bitnamiSealedSecretView(raw: any): BitnamiSealedSecretView {
  const md = raw?.metadata ?? {};
  const tpl = raw?.spec?.template ?? {};
  const tmd = tpl.metadata ?? {};
  const annotations = stringMap(md.annotations);
  const synced = findCondition(raw, 'Synced');
  return {
    ...objectIdentity(raw),
    scope: bitnamiScope({ annotations }),
    sealed: {
      apiVersion: BITNAMI_API_VERSION,
      kind: 'SealedSecret',
      metadata: { name: md.name ?? '', namespace: md.namespace ?? '', annotations },
      spec: raw?.spec ?? {},
    },
    template: {
      ...secretTemplate(tpl),
      finalizers: stringList(tmd.finalizers),
      ownerReferences: Array.isArray(tmd.ownerReferences) ? tmd.ownerReferences : undefined,
    },
    status: {
      observedGeneration: observedGeneration(raw),
      synced: synced
        ? {
            type: 'Synced',
            status: synced.status,
            ...(typeof synced.lastUpdateTime === 'string' ? { lastUpdateTime: synced.lastUpdateTime } : {}),
            ...(typeof synced.lastTransitionTime === 'string' ? { lastTransitionTime: synced.lastTransitionTime } : {}),
            ...(typeof synced.reason === 'string' ? { reason: synced.reason } : {}),
            ...(typeof synced.message === 'string' ? { message: synced.message } : {}),
          }
        : undefined,
    },
  };
}

/**
 * What the controller keeps of any Secret in the watched namespaces (Bitnami's Secrets carry no
 * label to select them by): identity, ownership, the two opt-in annotations, and a digest of what
 * a non-patching update replaces. The values themselves are not kept.
 */
export interface BitnamiSecretView extends Cached {
  uid: string;
  type: string;
  immutable: boolean;
  controllerUid: string | undefined;
  managed: boolean;
  patch: boolean;
  /** sealkit's opt-in (sealkit.dev/managed: "true"), set when handing the Secret over to a sealkit SealedSecret. */
  sealkitOptIn: boolean;
  hash: string;
}

export interface ManagedContent {
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: readonly OwnerReference[];
  data: Record<string, string>;
}

/** Digest of the parts a Bitnami update replaces; equal digests mean the update would change nothing. */
export function managedHash(c: ManagedContent): string {
  const owners = ownerReferences(c.ownerReferences).map((r) => [r.apiVersion, r.kind, r.name, r.uid, r.controller ?? null, r.blockOwnerDeletion ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([c.type, sortedEntries(c.labels), sortedEntries(c.annotations), owners, sortedEntries(c.data)]))
    .digest('base64');
}

export function bitnamiSecretView(raw: any): BitnamiSecretView {
  const md = raw?.metadata ?? {};
  const annotations = stringMap(md.annotations);
  const owners = ownerReferences(md.ownerReferences);
  const type = typeof raw?.type === 'string' && raw.type ? raw.type : 'Opaque';
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    uid: md.uid ?? '',
    type,
    immutable: raw?.immutable === true,
    controllerUid: owners.find((r) => r.controller)?.uid,
    managed: annotations[BITNAMI_ANNOTATIONS.managed] === 'true',
    patch: annotations[BITNAMI_ANNOTATIONS.patch] === 'true',
    sealkitOptIn: annotations[OPT_IN_ANNOTATION] === 'true',
    hash: managedHash({ type, labels: stringMap(md.labels), annotations, ownerReferences: owners, data: stringMap(raw?.data) }),
  };
}
