import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { MIN_SHARE_WINDOW_MS, SharedReads, shareWindowMs } from './shared-reads.js';

describe('shareWindowMs', () => {
  it('is 15% of the interval, at least 30 s, at most half the interval', () => {
    expect(shareWindowMs(0)).toBe(MIN_SHARE_WINDOW_MS);
    expect(shareWindowMs(3_600_000)).toBe(540_000);
    expect(shareWindowMs(60_000)).toBe(30_000);
    expect(shareWindowMs(10_000)).toBe(5_000);
  });
});

describe('SharedReads', () => {
  it('shares a read in flight', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    let shared = 0;
    const r = new SharedReads({ clock, onShared: () => shared++ });
    let calls = 0;
    let release!: (v: string) => void;
    const fetch = () => {
      calls++;
      return new Promise<string>((res) => (release = res));
    };
    const ps = Array.from({ length: 10 }, () => r.get('k', 1000, fetch));
    release('v');
    expect(await Promise.all(ps)).toEqual(Array(10).fill('v'));
    expect(calls).toBe(1);
    expect(shared).toBe(9);
  });

  it('shares a settled answer within the caller window only', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const r = new SharedReads({ clock });
    let calls = 0;
    const fetch = async () => ++calls;
    expect(await r.get('k', 60_000, fetch)).toBe(1);
    await clock.advance(30_000);
    expect(await r.get('k', 60_000, fetch)).toBe(1);
    expect(await r.get('k', 10_000, fetch)).toBe(2); // too old for this caller
    expect(await r.get('other', 60_000, fetch)).toBe(3);
  });

  it('never reuses a failure, but shares it while in flight', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const r = new SharedReads({ clock });
    let calls = 0;
    const fail = async () => {
      calls++;
      throw new Error('down');
    };
    const [a, b] = await Promise.allSettled([r.get('k', 60_000, fail), r.get('k', 60_000, fail)]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(calls).toBe(1);
    expect(await r.get('k', 60_000, async () => 'ok')).toBe('ok');
  });

  it('forgets entries after their window and on invalidate', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const r = new SharedReads({ clock });
    await r.get('s1#a', 1000, async () => 1);
    await r.get('s2#a', 1000, async () => 1);
    r.invalidate('s1#');
    expect(r.size).toBe(1);
    await clock.advance(20_000);
    await r.get('s3#x', 1000, async () => 1); // triggers the sweep
    expect(r.size).toBe(1);
  });
});

describe('SharedReads reuse predicate', () => {
  it('lets a caller refuse a settled answer (e.g. an old "not found") and read afresh', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const r = new SharedReads({ clock });
    let calls = 0;
    const fetch = async () => ({ found: ++calls > 1 });
    const accept = (v: { found: boolean }, age: number) => v.found || age <= 5000;
    expect(await r.get('k', 600_000, fetch, accept)).toEqual({ found: false });
    await clock.advance(1000);
    expect(await r.get('k', 600_000, fetch, accept)).toEqual({ found: false }); // young: shared
    expect(calls).toBe(1);
    await clock.advance(10_000);
    expect(await r.get('k', 600_000, fetch, accept)).toEqual({ found: true }); // old negative: refetched
    await clock.advance(100_000);
    expect(await r.get('k', 600_000, fetch, accept)).toEqual({ found: true }); // positive: shared
    expect(calls).toBe(2);
  });
});
