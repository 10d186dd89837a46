import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../test/run.js';

let dir: string;
let k: TestKey;
let k2: TestKey;

type Obj = Record<string, any>;

beforeAll(async () => {
  dir = await tempDir();
  [k, k2] = await Promise.all([keygen(join(dir, 'k')), keygen(join(dir, 'k2'))]);
});
afterAll(() => removeDir(dir));

describe('inspect', () => {
  it('shows version, scope, label and key ids per value, as a table, without any key', async () => {
    const sealed = await run(['seal', '--cert', k.pub, '--cert', k2.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const result = await run(['inspect'], { input: sealed.stdout });
    expectOk(result);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OBJECT\s+KEY\s+VERSION\s+SCOPE\s+BOUND TO\s+KEY IDS$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^prod\/db\s+password\s+1\s+strict\s+prod\/db\s+/);
    expect(lines[1]).toContain(k.id);
    expect(lines[1]).toContain(k2.id);
    expect(lines[2]).toMatch(/^prod\/db\s+username\s+/);
  });

  it('-o json is machine-readable', async () => {
    const sealed = await run(['seal', '--cert', k.pub, '--scope', 'namespace'], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const result = await run(['inspect', '-o', 'json'], { input: sealed.stdout });
    expectOk(result);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        kind: 'SealedSecret', namespace: 'prod', name: 'db',
        values: [
          { key: 'password', version: 1, scope: 'namespace', label: 'prod', keyIds: [k.id], matchesLocation: true },
          { key: 'username', version: 1, scope: 'namespace', label: 'prod', keyIds: [k.id], matchesLocation: true },
        ],
      },
    ]);
  });

  it('flags a value whose object was moved away from its scope', async () => {
    const sealed = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const moved = sealed.stdout.replace('namespace: prod', 'namespace: staging');
    const table = await run(['inspect'], { input: moved });
    expectOk(table);
    expect(table.stdout).toContain('MISMATCH');
    const json = JSON.parse((await run(['inspect', '-o', 'json'], { input: moved })).stdout) as Obj[];
    expect(json[0]!.values.every((v: Obj) => v.matchesLocation === false)).toBe(true);
  });

  it('cluster scope shows as bound to any location', async () => {
    const sealed = await run(['seal', '--cert', k.pub, '--scope', 'cluster'], { input: kubectlSecretYaml() });
    const result = await run(['inspect'], { input: sealed.stdout });
    expectOk(result);
    expect(result.stdout).toMatch(/cluster\s+\(any\)/);
  });

  it('errors: a corrupt value names the object and key; a Secret is refused; bad -o is a usage error', async () => {
    const sealed = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const corrupt = sealed.stdout.replace(/(    password: )\S+/, '$1BgEAAA==');
    expectError(await run(['inspect'], { input: corrupt }), 1, /prod\/db.*spec\.encryptedData\.password: .*version 6/);
    expectError(await run(['inspect'], { input: kubectlSecretYaml({ namespace: 'prod' }) }), 1, /kind must be "SealedSecret"/);
    expectError(await run(['inspect', '-o', 'xml'], { input: sealed.stdout }), 2, /xml/);
  });

  // kubeseal-made objects and values (core's committed vectors): no key ids to show, the scope
  // comes from the object's annotations, as the Bitnami controller reads it.
  describe('Bitnami SealedSecrets', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../../core/src/bitnami/testdata/vectors.json', import.meta.url), 'utf8')) as {
      manifests: { key: string; scope: string; format: string; text: string }[];
      values: { key: string; scope: string; sealed: string }[];
    };
    const manifest = (key: string, scope: string, format: string) =>
      vectors.manifests.find((m) => m.key === key && m.scope === scope && m.format === format)!.text;

    it('shows each value as bitnami, with the scope of the annotations and the RSA key size', async () => {
      const result = await run(['inspect'], { input: manifest('rsa2048', 'strict', 'json') });
      expectOk(result);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines.slice(1)) expect(line).toMatch(/^prod\/db\s+\S+\s+bitnami\s+strict\s+prod\/db \(from annotations\)\s+\(none: RSA-2048\)$/);
      const ns = await run(['inspect'], { input: manifest('rsa4096', 'namespace-wide', 'yaml') });
      expectOk(ns);
      expect(ns.stdout).toMatch(/bitnami\s+namespace\s+prod \(from annotations\)\s+\(none: RSA-4096\)/);
      const cluster = await run(['inspect'], { input: manifest('rsa2048', 'cluster-wide', 'yaml') });
      expect(cluster.stdout).toMatch(/bitnami\s+cluster\s+\(any\)\s+\(none: RSA-2048\)/);
    });

    it('-o json marks them with version 0, no key ids and the key size; a bare value has an unknown scope', async () => {
      const result = await run(['inspect', '-o', 'json'], { input: manifest('rsa4096', 'cluster-wide', 'json') });
      expectOk(result);
      const [object] = JSON.parse(result.stdout) as Obj[];
      expect(object!.kind).toBe('SealedSecret');
      expect(object!.values.length).toBeGreaterThan(0);
      for (const v of object!.values) {
        expect(v).toEqual({ key: v.key, version: 0, scope: 'cluster', label: '', keyIds: [], matchesLocation: true, bitnami: { keyBits: 4096 } });
      }
      const raw = vectors.values.find((v) => v.key === 'rsa2048' && v.scope === 'namespace-wide')!.sealed;
      const bare = await run(['inspect', '-o', 'json'], { input: raw });
      expectOk(bare);
      expect(JSON.parse(bare.stdout)).toEqual([
        { kind: 'value', values: [{ key: '(value)', version: 0, scope: 'unknown', label: '', keyIds: [], matchesLocation: true, bitnami: { keyBits: 2048 } }] },
      ]);
    });

    it('a corrupt Bitnami value names the object and key', async () => {
      const text = manifest('rsa2048', 'strict', 'yaml').replace(/(\n    password: )\S+/, '$1AQA=');
      expectError(await run(['inspect'], { input: text }), 1, /prod\/db.*password/);
    });
  });
});
