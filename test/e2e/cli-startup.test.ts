/**
 * Start-up machinery of the built CLI: the bundled bin runs, and its V8 code cache lives only in
 * a directory the user owns (mode 0700), is skipped when that directory is open to others or
 * cannot be created, and is off with NODE_DISABLE_COMPILE_CACHE; one cache per command and set of
 * flags, written after a successful run only, replaced when V8 rejects it, and keyed by the
 * bundles' content. seal and unseal run from the everyday bundle, the rest from the full one.
 * Output written without process.stdout/stdin streams still reaches a non-blocking pipe whole.
 * (Speed itself is measured in bench/cli.mjs, not asserted here.)
 * SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-startup.test.ts
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CLI_DIR, expectOk, removeDir, run, tempDir } from '../../packages/cli/test/run.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('sealkit-startup-');
});
afterAll(async () => {
  await removeDir(dir);
});

const version = (JSON.parse(readFileSync(path.join(CLI_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('compile cache', () => {
  it('is created under $XDG_CACHE_HOME/sealkit/compile-cache with mode 0700 and filled by a run', async () => {
    const cache = path.join(dir, 'xdg');
    const result = await run(['--version'], { env: { XDG_CACHE_HOME: cache }, umask000: true });
    expectOk(result);
    expect(result.stdout).toBe(`${version}\n`);
    const target = path.join(cache, 'sealkit', 'compile-cache');
    expect(statSync(target).mode & 0o777).toBe(0o700);
    const [versionDir] = readdirSync(target);
    expect(versionDir).toMatch(/^v\d+/);
    expect(readdirSync(path.join(target, versionDir as string)).length).toBeGreaterThan(0);
  });

  it('is not used when the directory is writable by others, and the command still works', async () => {
    const cache = path.join(dir, 'shared');
    const target = path.join(cache, 'sealkit', 'compile-cache');
    mkdirSync(target, { recursive: true });
    chmodSync(target, 0o777);
    expectOk(await run(['--version'], { env: { XDG_CACHE_HOME: cache } }));
    expect(readdirSync(target)).toEqual([]);
  });

  it('is skipped when the directory cannot be created, and with NODE_DISABLE_COMPILE_CACHE', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expectOk(await run(['--version'], { env: { XDG_CACHE_HOME: file } }));
    const off = path.join(dir, 'off');
    expectOk(await run(['--version'], { env: { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' } }));
    expect(existsSync(off)).toBe(false);
  });
});

describe('the bundle or tsc\'s output', () => {
  it('runs the bundle unless tsc built after it (a bare tsc -b), and always where no .tsbuildinfo ships (an installed package)', () => {
    // A copy of the package whose package.json names another version: the bundle has the version
    // baked in at bundling time, tsc's output reads package.json, so --version tells which one ran.
    const copy = path.join(dir, 'cli');
    mkdirSync(copy);
    for (const part of ['bin', 'dist']) cpSync(path.join(CLI_DIR, part), path.join(copy, part), { recursive: true, preserveTimestamps: true });
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(path.join(CLI_DIR, 'package.json'), 'utf8')), version: '9.9.9-tsc-output' }));
    symlinkSync(path.join(CLI_DIR, 'node_modules'), path.join(copy, 'node_modules'));
    const versionOf = () => spawnSync(process.execPath, [path.join(copy, 'bin', 'sealkit.js'), '--version'], { encoding: 'utf8', env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' } }).stdout.trim();
    expect(versionOf()).toBe(version);
    const later = new Date(statSync(path.join(copy, 'dist', 'bundle', 'sealkit.cjs')).mtimeMs + 60_000);
    utimesSync(path.join(copy, 'dist', '.tsbuildinfo'), later, later);
    expect(versionOf()).toBe('9.9.9-tsc-output');
    rmSync(path.join(copy, 'dist', '.tsbuildinfo'));
    expect(versionOf()).toBe(version);
  });
});

describe('the code cache of the bundle', () => {
  const bundleDir = (cache: string) => {
    const target = path.join(cache, 'sealkit', 'compile-cache');
    const dirs = readdirSync(target);
    expect(dirs).toHaveLength(1);
    return path.join(target, dirs[0] as string);
  };

  it('is one file per command and set of flags, named after the bundles\' content hash, written by a successful run only', async () => {
    const cache = path.join(dir, 'per-command');
    const env = { XDG_CACHE_HOME: cache };
    expectOk(await run(['--version'], { env }));
    const id = /^\/\/ sealkit bundle ([0-9a-f]+)\n/.exec(readFileSync(path.join(CLI_DIR, 'dist', 'bundle', 'sealkit.cjs'), 'utf8'))?.[1];
    expect(id).toBeDefined();
    const where = bundleDir(cache);
    expect(path.basename(where)).toBe(`${process.version}-${process.arch}-bundle-${id}`);
    expect(statSync(where).mode & 0o777).toBe(0o700);
    expect(readdirSync(where)).toEqual(['sealkit.v8-cache']);
    // A failing run (exit 2) writes nothing.
    expect((await run(['keygen', '--no-such-flag'], { env })).code).toBe(2);
    expect(readdirSync(where)).toEqual(['sealkit.v8-cache']);
    expectOk(await run(['keygen', '--out', path.join(dir, 'keys')], { env }));
    expect(readdirSync(where).sort()).toEqual(['keygen.out.v8-cache', 'sealkit.v8-cache']);
    expect(statSync(path.join(where, 'keygen.out.v8-cache')).mode & 0o777).toBe(0o600);
    // Flags name the file (sorted, once each); their values and the arguments never do.
    const pub = path.join(dir, 'keys', 'sealkit.pub');
    expectOk(await run(['seal', '--scope=cluster', '--raw', '--cert', pub, '--cert', pub], { input: 'v', env }));
    expectOk(await run(['seal', 'db', '-n', 'prod', '--from-literal', 'password=hunter2', '--cert', pub], { env }));
    expect(readdirSync(where).sort()).toEqual(['keygen.out.v8-cache', 'seal.cert.from-literal.n.v8-cache', 'seal.cert.raw.scope.v8-cache', 'sealkit.v8-cache']);
  });

  it('is replaced when V8 rejects it, and the command gives the same output with a cache, without one and with a bad one', async () => {
    const cache = path.join(dir, 'rejected');
    const env = { XDG_CACHE_HOME: cache };
    const keys = path.join(dir, 'keys-rejected');
    expectOk(await run(['keygen', '--out', keys], { env }));
    const sealed = await run(['seal', '--cert', path.join(keys, 'sealkit.pub'), '--raw', '--scope', 'cluster'], { input: 'v', env });
    expectOk(sealed);
    const unseal = (environment: NodeJS.ProcessEnv) => run(['inspect', '-o', 'json'], { input: `apiVersion: sealkit.dev/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: a\n  namespace: b\n  annotations:\n    sealkit.dev/scope: cluster\nspec:\n  encryptedData:\n    k: ${sealed.stdout.trim()}\n`, env: environment });
    const first = await unseal(env);
    expectOk(first);
    const file = path.join(bundleDir(cache), 'inspect.o.v8-cache');
    const good = readFileSync(file);
    expect(good.length).toBeGreaterThan(1000);
    expect(await unseal(env)).toEqual(first);
    writeFileSync(file, Buffer.from('not a V8 code cache'));
    expect(await unseal(env)).toEqual(first);
    expect(readFileSync(file).length).toBeGreaterThan(1000);
    expect(await unseal({ NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(first);
  });

  it('of another bundle is removed when this bundle writes its first cache', async () => {
    const cache = path.join(dir, 'stale');
    const stale = path.join(cache, 'sealkit', 'compile-cache', `${process.version}-${process.arch}-bundle-0123456789abcdef`);
    mkdirSync(stale, { recursive: true, mode: 0o700 });
    chmodSync(path.join(cache, 'sealkit', 'compile-cache'), 0o700);
    writeFileSync(path.join(stale, 'seal.v8-cache'), 'old');
    expectOk(await run(['--version'], { env: { XDG_CACHE_HOME: cache } }));
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(bundleDir(cache))).toEqual(['sealkit.v8-cache']);
  });
});

describe('the bundle of the everyday commands', () => {
  it('runs seal and unseal; every other command runs from the full bundle', async () => {
    // --debug prints the stack, which names the file the code ran from.
    const seal = await run(['seal', '--debug', '--cert', path.join(dir, 'no-such.pub')], { input: 'x' });
    expect(seal.code).toBe(1);
    expect(seal.stderr).toMatch(/bundle\/sealkit-everyday\.cjs:\d+/);
    const unseal = await run(['unseal', '--debug', '--key', path.join(dir, 'no-such.key')], { input: 'x' });
    expect(unseal.code).toBe(1);
    expect(unseal.stderr).toMatch(/bundle\/sealkit-everyday\.cjs:\d+/);
    const inspect = await run(['--debug', 'inspect', '-f', path.join(dir, 'no-such.yaml')]);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toMatch(/bundle\/sealkit\.cjs:\d+/);
    expect(inspect.stderr).not.toMatch(/sealkit-everyday/);
  });

  it('is optional: without it the full bundle runs those commands too, with the same output', async () => {
    const copy = path.join(dir, 'cli-without-everyday');
    mkdirSync(copy);
    for (const part of ['bin', 'dist']) cpSync(path.join(CLI_DIR, part), path.join(copy, part), { recursive: true, preserveTimestamps: true });
    cpSync(path.join(CLI_DIR, 'package.json'), path.join(copy, 'package.json'));
    symlinkSync(path.join(CLI_DIR, 'node_modules'), path.join(copy, 'node_modules'));
    rmSync(path.join(copy, 'dist', 'bundle', 'sealkit-everyday.cjs'));
    const runIn = (bin: string, args: string[], input = '') => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1', KUBECONFIG: path.join(dir, 'none') } });
    const keys = path.join(dir, 'keys-everyday');
    expect(runIn(path.join(CLI_DIR, 'bin', 'sealkit.js'), ['keygen', '--out', keys]).status).toBe(0);
    for (const args of [['seal', '--help'], ['unseal', '--help'], ['seal', '--cert', path.join(keys, 'sealkit.pub'), '-o', 'xml'], ['seal', '--cret', 'x'], ['unseal', '--key', path.join(keys, 'sealkit.key')]]) {
      const everyday = runIn(path.join(CLI_DIR, 'bin', 'sealkit.js'), args, 'kind: Secret\n');
      const full = runIn(path.join(copy, 'bin', 'sealkit.js'), args, 'kind: Secret\n');
      expect({ args, status: full.status, stdout: full.stdout, stderr: full.stderr }).toEqual({ args, status: everyday.status, stdout: everyday.stdout, stderr: everyday.stderr });
    }
    const sealed = runIn(path.join(copy, 'bin', 'sealkit.js'), ['seal', '--cert', path.join(keys, 'sealkit.pub')], 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: b\ndata:\n  k: dg==\n');
    expect(sealed.status, sealed.stderr).toBe(0);
    const opened = runIn(path.join(CLI_DIR, 'bin', 'sealkit.js'), ['unseal', '--key', path.join(keys, 'sealkit.key')], sealed.stdout);
    expect(opened.stdout).toContain('  k: dg==');
  });
});

describe('stdin and stdout without the process streams', () => {
  it('writes a large output whole to a pipe in non-blocking mode, and reads stdin from one', () => {
    // Python holds both pipes in O_NONBLOCK and reads slowly, so the CLI's synchronous writes meet
    // EAGAIN and must continue through process.stdout, in order; stdin also starts non-blocking.
    const values = Array.from({ length: 3000 }, (_, i) => `  key-${i}: ${Buffer.from(`value-${i}-${'x'.repeat(40)}`).toString('base64')}`);
    const manifest = ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: big', '  namespace: prod', 'data:', ...values, ''].join('\n');
    const script = `
import fcntl, os, subprocess, sys, time
argv = sys.argv[1:]
rin, win = os.pipe(); rout, wout = os.pipe()
for fd in (rin, wout): fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(argv, stdin=rin, stdout=wout, env=dict(os.environ, NODE_DISABLE_COMPILE_CACHE='1'))
os.close(rin); os.close(wout)
data = sys.stdin.buffer.read()
while data:
    n = os.write(win, data[:65536]); data = data[n:]
os.close(win)
time.sleep(0.3)
out = b''
while True:
    chunk = os.read(rout, 4096)
    if not chunk: break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(p.wait())
`;
    const viaNonBlocking = spawnSync('python3', ['-c', script, process.execPath, path.join(CLI_DIR, 'bin', 'sealkit.js'), 'unseal', '--key', keysFor(), '-o', 'json'], { input: sealedBig(manifest), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(viaNonBlocking.status, viaNonBlocking.stderr).toBe(0);
    expect(viaNonBlocking.stdout.length).toBeGreaterThan(200_000);
    const direct = spawnSync(process.execPath, [path.join(CLI_DIR, 'bin', 'sealkit.js'), 'unseal', '--key', keysFor(), '-o', 'json'], { input: sealedBig(manifest), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(direct.status, direct.stderr).toBe(0);
    expect(viaNonBlocking.stdout).toBe(direct.stdout);
    expect(JSON.parse(viaNonBlocking.stdout).data['key-2999']).toBe(Buffer.from(`value-2999-${'x'.repeat(40)}`).toString('base64'));
  });
});

let keyDir: string | undefined;
let sealedText: string | undefined;
/** A key pair made once by the built CLI (keygen), for the stream tests. */
function keysFor(): string {
  if (keyDir === undefined) {
    keyDir = path.join(dir, 'stream-keys');
    const r = spawnSync(process.execPath, [path.join(CLI_DIR, 'bin', 'sealkit.js'), 'keygen', '--out', keyDir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
  return path.join(keyDir, 'sealkit.key');
}
function sealedBig(manifest: string): string {
  keysFor();
  sealedText ??= spawnSync(process.execPath, [path.join(CLI_DIR, 'bin', 'sealkit.js'), 'seal', '--cert', path.join(keyDir as string, 'sealkit.pub')], { input: manifest, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
  return sealedText;
}
