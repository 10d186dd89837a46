import { describe, expect, it } from 'vitest';
import { WorkQueue, type WorkResult } from './workqueue.js';
import { FakeClock, flush } from './test-support.js';

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
      clock.advance(clock.pending()[0]!);
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
    clock.advance(10_000);
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
    clock.advance(4999);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1);
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
