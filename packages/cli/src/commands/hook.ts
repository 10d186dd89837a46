import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ExitError, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { writeFileAtomic, writeNewFile } from '../files/user-files.js';
import type { RegisterCommand } from '../types.js';

/**
 * `sealkit hook install`: runs `sealkit scan --staged` before every commit. An existing
 * pre-commit hook is kept: a shell script gets the scan as its first step; any other program
 * is moved aside to `pre-commit.local` and run after the scan.
 */

const BEGIN = '# >>> sealkit scan (sealkit hook install) >>>';
const END = '# <<< sealkit scan <<<';
const BLOCK = `${BEGIN}
# Refuses a commit that would add a plaintext Kubernetes Secret. Bypass once: git commit --no-verify
"\${SEALKIT:-sealkit}" scan --staged || exit $?
${END}
`;
const CHAINED = 'pre-commit.local';
const EXECUTABLE = 0o755;

function gitHooksDir(cwd: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile('git', ['rev-parse', '--git-path', 'hooks'], { cwd, encoding: 'utf8' }, (err, stdout) => {
      if (err) rej(new UsageError('not inside a git repository', { hint: 'run sealkit hook install in the repository' }));
      else res(resolve(cwd, stdout.trim()));
    });
  });
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExitError(`cannot read ${path}`, { cause: err });
  }
}

const SHELL = /^#!\s*(?:\/usr\/bin\/env\s+)?(?:\/[^\s]*\/)?(?:sh|bash|dash|ksh|zsh)\b/;

async function install(io: Io): Promise<void> {
  const dir = await gitHooksDir(process.cwd());
  const hook = join(dir, 'pre-commit');
  const existing = await readIfExists(hook);
  if (existing?.includes(BEGIN) === true) {
    io.writeErr(`sealkit: ${hook}: the scan is already installed\n`);
    return;
  }
  await mkdir(dirname(hook), { recursive: true });
  if (existing === undefined) {
    await writeNewFile(hook, `#!/bin/sh\n${BLOCK}`, EXECUTABLE);
    io.writeErr(`sealkit: ${hook}: installed\n`);
    return;
  }
  const mode = (await stat(hook)).mode & 0o777;
  if (SHELL.test(existing)) {
    const eol = existing.indexOf('\n');
    const updated = `${existing.slice(0, eol + 1)}${BLOCK}${existing.slice(eol + 1)}`;
    await writeFileAtomic(hook, updated, mode);
    io.writeErr(`sealkit: ${hook}: the scan runs first, then the existing hook\n`);
    return;
  }
  const chained = join(dir, CHAINED);
  if ((await readIfExists(chained)) !== undefined) {
    throw new ExitError(`${hook} is not a shell script and ${chained} exists already; nothing was changed`, {
      hint: `add '"\${SEALKIT:-sealkit}" scan --staged' to your hook by hand`,
    });
  }
  await rename(hook, chained);
  await writeNewFile(hook, `#!/bin/sh\n${BLOCK}exec "$(dirname "$0")/${CHAINED}" "$@"\n`, EXECUTABLE);
  io.writeErr(`sealkit: ${hook}: the scan runs first, then the existing hook, moved to ${CHAINED}\n`);
}

export const registerHook: RegisterCommand = (program, { io }) => {
  const hook = program.command('hook').description('git hooks: run sealkit scan before every commit');
  hook
    .command('install')
    .description("add 'sealkit scan --staged' to .git/hooks/pre-commit, keeping an existing hook")
    .addHelpText(
      'after',
      `
The hook calls \`sealkit\` from PATH (or $SEALKIT). With the pre-commit framework, use the hook
'sealkit-scan' from this repository's .pre-commit-hooks.yaml instead.

Example:
  sealkit hook install && git commit   # a plaintext Secret now stops the commit`,
    )
    .action(async () => {
      await install(io);
    });
};
