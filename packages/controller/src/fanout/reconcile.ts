// One pass over one ClusterRemoteSecret: plan the fan-out from the caches (plan.ts), create,
// update and delete RemoteSecrets through the manager's gated client, and write the status
// (counts, the namespaces that failed and why, Ready). The RemoteSecrets then sync on their own:
// reads of one Vault path are shared across them, whatever their namespace (remote/shared-reads.ts).

import { MAX_FAILED_NAMESPACES_LISTED, planClusterRemoteSecret, type ClusterRemoteSecret, type ClusterRemoteSecretPlan, type ClusterRemoteSecretStatus, type FailedNamespace, type NamespaceInfo } from '@sealkit/core';
import { ApiError, isAlreadyExists, isConflict, isNotFound, type KubeClient } from '@sealkit/kube';
import { FIELD_MANAGER } from '../constants.js';
import { apiFailure, remoteSecretPath, remoteSecretsPath } from '../remote/kube-api.js';
import { asInvalidSpec } from '../remote/kv-path.js';
import { REMOTE_API_VERSION, REMOTE_SECRET_KIND } from '../remote/types.js';
import { readyCondition, type StatusTarget } from '../runtime/status.js';
import type { WorkResult } from '../runtime/workqueue.js';
import { planFanOut, sameJson, type DesiredRemoteSecret, type LiveRemoteSecret } from './plan.js';
import { CLUSTER_REMOTE_SECRET_KIND, clusterRemoteSecretPath } from './paths.js';

export interface FanOutReconcileDeps {
  getClusterRemoteSecret(name: string): ClusterRemoteSecret | undefined;
  namespaces(): Iterable<NamespaceInfo>;
  inScope(namespace: string): boolean;
  liveRemoteSecret(namespace: string, name: string): LiveRemoteSecret | undefined;
  ownedBy(name: string): Iterable<LiveRemoteSecret>;
  /** The manager's gated client (writes only while leading). */
  client: KubeClient;
  status: { patch(target: StatusTarget, status: object): Promise<void> };
  now(): number;
  /** RemoteSecret writes in flight per ClusterRemoteSecret. */
  concurrency?: number;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

export interface FanOutResult {
  work: WorkResult;
  /** invalid | gone | synced | failed | waiting */
  outcome: string;
  created: number;
  updated: number;
  deleted: number;
}

function ownerRef(plan: ClusterRemoteSecretPlan) {
  return { apiVersion: REMOTE_API_VERSION, kind: CLUSTER_REMOTE_SECRET_KIND, name: plan.name, uid: plan.uid, controller: true, blockOwnerDeletion: true };
}

/** A failed write as a status entry: status and reason of the API error, never its body. */
function writeFailure(namespace: string, err: unknown): FailedNamespace {
  if (err instanceof ApiError && (err.statusCode === 403 || err.statusCode === 422)) {
    return { namespace, reason: err.statusCode === 403 ? 'Forbidden' : 'Invalid', message: `writing the RemoteSecret: ${apiFailure(err)}` };
  }
  return { namespace, reason: 'WriteFailed', message: `writing the RemoteSecret: ${apiFailure(err)}` };
}

type Outcome = 'done' | 'pending' | FailedNamespace;

async function create(d: FanOutReconcileDeps, plan: ClusterRemoteSecretPlan, rs: DesiredRemoteSecret): Promise<Outcome> {
  try {
    await d.client.request({
      method: 'POST',
      path: remoteSecretsPath(rs.namespace),
      query: { fieldManager: FIELD_MANAGER },
      body: {
        apiVersion: REMOTE_API_VERSION,
        kind: REMOTE_SECRET_KIND,
        metadata: { name: rs.name, namespace: rs.namespace, labels: rs.labels, annotations: rs.annotations, ownerReferences: [ownerRef(plan)] },
        spec: rs.spec,
      },
    });
    return 'done';
  } catch (err) {
    // 409: made meanwhile (ours, not yet in the cache, or someone else's): the next pass sees which.
    // 404: the namespace went away. Either way, look again rather than report a failure.
    if (isAlreadyExists(err) || isConflict(err) || isNotFound(err)) return 'pending';
    return writeFailure(rs.namespace, err);
  }
}

async function update(d: FanOutReconcileDeps, rs: DesiredRemoteSecret, live: LiveRemoteSecret): Promise<Outcome> {
  try {
    // A JSON patch that replaces spec, labels and annotations whole (a merge patch would keep keys
    // the template dropped); the resourceVersion makes it conditional on what we compared against.
    await d.client.request({
      method: 'PATCH',
      path: remoteSecretPath(rs.namespace, rs.name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/metadata/uid', value: live.uid },
        { op: 'add', path: '/metadata/resourceVersion', value: live.resourceVersion },
        { op: 'add', path: '/metadata/labels', value: rs.labels },
        { op: 'add', path: '/metadata/annotations', value: rs.annotations },
        { op: 'add', path: '/spec', value: rs.spec },
      ],
    });
    return 'done';
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return 'pending';
    return writeFailure(rs.namespace, err);
  }
}

async function remove(d: FanOutReconcileDeps, rs: LiveRemoteSecret): Promise<Outcome> {
  try {
    await d.client.request({
      method: 'DELETE',
      path: remoteSecretPath(rs.namespace, rs.name),
      // Only the object we planned to delete: never a successor of the same name.
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: rs.uid }, propagationPolicy: 'Background' },
    });
    return 'done';
  } catch (err) {
    if (isNotFound(err)) return 'done';
    if (isConflict(err)) return 'pending';
    return writeFailure(rs.namespace, err);
  }
}

/** Runs fns with at most `limit` in flight, results in order. */
async function pool<T>(fns: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(fns.length);
  let next = 0;
  const worker = async () => {
    while (next < fns.length) {
      const i = next++;
      out[i] = await fns[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return out;
}

/**
 * The Ready condition's state for the counts. `waiting`: matching namespaces neither provisioned
 * nor failed (ours still being deleted there, or a write that met a conflict: retried).
 */
export function fanOutReadyState(matched: number, provisioned: number, failed: FailedNamespace[], waiting: number, remoteSecretName: string): { ready: boolean; reason: string; message: string } {
  if (failed.length > 0) {
    const shown = failed.slice(0, 3).map((f) => `${f.namespace} (${f.reason})`).join(', ');
    return { ready: false, reason: 'NamespacesFailed', message: `${failed.length} of ${matched} namespaces failed: ${shown}${failed.length > 3 ? ', ...' : ''}; see status.failedNamespaces` };
  }
  if (waiting > 0) {
    return { ready: false, reason: 'Provisioning', message: `${waiting} of ${matched} namespaces not provisioned yet (a RemoteSecret of ours still being deleted there, or a write that met a conflict); retrying` };
  }
  if (matched === 0) return { ready: true, reason: 'NoMatchingNamespaces', message: 'no namespace matches spec.namespaceSelector or spec.namespaces' };
  return { ready: true, reason: 'Provisioned', message: `RemoteSecret ${remoteSecretName} in ${provisioned} namespace${provisioned === 1 ? '' : 's'}` };
}

async function writeStatus(d: FanOutReconcileDeps, crs: ClusterRemoteSecret, status: ClusterRemoteSecretStatus, state: { ready: boolean; reason: string; message: string }): Promise<void> {
  const generation = crs.metadata.generation ?? 0;
  const prev = crs.status?.conditions?.find((c) => c.type === 'Ready');
  const cond = readyCondition(prev, state, generation, d.now());
  const next: ClusterRemoteSecretStatus = { ...status, observedGeneration: generation, conditions: [cond] };
  const cur = crs.status ?? {};
  const same = sameJson(
    { ...next, conditions: [{ ...cond, lastTransitionTime: undefined }] },
    { matchedNamespaces: cur.matchedNamespaces, provisionedNamespaces: cur.provisionedNamespaces, failedNamespaceCount: cur.failedNamespaceCount, failedNamespaces: cur.failedNamespaces, observedGeneration: cur.observedGeneration, conditions: prev ? [{ ...prev, lastTransitionTime: undefined }] : [] },
  );
  if (same) return;
  // Merge patch: absent failures are written as null so a fixed namespace leaves the list.
  await d.status.patch({ path: clusterRemoteSecretPath(crs.metadata.name ?? ''), uid: crs.metadata.uid ?? '' }, { ...next, failedNamespaces: next.failedNamespaces ?? null });
}

export async function reconcileClusterRemoteSecret(name: string, d: FanOutReconcileDeps): Promise<FanOutResult> {
  const none = { created: 0, updated: 0, deleted: 0 };
  const crs = d.getClusterRemoteSecret(name);
  // Deleted: the garbage collector removes the RemoteSecrets it owned (ownerReferences).
  if (!crs || crs.metadata.deletionTimestamp) return { work: { kind: 'done' }, outcome: 'gone', ...none };
  let plan: ClusterRemoteSecretPlan;
  try {
    plan = asInvalidSpec(() => planClusterRemoteSecret(crs));
  } catch (err) {
    // Nothing is created or deleted on an invalid spec: what exists stays until the spec is fixed.
    const cur = crs.status ?? {};
    const kept = { matchedNamespaces: cur.matchedNamespaces, provisionedNamespaces: cur.provisionedNamespaces, failedNamespaceCount: cur.failedNamespaceCount, failedNamespaces: cur.failedNamespaces };
    await writeStatus(d, crs, kept, { ready: false, reason: 'InvalidSpec', message: (err as Error).message });
    return { work: { kind: 'done' }, outcome: 'invalid', ...none };
  }
  const fan = planFanOut({ plan, namespaces: d.namespaces(), inScope: d.inScope, live: d.liveRemoteSecret, owned: d.ownedBy(plan.name) });
  const limit = d.concurrency ?? 8;
  const [created, updated, deleted] = await Promise.all([
    pool(fan.create.map((rs) => () => create(d, plan, rs)), limit),
    pool(fan.update.map(({ desired, live }) => () => update(d, desired, live)), limit),
    pool(fan.delete.map((rs) => () => remove(d, rs)), limit),
  ]);
  const failed = [...fan.failed];
  let waiting = fan.waiting.length;
  let provisioned = fan.upToDate.length;
  for (const r of [...created, ...updated]) {
    if (r === 'done') provisioned++;
    else if (r === 'pending') waiting++;
    else failed.push(r);
  }
  for (const r of deleted) {
    if (r !== 'done' && r !== 'pending') d.log?.('warn', 'could not delete a RemoteSecret that no longer matches; will retry', { clusterRemoteSecret: name, namespace: r.namespace, reason: r.reason });
  }
  const counts = { created: created.filter((r) => r === 'done').length, updated: updated.filter((r) => r === 'done').length, deleted: deleted.filter((r) => r === 'done').length };
  if (counts.created + counts.updated + counts.deleted > 0) d.log?.('info', 'fanned out', { clusterRemoteSecret: name, matched: fan.matched.length, ...counts });
  const deleteUnfinished = deleted.some((r) => r !== 'done');
  failed.sort((a, b) => a.namespace.localeCompare(b.namespace));
  await writeStatus(d, crs, {
    matchedNamespaces: fan.matched.length,
    provisionedNamespaces: provisioned,
    failedNamespaceCount: failed.length,
    ...(failed.length ? { failedNamespaces: failed.slice(0, MAX_FAILED_NAMESPACES_LISTED) } : {}),
  }, fanOutReadyState(fan.matched.length, provisioned, failed, waiting, plan.remoteSecretName));
  // Looked at again with backoff: write failures, conflicts, unfinished deletions (an informer event
  // comes sooner when one is only the cache catching up). A foreign RemoteSecret is looked at again
  // when it changes or goes (informer events), not in a loop.
  const retry = waiting > 0 || deleteUnfinished || failed.some((f) => f.reason !== 'RemoteSecretNotOwned');
  return { work: retry ? { kind: 'retry' } : { kind: 'done' }, outcome: failed.length ? 'failed' : waiting ? 'waiting' : 'synced', ...counts };
}
