import { describe, expect, it } from 'vitest';
import { nextStatus, StatusLane, type SealedSecretStatus } from './status.js';
import { sealedSecretView } from '../sealed/views.js';
import { FakeClock, flush } from '../testing/fake-clock.js';

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

describe('StatusLane', () => {
  it('keeps only the newest status per object, throttles while busy, drops 404s and retries other failures', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    let busy = true;
    let fail: number | undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    const lane = new StatusLane({
      clock,
      busy: () => busy,
      concurrencyBusy: 1,
      concurrencyIdle: 10,
      writer: {
        async patch(s, st: SealedSecretStatus) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await flush();
          inFlight--;
          sent.push(`${s.name}:${st.conditions[0]!.message}`);
          if (fail) {
            const code = fail;
            fail = undefined;
            throw Object.assign(new Error('x'), { statusCode: code });
          }
        },
      },
    });
    const st = (m: string): SealedSecretStatus => ({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'r', message: m }] });
    const view = (name: string) => sealedSecretView({ metadata: { namespace: 'n', name, uid: 'u', generation: 1 }, spec: { encryptedData: {} } });
    await lane.patch(view('a'), st('old'));
    await lane.patch(view('a'), st('new'));
    await lane.patch(view('b'), st('1'));
    await lane.patch(view('c'), st('1'));
    lane.start();
    for (let i = 0; i < 10; i++) await flush();
    expect(sent).toEqual(['a:new', 'b:1', 'c:1']); // newest status of a only
    expect(maxInFlight).toBe(1); // busy: one at a time
    busy = false;
    fail = 500;
    await lane.patch(view('d'), st('1'));
    for (let i = 0; i < 5; i++) await flush();
    expect(lane.depth).toBe(0);
    await clock.advance(1000);
    for (let i = 0; i < 5; i++) await flush();
    expect(sent.filter((s) => s === 'd:1')).toHaveLength(2);
    fail = 404;
    await lane.patch(view('e'), st('1'));
    for (let i = 0; i < 5; i++) await flush();
    await clock.advance(60_000);
    for (let i = 0; i < 5; i++) await flush();
    expect(sent.filter((s) => s === 'e:1')).toHaveLength(1);
  });
});
