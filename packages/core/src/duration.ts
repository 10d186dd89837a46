// The one duration syntax of sealkit: every flag (`--refresh`, `--resync-period`, ...) and every spec
// field (`spec.refreshInterval`) reads durations through parseDuration, so a value that works in one
// place works in all of them.
//
// Syntax: Go's time.ParseDuration, which Kubernetes users write in metav1.Duration fields, plus `d`
// for days (24h, as in the controller's `--key-renew-period 30d`): one or more <number><unit> parts,
// `1h30m`, `90s`, `500ms`, `1.5h`, `.5s`; units ns, us (or µs), ms, s, m, h, d; "0" alone means zero.
// Unlike Go: no sign (a negative interval means nothing here) and no spaces; the result is whole
// milliseconds (sub-millisecond parts round to the nearest millisecond).

import { BadInputError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3, // U+03BC, the Greek mu Go also accepts
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
// Longest unit first, so "ms" is not read as "m" followed by junk.
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

/** Examples for error messages. */
const EXAMPLES = 'e.g. 1h30m, 90s, 500ms, 30d; 0 for none';

/**
 * Milliseconds of a duration such as `1h30m`. `field` names the flag or manifest field in the
 * error (`--refresh`, `spec.refreshInterval`). Throws BadInputError for anything else.
 */
export function parseDuration(text: string, field: string): number {
  const fail = (): never => {
    throw new BadInputError(`${field}: ${JSON.stringify(String(text).slice(0, 40))} is not a duration (${EXAMPLES})`);
  };
  if (typeof text !== 'string' || text === '') return fail();
  if (text === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (m === null) return fail();
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) return fail();
  return Math.round(total);
}

/** The short form sealkit prints (status messages, help): 5_400_000 -> "1h30m", 0 -> "0". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}
