// The Go-built tools the install suites run (test/infra/build.sh builds and caches them, as it does
// the cluster components): argocd-lua (test/lua-harness), helm, actionlint.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../lib/kube.js';

const BUILD = path.join(REPO, 'test/infra/build.sh');

export type Tool = 'lua' | 'helm' | 'actionlint';

/**
 * The path of a tool's binary, built first when the cache does not have it yet (a no-op when it
 * does; .ci/run builds every tool before the tests). A failed build fails the suite loudly.
 */
export function tool(name: Tool): string {
  execFileSync('bash', [BUILD, name], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bin = execFileSync('bash', [BUILD, '--path', name], { encoding: 'utf8' }).trim();
  if (!existsSync(bin)) throw new Error(`${name}: test/infra/build.sh ${name} finished but ${bin} does not exist`);
  return bin;
}

export interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a command to completion (lib/kube.ts's run(), plus a working directory and environment
 * additions); a non-zero exit rejects with the end of its stderr unless allowFail.
 */
export function exec(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; allowFail?: boolean } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      if (code !== 0 && !opts.allowFail) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exit ${code}: ${stderr.trim().slice(-3000)}`));
      else resolve({ stdout, stderr, code });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
