// The desired-set diff of one ClusterRemoteSecret: from the namespaces that exist and the
// RemoteSecrets in the cache to what to create, update and delete, and which namespaces fail.
// Pure (no I/O): reconcile.ts carries the actions out.
//
//   namespace matches, no RemoteSecret of that name      -> create
//   matches, ours (controller ownerReference, our uid)   -> update when it differs from the template
//   matches, someone else's                              -> failure for that namespace, never touched
//   matches, ours but being deleted                      -> wait (create again once it is gone)
//   ours, namespace no longer matches (or name changed)  -> delete (never in a terminating namespace:
//                                                           it goes with the namespace)

import { fannedOutRemoteSecret, namespaceMatches, type ClusterRemoteSecretPlan, type FailedNamespace, type NamespaceInfo, type RemoteSecretSpec } from '@sealkit/core';
import { FORCE_SYNC_ANNOTATION } from '../remote/types.js';

/** What the diff needs of a RemoteSecret in the cache. */
export interface LiveRemoteSecret {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  deleting: boolean;
  /** uid and kind of its controller ownerReference, if any. */
  controller: { kind: string; name: string; uid: string } | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: unknown;
}

/** The RemoteSecret we want in one namespace, as written to the API server. */
export interface DesiredRemoteSecret {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: RemoteSecretSpec;
}

export interface FanOutInput {
  plan: ClusterRemoteSecretPlan;
  namespaces: Iterable<NamespaceInfo>;
  /** False for a namespace outside --watch-namespaces: neither a target nor cleaned up. */
  inScope(namespace: string): boolean;
  /** The RemoteSecret of that name in the cache. */
  live(namespace: string, name: string): LiveRemoteSecret | undefined;
  /** Every cached RemoteSecret whose controller is a ClusterRemoteSecret of this name. */
  owned: Iterable<LiveRemoteSecret>;
}

export interface FanOutPlan {
  /** Matching namespaces, sorted. */
  matched: string[];
  create: DesiredRemoteSecret[];
  /** Ours and different from the template: the live object's resourceVersion is the precondition. */
  update: { desired: DesiredRemoteSecret; live: LiveRemoteSecret }[];
  /** Ours and no longer wanted. */
  delete: LiveRemoteSecret[];
  /** Matching namespaces already holding the RemoteSecret as the template says. */
  upToDate: string[];
  /** Matching namespaces where ours is being deleted: look again once it is gone. */
  waiting: string[];
  /** Matching namespaces we may not write (someone else's RemoteSecret of that name). */
  failed: FailedNamespace[];
}

export const REMOTE_SECRET_NOT_OWNED = 'RemoteSecretNotOwned';

/** Deep equality of JSON values, ignoring key order (the API server may reorder keys). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && sameJson(ao[k], bo[k]));
}

/**
 * Annotations of ours as they should be: the template's, plus a force-sync annotation someone
 * set on this RemoteSecret (a request to read Vault now, not drift to undo).
 */
export function desiredAnnotations(template: Record<string, string>, live: Record<string, string> | undefined): Record<string, string> {
  const force = live?.[FORCE_SYNC_ANNOTATION];
  return force !== undefined && !(FORCE_SYNC_ANNOTATION in template) ? { ...template, [FORCE_SYNC_ANNOTATION]: force } : { ...template };
}

function isOurs(rs: LiveRemoteSecret, plan: ClusterRemoteSecretPlan): boolean {
  return rs.controller?.uid === plan.uid;
}

function notOwnedMessage(rs: LiveRemoteSecret, plan: ClusterRemoteSecretPlan): string {
  const who = rs.controller ? `is controlled by ${rs.controller.kind} ${rs.controller.name}${rs.controller.kind === 'ClusterRemoteSecret' && rs.controller.name === plan.name ? ` (an earlier object of this name, uid ${rs.controller.uid})` : ''}` : 'exists and was not made by this ClusterRemoteSecret';
  return `RemoteSecret ${rs.namespace}/${rs.name} ${who}; it is left alone. Delete it or rename the template (spec.template.metadata.name)`;
}

export function planFanOut(input: FanOutInput): FanOutPlan {
  const { plan } = input;
  const out: FanOutPlan = { matched: [], create: [], update: [], delete: [], upToDate: [], waiting: [], failed: [] };
  const terminating = new Set<string>();
  const wanted = new Set<string>();
  for (const ns of input.namespaces) {
    if (ns.terminating) terminating.add(ns.name);
    if (input.inScope(ns.name) && namespaceMatches(plan, ns)) wanted.add(ns.name);
  }
  out.matched = [...wanted].sort();
  for (const namespace of out.matched) {
    const base = fannedOutRemoteSecret(plan, namespace);
    const live = input.live(namespace, plan.remoteSecretName);
    const desired: DesiredRemoteSecret = { namespace, name: plan.remoteSecretName, labels: base.metadata.labels, annotations: desiredAnnotations(base.metadata.annotations, live?.annotations), spec: base.spec };
    if (!live) out.create.push(desired);
    else if (!isOurs(live, plan)) out.failed.push({ namespace, reason: REMOTE_SECRET_NOT_OWNED, message: notOwnedMessage(live, plan) });
    else if (live.deleting) out.waiting.push(namespace);
    else if (sameJson(live.spec, desired.spec) && sameJson(live.labels, desired.labels) && sameJson(live.annotations, desired.annotations)) out.upToDate.push(namespace);
    else out.update.push({ desired, live });
  }
  for (const rs of input.owned) {
    if (!isOurs(rs, plan) || rs.deleting || terminating.has(rs.namespace) || !input.inScope(rs.namespace)) continue;
    if (wanted.has(rs.namespace) && rs.name === plan.remoteSecretName) continue;
    out.delete.push(rs);
  }
  out.delete.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return out;
}
