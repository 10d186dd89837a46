import { randomBytes } from 'node:crypto';
// fs.promises, read at each use: importing node:fs/promises loads it (and its readline and stream
// machinery) with this module, a few ms of every start that never writes a file.
import { promises as fsp, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitError } from '../errors.js';
import type { Io } from '../io.js';

/** Mode for files that hold a private key or plaintext. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode for files meant to be committed or shared (the umask still applies). */
export const PUBLIC_FILE_MODE = 0o644;

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'EEXIST':
      return 'already exists';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * Reads a file named on the command line. `what` names the flag (`--cert`, `-f`) so the
 * error says which argument was wrong.
 */
export async function readUserFile(path: string, what: string): Promise<Buffer> {
  try {
    // Synchronous: a file named on the command line, read once; this keeps fs.promises unloaded.
    return readFileSync(path);
  } catch (err) {
    throw new ExitError(`${what} ${path}: cannot read: ${describeFsError(err)}`, { cause: err });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Writes a fresh temp file next to `path`, created with `mode` (never chmod-ed afterwards). */
async function writeTemp(path: string, data: string | Uint8Array, mode: number): Promise<string> {
  const dir = dirname(resolve(path));
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  return tmp;
}

/**
 * Replaces `path` atomically: a temp file in the same directory, then rename. On any failure
 * nothing is created and a pre-existing file is left untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = PUBLIC_FILE_MODE): Promise<void> {
  let tmp: string | undefined;
  try {
    tmp = await writeTemp(path, data, mode);
    await fsp.rename(tmp, path);
  } catch (err) {
    if (tmp !== undefined) await fsp.unlink(tmp).catch(() => undefined);
    throw new ExitError(`cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
}

/**
 * Creates `path` with its full content, atomically, failing if it already exists: a temp file
 * is hard-linked into place (link refuses to overwrite), so a reader never sees a partial file.
 */
export async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  let tmp: string | undefined;
  try {
    tmp = await writeTemp(path, data, mode);
    await fsp.link(tmp, path);
  } catch (err) {
    throw new ExitError(`cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  } finally {
    if (tmp !== undefined) await fsp.unlink(tmp).catch(() => undefined);
  }
}

/**
 * Where a command's output goes: stdout, or `-w FILE` replaced atomically. The whole text is
 * written at once, after the work succeeded, so a failure never leaves half an output behind.
 */
export async function writeOutput(io: Io, text: string, write: string | undefined, mode = PUBLIC_FILE_MODE): Promise<void> {
  if (write === undefined) io.writeOut(text);
  else await writeFileAtomic(write, text, mode);
}
