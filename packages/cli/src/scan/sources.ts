import { execFile, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ExitError, UsageError } from '../errors.js';
import { listManifestFiles, MANIFEST_FILE, toPosix } from '../files/walk.js';
import type { RepoFiles } from './detect.js';

/**
 * Where `sealkit scan` reads from: the work tree (files and directories named on the command
 * line), or with `--staged` the git index, which is what the commit will hold (a file fixed in
 * the work tree but not re-added is still caught).
 */

export interface Source {
  /** Repository paths (relative to `root`, `/` separators) of the files to judge. */
  readonly paths: readonly string[];
  readonly repo: RepoFiles;
  /** Reads one of `paths`. */
  read(path: string): Promise<string>;
}

function git(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new ExitError(`git ${args[0] ?? ''} failed: ${stderr.split('\n')[0] || err.message}`, { cause: err }));
      else resolvePromise(stdout);
    });
  });
}

async function gitTop(cwd: string): Promise<string | undefined> {
  try {
    return (await git(['rev-parse', '--show-toplevel'], cwd)).trim();
  } catch {
    return undefined;
  }
}

/** The work tree: the files under each PATH (default `.`), judged as they are on disk. */
export async function workTreeSource(args: readonly string[], cwd: string): Promise<Source> {
  const roots = args.length === 0 ? ['.'] : args;
  const files: string[] = [];
  for (const arg of roots) {
    const abs = resolve(cwd, arg);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new ExitError(`${arg}: no such file or directory`);
    }
    if (!info.isDirectory()) {
      files.push(abs);
      continue;
    }
    files.push(...(await listManifestFiles(abs)));
  }
  const top = await gitTop(cwd);
  const display = (path: string) => {
    const rel = toPosix(relative(cwd, resolve(cwd, path)));
    return rel === '' ? '.' : rel;
  };
  const repo: RepoFiles = {
    async read(path) {
      const abs = resolve(cwd, path);
      // A file git ignores never reaches a commit: kustomize may read it, the scan need not flag it.
      if (top !== undefined && (await isIgnored(abs, top))) return undefined;
      try {
        return await readFile(abs, 'utf8');
      } catch {
        return undefined;
      }
    },
    display,
  };
  return {
    paths: files.map((f) => toPosix(relative(cwd, f)) || '.'),
    repo,
    read: (path) => readFile(resolve(cwd, path), 'utf8'),
  };
}

async function isIgnored(abs: string, top: string): Promise<boolean> {
  try {
    await git(['check-ignore', '-q', '--', abs], top);
    return true;
  } catch {
    return false;
  }
}

/** Reads many blobs from the index through one `git cat-file --batch` process. */
async function readIndexBlobs(top: string, paths: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (paths.length === 0) return out;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res() : rej(new ExitError(`git cat-file exited with ${code}`))));
  });
  child.stdin.end(paths.map((p) => `:${p}\n`).join(''));
  await done;
  const data = Buffer.concat(chunks);
  let at = 0;
  for (const path of paths) {
    const eol = data.indexOf(10, at);
    const header = data.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const m = /^\S+ blob (\d+)$/.exec(header);
    if (m === null) continue; // "missing" or not a blob (a submodule)
    const size = Number(m[1]);
    out.set(path, data.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}

/**
 * The git index: the staged (added, copied, modified, renamed) files, restricted to PATHs when
 * given, plus every kustomization in the index (a staged env file matters through the
 * kustomization that reads it, even when that kustomization is unchanged).
 */
export async function stagedSource(args: readonly string[], cwd: string): Promise<Source> {
  const top = await gitTop(cwd);
  if (top === undefined) throw new UsageError('--staged reads the git index, but this is not a git repository', { hint: 'run it inside the repository, or scan paths without --staged' });
  const pathspec = args.map((a) => (isAbsolute(a) ? a : resolve(cwd, a)));
  const staged = (await git(['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--', ...pathspec], top)).split('\0').filter((p) => p !== '');
  const indexed = (await git(['ls-files', '-z'], top)).split('\0').filter((p) => p !== '');
  const inIndex = new Set(indexed);
  const kustomizations = indexed.filter((p) => /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(p));
  const chosen = new Set(staged.filter((p) => args.length > 0 || MANIFEST_FILE.test(p)));
  for (const k of kustomizations) chosen.add(k);
  const paths = [...chosen];
  const blobs = await readIndexBlobs(top, paths);
  const display = (path: string) => toPosix(relative(cwd, join(top, path)));
  return {
    paths: paths.filter((p) => blobs.has(p)),
    repo: {
      async read(path) {
        if (!inIndex.has(path)) return undefined;
        return blobs.get(path) ?? (await readIndexBlobs(top, [path])).get(path);
      },
      display,
    },
    read: async (path) => blobs.get(path) ?? '',
  };
}
