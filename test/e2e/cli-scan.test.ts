/**
 * `sealkit scan` and `sealkit hook install` through the built CLI, against real git repositories
 * in temp dirs: the plaintext guard a developer meets at `git commit`.
 * Needs no cluster: SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-scan.test.ts
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { b64, BIN, expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';
import { REPO } from './lib/kube.js';

const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs git and returns its exit status and output instead of throwing. */
function gitStatus(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): { code: number; output: string } {
  try {
    const output = execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const PLAINTEXT = 'hunter2-plaintext';
let work: string;
let key: TestKey;
let sealedYaml: string;

async function newRepo(): Promise<string> {
  const dir = await tempDir('sealkit-scan-');
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

beforeAll(async () => {
  work = await tempDir('sealkit-scan-keys-');
  key = await keygen(work);
  const sealed = await run(['seal', '--cert', key.pub], { input: kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT } }) });
  expectOk(sealed);
  sealedYaml = sealed.stdout;
});

afterAll(async () => {
  await removeDir(work);
});

describe('sealkit scan (work tree)', () => {
  it('judges value by value: a file with one sealed and one plaintext value fails on the plaintext one only', async () => {
    const dir = await newRepo();
    const sealedValue = (parseYaml(sealedYaml) as { spec: { encryptedData: { password: string } } }).spec.encryptedData.password;
    write(dir, 'mixed.yaml', `apiVersion: v1
kind: Secret
metadata:
  name: mixed
  namespace: prod
stringData:
  sealed-looking: ""
  token: x
---
${sealedYaml}`);
    write(dir, 'ok.sealed.yaml', sealedYaml);
    const result = await run(['scan'], { cwd: dir });
    expectError({ ...result, stdout: '' }, 1, '1 plaintext finding in 1 file');
    expect(result.stdout).toBe('mixed.yaml:8: Secret prod/mixed key "token" is plaintext\n');
    expect(sealedValue.length).toBeGreaterThan(40);
    await removeDir(dir);
  });

  it('reads multi-document YAML, kind: List, JSON and base64 data, and never prints a value', async () => {
    const dir = await newRepo();
    write(dir, 'a/list.yaml', `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: one, namespace: ns}
  data: {password: ${b64(PLAINTEXT)}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
  data: {password: not-a-secret}
`);
    write(dir, 'b/secret.json', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j', namespace: 'ns' }, stringData: { api: PLAINTEXT } }, null, 2));
    write(dir, 'c/kubectl.yaml', kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT, username: 'u' } }));
    write(dir, 'README.md', `kind: Secret\nstringData:\n  password: ${PLAINTEXT}\n`);
    const result = await run(['scan'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'a/list.yaml:7: Secret ns/one key "password" is plaintext',
      'b/secret.json:9: Secret ns/j key "api" is plaintext',
      'c/kubectl.yaml:3: Secret prod/db key "password" is plaintext',
      'c/kubectl.yaml:4: Secret prod/db key "username" is plaintext',
    ]);
    expect(result.stdout + result.stderr).not.toContain(PLAINTEXT);
    expect(result.stdout + result.stderr).not.toContain(b64(PLAINTEXT));
    await removeDir(dir);
  });

  it('finds Secrets in last-applied-configuration annotations', async () => {
    const dir = await newRepo();
    const applied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, data: { password: b64(PLAINTEXT) } });
    write(dir, 'sealed.yaml', sealedYaml.replace('  annotations:\n', `  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${applied}'\n`));
    const result = await run(['scan', 'sealed.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('sealed.yaml:7: Secret prod/db key "password" is plaintext in the kubectl.kubernetes.io/last-applied-configuration annotation of SealedSecret prod/db\n');
    await removeDir(dir);
  });

  it('flags kustomize secretGenerator literals and the envs/files it reads from the repository, not git-ignored ones', async () => {
    const dir = await newRepo();
    write(dir, 'k/kustomization.yaml', `resources: []
secretGenerator:
- name: app
  literals:
  - user=admin
  - empty=
  envs:
  - app.env
  - local.env
  files:
  - tls.key
`);
    write(dir, 'k/app.env', `# comment\nDB_PASSWORD=${PLAINTEXT}\nEMPTY=\n`);
    write(dir, 'k/local.env', `LOCAL=${PLAINTEXT}\n`);
    write(dir, 'k/tls.key', 'key material\n');
    write(dir, '.gitignore', 'local.env\n');
    const result = await run(['scan', '-o', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const { findings } = JSON.parse(result.stdout) as { findings: Array<{ file: string; line: number; rule: string; key: string }> };
    expect(findings.map((f) => `${f.file}:${f.line}:${f.rule}:${f.key}`)).toEqual([
      'k/app.env:2:kustomize-plaintext:DB_PASSWORD',
      'k/kustomization.yaml:5:kustomize-plaintext:user',
      'k/kustomization.yaml:11:kustomize-plaintext:tls.key',
    ]);
    expect(result.stdout).not.toContain(PLAINTEXT);
    await removeDir(dir);
  });

  it('flags sealed-looking values that are not valid sealed values', async () => {
    const dir = await newRepo();
    const doc = parseYaml(sealedYaml) as { spec: { encryptedData: Record<string, string> } };
    const good = doc.spec.encryptedData.password as string;
    const text = sealedYaml.replace(good, `${good.slice(0, 30)}\n    other: ${b64(PLAINTEXT)}\n    third: ${good}`);
    write(dir, 'broken.sealed.yaml', text);
    const result = await run(['scan'], { cwd: dir });
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^broken\.sealed\.yaml:\d+: SealedSecret prod\/db key "password" is not a valid sealed value: /);
    expect(lines[1]).toMatch(/^broken\.sealed\.yaml:\d+: SealedSecret prod\/db key "other" is not a valid sealed value: /);
    expect(result.stdout).not.toContain(b64(PLAINTEXT));
    await removeDir(dir);
  });

  it('allows files by --allow glob and objects by the sealkit.dev/scan: ignore annotation; a clean tree exits 0', async () => {
    const dir = await newRepo();
    write(dir, 'test/fixtures/secret.yaml', kubectlSecretYaml({ namespace: 'prod' }));
    write(dir, 'fixture.yaml', kubectlSecretYaml({ namespace: 'prod' }).replace('metadata:\n', 'metadata:\n  annotations:\n    sealkit.dev/scan: ignore\n'));
    write(dir, 'db.sealed.yaml', sealedYaml);
    expect((await run(['scan'], { cwd: dir })).code).toBe(1);
    const clean = await run(['scan', '--allow', 'test/fixtures/**'], { cwd: dir });
    expectOk(clean);
    expect(clean.stdout).toBe('');
    await removeDir(dir);
  });

  it('prints SARIF 2.1.0 for code-scanning tools', async () => {
    const dir = await newRepo();
    write(dir, 's.yaml', kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT } }));
    const result = await run(['scan', '-o', 'sarif'], { cwd: dir });
    expect(result.code).toBe(1);
    const sarif = JSON.parse(result.stdout) as {
      version: string;
      runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }>;
    };
    expect(sarif.version).toBe('2.1.0');
    const [runEntry] = sarif.runs;
    expect(runEntry?.tool.driver.name).toBe('sealkit');
    expect(runEntry?.tool.driver.rules.map((r) => r.id)).toContain('plaintext-secret');
    expect(runEntry?.results).toHaveLength(1);
    expect(runEntry?.results[0]?.ruleId).toBe('plaintext-secret');
    expect(runEntry?.results[0]?.locations[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 's.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 3 } });
    expect(result.stdout).not.toContain(b64(PLAINTEXT));
    await removeDir(dir);
  });

  it('reports a file it cannot parse on stderr instead of judging it', async () => {
    const dir = await newRepo();
    write(dir, 'broken.yaml', 'kind: Secret\nstringData:\n  a: [unclosed\n');
    const result = await run(['scan'], { cwd: dir });
    expectOk(result);
    expect(result.stderr).toMatch(/^sealkit: broken\.yaml: skipped, invalid YAML at line \d+, column \d+\n$/);
    await removeDir(dir);
  });

  it('usage errors exit 2', async () => {
    const dir = await newRepo();
    expectError(await run(['scan', '-o', 'xml'], { cwd: dir }), 2, /argument 'xml' is invalid/);
    expectError(await run(['scan', 'no-such-dir'], { cwd: dir }), 1, 'no-such-dir: no such file or directory');
    const outside = await tempDir('sealkit-scan-nogit-');
    expectError(await run(['scan', '--staged'], { cwd: outside, env: GIT_ENV }), 2, 'not a git repository');
    await removeDir(dir);
    await removeDir(outside);
  });
});

describe('sealkit scan --staged', () => {
  it('judges the git index, not the work tree', async () => {
    const dir = await newRepo();
    write(dir, 'db.yaml', kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT } }));
    git(dir, 'add', 'db.yaml');
    // Fixed in the work tree but not re-added: the commit would still hold the plaintext.
    write(dir, 'db.yaml', sealedYaml);
    const staged = await run(['scan', '--staged'], { cwd: dir, env: GIT_ENV });
    expect(staged.code).toBe(1);
    expect(staged.stdout).toBe('db.yaml:3: Secret prod/db key "password" is plaintext\n');
    expectOk(await run(['scan'], { cwd: dir }));
    // The other way round: the index is clean, the work tree is not.
    git(dir, 'add', 'db.yaml');
    write(dir, 'db.yaml', kubectlSecretYaml({ namespace: 'prod' }));
    expectOk(await run(['scan', '--staged'], { cwd: dir, env: GIT_ENV }));
    await removeDir(dir);
  });

  it('reads a staged env file through the kustomization that uses it, and reports paths relative to a subdirectory', async () => {
    const dir = await newRepo();
    write(dir, 'k/kustomization.yaml', 'secretGenerator:\n- name: app\n  envs:\n  - app.env\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'kustomization');
    write(dir, 'k/app.env', `PASSWORD=${PLAINTEXT}\n`);
    git(dir, 'add', 'k/app.env');
    const result = await run(['scan', '--staged'], { cwd: path.join(dir, 'k'), env: GIT_ENV });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('app.env:1: secretGenerator app key "PASSWORD" is plaintext (envs file of kustomization.yaml)\n');
    await removeDir(dir);
  });
});

describe('sealkit hook install', () => {
  let wrapper: string;
  beforeAll(() => {
    // The hook calls ${SEALKIT:-sealkit}: point it at the built CLI, as an installed `sealkit` would be.
    wrapper = path.join(work, 'sealkit');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(wrapper, 0o755);
  });

  it('installs a pre-commit hook that stops a commit with a plaintext Secret and lets a sealed one through', async () => {
    const dir = await newRepo();
    const installed = await run(['hook', 'install'], { cwd: dir, env: GIT_ENV });
    expectOk(installed);
    expect(installed.stderr).toContain('installed');
    write(dir, 'db.yaml', kubectlSecretYaml({ namespace: 'prod', data: { password: PLAINTEXT } }));
    git(dir, 'add', 'db.yaml');
    const refused = gitStatus(dir, { SEALKIT: wrapper }, 'commit', '-qm', 'plaintext');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('db.yaml:3: Secret prod/db key "password" is plaintext');
    expect(refused.output).not.toContain(b64(PLAINTEXT));
    expect(gitStatus(dir, {}, 'rev-parse', '--verify', '-q', 'HEAD').code).not.toBe(0);
    write(dir, 'db.yaml', sealedYaml);
    git(dir, 'add', 'db.yaml');
    expect(gitStatus(dir, { SEALKIT: wrapper }, 'commit', '-qm', 'sealed').code).toBe(0);
    // Installing twice changes nothing.
    const before = readFileSync(path.join(dir, '.git/hooks/pre-commit'), 'utf8');
    expect((await run(['hook', 'install'], { cwd: dir, env: GIT_ENV })).stderr).toContain('already installed');
    expect(readFileSync(path.join(dir, '.git/hooks/pre-commit'), 'utf8')).toBe(before);
    await removeDir(dir);
  });

  it('keeps an existing shell hook: the scan runs first, then the hook', async () => {
    const dir = await newRepo();
    const marker = path.join(dir, 'existing-hook-ran');
    write(dir, '.git/hooks/pre-commit', `#!/bin/sh\ntouch "${marker}"\nexit 0\n`);
    chmodSync(path.join(dir, '.git/hooks/pre-commit'), 0o755);
    expectOk(await run(['hook', 'install'], { cwd: dir, env: GIT_ENV }));
    const hook = readFileSync(path.join(dir, '.git/hooks/pre-commit'), 'utf8');
    expect(hook).toContain(`touch "${marker}"`);
    write(dir, 'db.yaml', kubectlSecretYaml({ namespace: 'prod' }));
    git(dir, 'add', 'db.yaml');
    expect(gitStatus(dir, { SEALKIT: wrapper }, 'commit', '-qm', 'x').code).toBe(1);
    write(dir, 'db.yaml', sealedYaml);
    git(dir, 'add', 'db.yaml');
    expect(gitStatus(dir, { SEALKIT: wrapper }, 'commit', '-qm', 'x').code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('');
    await removeDir(dir);
  });

  it('chains an existing hook that is not a shell script (moved to pre-commit.local)', async () => {
    const dir = await newRepo();
    const marker = path.join(dir, 'node-hook-ran');
    write(dir, '.git/hooks/pre-commit', `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    chmodSync(path.join(dir, '.git/hooks/pre-commit'), 0o755);
    const result = await run(['hook', 'install'], { cwd: dir, env: GIT_ENV });
    expectOk(result);
    expect(result.stderr).toContain('pre-commit.local');
    write(dir, 'db.yaml', sealedYaml);
    git(dir, 'add', 'db.yaml');
    expect(gitStatus(dir, { SEALKIT: wrapper }, 'commit', '-qm', 'x').code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran');
    await removeDir(dir);
  });
});

describe('.pre-commit-hooks.yaml', () => {
  it('declares the sealkit-scan hook the pre-commit framework runs', () => {
    const hooks = parseYaml(readFileSync(path.join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as Array<Record<string, unknown>>;
    const scan = hooks.find((h) => h.id === 'sealkit-scan');
    expect(scan).toMatchObject({ entry: 'sealkit scan --staged', language: 'system', pass_filenames: false });
  });
});
