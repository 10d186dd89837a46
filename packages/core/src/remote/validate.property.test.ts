// Property-based tests (fast-check): the RemoteSecret rules read objects straight from the API
// server or a user's file, so input of any shape must end in a BadInputError naming a field, never
// a TypeError; and durations print and parse back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../duration.js';
import { BadInputError } from '../errors.js';
import { kvReadPath, parseKvVersionPin } from './kv-path.js';
import { parseTemplate } from './template.js';
import { planRemoteSecret, planStore } from './validate.js';

/** Runs fn; passes when it returns or throws a BadInputError whose message is one line. */
function onlyBadInput(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    expect((e as Error).message).not.toContain('\n');
  }
}

const valid = {
  metadata: { name: 'db', namespace: 'prod' },
  spec: {
    storeRef: { name: 'vault' },
    refreshInterval: '1h',
    target: { name: 'db', creationPolicy: 'Owner', template: { type: 'Opaque', data: { url: '{{ .password }}' } } },
    data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password', version: '2' } }],
    dataFrom: [{ extract: { key: 'prod/common' } }],
  },
};
const store = {
  metadata: { name: 'vault', namespace: 'prod' },
  spec: { provider: { vault: { server: 'https://vault:8200', mount: 'secret', auth: { appRole: { roleId: 'r', secretIdSecretRef: { name: 's', key: 'k' } } } } } },
};

/** `base` with the value at one of its paths replaced by anything. */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths), fc.anything()).map(([path, value]) => {
    if (path.length === 0) return value;
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let cur = copy;
    for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
    cur[path[path.length - 1]!] = value;
    return copy;
  });
}

describe('hostile input', () => {
  it('planRemoteSecret: any value anywhere is a BadInputError or a plan', () => {
    fc.assert(fc.property(mutated(valid), (o) => onlyBadInput(() => planRemoteSecret(o))), { numRuns: 2000 });
  });

  it('planStore: any value anywhere is a BadInputError or a plan, for both kinds', () => {
    fc.assert(
      fc.property(mutated(store), fc.constantFrom('RemoteStore', 'ClusterRemoteStore' as const), (o, kind) => onlyBadInput(() => planStore(o, kind))),
      { numRuns: 2000 },
    );
  });

  it('paths, version pins, durations and templates: any string is a result or a BadInputError', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        onlyBadInput(() => kvReadPath(a, b, 'v2'));
        onlyBadInput(() => parseKvVersionPin(a, 'f'));
        onlyBadInput(() => parseDuration(a, 'f'));
        onlyBadInput(() => parseTemplate(a, 'f'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('durations', () => {
  it('formatDuration prints what parseDuration reads back', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms), 'f')).toBe(ms);
      }));
  });

  it('a sum of parts is the sum of their values', () => {
    const part = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([n, [unit]]) => `${n}${unit}`).join('');
        expect(parseDuration(text, 'f')).toBe(parts.reduce((sum, [n, [, size]]) => sum + n * (size as number), 0));
      }),
    );
  });
});
