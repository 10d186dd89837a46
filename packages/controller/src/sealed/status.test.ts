import { describe, expect, it } from 'vitest';
import { nextStatus } from './status.js';
import { sealedSecretView } from './views.js';

const ss = (status?: object, generation = 2) =>
  sealedSecretView({ metadata: { namespace: 'n', name: 'a', uid: 'u', generation, resourceVersion: '1' }, spec: { encryptedData: {} }, status });
const now = new Date('2026-01-02T03:04:05.678Z');

describe('nextStatus', () => {
  it('sets observedGeneration and a Ready condition; lastTransitionTime without milliseconds', () => {
    const s = nextStatus(ss(), { ready: true, reason: 'Unsealed', message: 'm' }, now)!;
    expect(s).toEqual({ observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Unsealed', message: 'm', lastTransitionTime: '2026-01-02T03:04:05Z', observedGeneration: 2 }] });
  });
  it('is undefined when nothing changed, and keeps lastTransitionTime unless Ready flips', () => {
    const cur = { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Unsealed', message: 'm', lastTransitionTime: 'T0', observedGeneration: 2 }] };
    expect(nextStatus(ss(cur), { ready: true, reason: 'Unsealed', message: 'm' }, now)).toBeUndefined();
    expect(nextStatus(ss(cur, 3), { ready: true, reason: 'Unsealed', message: 'm' }, now)!.conditions[0]!.lastTransitionTime).toBe('T0');
    expect(nextStatus(ss(cur), { ready: false, reason: 'UnknownKey', message: 'x' }, now)!.conditions[0]!.lastTransitionTime).toBe('2026-01-02T03:04:05Z');
  });
});
