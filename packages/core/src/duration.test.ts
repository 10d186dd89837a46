import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { BadInputError } from './errors.js';

describe('parseDuration', () => {
  it('reads Go / Kubernetes durations', () => {
    expect(parseDuration('1h', 'f')).toBe(3_600_000);
    expect(parseDuration('1h30m', 'f')).toBe(5_400_000);
    expect(parseDuration('90s', 'f')).toBe(90_000);
    expect(parseDuration('500ms', 'f')).toBe(500);
    expect(parseDuration('2m3s4ms', 'f')).toBe(123_004);
    expect(parseDuration('1.5h', 'f')).toBe(5_400_000);
    expect(parseDuration('.5s', 'f')).toBe(500);
    expect(parseDuration('1.s', 'f')).toBe(1000);
    // Repeated and unordered units add up, as in Go.
    expect(parseDuration('1m1m', 'f')).toBe(120_000);
    expect(parseDuration('30s1h', 'f')).toBe(3_630_000);
  });

  it('reads d as 24h', () => {
    expect(parseDuration('30d', 'f')).toBe(30 * 86_400_000);
    expect(parseDuration('1d12h', 'f')).toBe(36 * 3_600_000);
  });

  it('reads sub-millisecond units, rounded to whole milliseconds', () => {
    expect(parseDuration('1500us', 'f')).toBe(2);
    expect(parseDuration('1500µs', 'f')).toBe(2);
    expect(parseDuration('1500μs', 'f')).toBe(2);
    expect(parseDuration('400000ns', 'f')).toBe(0);
    expect(parseDuration('2000000ns', 'f')).toBe(2);
  });

  it('reads 0 alone, and zero with a unit, as zero', () => {
    expect(parseDuration('0', 'f')).toBe(0);
    expect(parseDuration('0s', 'f')).toBe(0);
    expect(parseDuration('0h0m', 'f')).toBe(0);
  });

  it('rejects everything else with one error naming the field', () => {
    for (const bad of ['', ' ', '1', '00', 'h', '1x', '1hh', '1h 30m', ' 1h', '1h ', '-1h', '+1h', '1H', '1e3s', '1,5h', '.s', '1.2.3s', 'ms', '1y', '1w']) {
      let error: unknown;
      try {
        parseDuration(bad, '--resync-period');
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(bad)).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toBe(`--resync-period: ${JSON.stringify(bad)} is not a duration (e.g. 1h30m, 90s, 500ms, 30d; 0 for none)`);
    }
  });

  it('rejects a value that is not a string, and one too large to count in milliseconds', () => {
    expect(() => parseDuration(3600 as unknown as string, 'spec.refreshInterval')).toThrow(/^spec.refreshInterval: "3600" is not a duration/);
    expect(() => parseDuration(`${'9'.repeat(400)}h`, 'f')).toThrow(BadInputError);
    expect(() => parseDuration('99999999999999999d', 'f')).toThrow(BadInputError);
  });

  it('cuts a long value in the message', () => {
    expect(() => parseDuration('x'.repeat(1000), 'f')).toThrow(`f: "${'x'.repeat(40)}" is not a duration`);
  });
});

describe('formatDuration', () => {
  it('prints the short form, which parseDuration reads back', () => {
    for (const [ms, text] of [
      [0, '0'],
      [500, '500ms'],
      [90_000, '1m30s'],
      [5_400_000, '1h30m'],
      [3_600_001, '1h1ms'],
      [30 * 86_400_000, '720h'],
    ] as const) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text, 'f')).toBe(ms);
    }
  });
});
