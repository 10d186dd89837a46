import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitError } from '../errors.js';
import { writeFileAtomic, writeNewFile } from './user-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file with the given mode and leaves no temp file', async () => {
    const path = join(dir, 'a.yaml');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new', 0o600);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['a.yaml']);
  });
  it('on failure (target is a directory) leaves the directory alone and no temp file', async () => {
    const sub = join(dir, 'sub');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(sub, 'target'), { recursive: true });
    await expect(writeFileAtomic(join(sub, 'target'), 'x')).rejects.toThrow(ExitError);
    expect(await readdir(sub)).toEqual(['target']);
  });
});

describe('writeNewFile', () => {
  it('never overwrites an existing file', async () => {
    const path = join(dir, 'key');
    await writeNewFile(path, 'first', 0o600);
    await expect(writeNewFile(path, 'second', 0o600)).rejects.toThrow(/already exists/);
    expect(await readFile(path, 'utf8')).toBe('first');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
