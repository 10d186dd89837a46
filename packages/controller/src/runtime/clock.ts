/** Time as a small interface so the work queue, leader election and backoff can be tested with a fake. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Runs fn after ms; the returned timer never keeps the process alive on its own. */
  after(ms: number, fn: () => void): Timer;
}

/** setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days): longer waits are capped there. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMEOUT_MS)));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Resolves after ms, or early (without rejecting) when the signal aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff: base * 2^(attempt-1), capped at max; attempt counts from 1. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return 0;
  const exp = Math.min(attempt - 1, 30);
  return Math.min(maxMs, baseMs * 2 ** exp);
}
