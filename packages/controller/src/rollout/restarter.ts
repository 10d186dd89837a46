// Restarts the workloads that use a managed Secret after its data changed: each target's pod
// template gets the annotation sealkit.dev/secret-hash.<secret> set to a digest of the new data
// (a merge patch), so the workload's own rollout strategy replaces its pods. The caller decides
// when: only after a write that changed the Secret's data (never on a resync or a restart, where
// nothing is written). Setting a digest the template already carries changes nothing, so a retried
// or repeated rollout restarts nothing twice.
import type { RolloutKind, RolloutRestartTarget, RolloutStatus } from '@sealkit/core';
import { FIELD_MANAGER } from '../constants.js';
import type { KubeClient } from '@sealkit/kube';
import { ApiError, errorFields } from '@sealkit/kube';
import type { EventSink, EventTarget } from '../runtime/events.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { isoSeconds, type Condition } from '../runtime/status.js';
import { secretHashAnnotation } from './hash.js';
import { ROLLOUT_PLURALS, workloadPath, type WorkloadCaches } from './workloads.js';

/** The condition a rollout leaves in the owner's status (beside Ready, which it never changes). */
export const ROLLOUT_CONDITION = 'Rollout';
export const RolloutReasons = {
  Restarted: 'Restarted',
  RolloutTargetMissing: 'RolloutTargetMissing',
  RolloutForbidden: 'RolloutForbidden',
  RolloutFailed: 'RolloutFailed',
} as const;

export interface SecretChange {
  /** The SealedSecret or RemoteSecret that wrote the Secret (Events and status go there). */
  owner: EventTarget;
  namespace: string;
  secretName: string;
  /** secretDataHash of the Secret's data as written. */
  dataHash: string;
  /** spec.rolloutRestartTargets */
  targets: readonly RolloutRestartTarget[];
}

/** What goes into the owner's status: the targets restarted and the Rollout condition. */
export interface RolloutOutcome {
  rollout: RolloutStatus;
  condition: Condition & { lastTransitionTime: string };
}

type TargetResult = 'restarted' | 'unchanged' | 'missing' | 'forbidden' | 'failed';

export class Restarter {
  constructor(
    private readonly o: {
      /** The manager's gated client: only the leader patches. */
      client: KubeClient;
      /** With --rollout-on-change: opted-in workloads are found here, and a target already at the digest is not patched. */
      workloads?: WorkloadCaches;
      events: EventSink;
      now(): number;
      log: Logger;
      metrics?: Metrics;
    },
  ) {}

  /** The workloads to restart for a Secret: the listed targets, then opted-in users of it. */
  targetsOf(c: Pick<SecretChange, 'namespace' | 'secretName' | 'targets'>): RolloutRestartTarget[] {
    const out = new Map<string, RolloutRestartTarget>();
    for (const t of c.targets) out.set(`${t.kind}/${t.name}`, { kind: t.kind, name: t.name });
    for (const w of this.o.workloads?.usersOf(c.namespace, c.secretName) ?? []) out.set(`${w.kind}/${w.name}`, { kind: w.kind, name: w.name });
    return [...out.values()];
  }

  /** Restarts every target of a changed Secret; undefined when it has none. Never throws. */
  async secretChanged(c: SecretChange): Promise<RolloutOutcome | undefined> {
    const targets = this.targetsOf(c);
    if (targets.length === 0) return undefined;
    const key = secretHashAnnotation(c.secretName);
    const hash = c.dataHash;
    const results = await Promise.all(targets.map(async (t) => ({ t, r: await this.restartOne(c.namespace, t, key, hash) })));
    const at = isoSeconds(this.o.now());
    const restarted = results.filter((x) => x.r === 'restarted').map((x) => x.t);
    const named = (ts: RolloutRestartTarget[]) => ts.map((t) => `${t.kind}/${t.name}`).join(', ');
    for (const t of restarted) {
      this.o.events.emit(c.owner, 'Normal', RolloutReasons.Restarted, `${t.kind} ${t.name} restarted: the data of Secret ${c.secretName} changed`);
    }
    const missing = results.filter((x) => x.r === 'missing').map((x) => x.t);
    const forbidden = results.filter((x) => x.r === 'forbidden').map((x) => x.t);
    const failed = results.filter((x) => x.r === 'failed').map((x) => x.t);
    let condition: Omit<Condition, 'lastTransitionTime'>;
    const done = restarted.length ? `; restarted ${named(restarted)}` : '';
    if (missing.length) {
      condition = { type: ROLLOUT_CONDITION, status: 'False', reason: RolloutReasons.RolloutTargetMissing, message: `not found in namespace ${c.namespace}: ${named(missing)}${done}` };
    } else if (forbidden.length) {
      condition = {
        type: ROLLOUT_CONDITION,
        status: 'False',
        reason: RolloutReasons.RolloutForbidden,
        message: `the controller may not patch ${named(forbidden)} (grant the rollout RBAC: deploy/rbac-rollout.yaml or the chart value rollout.enabled)${done}`,
      };
    } else if (failed.length) {
      condition = { type: ROLLOUT_CONDITION, status: 'False', reason: RolloutReasons.RolloutFailed, message: `could not patch ${named(failed)}${done}` };
    } else {
      condition = { type: ROLLOUT_CONDITION, status: 'True', reason: RolloutReasons.Restarted, message: restarted.length ? `restarted ${named(restarted)}` : 'every target already runs this data' };
    }
    if (condition.status === 'False') this.o.events.emit(c.owner, 'Warning', condition.reason, condition.message);
    return { rollout: { targets: restarted.map((t) => ({ kind: t.kind, name: t.name, restartedAt: at })) }, condition: { ...condition, lastTransitionTime: at } };
  }

  private async restartOne(namespace: string, t: RolloutRestartTarget, key: string, hash: string): Promise<TargetResult> {
    const result = await this.patch(namespace, t, key, hash);
    this.o.metrics?.rolloutRestarts.inc({ kind: t.kind, result });
    return result;
  }

  private async patch(namespace: string, t: RolloutRestartTarget, key: string, hash: string): Promise<TargetResult> {
    const cached = this.o.workloads?.get(t.kind as RolloutKind, namespace, t.name);
    // With the cache: a target already at this digest (a repeated rollout) costs no request.
    if (cached && cached.hashes[key] === hash) return 'unchanged';
    try {
      await this.o.client.request({
        method: 'PATCH',
        path: workloadPath(t.kind, namespace, t.name),
        query: { fieldManager: FIELD_MANAGER },
        contentType: 'application/merge-patch+json',
        body: { spec: { template: { metadata: { annotations: { [key]: hash } } } } },
      });
      this.o.log.info('workload restarted', { namespace, kind: t.kind, name: t.name });
      return 'restarted';
    } catch (err) {
      const code = err instanceof ApiError ? err.statusCode : 0;
      if (code === 404) return 'missing';
      if (code === 403) return 'forbidden';
      this.o.log.warn('workload restart failed', { namespace, kind: t.kind, name: t.name, resource: ROLLOUT_PLURALS[t.kind], ...errorFields(err) });
      return 'failed';
    }
  }
}
