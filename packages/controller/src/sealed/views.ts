import { contentHash } from '../secrets/digest.js';
import type { Condition } from '../runtime/status.js';
import type { SecretObject } from '../secrets/plan.js';
import type { Cached } from '../runtime/informer.js';
import { OPT_IN_ANNOTATION, MANAGED_BY_VALUE } from '../constants.js';
import { MANAGED_BY_LABEL } from '@sealkit/core';
import { findCondition, objectIdentity, observedGeneration, ownerReferences, sortedEntries, stringMap, type OwnerReference } from '../runtime/object-fields.js';

export type { OwnerReference, Condition };
export { contentHash };

/** What the controller keeps of a SealedSecret: identity, spec, and the part of status it owns. */
export interface SealedSecretView extends Cached {
  uid: string;
  generation: number;
  deleting: boolean;
  encryptedData: Record<string, string>;
  template: {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    type: string | undefined;
    immutable: boolean | undefined;
  };
  status: { observedGeneration: number | undefined; ready: Condition | undefined };
  /** Why the spec cannot be used, when it is malformed (the CRD schema should prevent it). */
  specError: string | undefined;
}

/**
 * What the controller keeps of a managed Secret: identity, ownership, and a digest of the content
 * it manages. The values themselves are not kept: comparing digests tells "already up to date".
 */
export interface SecretView extends Cached {
  uid: string;
  type: string;
  immutable: boolean;
  ownerReferences: OwnerReference[];
  optIn: boolean;
  managedLabel: boolean;
  hash: string;
}

export function sealedSecretView(raw: any): SealedSecretView {
  const spec = raw?.spec;
  const tpl = spec?.template ?? {};
  let specError: string | undefined;
  if (!spec || typeof spec !== 'object') specError = 'spec is missing';
  else if (!spec.encryptedData || typeof spec.encryptedData !== 'object' || Array.isArray(spec.encryptedData))
    specError = 'spec.encryptedData must be a map of key to sealed value';
  const ready = findCondition(raw, 'Ready');
  return {
    ...objectIdentity(raw),
    encryptedData: stringMap(spec?.encryptedData),
    template: {
      labels: stringMap(tpl.metadata?.labels),
      annotations: stringMap(tpl.metadata?.annotations),
      type: typeof tpl.type === 'string' && tpl.type ? tpl.type : undefined,
      immutable: typeof tpl.immutable === 'boolean' ? tpl.immutable : undefined,
    },
    status: {
      observedGeneration: observedGeneration(raw),
      ready: ready
        ? {
            type: 'Ready',
            status: ready.status,
            reason: String(ready.reason ?? ''),
            message: String(ready.message ?? ''),
            lastTransitionTime: ready.lastTransitionTime,
            observedGeneration: typeof ready.observedGeneration === 'number' ? ready.observedGeneration : undefined,
          }
        : undefined,
    },
    specError,
  };
}

export function secretView(raw: any): SecretView {
  const md = raw?.metadata ?? {};
  const labels = stringMap(md.labels);
  const annotations = stringMap(md.annotations);
  const type = typeof raw?.type === 'string' && raw.type ? raw.type : 'Opaque';
  const immutable = raw?.immutable === true;
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    uid: md.uid ?? '',
    type,
    immutable,
    ownerReferences: ownerReferences(md.ownerReferences),
    optIn: annotations[OPT_IN_ANNOTATION] === 'true',
    managedLabel: labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE,
    hash: contentHash({ type, immutable, labels, annotations, data: stringMap(raw?.data) }),
  };
}

/** The uid of the object that controls this Secret (ownerReference with controller=true). */
export function controllerUid(s: SecretView): string | undefined {
  return s.ownerReferences.find((r) => r.controller)?.uid;
}

/** The cached projection in the shape the Secret writer takes (identity and owners; no content). */
export function asSecretObject(v: SecretView): SecretObject {
  return {
    metadata: { namespace: v.namespace, name: v.name, uid: v.uid, resourceVersion: v.resourceVersion, ownerReferences: v.ownerReferences },
    type: v.type,
    immutable: v.immutable,
  };
}
