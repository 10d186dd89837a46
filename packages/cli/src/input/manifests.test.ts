import { describe, expect, it } from 'vitest';
import { ExitError } from '../errors.js';
import { describeObject, parseManifests } from './manifests.js';
import { formatManifests } from '../output/manifests.js';

describe('parseManifests', () => {
  it('flattens Lists, skips empty documents, numbers objects from 1', () => {
    const text = '---\na: 1\n---\n---\nkind: List\nitems: [{b: 2}, {c: 3}]\n';
    expect(parseManifests(text, 'stdin')).toEqual([
      { source: 'stdin', index: 1, value: { a: 1 } },
      { source: 'stdin', index: 2, value: { b: 2 } },
      { source: 'stdin', index: 3, value: { c: 3 } },
    ]);
  });
  it('parses JSON, including a leading BOM', () => {
    expect(parseManifests(Buffer.from('\uFEFF{"kind":"Secret"}'), 'f.json')).toEqual([{ source: 'f.json', index: 1, value: { kind: 'Secret' } }]);
  });
  it('empty input is an error', () => {
    expect(() => parseManifests('  \n# c\n', 'stdin')).toThrow(/stdin: the input is empty/);
  });
  it('a YAML error gives the position and no source text', () => {
    let message = '';
    try {
      parseManifests('a: [1\nsecret: "abc', 'in.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ExitError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^in\.yaml: invalid YAML at line \d+, column \d+: /);
    expect(message).not.toContain('abc');
    expect(message).not.toContain('\n');
  });
  it('rejects alias bombs', () => {
    const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(() => parseManifests(bomb, 'stdin')).toThrow();
  });
});

describe('formatManifests', () => {
  it('YAML: documents joined by ---, and YAML 1.1 booleans quoted for Kubernetes', () => {
    const text = formatManifests([{ a: 'yes' }, { b: 'on' }], 'yaml');
    expect(text).toBe('a: "yes"\n---\nb: "on"\n');
  });
  it('JSON: a single object, or a v1 List', () => {
    expect(JSON.parse(formatManifests([{ a: 1 }], 'json'))).toEqual({ a: 1 });
    expect(JSON.parse(formatManifests([{ a: 1 }, { b: 2 }], 'json'))).toEqual({ apiVersion: 'v1', kind: 'List', items: [{ a: 1 }, { b: 2 }] });
  });
  it('never folds long lines', () => {
    const long = 'A'.repeat(500);
    expect(formatManifests([{ v: long }], 'yaml')).toBe(`v: ${long}\n`);
  });
});

describe('describeObject', () => {
  it('names the object by kind and namespace/name, or by its position', () => {
    expect(describeObject({ source: 's', index: 2, value: { kind: 'Secret', metadata: { name: 'n', namespace: 'ns' } } })).toBe('Secret ns/n');
    expect(describeObject({ source: 's', index: 2, value: { metadata: {} } })).toBe('s: document 2');
  });
});
