// Rollout on change: the workloads a SealedSecret or RemoteSecret restarts when the data of its
// Secret changes (spec.rolloutRestartTargets), and the opt-in annotation a workload carries to be
// found without being listed. The controller does the restarting; this module is the shape of the
// field and its validation, shared by the controller and `sealkit validate`.
import { describeType } from './bytes.js';
import { BadInputError } from './errors.js';
import { isObjectName } from './scope.js';

/** The workload kinds a rollout can restart (apps/v1): each rolls its pods out when its pod template changes. */
export const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type RolloutKind = (typeof ROLLOUT_KINDS)[number];

/** One entry of spec.rolloutRestartTargets: a workload in the object's own namespace. */
export interface RolloutRestartTarget {
  kind: RolloutKind;
  name: string;
}

/** On a Deployment, StatefulSet or DaemonSet: restart it when a managed Secret it uses changes (controller flag --rollout-on-change). */
export const RESTART_ON_CHANGE_ANNOTATION = 'sealkit.dev/restart-on-change';

/**
 * Checks spec.rolloutRestartTargets (absent or null: none). Each entry names a kind of ROLLOUT_KINDS
 * and an object name; an entry listed twice is refused (it would be restarted once anyway, so the
 * duplicate is a mistake worth telling). Throws BadInputError naming the field.
 */
export function parseRolloutRestartTargets(v: unknown, field = 'spec.rolloutRestartTargets'): RolloutRestartTarget[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BadInputError(`${field} must be a list, got ${describeType(v)}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const f = `${field}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadInputError(`${f} must be an object, got ${describeType(item)}`);
    const { kind, name } = item as { kind?: unknown; name?: unknown };
    if (typeof kind !== 'string' || !(ROLLOUT_KINDS as readonly string[]).includes(kind)) {
      throw new BadInputError(`${f}.kind must be one of ${ROLLOUT_KINDS.join(', ')}, got ${JSON.stringify(String(kind)).slice(0, 66)}`);
    }
    if (typeof name !== 'string' || !isObjectName(name)) throw new BadInputError(`${f}.name must be an object name (DNS subdomain), got ${JSON.stringify(String(name)).slice(0, 66)}`);
    const k = `${kind}/${name}`;
    if (seen.has(k)) throw new BadInputError(`${f}: ${k} is listed twice`);
    seen.add(k);
    return { kind: kind as RolloutKind, name };
  });
}

/** status.rollout: the targets restarted by the last change of the Secret's data, and when. */
export interface RolloutStatus {
  targets: { kind: RolloutKind; name: string; restartedAt: string }[];
}
