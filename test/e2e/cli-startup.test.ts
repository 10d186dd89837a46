/**
 * Start-up machinery of the built CLI: the bundled bin runs, and V8's compile cache lives only in
 * a directory the user owns (mode 0700), is skipped when that directory is open to others or
 * cannot be created, and is off with NODE_DISABLE_COMPILE_CACHE. (Speed itself is measured in
 * bench/cli.mjs, not asserted here.)
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
    const later = new Date(statSync(path.join(copy, 'dist', 'bundle', 'sealkit.js')).mtimeMs + 60_000);
    utimesSync(path.join(copy, 'dist', '.tsbuildinfo'), later, later);
    expect(versionOf()).toBe('9.9.9-tsc-output');
    rmSync(path.join(copy, 'dist', '.tsbuildinfo'));
    expect(versionOf()).toBe(version);
  });
});
