/**
 * `sealkit set` and `sealkit edit` through the built CLI: values of a committed SealedSecret
 * changed in place, every other byte unchanged; `edit` with EDITOR set to a script, its private
 * temp dir checked while the editor runs and gone afterwards, also when a signal ends it.
 * Needs no cluster: SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-set-edit.test.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './lib/kube.js';
import { BIN, expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';

let dir: string;
let cluster: TestKey;
let recovery: TestKey;
let original: string;

function unsealWith(key: TestKey, file: string): Record<string, string> {
  const out = execFileSync(process.execPath, [BIN, 'unseal', '--key', key.key, '-f', file, '-o', 'json'], { encoding: 'utf8' });
  const data = (JSON.parse(out) as { data: Record<string, string> }).data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The lines of `after` that are not in `before`, and the other way round. */
function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { added: b.filter((l) => !a.includes(l)), removed: a.filter((l) => !b.includes(l)) };
}

beforeAll(async () => {
  dir = await tempDir('sealkit-set-edit-');
  cluster = await keygen(path.join(dir, 'cluster'));
  recovery = await keygen(path.join(dir, 'recovery'));
  const sealed = await run(['seal', '--cert', cluster.pub, '--cert', recovery.pub], {
    input: kubectlSecretYaml({ namespace: 'prod', data: { password: 'old-password', username: 'admin', zeta: 'last' } }),
  });
  expectOk(sealed);
  // A comment, as a user's committed file has: it must survive.
  original = `# db credentials, sealed for the cluster and the recovery key\n${sealed.stdout}`;
});
afterAll(async () => {
  await removeDir(dir);
});

async function fresh(name: string): Promise<string> {
  const file = path.join(dir, name);
  writeFileSync(file, original);
  return file;
}

describe('sealkit set', () => {
  it('adds and replaces values from a literal, a file and stdin; every other byte stays', async () => {
    const file = await fresh('set.sealed.yaml');
    writeFileSync(path.join(dir, 'pw.txt'), 'from-a-file');
    const result = await run(['set', file, '--cert', cluster.pub, '--cert', recovery.pub, 'password=@' + path.join(dir, 'pw.txt'), 'api=literal', 'token=-'], { input: 'from-stdin' });
    expectOk(result);
    expect(result.stderr).toBe(`sealkit: ${file}: added api, token; replaced password\n`);
    const after = readFileSync(file, 'utf8');
    const { added, removed } = lineDiff(original, after);
    expect(removed.map((l) => l.split(':')[0])).toEqual(['    password']);
    expect(added.map((l) => l.split(':')[0]).sort()).toEqual(['    api', '    password', '    token']);
    expect(after.startsWith('# db credentials')).toBe(true);
    for (const key of [cluster, recovery]) {
      expect(unsealWith(key, file)).toEqual({ password: 'from-a-file', username: 'admin', zeta: 'last', api: 'literal', token: 'from-stdin' });
    }
  });

  it('refuses keys that do not cover every recipient of the existing values, and bad arguments; the file is untouched', async () => {
    const file = await fresh('refuse.sealed.yaml');
    expectError(await run(['set', file, '--cert', cluster.pub, 'a=b']), 2, `also sealed for key id ${recovery.id}`);
    expectError(await run(['set', file, '--cert', cluster.pub, 'no-equals-sign']), 2, 'KEY=VALUE, KEY=@PATH or KEY=-');
    expectError(await run(['set', file, '--cert', cluster.pub, 'a=-', 'b=-']), 2, 'only one KEY=- can read stdin');
    expectError(await run(['set', path.join(dir, 'missing.yaml'), '--cert', cluster.pub, 'a=b']), 1, 'cannot read');
    expect(readFileSync(file, 'utf8')).toBe(original);
  });
});

describe('sealkit set on a Bitnami SealedSecret', () => {
  it('seals the new value with the Bitnami certificate, for the file\'s own place; the other values stay', async () => {
    const vectors = JSON.parse(readFileSync(path.join(REPO, 'packages/core/src/bitnami/testdata/vectors.json'), 'utf8')) as {
      keys: Record<string, { privateKeyPem: string; certificatePem: string }>;
    };
    const pair = vectors.keys.rsa4096 as { privateKeyPem: string; certificatePem: string };
    const cert = path.join(dir, 'bitnami.crt');
    const key = path.join(dir, 'bitnami.key');
    writeFileSync(cert, pair.certificatePem);
    writeFileSync(key, pair.privateKeyPem);
    const sealed = await run(['seal', '--format', 'bitnami', '--cert', cert, '-o', 'yaml'], { input: kubectlSecretYaml({ namespace: 'prod', data: { password: 'old', username: 'admin' } }) });
    expectOk(sealed);
    const file = path.join(dir, 'db.bitnami.yaml');
    writeFileSync(file, sealed.stdout);
    expectOk(await run(['set', file, '--cert', cert, 'password=new'], {}));
    const { added, removed } = lineDiff(sealed.stdout, readFileSync(file, 'utf8'));
    expect([added.length, removed.length]).toEqual([1, 1]);
    const out = execFileSync(process.execPath, [BIN, 'unseal', '--key', key, '-f', file, '-o', 'json'], { encoding: 'utf8' });
    expect((JSON.parse(out) as { data: Record<string, string> }).data).toEqual({ password: Buffer.from('new').toString('base64'), username: Buffer.from('admin').toString('base64') });
  });
});

describe('sealkit edit', () => {
  let editor: string;
  let report: string;
  beforeAll(() => {
    report = path.join(dir, 'editor-report.txt');
    editor = path.join(dir, 'editor.sh');
    // Records where it was started and with what modes, then edits like a user would.
    writeFileSync(
      editor,
      `#!/bin/sh
d=$(dirname "$1")
echo "$d $(stat -c %a "$d") $(stat -c %a "$1")" > "${report}"
case "$EDIT_MODE" in
  change) sed -i 's/^  password: .*/  password: new-password/' "$1"; printf '  extra: added-key\\n' >> "$1" ;;
  none) ;;
  remove) sed -i '/^  zeta: /d' "$1" ;;
  hang) exec sleep 60 ;;
esac
`,
    );
    chmodSync(editor, 0o755);
  });

  it('opens the decrypted Secret in a 0700 dir on /dev/shm, re-seals only the changed values, removes the dir', async () => {
    const file = await fresh('edit.sealed.yaml');
    const result = await run(['edit', file, '--key', recovery.key, '--cert', cluster.pub], { env: { EDITOR: editor, EDIT_MODE: 'change' } });
    expectOk(result);
    expect(result.stderr).toBe(`sealkit: ${file}: added extra; replaced password\n`);
    const [tmp, dirMode, fileMode] = readFileSync(report, 'utf8').trim().split(' ');
    if (existsSync('/dev/shm')) expect(tmp?.startsWith('/dev/shm/sealkit-edit-')).toBe(true);
    expect([dirMode, fileMode]).toEqual(['700', '600']);
    expect(existsSync(tmp as string)).toBe(false);
    const after = readFileSync(file, 'utf8');
    const { added, removed } = lineDiff(original, after);
    expect(removed.map((l) => l.split(':')[0])).toEqual(['    password']);
    expect(added.map((l) => l.split(':')[0]).sort()).toEqual(['    extra', '    password']);
    for (const key of [cluster, recovery]) {
      expect(unsealWith(key, file)).toEqual({ password: 'new-password', username: 'admin', zeta: 'last', extra: 'added-key' });
    }
    expect(result.stdout + result.stderr).not.toContain('old-password');
  });

  it('changes nothing when the editor changes nothing, and refuses a removed key', async () => {
    const file = await fresh('noop.sealed.yaml');
    const none = await run(['edit', file, '--key', recovery.key, '--cert', cluster.pub], { env: { EDITOR: editor, EDIT_MODE: 'none' } });
    expectOk(none);
    expect(none.stderr).toBe(`sealkit: ${file}: no change\n`);
    expect(readFileSync(file, 'utf8')).toBe(original);
    const removed = await run(['edit', file, '--key', recovery.key, '--cert', cluster.pub], { env: { EDITOR: editor, EDIT_MODE: 'remove' } });
    expectError(removed, 1, 'removes "zeta"; nothing was changed');
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(existsSync(readFileSync(report, 'utf8').split(' ')[0] as string)).toBe(false);
    // Without the cluster's public key the edit is refused before the editor opens.
    writeFileSync(report, '');
    const noCluster = { KUBECONFIG: path.join(dir, 'none'), HOME: dir, EDITOR: editor, EDIT_MODE: 'change' };
    expectError(await run(['edit', file, '--key', recovery.key], { env: noCluster }), 2, '--cert is required');
    expect(readFileSync(report, 'utf8')).toBe('');
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`removes the plaintext dir when ${signal} ends it while the editor runs (exit ${code})`, async () => {
      const file = await fresh(`signal-${signal}.sealed.yaml`);
      writeFileSync(report, '');
      const child = spawn(process.execPath, [BIN, 'edit', file, '--key', recovery.key, '--cert', cluster.pub], {
        env: { ...process.env, NODE_OPTIONS: '', EDITOR: editor, EDIT_MODE: 'hang' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      // Wait until the editor has started (it writes its report first).
      while (readFileSync(report, 'utf8') === '') await new Promise((r) => setTimeout(r, 50));
      const tmp = readFileSync(report, 'utf8').split(' ')[0] as string;
      expect(existsSync(tmp)).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(existsSync(tmp)).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(original);
    });
  }
});
