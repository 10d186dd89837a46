import { readyCondition, type Condition, type ReadyState } from '../runtime/status.js';
import type { RolloutStatus } from '@sealkit/core';
import type { RolloutOutcome } from '../rollout/restarter.js';
import type { SealedSecretView } from './views.js';

export interface SealedSecretStatus {
  observedGeneration: number;
  conditions: Condition[];
  rollout?: RolloutStatus;
}

/**
 * The status to write, or undefined when the current one already says the same thing. A rollout
 * just done (`rollout`) is always written; otherwise the last Rollout condition is carried over
 * (a merge patch replaces the conditions list whole) and status.rollout is left as it is.
 */
export function nextStatus(ss: SealedSecretView, state: ReadyState, now: Date, rollout?: RolloutOutcome): SealedSecretStatus | undefined {
  const cur = ss.status.ready;
  const same =
    cur !== undefined &&
    cur.status === (state.ready ? 'True' : 'False') &&
    cur.reason === state.reason &&
    cur.message === state.message.slice(0, 1000) &&
    cur.observedGeneration === ss.generation &&
    ss.status.observedGeneration === ss.generation;
  if (same && !rollout) return undefined;
  const rolloutCondition = rollout?.condition ?? ss.status.rollout;
  const conditions = [readyCondition(cur, state, ss.generation, now.getTime()), ...(rolloutCondition ? [rolloutCondition] : [])];
  return { observedGeneration: ss.generation, conditions, ...(rollout ? { rollout: rollout.rollout } : {}) };
}
