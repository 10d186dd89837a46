import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { Reason, VaultRequestError } from './errors.js';
import { StoreLimiter } from './limiter.js';

describe('StoreLimiter', () => {
  it('bounds requests in flight', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const l = new StoreLimiter({ concurrency: 3, clock, random: () => 0.5 });
    let active = 0;
    let peak = 0;
    const work = () =>
      l.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        active--;
      });
    await Promise.all(Array.from({ length: 20 }, work));
    expect(peak).toBe(3);
    expect(l.inFlight).toBe(0);
  });

  it('pauses the store after 429/503 with growing backoff and fails fast meanwhile', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const l = new StoreLimiter({ concurrency: 2, clock, random: () => 1, minBackoffMs: 1000 });
    await expect(l.run(async () => { throw new VaultRequestError(429, ['rate limited']); })).rejects.toMatchObject({ status: 429 });
    let ran = false;
    await expect(l.run(async () => { ran = true; })).rejects.toMatchObject({ reason: Reason.RateLimited, retryable: true, retryAfterMs: 1000 });
    expect(ran).toBe(false);
    await clock.advance(1000);
    await expect(l.run(async () => { throw new VaultRequestError(503, ['Vault is sealed']); })).rejects.toMatchObject({ status: 503 });
    await expect(l.run(async () => 1)).rejects.toMatchObject({ reason: Reason.VaultUnavailable, retryAfterMs: 2000 });
    await clock.advance(2000);
    expect(await l.run(async () => 'ok')).toBe('ok');
  });

  it('does not pause on other errors', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const l = new StoreLimiter({ concurrency: 1, clock, random: () => 0 });
    await expect(l.run(async () => { throw new VaultRequestError(403, []); })).rejects.toBeDefined();
    expect(l.pauseRemainingMs()).toBe(0);
  });
});
