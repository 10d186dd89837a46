// When to renew a lease and when to ask for new credentials instead. Pure: times in, times out, so
// the schedule is unit-tested with a fake clock and bench/remote.mjs counts renewals from it.
//
// Vault renews a lease by at most the increment asked for (we ask for the TTL it gave at issue) and
// never past the role's max TTL: a renewal that comes back shorter than asked has hit that cap,
// and the credentials die at the new expiry whatever we do. So:
//   - renewable, not capped: renew when `fraction` (default 2/3) of the current TTL has passed;
//   - capped, or not renewable: issue new credentials at that same point of what is left, so the
//     replacement is in the Secret well before the old credentials stop working.

export interface LeaseTimes {
  id: string;
  renewable: boolean;
  /** TTL Vault gave at issue, seconds: what each renewal asks for. */
  incrementSeconds: number;
  issuedAt: number;
  /** When the last issue or renewal was answered. */
  refreshedAt: number;
  /** When the credentials stop working unless renewed. */
  expiresAt: number;
  /** The last renewal came back shorter than asked: the max TTL is reached. */
  capped: boolean;
  renewals: number;
}

export type LeaseAction = { kind: 'renew' | 'reissue'; at: number };

/** A lease just issued (Vault's lease_id, lease_duration, renewable) at `now`. */
export function issuedLease(id: string, durationSeconds: number, renewable: boolean, now: number): LeaseTimes {
  return { id, renewable, incrementSeconds: durationSeconds, issuedAt: now, refreshedAt: now, expiresAt: now + durationSeconds * 1000, capped: false, renewals: 0 };
}

/** The lease after a renewal that answered `durationSeconds` at `now`. */
export function renewedLease(l: LeaseTimes, durationSeconds: number, now: number): LeaseTimes {
  return {
    ...l,
    refreshedAt: now,
    expiresAt: now + durationSeconds * 1000,
    capped: durationSeconds < l.incrementSeconds,
    renewals: l.renewals + 1,
  };
}

/** What to do next with the lease, and when. */
export function nextLeaseAction(l: LeaseTimes, fraction: number): LeaseAction {
  const at = l.refreshedAt + Math.max(0, l.expiresAt - l.refreshedAt) * fraction;
  return { kind: l.renewable && !l.capped && l.incrementSeconds > 0 ? 'renew' : 'reissue', at };
}

/**
 * How many renewals and issues one credential costs over `periodMs`, by running the schedule
 * against Vault's rules (a renewal gives min(increment, maxTtl - age)): the figure the bench
 * reports per hour. `defaultTtlS`/`maxTtlS` are the role's; `fraction` the renewal point.
 */
export function simulateLeases(defaultTtlS: number, maxTtlS: number, fraction: number, periodMs: number): { renewals: number; issues: number; minRemainingMs: number } {
  let now = 0;
  let lease = issuedLease('sim', Math.min(defaultTtlS, maxTtlS), true, now);
  let renewals = 0;
  let issues = 1;
  let minRemainingMs = Infinity;
  for (;;) {
    const next = nextLeaseAction(lease, fraction);
    if (next.at >= periodMs) break;
    now = Math.max(next.at, now);
    minRemainingMs = Math.min(minRemainingMs, lease.expiresAt - now);
    if (next.kind === 'renew') {
      const ageS = (now - lease.issuedAt) / 1000;
      const granted = Math.max(0, Math.min(lease.incrementSeconds, maxTtlS - ageS));
      lease = renewedLease(lease, granted, now);
      renewals++;
    } else {
      lease = issuedLease('sim', Math.min(defaultTtlS, maxTtlS), true, now);
      issues++;
    }
  }
  return { renewals, issues, minRemainingMs };
}
