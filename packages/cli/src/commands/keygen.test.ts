import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyId, decodePublicKeysPem } from '@sealkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, listDir, removeDir, run, tempDir } from '../../test/run.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => removeDir(dir));

describe('keygen', () => {
  it('writes sealkit.pub (SPKI) and sealkit.key (PKCS#8, 0600) and prints the key id', async () => {
    const out = join(dir, 'a');
    const result = await run(['keygen', '--out', out], { umask000: true });
    expectOk(result);
    expect(result.stdout).toMatch(/^[0-9a-f]{16}\n$/);
    expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');
    const pubPem = await readFile(join(out, 'sealkit.pub'), 'utf8');
    const keyPem = await readFile(join(out, 'sealkit.key'), 'utf8');
    expect(pubPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    // Standard formats: what openssl pkey would read.
    expect(createPublicKey(pubPem).asymmetricKeyType).toBe('x25519');
    const priv = createPrivateKey(keyPem);
    expect(priv.asymmetricKeyType).toBe('x25519');
    expect(createPublicKey(priv).export({ type: 'spki', format: 'pem' })).toBe(pubPem);
    expect(result.stdout.trim()).toBe(keyId(decodePublicKeysPem(pubPem)[0] as Uint8Array));
    // umask 000 would make a chmod-less 0666 file world-readable: the key is created 0600.
    expect((await stat(join(out, 'sealkit.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'sealkit.pub'))).mode & 0o777).toBe(0o644);
    expect(await listDir(out)).toEqual(['sealkit.key', 'sealkit.pub']);
  });

  it('creates a missing directory (0700) and defaults --out to the current directory', async () => {
    const nested = join(dir, 'x', 'y');
    expectOk(await run(['keygen', '--out', nested]));
    expect((await stat(join(dir, 'x', 'y'))).mode & 0o777).toBe(0o700);
    const cwd = join(dir, 'cwd');
    await mkdir(cwd);
    expectOk(await run(['keygen'], { cwd }));
    expect(await listDir(cwd)).toEqual(['sealkit.key', 'sealkit.pub']);
  });

  it('refuses to overwrite existing key files; --force replaces them (still 0600)', async () => {
    const out = join(dir, 'b');
    const first = await run(['keygen', '--out', out]);
    expectOk(first);
    const before = await readFile(join(out, 'sealkit.key'), 'utf8');
    expectError(await run(['keygen', '--out', out]), 1, /sealkit\.key and .*sealkit\.pub already exist; not overwriting.*--force/);
    expect(await readFile(join(out, 'sealkit.key'), 'utf8')).toBe(before);

    const forced = await run(['keygen', '--out', out, '--force'], { umask000: true });
    expectOk(forced);
    expect(forced.stdout).not.toBe(first.stdout);
    expect(await readFile(join(out, 'sealkit.key'), 'utf8')).not.toBe(before);
    expect((await stat(join(out, 'sealkit.key'))).mode & 0o777).toBe(0o600);
    expect(await listDir(out)).toEqual(['sealkit.key', 'sealkit.pub']);
  });

  it('refuses when only one of the two files exists, and writes neither', async () => {
    const out = join(dir, 'c');
    await mkdir(out);
    await writeFile(join(out, 'sealkit.pub'), 'mine\n');
    expectError(await run(['keygen', '--out', out]), 1, /sealkit\.pub already exists/);
    expect(await listDir(out)).toEqual(['sealkit.pub']);
    expect(await readFile(join(out, 'sealkit.pub'), 'utf8')).toBe('mine\n');
  });

  it('an --out that is a file is an error', async () => {
    const file = join(dir, 'afile');
    await writeFile(file, '');
    expectError(await run(['keygen', '--out', file]), 1, /afile/);
  });
});
