import type { KubeClient } from './kube/client.js';
import type { Condition, SealedSecretView } from './reconcile/views.js';
import { sealedSecretPath } from './constants.js';

export interface ReadyState {
  ready: boolean;
  reason: string;
  message: string;
}

export interface SealedSecretStatus {
  observedGeneration: number;
  conditions: Condition[];
}

/**
 * The status to write, or undefined when the current one already says the same thing.
 * lastTransitionTime moves only when Ready flips, as the Kubernetes condition convention says,
 * so a resync with nothing changed patches nothing.
 */
export function nextStatus(ss: SealedSecretView, state: ReadyState, now: Date): SealedSecretStatus | undefined {
  const cur = ss.status.ready;
  const status: Condition['status'] = state.ready ? 'True' : 'False';
  const same =
    cur !== undefined &&
    cur.status === status &&
    cur.reason === state.reason &&
    cur.message === state.message &&
    cur.observedGeneration === ss.generation &&
    ss.status.observedGeneration === ss.generation;
  if (same) return undefined;
  const lastTransitionTime =
    cur && cur.status === status && cur.lastTransitionTime ? cur.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    observedGeneration: ss.generation,
    conditions: [
      { type: 'Ready', status, reason: state.reason, message: state.message, lastTransitionTime, observedGeneration: ss.generation },
    ],
  };
}

export interface StatusWriter {
  patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void>;
}

export class ApiStatusWriter implements StatusWriter {
  constructor(private readonly client: KubeClient) {}
  async patch(ss: SealedSecretView, status: SealedSecretStatus): Promise<void> {
    await this.client.request({
      method: 'PATCH',
      path: sealedSecretPath(ss.namespace, ss.name) + '/status',
      query: { fieldManager: 'sealkit-controller' },
      contentType: 'application/merge-patch+json',
      // The uid is a precondition: a status meant for a deleted object never lands on its successor.
      body: { metadata: { uid: ss.uid }, status },
    });
  }
}
