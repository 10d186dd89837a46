import { describe, expect, it } from 'vitest';
import { ManualClock, flush } from './clock.js';
import { RemoteWorkQueue, type QueueWork } from './queue.js';
import { nextRefresh, restartRefresh } from './reconcile.js';

describe('RemoteWorkQueue', () => {
  it('takes never-synced (urgent) keys before periodic refreshes', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const q = new RemoteWorkQueue({ clock, concurrency: 1, handler: async (k) => (order.push(k), { kind: 'done' }) });
    for (let i = 0; i < 5; i++) q.add(`refresh-${i}`, 'refresh');
    q.add('new-1', 'urgent');
    q.add('new-2', 'urgent');
    q.add('refresh-3', 'urgent'); // promoted
    q.start();
    await q.drained();
    expect(order.slice(0, 3)).toEqual(['new-1', 'new-2', 'refresh-3']);
    expect(order).toHaveLength(7);
  });

  it('dedupes, reruns a key changed while processing, and keeps the earliest schedule', async () => {
    const clock = new ManualClock();
    const runs: string[] = [];
    let release!: () => void;
    const q = new RemoteWorkQueue({
      clock,
      concurrency: 2,
      handler: async (k) => {
        runs.push(k);
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
        return { kind: 'done' };
      },
    });
    q.start();
    q.add('a');
    q.add('a');
    await flush();
    q.add('a'); // while processing: dirty
    release();
    await q.drained();
    expect(runs).toEqual(['a', 'a']);
    q.addAfter('b', 10_000);
    q.addAfter('b', 5_000);
    q.addAfter('b', 8_000);
    await clock.advance(5_000);
    await q.drained();
    expect(runs).toEqual(['a', 'a', 'b']);
    await clock.advance(10_000);
    expect(runs).toEqual(['a', 'a', 'b']);
  });

  it('retries with exponential backoff, never less than the hint', async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    let n = 0;
    const q = new RemoteWorkQueue({
      clock,
      concurrency: 1,
      backoffBaseMs: 1000,
      handler: async (): Promise<QueueWork> => {
        at.push(clock.now());
        n++;
        if (n === 3) return { kind: 'retry', minMs: 30_000 };
        return n < 5 ? { kind: 'retry' } : { kind: 'after', ms: 60_000 };
      },
    });
    q.start();
    q.add('k');
    await flush();
    await clock.advance(200_000);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps.slice(0, 5)).toEqual([1000, 2000, 30_000, 8000, 60_000]);
  });
});

describe('refresh scheduling', () => {
  it('refreshes between 90% and 100% of the interval', () => {
    expect(nextRefresh(0, 1000_000, () => 0)).toBe(1000_000);
    expect(nextRefresh(0, 1000_000, () => 0.999)).toBeCloseTo(900_100, 0);
    expect(nextRefresh(0, 0, () => 0.5)).toBe(Infinity);
  });

  it('after a restart: keeps the schedule, spreads overdue refreshes over 10% of the interval', () => {
    const h = 3_600_000;
    expect(restartRefresh(0, h, 1000, () => 0)).toBe(h);
    const overdue = restartRefresh(0, h, 5 * h, () => 0.5);
    expect(overdue).toBe(5 * h + 0.1 * h * 0.5);
    expect(restartRefresh(0, 0, 5 * h, () => 0.5)).toBe(Infinity);
  });
});
