// The Go-built tools the install suites run (test/infra/build.sh builds and caches them, as it does
// the cluster components): argocd-lua (test/lua-harness), helm, actionlint.
import { execFileSync } from 'node:child_process';
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
