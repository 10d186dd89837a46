import { describe, expect, it } from 'vitest';
import { nextRefresh, restartRefresh } from './reconcile.js';

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
