import { describe, expect, it } from 'vitest';
import { StatusLane } from './status.js';
import type { SealedSecretStatus } from '../sealed/status.js';
import { sealedSecretView } from '../sealed/views.js';
import { FakeClock, flush } from '../testing/fake-clock.js';

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
