import { describe, expect, it } from 'vitest';
import { ApiError } from '@sealkit/kube';
import { WorkQueue, type WorkResult } from './workqueue.js';
import { FakeClock, flush } from '../testing/fake-clock.js';

function deferred() {
  let resolve!: (r: WorkResult) => void;
  const promise = new Promise<WorkResult>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('dedupes a key added many times before it runs', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({ clock: new FakeClock(), concurrency: 1, handler: async (k) => (seen.push(k), { kind: 'done' }) });
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    expect(q.depth).toBe(2);
    q.start();
    await flush();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once; an add during processing runs it once more after', async () => {
    const clock = new FakeClock();
    const gates: ReturnType<typeof deferred>[] = [];
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue({
      clock,
      concurrency: 4,
      handler: (k) => {
        expect(k).toBe('a');
        running++;
        maxRunning = Math.max(maxRunning, running);
        const g = deferred();
        gates.push(g);
        return g.promise.finally(() => running--);
      },
    });
    q.start();
    q.add('a');
    await flush();
    q.add('a');
    q.add('a');
    await flush();
    expect(gates.length).toBe(1);
    gates[0]!.resolve({ kind: 'done' });
    await flush();
    expect(gates.length).toBe(2);
    gates[1]!.resolve({ kind: 'done' });
    await flush();
    expect(gates.length).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const q = new WorkQueue({ clock: new FakeClock(), concurrency: 3, handler: () => { const g = deferred(); gates.push(g); return g.promise; } });
    for (const k of 'abcdefgh') q.add(k);
    q.start();
    await flush();
    expect(q.inFlight).toBe(3);
    expect(q.depth).toBe(5);
    gates[0]!.resolve({ kind: 'done' });
    await flush();
    expect(q.inFlight).toBe(3);
    expect(q.depth).toBe(4);
  });

  it('retries failures with exponential backoff, capped in delay but not in count', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new WorkQueue({
      clock,
      concurrency: 1,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      handler: async () => {
        calls++;
        if (calls === 3) throw new Error('boom');
        return { kind: 'retry' };
      },
      onError: () => {},
    });
    q.start();
    q.add('a');
    await flush();
    expect(calls).toBe(1);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push(clock.pending()[0]!);
      await clock.advance(clock.pending()[0]!);
      await flush();
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    expect(calls).toBe(9);
    expect(q.failuresOf('a')).toBe(9);
  });

  it('a fresh add overrides a scheduled retry and success resets the backoff', async () => {
    const clock = new FakeClock();
    let fail = true;
    let calls = 0;
    const q = new WorkQueue({ clock, concurrency: 1, backoffBaseMs: 1000, handler: async () => (calls++, fail ? { kind: 'retry' } : { kind: 'done' }) });
    q.start();
    q.add('a');
    await flush();
    expect(q.waiting).toBe(1);
    fail = false;
    q.add('a');
    await flush();
    expect(calls).toBe(2);
    expect(q.waiting).toBe(0);
    expect(q.failuresOf('a')).toBe(0);
    await clock.advance(10_000);
    await flush();
    expect(calls).toBe(2);
  });

  it('requeues after a fixed delay on request', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new WorkQueue({ clock, concurrency: 1, handler: async () => (calls++, calls === 1 ? { kind: 'after', ms: 5000 } : { kind: 'done' }) });
    q.start();
    q.add('a');
    await flush();
    await clock.advance(4999);
    await flush();
    expect(calls).toBe(1);
    await clock.advance(1);
    await flush();
    expect(calls).toBe(2);
  });

  it('holds keys while paused and shutdown waits for in-flight work', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const q = new WorkQueue({ clock: new FakeClock(), concurrency: 2, handler: () => { const g = deferred(); gates.push(g); return g.promise; } });
    q.add('a');
    await flush();
    expect(gates.length).toBe(0);
    q.start();
    await flush();
    expect(gates.length).toBe(1);
    let done = false;
    const p = q.shutdown().then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    gates[0]!.resolve({ kind: 'retry' });
    await p;
    expect(q.waiting).toBe(0);
    q.add('b');
    expect(q.depth).toBe(0);
  });
});

describe('WorkQueue priority lanes (RemoteSecrets)', () => {
  it('takes never-synced (urgent) keys before periodic refreshes', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const order: string[] = [];
    const q = new WorkQueue({ clock, concurrency: 1, handler: async (k) => (order.push(k), { kind: 'done' }) });
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
    const clock = new FakeClock(1_700_000_000_000);
    const runs: string[] = [];
    let release!: () => void;
    const q = new WorkQueue({
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
    const clock = new FakeClock(1_700_000_000_000);
    const at: number[] = [];
    let n = 0;
    const q = new WorkQueue({
      clock,
      concurrency: 1,
      backoffBaseMs: 1000,
      handler: async (): Promise<WorkResult> => {
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

describe('WorkQueue refresh and drop', () => {
  it("'refresh' resets the backoff and comes back in the refresh lane; 'after' keeps the backoff", async () => {
    const clock = new FakeClock();
    const results: WorkResult[] = [{ kind: 'retry' }, { kind: 'after', ms: 50 }, { kind: 'retry' }, { kind: 'refresh', ms: 5000 }];
    const order: string[] = [];
    const q = new WorkQueue({ clock, concurrency: 1, backoffBaseMs: 100, handler: async (k) => (order.push(k), k === 'a' ? results.shift() ?? { kind: 'done' } : { kind: 'done' }) });
    q.start();
    q.add('a');
    await flush();
    expect(q.failuresOf('a')).toBe(1);
    await clock.advance(100);
    await flush();
    expect(q.failuresOf('a')).toBe(1); // 'after' kept it
    await clock.advance(50);
    await flush();
    expect(q.failuresOf('a')).toBe(2);
    await clock.advance(200);
    await flush();
    expect(q.failuresOf('a')).toBe(0); // 'refresh' reset it
    expect(clock.pending()).toEqual([5000]);
    await q.pause();
    await clock.advance(5000);
    q.add('b');
    expect(q.depth).toBe(2);
    q.start();
    await flush();
    expect(order.slice(-2)).toEqual(['b', 'a']); // the refresh waited behind the urgent key
  });

  it('forget keeps a scheduled retry; drop cancels it', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new WorkQueue({ clock, concurrency: 1, backoffBaseMs: 100, handler: async () => (calls++, { kind: 'retry' }) });
    q.start();
    q.add('a');
    await flush();
    q.forget('a');
    expect(q.waiting).toBe(1);
    q.drop('a');
    expect(q.waiting).toBe(0);
    await clock.advance(10_000);
    await flush();
    expect(calls).toBe(1);
  });

  it('a 429 with Retry-After is retried no sooner than the server asked, even on a first failure', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const q = new WorkQueue({
      clock,
      concurrency: 1,
      handler: async () => {
        runs.push(clock.now());
        if (runs.length === 1) throw new ApiError(429, 'TooManyRequests', 'PUT', 'secrets', [], 4000);
        return { kind: 'done' };
      },
    });
    q.add('a');
    q.start();
    await flush();
    await clock.advance(3999);
    expect(runs).toHaveLength(1);
    await clock.advance(1);
    await flush();
    expect(runs).toHaveLength(2);
    expect(runs[1]! - runs[0]!).toBe(4000);
  });
});
