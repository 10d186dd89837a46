/**
 * `sealkit validate --cert FILE` through the built CLI: the offline check for CI, value by value,
 * with no cluster anywhere (no kubeconfig in the environment).
 * SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-validate-offline.test.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';

let dir: string;
let prod: TestKey;
let other: TestKey;
let sealed: string;
let noCluster: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('sealkit-validate-');
  prod = await keygen(path.join(dir, 'prod'));
  other = await keygen(path.join(dir, 'other'));
  noCluster = { KUBECONFIG: path.join(dir, 'none'), HOME: dir };
  const result = await run(['seal', '--cert', prod.pub], { input: kubectlSecretYaml({ namespace: 'prod', data: { password: 'p', username: 'u' } }) });
  expectOk(result);
  sealed = result.stdout;
});
afterAll(async () => {
  await removeDir(dir);
});

function variant(edit: (doc: { metadata: Record<string, unknown>; spec: { encryptedData: Record<string, string> } }) => void): string {
  const doc = parseYaml(sealed) as { metadata: Record<string, unknown>; spec: { encryptedData: Record<string, string> } };
  edit(doc);
  return stringify(doc);
}

describe('sealkit validate --cert (offline)', () => {
  it('passes a good SealedSecret and reports every value', async () => {
    const result = await run(['validate', '--cert', prod.pub], { input: sealed, env: noCluster });
    expectOk(result);
    expect(result.stdout).toBe(`SealedSecret prod/db: ok\n  password: ok (strict, key id ${prod.id})\n  username: ok (strict, key id ${prod.id})\n`);
  });

  it('finds a value moved to another namespace, a value for another key, and a broken value, value by value; exit 1', async () => {
    const file = path.join(dir, 'bad.yaml');
    const moved = variant((d) => {
      d.metadata.namespace = 'staging';
    });
    const broken = variant((d) => {
      d.metadata.name = 'broken';
      d.spec.encryptedData.password = (d.spec.encryptedData.password as string).slice(0, 20);
    });
    writeFileSync(file, `${moved}---\n${broken}`);
    const result = await run(['validate', '--cert', prod.pub, '-f', file], { env: noCluster });
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('SealedSecret staging/db: PROBLEM');
    expect(lines[1]).toBe('  password: sealed for prod/db (strict), but the object is at staging/db [ScopeMismatch]');
    expect(lines[3]).toBe('SealedSecret prod/broken: PROBLEM');
    expect(lines[4]).toMatch(/^ {2}password: .+ \[Malformed\]$/);
    expect(lines[5]).toBe('  username: sealed for prod/db (strict), but the object is at prod/broken [ScopeMismatch]');
    expect(result.stderr).toMatch(/^sealkit: error: 2 of 2 SealedSecrets failed the offline check \(hint: a moved or renamed object/);

    const wrongKey = await run(['validate', '--cert', other.pub, '-o', 'json'], { input: sealed, env: noCluster });
    expect(wrongKey.code).toBe(1);
    const reports = JSON.parse(wrongKey.stdout) as Array<{ ok: boolean; values: Record<string, { ok: boolean; reason: string; keyIds: string[] }> }>;
    expect(reports[0]?.ok).toBe(false);
    expect(reports[0]?.values.password).toMatchObject({ ok: false, reason: 'UnknownKey', keyIds: [prod.id] });
    // Several certificates: one of them is enough.
    expectOk(await run(['validate', '--cert', other.pub, '--cert', prod.pub], { input: sealed, env: noCluster }));
  });

  it('places an object without a namespace at -n (else "default"), as kubectl apply would', async () => {
    const bare = variant((d) => {
      delete d.metadata.namespace;
    });
    expectOk(await run(['validate', '--cert', prod.pub, '-n', 'prod'], { input: bare, env: noCluster }));
    const result = await run(['validate', '--cert', prod.pub], { input: bare, env: noCluster });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('but the object is at default/db [ScopeMismatch]');
  });

  it('a private key as --cert is refused before anything is read', async () => {
    expectError(await run(['validate', '--cert', prod.key], { input: sealed, env: noCluster }), 1, 'this is a private key');
  });
});
