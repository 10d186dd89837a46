import { readyCondition, type Condition, type ReadyState } from '../runtime/status.js';
import type { SealedSecretView } from './views.js';

export interface SealedSecretStatus {
  observedGeneration: number;
  conditions: Condition[];
}

/** The status to write, or undefined when the current one already says the same thing. */
export function nextStatus(ss: SealedSecretView, state: ReadyState, now: Date): SealedSecretStatus | undefined {
  const cur = ss.status.ready;
  const same =
    cur !== undefined &&
    cur.status === (state.ready ? 'True' : 'False') &&
    cur.reason === state.reason &&
    cur.message === state.message.slice(0, 1000) &&
    cur.observedGeneration === ss.generation &&
    ss.status.observedGeneration === ss.generation;
  if (same) return undefined;
  return { observedGeneration: ss.generation, conditions: [readyCondition(cur, state, ss.generation, now.getTime())] };
}
