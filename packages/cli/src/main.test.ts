import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { encodePublicKeyPem, generateKeyPair } from '@sealkit/core';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, expectError, expectOk, run } from '../test/run.js';
import type { Io } from './io.js';
import { main } from './main.js';

function fakeIo(stdin = '', options: { tty?: boolean; failWrites?: boolean } = {}): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdinIsTTY: options.tty ?? false,
    readStdin: async () => Buffer.from(stdin),
    writeOut(text: string) {
      if (options.failWrites) throw new Error('EPIPE');
      io.out += text;
    },
    writeErr(text: string) {
      if (options.failWrites) throw new Error('EPIPE');
      io.err += text;
    },
  };
  return io;
}

describe('main() in-process', () => {
  it('resolves to the exit code and never throws, even when the streams fail', async () => {
    // An unknown flag is a usage error whatever the environment (plain `seal` would look for a cluster).
    await expect(main(['seal', '--no-such-flag'], fakeIo('', { failWrites: true }))).resolves.toBe(2);
    await expect(main(['--version'], fakeIo('', { failWrites: true }))).resolves.toBe(1);
  });

  it('a terminal on stdin is a usage error for commands that read manifests', async () => {
    const io = fakeIo('', { tty: true });
    expect(await main(['inspect'], io)).toBe(2);
    expect(io.err).toMatch(/^sealkit: error: no input: expected SealedSecret manifests on stdin, which is a terminal \(hint: pipe them in, or pass -f FILE\)\n$/);
    expect(io.out).toBe('');
    const dir = await mkdtemp(join(tmpdir(), 'sealkit-main-'));
    const cert = join(dir, 'sealkit.pub');
    await writeFile(cert, encodePublicKeyPem(generateKeyPair().publicKey));
    const raw = fakeIo('', { tty: true });
    expect(await main(['seal', '--raw', '--scope', 'cluster', '--cert', cert], raw)).toBe(2);
    expect(raw.err).toMatch(/expected the value to seal on stdin.*--from-file PATH/);
    await rm(dir, { recursive: true });
  });
});

describe('sealkit (binary)', () => {
  it('--version prints the package version', async () => {
    const result = await run(['--version']);
    expectOk(result);
    const pkg = JSON.parse(await readFile(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  it('--help lists every command with examples and the exit codes', async () => {
    const result = await run(['--help']);
    expectOk(result);
    for (const cmd of ['seal', 'unseal', 'keygen', 'inspect']) expect(result.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    expect(result.stdout).toContain('Exit codes: 0 success, 1 operational error, 2 usage error.');
    expect(result.stdout).toContain('Examples:');
  });

  it.each([['unseal'], ['keygen'], ['inspect']])('help %s shows examples', async (cmd) => {
    const result = await run(['help', cmd]);
    expectOk(result);
    expect(result.stdout).toContain(`Usage: sealkit ${cmd}`);
    expect(result.stdout).toContain('Examples:');
  });

  it('no command: help on stderr, exit 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: sealkit');
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    expectError(await run(['seel']), 2, /unknown command 'seel'.*Did you mean seal\?/);
  });

  it('a missing option argument is a usage error', async () => {
    expectError(await run(['unseal', '--key']), 2, /option '--key <file>' argument missing.*sealkit unseal --help/);
  });

  it('no stack trace by default; --debug adds one after the error line', async () => {
    const plain = await run(['seal', '--cert', '/nonexistent/sealkit.pub']);
    expectError(plain, 1, /cannot read/);
    expect(plain.stderr).not.toMatch(/\bat .*\.c?js:\d+/);
    const debug = await run(['--debug', 'seal', '--cert', '/nonexistent/sealkit.pub']);
    expect(debug.code).toBe(1);
    expect(debug.stdout).toBe('');
    const lines = debug.stderr.split('\n');
    expect(lines[0]).toMatch(/^sealkit: error: --cert \/nonexistent\/sealkit\.pub: cannot read/);
    expect(debug.stderr).toMatch(/\n\s+at .*\.c?js:\d+/);
    // --debug is also accepted after the subcommand.
    const after = await run(['seal', '--cert', '/nonexistent/sealkit.pub', '--debug']);
    expect(after.stderr).toMatch(/\n\s+at /);
  });

  it('never loads @kubernetes/client-node (cluster commands must import it lazily)', async () => {
    const files: string[] = [];
    const walk = async (d: string) => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else if (e.name.endsWith('.js')) files.push(join(d, e.name));
      }
    };
    await walk(join(CLI_DIR, 'dist'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      expect(await readFile(file, 'utf8'), file).not.toMatch(/^import .*@kubernetes\/client-node/m);
    }
  });
});
