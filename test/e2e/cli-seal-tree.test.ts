/**
 * `sealkit seal -R DIR` through the built CLI: a tree of Secret manifests sealed file by file,
 * a bad file reported without stopping the walk, and the progress bar drawn only on a terminal
 * (a real pseudo-terminal from util-linux `script`).
 * Needs no cluster: SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-seal-tree.test.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BIN, expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';

const PLAINTEXT = 'hunter2-plaintext';
let keys: string;
let key: TestKey;

beforeAll(async () => {
  keys = await tempDir('sealkit-tree-keys-');
  key = await keygen(keys);
});
afterAll(async () => {
  await removeDir(keys);
});

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

function allFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
}

function unseal(file: string): unknown[] {
  const out = execFileSync(process.execPath, [BIN, 'unseal', '--key', key.key, '-f', file, '-o', 'json'], { encoding: 'utf8' });
  const value = JSON.parse(out) as { kind: string; items?: unknown[] };
  return value.kind === 'List' ? (value.items ?? []) : [value];
}

/** A tree with two good Secret files (one multi-document with a ConfigMap), one without a namespace, one broken, one sealed. */
async function makeTree(): Promise<string> {
  const dir = await tempDir('sealkit-tree-');
  write(dir, 'apps/db.yaml', kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT } }));
  write(dir, 'apps/api/mixed.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: prod\ndata:\n  level: debug\n---\n${kubectlSecretYaml({ name: 'api', namespace: 'prod', data: { token: PLAINTEXT } })}`);
  write(dir, 'apps/json/s.json', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j', namespace: 'prod' }, stringData: { k: PLAINTEXT } }));
  write(dir, 'broken/bad.yaml', 'kind: Secret\nstringData: [oops\n');
  write(dir, 'nons/nons.yaml', kubectlSecretYaml({ name: 'nons' }));
  return dir;
}

describe('sealkit seal -R', () => {
  it('seals each plaintext Secret file to NAME.sealed.yaml beside it, keeps going after a bad file, exits 1, and writes no plaintext', async () => {
    const dir = await makeTree();
    const before = allFiles(dir);
    const result = await run(['seal', '-R', dir, '--cert', key.pub], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`sealkit: 5 manifest files under ${dir}\nsealkit: error: 2 files could not be sealed (listed above)\n`);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('sealed 3, skipped 0, failed 2 (5 files)');
    expect(result.stdout).toContain('  sealed     apps/db.yaml -> apps/db.sealed.yaml\n');
    expect(result.stdout).toContain('  sealed     apps/json/s.json -> apps/json/s.sealed.json\n');
    expect(result.stdout).toMatch(/\n {2}failed {5}broken\/bad\.yaml: invalid YAML at line \d+, column \d+/);
    expect(result.stdout).toContain('  failed     nons/nons.yaml: Secret nons has no namespace');
    expect(result.stdout + result.stderr).not.toContain(PLAINTEXT);
    expect(allFiles(dir)).toEqual([...before, 'apps/api/mixed.sealed.yaml', 'apps/db.sealed.yaml', 'apps/json/s.sealed.json'].sort());

    // The sealed files hold SealedSecrets only where the sources had Secrets, and open to the same values.
    const mixed = parseAllDocuments(readFileSync(path.join(dir, 'apps/api/mixed.sealed.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string });
    expect(mixed.map((d) => d.kind)).toEqual(['ConfigMap', 'SealedSecret']);
    expect(readFileSync(path.join(dir, 'apps/api/mixed.sealed.yaml'), 'utf8')).not.toContain(Buffer.from(PLAINTEXT).toString('base64'));
    expect(unseal(path.join(dir, 'apps/db.sealed.yaml'))).toMatchObject([{ kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, data: { password: Buffer.from(PLAINTEXT).toString('base64') } }]);
    expect(JSON.parse(readFileSync(path.join(dir, 'apps/json/s.sealed.json'), 'utf8'))).toMatchObject({ kind: 'SealedSecret', metadata: { name: 'j' } });

    // A second run skips what is already sealed: sealed files, and sources whose sealed file exists.
    const again = await run(['seal', '-R', dir, '--cert', key.pub, '-n', 'dev'], { cwd: dir });
    expect(again.stdout.split('\n')[0]).toBe('sealed 1, skipped 6, failed 1 (8 files)');
    expect(again.stdout).toContain('  skipped    apps/db.yaml: apps/db.sealed.yaml exists\n');
    expect(again.stdout).toContain('  skipped    apps/db.sealed.yaml: already sealed\n');
    expect(again.stdout).toContain('  sealed     nons/nons.yaml -> nons/nons.sealed.yaml\n');
    expect(unseal(path.join(dir, 'nons/nons.sealed.yaml'))).toMatchObject([{ metadata: { name: 'nons', namespace: 'dev' } }]);
    await removeDir(dir);
  });

  it('--dry-run writes nothing; --in-place replaces each file by its sealed version and keeps its mode', async () => {
    const dir = await makeTree();
    const before = allFiles(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]);
    const dry = await run(['seal', '-R', '.', '--cert', key.pub, '--dry-run', '--in-place'], { cwd: dir });
    expect(dry.code).toBe(1);
    expect(dry.stdout.split('\n')[0]).toBe('would seal 3, skipped 0, failed 2 (5 files)');
    expect(allFiles(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')])).toEqual(before);

    const { chmodSync } = await import('node:fs');
    chmodSync(path.join(dir, 'apps/db.yaml'), 0o640);
    const result = await run(['seal', '-R', 'apps', '--cert', key.pub, '--in-place'], { cwd: dir });
    expectOk(result);
    expect(result.stdout).toBe('sealed 3, skipped 0, failed 0 (3 files)\n  sealed     apps/api/mixed.yaml in place\n  sealed     apps/db.yaml in place\n  sealed     apps/json/s.json in place\n');
    expect(allFiles(dir)).toEqual(before.map(([f]) => f));
    expect(statSync(path.join(dir, 'apps/db.yaml')).mode & 0o777).toBe(0o640);
    expect(readFileSync(path.join(dir, 'apps/db.yaml'), 'utf8')).toContain('kind: SealedSecret');
    expect(unseal(path.join(dir, 'apps/db.yaml'))).toMatchObject([{ data: { password: Buffer.from(PLAINTEXT).toString('base64') } }]);
    // Sealed now: a second in-place run has nothing to do.
    expect((await run(['seal', '-R', 'apps', '--cert', key.pub, '--in-place'], { cwd: dir })).stdout.split('\n')[0]).toBe('sealed 0, skipped 3, failed 0 (3 files)');
    await removeDir(dir);
  });

  it('draws a progress bar on a terminal (a pseudo-terminal from script(1)) and only a count otherwise', async () => {
    const dir = await tempDir('sealkit-tree-tty-');
    for (let i = 0; i < 12; i++) write(dir, `s${String(i).padStart(2, '0')}.yaml`, kubectlSecretYaml({ name: `s${i}`, namespace: 'prod' }));
    const command = [process.execPath, BIN, 'seal', '-R', '.', '--cert', key.pub].map((a) => `'${a}'`).join(' ');
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(tty.status, tty.stderr).toBe(0);
    // The bar is redrawn in place (\r ... ESC[K) and ends at 12/12.
    expect(tty.stdout).toMatch(/\r\[#{30}\] 12\/12 [^\r\n]*\x1b\[K/);
    expect(tty.stdout).not.toContain('manifest files under');
    expect(tty.stdout).toContain('sealed 12, skipped 0, failed 0 (12 files)');

    const plain = await run(['seal', '-R', '.', '--cert', key.pub, '--dry-run'], { cwd: dir });
    expectOk(plain);
    expect(plain.stderr).toBe('sealkit: 24 manifest files under .\n');
    expect(plain.stderr).not.toContain('\r');
    await removeDir(dir);
  });

  it('refuses flags that make no sense with -R, and --in-place/--dry-run without it (exit 2)', async () => {
    const dir = await makeTree();
    expectError(await run(['seal', '-R', dir, '--cert', key.pub, '-w', 'x.yaml']), 2, '-R cannot be combined with -w');
    expectError(await run(['seal', '-R', dir, '--cert', key.pub, '--format', 'bitnami']), 2, '-R cannot be combined with --format bitnami');
    expectError(await run(['seal', '--cert', key.pub, '--in-place'], { input: kubectlSecretYaml({ namespace: 'p' }) }), 2, '--in-place applies to -R DIR');
    expectError(await run(['seal', '-R', path.join(dir, 'missing'), '--cert', key.pub]), 1, 'not a directory');
    await removeDir(dir);
  });
});
