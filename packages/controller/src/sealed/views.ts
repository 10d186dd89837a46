import { contentHash } from '../secrets/digest.js';
import type { Condition } from '../runtime/status.js';
import type { SecretObject } from '../secrets/plan.js';
import type { Cached } from '../runtime/informer.js';
import { DELETION_POLICIES, MANAGED_BY_VALUE, OPT_IN_ANNOTATION, RETAINED_FROM_ANNOTATION, type DeletionPolicy } from '../constants.js';
import { isSecretKey, MANAGED_BY_LABEL, parseRolloutRestartTargets, type RolloutRestartTarget } from '@sealkit/core';
import { secretDataHash } from '../rollout/hash.js';
import { findCondition, objectIdentity, secretTemplate, stringList, observedGeneration, ownerReferences, sortedEntries, stringMap, type OwnerReference } from '../runtime/object-fields.js';

export type { OwnerReference, Condition };
export { contentHash };

/** What the controller keeps of a SealedSecret: identity, spec, and the part of status it owns. */
export interface SealedSecretView extends Cached {
  uid: string;
  generation: number;
  deleting: boolean;
  /** spec.deletionPolicy (Delete when absent). */
  deletionPolicy: DeletionPolicy;
  /** metadata.finalizers */
  finalizers: string[];
  encryptedData: Record<string, string>;
  template: {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    type: string | undefined;
    immutable: boolean | undefined;
  };
  /** spec.rolloutRestartTargets (empty when the spec is malformed: specError says why). */
  rolloutTargets: RolloutRestartTarget[];
  /** The Rollout condition (rollout/restarter.ts) is carried over by every status write. */
  status: { observedGeneration: number | undefined; ready: Condition | undefined; rollout: Condition | undefined };
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
  /** The SealedSecret a released Secret came from (deletionPolicy Retain), when it carries no controller reference. */
  retainedFrom: string | undefined;
  hash: string;
  /** Digest of the data alone (rollout/hash.ts): a write that changes it restarts the Secret's workloads. */
  dataHash: string;
}

export function sealedSecretView(raw: any): SealedSecretView {
  const spec = raw?.spec;
  const tpl = spec?.template ?? {};
  let specError: string | undefined;
  if (!spec || typeof spec !== 'object') specError = 'spec is missing';
  else if (!spec.encryptedData || typeof spec.encryptedData !== 'object' || Array.isArray(spec.encryptedData))
    specError = 'spec.encryptedData must be a map of key to sealed value';
  else if (spec.deletionPolicy !== undefined && !DELETION_POLICIES.includes(spec.deletionPolicy)) specError = 'spec.deletionPolicy must be Delete or Retain';
  // Refused here, once, rather than by the API server on every retry of the Secret write.
  const badKey = specError === undefined ? Object.keys(spec.encryptedData).find((k) => !isSecretKey(k)) : undefined;
  if (badKey !== undefined) specError = `spec.encryptedData: ${JSON.stringify(badKey)} is not a valid Secret key (letters, digits, '-', '_', '.'; at most 253)`;
  const ready = findCondition(raw, 'Ready');
  const rollout = findCondition(raw, 'Rollout');
  let rolloutTargets: RolloutRestartTarget[] = [];
  try {
    rolloutTargets = parseRolloutRestartTargets(spec?.rolloutRestartTargets);
  } catch (err) {
    specError ??= (err as Error).message;
  }
  return {
    ...objectIdentity(raw),
    deletionPolicy: spec?.deletionPolicy === 'Retain' ? 'Retain' : 'Delete',
    finalizers: stringList(raw?.metadata?.finalizers) ?? [],
    encryptedData: stringMap(spec?.encryptedData),
    template: secretTemplate(tpl),
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
      rollout: rollout
        ? {
            type: 'Rollout',
            status: rollout.status,
            reason: String(rollout.reason ?? ''),
            message: String(rollout.message ?? ''),
            ...(typeof rollout.lastTransitionTime === 'string' ? { lastTransitionTime: rollout.lastTransitionTime } : {}),
          }
        : undefined,
    },
    rolloutTargets,
    specError,
  };
}

export function secretView(raw: any): SecretView {
  const md = raw?.metadata ?? {};
  const labels = stringMap(md.labels);
  const annotations = stringMap(md.annotations);
  const type = typeof raw?.type === 'string' && raw.type ? raw.type : 'Opaque';
  const immutable = raw?.immutable === true;
  const owners = ownerReferences(md.ownerReferences);
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    uid: md.uid ?? '',
    type,
    immutable,
    ownerReferences: owners,
    optIn: annotations[OPT_IN_ANNOTATION] === 'true',
    managedLabel: labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE,
    retainedFrom: owners.some((r) => r.controller) ? undefined : annotations[RETAINED_FROM_ANNOTATION],
    hash: contentHash({ type, immutable, labels, annotations, data: stringMap(raw?.data) }),
    dataHash: secretDataHash(md.namespace ?? '', md.name ?? '', stringMap(raw?.data)),
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
