import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseFile, replaceValues, type ValueChanges } from './replace-sealed-values.js';

const OLD_A = 'AQEAAAAAb2xkQQ==';
const OLD_B = 'AQEAAAAAb2xkQg==';
const NEW_A = 'AQEAAAAAbmV3QWxvbmdlcg==';
const NEW_B = 'AQEAAAAAbmV3Qg==';

function changesFor(text: string, byName: Record<string, Record<string, string>>): { file: ReturnType<typeof parseFile>; changes: ValueChanges[] } {
  const file = parseFile(text, 'in.yaml');
  const changes = file.objects
    .filter((o) => o.value.kind === 'SealedSecret')
    .map((target) => {
      const name = (target.value.metadata as { name: string }).name;
      return { target, values: new Map(Object.entries(byName[name] ?? {})) };
    });
  return { file, changes };
}

describe('replaceValues', () => {
  it('YAML: only the value scalars change; comments, quoting, other documents stay byte for byte', () => {
    const text = `# header comment
apiVersion: sealkit.dev/v1alpha1
kind: SealedSecret   # inline
metadata:
  name: one
  namespace: prod
spec:
  encryptedData:
    a: ${OLD_A}
    b: "${OLD_B}"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {x: "1"}
---
apiVersion: sealkit.dev/v1alpha1
kind: SealedSecret
metadata:
  name: two
spec:
  encryptedData: {a: '${OLD_A}'}
`;
    const { file, changes } = changesFor(text, { one: { a: NEW_A, b: NEW_B }, two: { a: NEW_B } });
    const out = replaceValues(text, file, changes, 'in.yaml');
    expect(out).toBe(text.replace(`a: ${OLD_A}`, `a: ${NEW_A}`).replace(`"${OLD_B}"`, `"${NEW_B}"`).replace(`{a: '${OLD_A}'}`, `{a: '${NEW_B}'}`));
  });

  it('a v1 List: items are found and edited in place', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: sealkit.dev/v1alpha1
  kind: SealedSecret
  metadata: {name: one}
  spec:
    encryptedData:
      a: ${OLD_A}
`;
    const { file, changes } = changesFor(text, { one: { a: NEW_A } });
    expect(file.objects[0]?.path).toEqual(['items', 0]);
    expect(replaceValues(text, file, changes, 'in.yaml')).toBe(text.replace(OLD_A, NEW_A));
  });

  it('block scalars fall back to editing the document; the result still parses to the expected objects', () => {
    const text = `apiVersion: sealkit.dev/v1alpha1
kind: SealedSecret
metadata: {name: one}  # keep
spec:
  encryptedData:
    a: >-
      ${OLD_A}
`;
    const { file, changes } = changesFor(text, { one: { a: NEW_A } });
    const out = replaceValues(text, file, changes, 'in.yaml');
    expect(out).toContain('# keep');
    expect((parseAllDocuments(out)[0]?.toJS() as { spec: { encryptedData: { a: string } } }).spec.encryptedData.a).toBe(NEW_A);
  });

  it('JSON keeps its indentation and trailing newline; no change returns the text itself', () => {
    const obj = { apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', metadata: { name: 'one' }, spec: { encryptedData: { a: OLD_A, b: OLD_B } } };
    const text = `${JSON.stringify(obj, null, 4)}\n`;
    const { file, changes } = changesFor(text, { one: { b: NEW_B } });
    expect(replaceValues(text, file, changes, 'in.json')).toBe(`${JSON.stringify({ ...obj, spec: { encryptedData: { a: OLD_A, b: NEW_B } } }, null, 4)}\n`);
    const none = changesFor(text, {});
    expect(replaceValues(text, none.file, none.changes, 'in.json')).toBe(text);
  });

  it('parse errors give a position only', () => {
    expect(() => parseFile('a: "unterminated secret\n', 'in.yaml')).toThrow(/^in\.yaml: invalid YAML at line \d+, column \d+$/);
    expect(() => parseFile('{"a": secret', 'in.json')).toThrow(/^in\.json: invalid JSON$/);
  });
});
