import { describe, expect, it } from 'vitest';
import { parseFile } from '../files/replace-sealed-values.js';
import { replaceObjects } from './migrate-edit.js';

const bitnami = (name: string) => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name, namespace: 'prod' }, spec: { encryptedData: { a: 'AgA=' } } });
const sealkit = (name: string) => ({
  apiVersion: 'sealkit.dev/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name, namespace: 'prod', annotations: { 'sealkit.dev/scope': 'strict' } },
  spec: { encryptedData: { a: 'AQE=' }, template: { type: 'Opaque' } },
});

function migrate(text: string): string {
  const file = parseFile(text, 'f.yaml');
  const targets = file.objects.filter((o) => o.value.apiVersion === 'bitnami.com/v1alpha1');
  return replaceObjects(text, file, targets.map((t) => ({ target: t, object: sealkit(String((t.value.metadata as { name: string }).name)) })), 'f.yaml');
}

describe('replaceObjects (sealkit migrate)', () => {
  it('replaces whole documents and keeps the others, comments and markers byte for byte', () => {
    const text = `# leading comment
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: prod
spec:
  encryptedData:
    a: AgA=
---
# a ConfigMap
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}   # flow style, kept
data:
  x: "1"
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: api
  namespace: prod
spec:
  encryptedData:
    a: AgA=
`;
    const out = migrate(text);
    expect(out).toContain('# leading comment\n---\napiVersion: sealkit.dev/v1alpha1\n');
    expect(out).toContain('---\n# a ConfigMap\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}   # flow style, kept\ndata:\n  x: "1"\n---\n');
    expect(out).not.toContain('bitnami.com');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('replaces items of a List (indented), and JSON files', () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata:
      name: db
      namespace: prod
    spec:
      encryptedData:
        a: AgA=
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: cm
`;
    const out = migrate(list);
    expect(out).toContain('  - apiVersion: sealkit.dev/v1alpha1\n    kind: SealedSecret\n');
    expect(out).toContain('  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: cm\n');
    const json = `${JSON.stringify(bitnami('db'), null, 4)}\n`;
    const outJson = migrate(json);
    expect(JSON.parse(outJson)).toEqual(sealkit('db'));
    expect(outJson).toContain('\n    "apiVersion"');
  });
});
