// The lease schedule against a fake Vault lease that follows Vault's rules (a renewal grants
// min(increment, max TTL - age); past its expiry the lease is gone), driven by a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { issuedLease, nextLeaseAction, renewedLease, simulateLeases, type LeaseTimes } from './lease-schedule.js';

/** One role of Vault's database engine: default and max TTL, in seconds. */
class FakeRole {
  issued = 0;
  renewals = 0;
  private leases = new Map<string, { issuedAt: number; expiresAt: number }>();
  constructor(private readonly clock: FakeClock, readonly defaultTtl: number, readonly maxTtl: number) {}
  issue(): { id: string; ttl: number } {
    const id = `lease-${++this.issued}`;
    const now = this.clock.now();
    this.leases.set(id, { issuedAt: now, expiresAt: now + this.defaultTtl * 1000 });
    return { id, ttl: this.defaultTtl };
  }
  renew(id: string, increment: number): number {
    const l = this.leases.get(id);
    const now = this.clock.now();
    if (!l || l.expiresAt <= now) throw new Error('lease not found');
    const granted = Math.floor(Math.min(increment, this.maxTtl - (now - l.issuedAt) / 1000));
    l.expiresAt = now + granted * 1000;
    this.renewals++;
    return granted;
  }
  alive(id: string): boolean {
    const l = this.leases.get(id);
    return !!l && l.expiresAt > this.clock.now();
  }
}

/** Drives one credential for `ms` with the clock's timers, as the work queue does. */
async function drive(clock: FakeClock, role: FakeRole, fraction: number, ms: number): Promise<{ gaps: number; leases: string[] }> {
  const first = role.issue();
  let lease: LeaseTimes = issuedLease(first.id, first.ttl, true, clock.now());
  const leases = [lease.id];
  let gaps = 0;
  const step = () => {
    if (!role.alive(lease.id)) gaps++;
    const now = clock.now();
    const next = nextLeaseAction(lease, fraction);
    if (now >= next.at) {
      if (next.kind === 'renew') lease = renewedLease(lease, role.renew(lease.id, lease.incrementSeconds), now);
      else {
        const n = role.issue();
        lease = issuedLease(n.id, n.ttl, true, now);
        leases.push(lease.id);
      }
    }
    clock.after(Math.max(0, nextLeaseAction(lease, fraction).at - clock.now()), step);
  };
  clock.after(0, step);
  await clock.advance(ms);
  return { gaps, leases };
}

describe('lease schedule', () => {
  it('renews at 2/3 of the TTL with the TTL given at issue as the increment', () => {
    const l = issuedLease('x', 30, true, 1_000);
    expect(nextLeaseAction(l, 2 / 3)).toEqual({ kind: 'renew', at: 21_000 });
    const r = renewedLease(l, 30, 21_000);
    expect(r).toMatchObject({ refreshedAt: 21_000, expiresAt: 51_000, capped: false, renewals: 1 });
    expect(nextLeaseAction(r, 2 / 3)).toEqual({ kind: 'renew', at: 41_000 });
  });

  it('a renewal shorter than asked (max TTL reached) turns the next step into new credentials, at 2/3 of what is left', () => {
    const l = renewedLease(issuedLease('x', 30, true, 0), 9, 60_000);
    expect(l.capped).toBe(true);
    expect(nextLeaseAction(l, 2 / 3)).toEqual({ kind: 'reissue', at: 66_000 });
  });

  it('a lease Vault says is not renewable is replaced at 2/3 of its TTL, never renewed', () => {
    expect(nextLeaseAction(issuedLease('x', 60, false, 0), 2 / 3)).toEqual({ kind: 'reissue', at: 40_000 });
  });

  it('with the e2e role (10 s / 40 s): renewals keep one lease alive to its max TTL, then new credentials come before it ends; never a moment without live credentials', async () => {
    const clock = new FakeClock(0);
    const role = new FakeRole(clock, 10, 40);
    const { gaps, leases } = await drive(clock, role, 2 / 3, 120_000);
    expect(gaps).toBe(0);
    // 40 s per lease, replaced a little before its end: 3 full lifetimes plus the one running.
    expect(leases.length).toBe(4);
    // about 5 renewals per lease (every 6.7 s until the capped one)
    expect(role.renewals).toBeGreaterThanOrEqual(12);
    expect(role.renewals).toBeLessThanOrEqual(18);
  });

  it('a later renewal point (90%) also keeps the credentials alive, with fewer renewals', async () => {
    const at = async (fraction: number) => {
      const clock = new FakeClock(0);
      const role = new FakeRole(clock, 60, 3600);
      const r = await drive(clock, role, fraction, 4 * 3600_000);
      return { gaps: r.gaps, renewals: role.renewals };
    };
    const twoThirds = await at(2 / 3);
    const ninety = await at(0.9);
    expect(twoThirds.gaps).toBe(0);
    expect(ninety.gaps).toBe(0);
    expect(ninety.renewals).toBeLessThan(twoThirds.renewals);
  });

  it('simulateLeases (the bench figure) agrees with driving the schedule by the clock', async () => {
    const clock = new FakeClock(0);
    const role = new FakeRole(clock, 10, 40);
    const driven = await drive(clock, role, 2 / 3, 120_000);
    const sim = simulateLeases(10, 40, 2 / 3, 120_000);
    expect(sim.issues).toBe(driven.leases.length);
    expect(Math.abs(sim.renewals - role.renewals)).toBeLessThanOrEqual(1);
    expect(sim.minRemainingMs).toBeGreaterThan(0);
  });
});
