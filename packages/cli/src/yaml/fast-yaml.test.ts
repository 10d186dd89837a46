import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseSimpleYaml, stringifySimpleYaml } from './fast-yaml.js';

/** What the general parser returns: the reference the fast path must match exactly. */
function reference(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

describe('parseSimpleYaml matches yaml exactly, or declines', () => {
  const accepted = [
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ndata:\n  password: aHVudGVyMg==\n',
    '---\na: 1x\n---\n---\n# comment\n---\nb:\n    c: "quoted value"\n    d: \'single\'\n',
    'a:\n  b:\n    c: {}\n  d: true\ne: False\nf: "123"\ng: abc123\n',
    '# leading comment\n\na: x\n   # indented comment\nb: y\n',
    'a: 1+2/3=\nb: AQEAB3Byb2Q+/=\n',
    '',
    'a: b\n---\n',
  ];
  it.each(accepted.map((t) => [t]))('accepts %j', (text) => {
    const fast = parseSimpleYaml(text);
    expect(fast).toBeDefined();
    expect(fast).toEqual(reference(text));
  });

  const declined = [
    'a: 123\n', 'a: 1.5\n', 'a: 1e3\n', 'a: 0x1F\n', 'a: null\n', 'a:\n', 'a: ~\n', 'a: [1, 2]\n', 'a: {b: c}\n',
    'a: |\n  text\n', 'a: b # comment\n', 'a: "esc\\n"\n', 'a: it\'s\n', 'a: two words\n', '- item\n', '"a": b\n',
    'a: b\n  c: d\n', 'a:\n    b: 1x\n  c: 2x\n', 'a: x\r\n', '\ta: x\n', 'a: x\na: y\n', '--- a: x\n', '%YAML 1.2\n---\na: x\n',
    'a: &anchor x\n', 'a: *alias\n', '<<: x\n', '__proto__: x\n', '123: x\n', 'true: x\n', 'null: x\n', 'just-a-string\n',
    'a: x\n...\n', 'a: "caf\u00e9"\n', 'a: -x\n',
  ];
  it.each(declined.map((t) => [t]))('declines %j', (text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('never disagrees with yaml on generated manifests (with tricky scalars and broken indentation)', () => {
    const token = fc.oneof(
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9+/=._-]{0,11}$/), weight: 60 },
      { arbitrary: fc.stringMatching(/^"[A-Za-z0-9 +/=._-]{0,8}"$/), weight: 2 },
      { arbitrary: fc.stringMatching(/^[-+.=/][A-Za-z0-9+/=._-]{0,5}$/), weight: 1 },
      { arbitrary: fc.constantFrom('123', '-1', '1.5', '1e3', '0x1F', '0o7', 'true', 'False', 'null', 'NULL', '~', 'yes', 'on', '"q"', "'s'", '"a#b"', 'a b', 'x #c', '{}', '[]', '', '"', "'", '&a x', '*a', '|', '>', 'e0', 'E5'), weight: 2 },
    );
    const key = fc.oneof(
      { arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./-]{1,10}$/), weight: 30 },
      { arbitrary: fc.stringMatching(/^[0-9_][A-Za-z0-9_./-]{0,4}$/), weight: 1 },
      { arbitrary: fc.constantFrom('true', '1', '1e3', 'null', '"k"', '__proto__', 'a b', '-k', '<<'), weight: 1 },
    );
    type Tree = Array<[string, string | Tree]>;
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
      // Mostly distinct keys: a duplicate is a YAML error, which the fast path must decline.
      t: fc.uniqueArray(fc.tuple(key, fc.oneof({ depthSize: 'small' }, token, tie('t'))), { minLength: 1, maxLength: 4, selector: ([k]) => k.toLowerCase().slice(0, 2) }),
    })).t;
    const render = (t: Tree, indent: number, step: number, jitter: number[], out: string[]) => {
      for (const [k, v] of t) {
        const shift = jitter.length > 0 && jitter[out.length % jitter.length] === 1 ? 1 : 0;
        if (typeof v === 'string') out.push(`${' '.repeat(indent + shift)}${k}:${v === '' ? '' : ` ${v}`}`);
        else {
          out.push(`${' '.repeat(indent + shift)}${k}:`);
          render(v, indent + step, step, jitter, out);
        }
        if (out.length % 7 === 3) out.push(out.length % 2 ? '' : `${' '.repeat(indent)}# note`);
      }
    };
    const docs = fc.array(tree, { minLength: 1, maxLength: 4 });
    const jitter = fc.oneof(
      { arbitrary: fc.constant([] as number[]), weight: 8 },
      { arbitrary: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 9 }), weight: 1 },
    );
    let accepted = 0;
    fc.assert(
      fc.property(docs, fc.constantFrom(2, 4), jitter, fc.boolean(), (trees, step, jit, leading) => {
        const text = (leading ? '---\n' : '') + trees.map((t) => {
          const out: string[] = [];
          render(t, 0, step, jit, out);
          return `${out.join('\n')}\n`;
        }).join('---\n');
        const fast = parseSimpleYaml(text);
        if (fast === undefined) return;
        accepted += 1;
        const ref = parseAllDocuments(text);
        // The fast path only accepts what yaml parses without errors, to the same values.
        expect(ref.every((d) => d.errors.length === 0)).toBe(true);
        expect(fast).toEqual(ref.map((d) => d.toJS() as unknown));
      }),
      { numRuns: 3000 },
    );
    // The property is only meaningful if the fast path accepted a good share of the cases.
    expect(accepted).toBeGreaterThan(300);
  });
});

describe('stringifySimpleYaml', () => {
  it('writes block YAML, quoting what YAML 1.1 or 1.2 would read as another type', () => {
    const text = stringifySimpleYaml({ a: 'yes', b: 'on', c: '1234', d: 'abc', e: { f: true, g: {} }, h: '', i: 'two words', 'app.kubernetes.io/name': 'x' });
    expect(text).toBe('a: "yes"\nb: "on"\nc: "1234"\nd: abc\ne:\n  f: true\n  g: {}\nh: ""\ni: "two words"\napp.kubernetes.io/name: x\n');
  });
  it('declines arrays, numbers, null and non-ASCII strings (the caller uses yaml)', () => {
    expect(stringifySimpleYaml({ a: [1] })).toBeUndefined();
    expect(stringifySimpleYaml({ a: 1 })).toBeUndefined();
    expect(stringifySimpleYaml({ a: null })).toBeUndefined();
    expect(stringifySimpleYaml({ a: 'caf\u00e9' })).toBeUndefined();
  });
  it('round-trips through yaml for generated manifests', () => {
    const str = fc.string({ maxLength: 20 });
    const leaf = fc.oneof(str, fc.boolean());
    const tree = fc.letrec((tie) => ({ node: fc.dictionary(str, fc.oneof({ depthSize: 'small' }, leaf, tie('node')), { maxKeys: 5 }) })).node;
    fc.assert(
      fc.property(tree, (obj) => {
        const text = stringifySimpleYaml(obj);
        if (text === undefined) return;
        expect(parse(text, { schema: 'yaml-1.1' }) ?? {}).toEqual(obj);
        expect(parse(text) ?? {}).toEqual(obj);
      }),
      { numRuns: 2000 },
    );
  });
});
