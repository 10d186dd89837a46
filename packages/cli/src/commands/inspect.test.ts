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
});
