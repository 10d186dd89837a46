/**
 * kubectl's `--request-timeout` syntax (client-go's clientcmd.ParseTimeout): a bare integer is
 * seconds ("30"), anything else a Go duration ("5s", "1m30s", "1.5h", "300ms"); "0" means no
 * deadline. Returns milliseconds, 0 for none; throws RangeError with a message naming the syntax.
 */
export function parseRequestTimeout(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const ms = parseGoDuration(s);
  if (ms === undefined || ms < 0) {
    throw new RangeError(`invalid timeout "${text}": expected an integer number of seconds, or a number with a unit (e.g. 1s, 2m, 3h)`);
  }
  return ms;
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds (rounded up to whole ms); undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (text === '0') return 0;
  if (m === null) return undefined;
  let total = 0;
  for (const part of text.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  total = Math.ceil(total);
  return m[1] === '-' ? -total : total;
}
