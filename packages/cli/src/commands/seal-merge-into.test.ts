import { chmod, copyFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { expectError, expectOk, keygen, listDir, readText, removeDir, run, tempDir, type TestKey } from '../../test/run.js';

let dir: string;
let k: TestKey;
let base: string; // a sealed db (prod) with keys b and d, hand-edited like a committed file

type Obj = Record<string, any>;

beforeAll(async () => {
  dir = await tempDir();
  k = await keygen(join(dir, 'k'));
  const sealed = await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'b=one', '--from-literal', 'd=two']);
  expectOk(sealed);
  // What a reviewer might have committed: a header comment, a quoted value with a trailing comment.
  base = `# db credentials, sealed for prod\n${sealed.stdout.replace(/^    d: (.*)$/m, '    d: "$1"   # rotated yearly')}`;
});
afterAll(() => removeDir(dir));

async function unsealFile(path: string): Promise<Record<string, string>> {
  const result = await run(['unseal', '--key', k.key, '-f', path]);
  expectOk(result);
  const secret = parse(result.stdout) as Obj;
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, v]) => [key, Buffer.from(v, 'base64').toString()]));
}

async function fixture(name: string, text = base): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('seal --merge-into', () => {
  it('adds and replaces keys in place; every other line stays byte for byte', async () => {
    const file = await fixture('merge.yaml');
    const result = await run(['seal', '--cert', k.pub, '--from-literal', 'a=new-a', '--from-literal', 'd=new-d', '--merge-into', file]);
    expectOk(result);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/added a; replaced d/);
    const after = await readText(file);
    const before = base.split('\n');
    const lines = after.split('\n');
    // One line added (a, in sorted position), one line changed (d), nothing else touched.
    expect(lines).toHaveLength(before.length + 1);
    const bLine = before.find((l) => l.startsWith('    b: '));
    expect(lines).toContain(bLine);
    expect(lines[0]).toBe('# db credentials, sealed for prod');
    const dLine = lines.find((l) => l.startsWith('    d: ')) as string;
    expect(dLine).toMatch(/^    d: "[A-Za-z0-9+/=]+"   # rotated yearly$/);
    expect(dLine).not.toBe(before.find((l) => l.startsWith('    d: ')));
    const aIndex = lines.findIndex((l) => l.startsWith('    a: '));
    expect(lines[aIndex + 1]).toBe(bLine);
    const unchanged = lines.filter((l) => !l.startsWith('    a: ') && !l.startsWith('    d: '));
    expect(unchanged).toEqual(before.filter((l) => !l.startsWith('    d: ')));
    expect(await unsealFile(file)).toEqual({ a: 'new-a', b: 'one', d: 'new-d' });
    expect(await listDir(dir)).not.toContain(expect.stringMatching(/\.tmp$/));
  });

  it('takes name and namespace from the file when the piped Secret has none', async () => {
    const file = await fixture('piped.yaml');
    const input = 'apiVersion: v1\nkind: Secret\nmetadata: {}\nstringData: {e: piped}\n';
    expectOk(await run(['seal', '--cert', k.pub, '--merge-into', file], { input }));
    expect(await unsealFile(file)).toEqual({ b: 'one', d: 'two', e: 'piped' });
  });

  it('keeps 4-space indentation and the file mode', async () => {
    const four = base.replace(/^( +)/gm, (m) => ' '.repeat(m.length * 2));
    const file = await fixture('four.yaml', four);
    await chmod(file, 0o640);
    expectOk(await run(['seal', '--cert', k.pub, '--from-literal', 'z=last', '--merge-into', file]));
    const after = await readText(file);
    expect(after.startsWith(four.trimEnd().split('\n').slice(0, -1).join('\n').slice(0, 200))).toBe(true);
    expect(after).toMatch(/^        z: [A-Za-z0-9+/=]+$/m);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await unsealFile(file)).z).toBe('last');
  });

  it('edits a JSON file as JSON', async () => {
    const sealed = await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'b=one', '-o', 'json']);
    const file = await fixture('merge.json', sealed.stdout);
    const before = JSON.parse(sealed.stdout) as Obj;
    expectOk(await run(['seal', '--cert', k.pub, '--from-literal', 'c=three', '--merge-into', file]));
    const after = JSON.parse(await readText(file)) as Obj;
    expect(after.spec.encryptedData.b).toBe(before.spec.encryptedData.b);
    expect(Object.keys(after.spec.encryptedData)).toEqual(['b', 'c']);
    expect(await unsealFile(file)).toEqual({ b: 'one', c: 'three' });
  });

  it('picks the matching SealedSecret of a multi-document file and leaves the others alone', async () => {
    const other = await run(['seal', 'api', '-n', 'prod', '--cert', k.pub, '--from-literal', 'token=t']);
    const text = `${base}---\n${other.stdout}`;
    const file = await fixture('multi.yaml', text);
    expectError(await run(['seal', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', file]), 1, /2 SealedSecrets/);
    expect(await readText(file)).toBe(text);
    expectOk(await run(['seal', 'api', '-n', 'prod', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', file]));
    const after = await readText(file);
    expect(after.startsWith(base)).toBe(true);
    const docs = parseAllDocuments(after).map((d) => d.toJS() as Obj);
    expect(Object.keys(docs[1]!.spec.encryptedData)).toEqual(['token', 'x']);
  });

  it('refuses a Secret of another name, leaving the file untouched', async () => {
    const file = await fixture('conflict.yaml');
    expectError(await run(['seal', 'other', '-n', 'prod', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', file]), 1, /name "other" differs from the name "db"/);
    expect(await readText(file)).toBe(base);
  });

  it('refuses a --scope different from the file, leaving it untouched', async () => {
    const file = await fixture('scope.yaml');
    expectError(await run(['seal', '--cert', k.pub, '--scope', 'cluster', '--from-literal', 'x=1', '--merge-into', file]), 2, /--scope cluster conflicts with the scope "strict"/);
    expect(await readText(file)).toBe(base);
  });

  it('usage and file errors: -w with --merge-into, a missing file, a file without a SealedSecret', async () => {
    const file = await fixture('usage.yaml');
    expectError(await run(['seal', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', file, '-w', join(dir, 'o.yaml')]), 2, /-w/);
    expectError(await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', join(dir, 'absent.yaml')]), 1, /absent\.yaml: cannot read/);
    const cm = await fixture('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    expectError(await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'x=1', '--merge-into', cm]), 1, /holds no SealedSecret/);
    expect(await readText(file)).toBe(base);
  });

  it('falls back to a Document edit for a flow-style map, keeping the comments', async () => {
    const sealed = parse(base) as Obj;
    const flow = `# flow style\napiVersion: sealkit.dev/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: prod}\nspec:\n  encryptedData: {b: ${sealed.spec.encryptedData.b}}\n`;
    const file = await fixture('flow.yaml', flow);
    expectOk(await run(['seal', '--cert', k.pub, '--from-literal', 'c=3', '--merge-into', file]));
    const after = await readText(file);
    expect(after).toContain('# flow style');
    expect(after).toContain(sealed.spec.encryptedData.b);
    expect(await unsealFile(file)).toEqual({ b: 'one', c: '3' });
  });

  it('inserts a new key in sorted position when the keys are sorted, at the end otherwise', async () => {
    const file = await fixture('sorted.yaml');
    expectOk(await run(['seal', '--cert', k.pub, '--from-literal', 'c=3', '--merge-into', file]));
    const keysOf = (text: string) => text.split('\n').filter((l) => /^    [a-z]: /.test(l)).map((l) => l.trim()[0]);
    expect(keysOf(await readText(file))).toEqual(['b', 'c', 'd']);
    const unsorted = base.replace(/^(    b: .*)\n(    d: .*)$/m, '$2\n$1');
    const file2 = await fixture('unsorted.yaml', unsorted);
    expectOk(await run(['seal', '--cert', k.pub, '--from-literal', 'c=3', '--merge-into', file2]));
    expect(keysOf(await readText(file2))).toEqual(['d', 'b', 'c']);
    await copyFile(file2, join(dir, 'copy.yaml'));
    const info = await run(['inspect', '-f', join(dir, 'copy.yaml'), '-o', 'json']);
    expectOk(info);
    expect((JSON.parse(info.stdout) as Obj[])[0]!.values.map((v: Obj) => v.key).sort()).toEqual(['b', 'c', 'd']);
  });
});
