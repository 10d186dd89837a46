// ClusterRemoteSecret (group sealkit.dev): one RemoteSecret template fanned out to every namespace
// that a label selector and/or a list of names picks (External Secrets Operator's
// ClusterExternalSecret). The controller creates the RemoteSecrets, keeps them equal to the
// template, and deletes the ones it made when their namespace stops matching; a RemoteSecret of
// the same name that it did not make is never touched (reported as a failure for that namespace).
//
// As for every sealkit kind, the CRD (deploy/crds/clusterremotesecret.yaml) has no server-side
// defaults: planClusterRemoteSecret applies them in code.

import { isNamespace } from '../scope.js';
import { BadInputError } from '../errors.js';
import { REMOTE_SECRET_KIND, type Condition, type LabelSelector, type ObjectMetaLike, type RemoteSecretSpec } from './types.js';
import { arr, labelSelector, namespaceName, obj, objectName, planRemoteSecret, selectorMatches, stringMap, type RemoteSecretPlan } from './validate.js';

export const CLUSTER_REMOTE_SECRET_KIND = 'ClusterRemoteSecret';
export const CLUSTER_REMOTE_SECRET_PLURAL = 'clusterremotesecrets';
/**
 * On every RemoteSecret a ClusterRemoteSecret made: its name (for `kubectl get remotesecrets -A -l`).
 * Ownership itself is the controller ownerReference (uid); the label is for people and selectors.
 */
export const CLUSTER_REMOTE_SECRET_LABEL = 'sealkit.dev/cluster-remote-secret';
/** A label value's limit: the ClusterRemoteSecret's name goes into CLUSTER_REMOTE_SECRET_LABEL. */
export const MAX_CLUSTER_REMOTE_SECRET_NAME = 63;
/** status.failedNamespaces lists at most this many (the count is always complete). */
export const MAX_FAILED_NAMESPACES_LISTED = 50;

export interface ClusterRemoteSecretSpec {
  /** Namespaces whose labels match (Kubernetes label selector semantics; `{}` matches every namespace). */
  namespaceSelector?: LabelSelector;
  /** Namespaces by name. A namespace matches when it is listed here OR matches namespaceSelector. */
  namespaces?: string[];
  template: {
    metadata?: {
      /** Name of the RemoteSecrets; the ClusterRemoteSecret's name when omitted. */
      name?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec: RemoteSecretSpec;
  };
}

/** One namespace the template could not be applied to, and why. */
export interface FailedNamespace {
  namespace: string;
  reason: string;
  message: string;
}

export interface ClusterRemoteSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** Namespaces that match (terminating ones excluded). */
  matchedNamespaces?: number;
  /** Matching namespaces holding an up-to-date RemoteSecret of this ClusterRemoteSecret. */
  provisionedNamespaces?: number;
  /** Matching namespaces where that failed. */
  failedNamespaceCount?: number;
  /** The first MAX_FAILED_NAMESPACES_LISTED failures, by namespace name. */
  failedNamespaces?: FailedNamespace[];
}

export interface ClusterRemoteSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  spec: ClusterRemoteSecretSpec;
  status?: ClusterRemoteSecretStatus;
}

export interface ClusterRemoteSecretPlan {
  name: string;
  uid: string;
  generation: number;
  namespaceSelector: LabelSelector | undefined;
  namespaces: string[];
  /** Name of the RemoteSecret in every namespace. */
  remoteSecretName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** template.spec exactly as written (checked, no defaults added): what every RemoteSecret carries. */
  spec: RemoteSecretSpec;
  /** The template checked as a RemoteSecret (in a placeholder namespace). */
  remoteSecret: RemoteSecretPlan;
}

const invalid = (msg: string) => new BadInputError(msg);

/**
 * Checks a ClusterRemoteSecret and applies defaults. Throws BadInputError naming the field; the
 * template's spec is checked by planRemoteSecret (the RemoteSecret's own rules), its field names
 * prefixed with spec.template.
 */
export function planClusterRemoteSecret(o: unknown): ClusterRemoteSecretPlan {
  const root = obj(o, 'object')!;
  const meta = obj(root.metadata, 'metadata')!;
  const spec = obj(root.spec, 'spec')!;
  const name = objectName(meta.name, 'metadata.name');
  if (name.length > MAX_CLUSTER_REMOTE_SECRET_NAME) {
    throw invalid(`metadata.name must be at most ${MAX_CLUSTER_REMOTE_SECRET_NAME} characters (it is the value of the ${CLUSTER_REMOTE_SECRET_LABEL} label on the RemoteSecrets it creates)`);
  }
  const namespaceSelector = labelSelector(spec.namespaceSelector, 'spec.namespaceSelector');
  const namespaces = arr(spec.namespaces, 'spec.namespaces').map((n, i) => namespaceName(n, `spec.namespaces[${i}]`));
  if (!namespaceSelector && namespaces.length === 0) {
    throw invalid('spec.namespaceSelector or spec.namespaces is required (namespaceSelector: {} selects every namespace)');
  }
  const template = obj(spec.template, 'spec.template')!;
  const tmeta = obj(template.metadata, 'spec.template.metadata', false) ?? {};
  const remoteSecretName = tmeta.name === undefined ? name : objectName(tmeta.name, 'spec.template.metadata.name');
  const labels = stringMap(tmeta.labels, 'spec.template.metadata.labels');
  const annotations = stringMap(tmeta.annotations, 'spec.template.metadata.annotations');
  if (CLUSTER_REMOTE_SECRET_LABEL in labels) throw invalid(`spec.template.metadata.labels must not set ${CLUSTER_REMOTE_SECRET_LABEL} (the controller sets it)`);
  const tspec = obj(template.spec, 'spec.template.spec')!;
  let remoteSecret: RemoteSecretPlan;
  try {
    remoteSecret = planRemoteSecret({ metadata: { name: remoteSecretName, namespace: 'placeholder' }, spec: tspec });
  } catch (e) {
    if (e instanceof BadInputError) throw invalid(e.message.replace(/^spec\b/, 'spec.template.spec'));
    throw e;
  }
  return {
    name,
    uid: typeof meta.uid === 'string' ? meta.uid : '',
    generation: typeof meta.generation === 'number' ? meta.generation : 0,
    namespaceSelector,
    namespaces: [...new Set(namespaces)].sort(),
    remoteSecretName,
    labels,
    annotations,
    spec: tspec as unknown as RemoteSecretSpec,
    remoteSecret,
  };
}

/** A namespace as the fan-out sees it. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string> | undefined;
  /** Being deleted: never a target (its objects are going away with it). */
  terminating: boolean;
}

/** Whether the ClusterRemoteSecret wants its RemoteSecret in this namespace: listed by name, or selected by labels. */
export function namespaceMatches(plan: Pick<ClusterRemoteSecretPlan, 'namespaceSelector' | 'namespaces'>, ns: NamespaceInfo): boolean {
  if (ns.terminating || !isNamespace(ns.name)) return false;
  if (plan.namespaces.includes(ns.name)) return true;
  return plan.namespaceSelector !== undefined && selectorMatches(plan.namespaceSelector, ns.labels);
}

/** The RemoteSecret a ClusterRemoteSecret wants in one namespace (no owner reference: the caller adds it). */
export function fannedOutRemoteSecret(plan: ClusterRemoteSecretPlan, namespace: string): { metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: RemoteSecretSpec; kind: typeof REMOTE_SECRET_KIND } {
  return {
    kind: REMOTE_SECRET_KIND,
    metadata: {
      name: plan.remoteSecretName,
      namespace,
      labels: { ...plan.labels, [CLUSTER_REMOTE_SECRET_LABEL]: plan.name },
      annotations: { ...plan.annotations },
    },
    spec: plan.spec,
  };
}
