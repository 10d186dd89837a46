/**
 * vitest globalSetup: starts the real components a test run needs once, hands their endpoints to
 * tests (project.provide('sealkitInfra', ...) and process.env for child processes), and stops them
 * at the end.
 *
 * Environment:
 *   SEALKIT_INFRA        components for test/infra/up --with (default: apiserver,gc,vault,bitnami-controller,toxiproxy,postgres;
 *                        "none" starts nothing)
 *   SEALKIT_INFRA_REUSE  path of a state dir of an `up` that is already running: use it, start and
 *                        stop nothing (handy while iterating: eval "$(test/infra/up --with all)" once)
 *   SEALKIT_TEST_STATE   state dir for this run (default: a new temp dir, removed at the end)
 *   SEALKIT_KEEP_STATE=1 keep the state dir (logs) after the run
 *   SEALKIT_TESTBIN_DIR  binary cache (default ~/.cache/sealkit/testbin)
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { infraEnvFromExports } from './types.js';

const INFRA_DIR = path.dirname(fileURLToPath(import.meta.url));
const UP = path.join(INFRA_DIR, 'up');
const DOWN = path.join(INFRA_DIR, 'down');
export const DEFAULT_COMPONENTS = 'apiserver,gc,vault,bitnami-controller,toxiproxy,postgres';

/** Reads the variables an env.sh written by `up` exports, letting bash do the unquoting. */
export function readExports(envFile: string): Record<string, string> {
  const text = readFileSync(envFile, 'utf8');
  const names = [...text.matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1] as string);
  const dump = execFileSync('bash', ['-c', '. "$1" && env -0', 'bash', envFile], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
    // stdin must not be a socket: bash would then take itself for an rsh session and read ~/.bashrc
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const all = new Map<string, string>();
  for (const entry of dump.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) all.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const result: Record<string, string> = {};
  for (const name of names) {
    const v = all.get(name);
    if (v !== undefined) result[name] = v;
  }
  return result;
}

function runUp(components: string, stateDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // up prints progress (including a first-time build of several minutes) on stderr: pass it through.
    const child = spawn(UP, ['--with', components], {
      env: { ...process.env, SEALKIT_TEST_STATE: stateDir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `test/infra/up --with ${components} failed (${signal ?? `exit ${code}`}); its stderr is above, ` +
              `component logs are in ${path.join(stateDir, 'logs')}. To debug by hand: ` +
              `SEALKIT_TEST_STATE=${stateDir} test/infra/up --with ${components}`,
          ),
        );
    });
  });
}

function runDown(stateDir: string, clean: boolean): void {
  const args = clean ? ['--clean', stateDir] : [stateDir];
  const r = spawnSync(DOWN, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.stderr.write(`sealkit-infra: test/infra/down ${args.join(' ')} failed (exit ${r.status})\n`);
}

function provide(project: TestProject, exports: Record<string, string>): void {
  // Child processes (kubectl, our CLI, the controller under test) find the components the usual way.
  for (const [k, v] of Object.entries(exports)) process.env[k] = v;
  project.provide('sealkitInfra', infraEnvFromExports(exports));
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const reuse = process.env.SEALKIT_INFRA_REUSE;
  if (reuse) {
    const envFile = path.join(reuse, 'env.sh');
    if (!existsSync(envFile)) {
      throw new Error(
        `SEALKIT_INFRA_REUSE=${reuse} has no env.sh: start the components there first ` +
          `(SEALKIT_TEST_STATE=${reuse} test/infra/up --with ${DEFAULT_COMPONENTS}) or unset SEALKIT_INFRA_REUSE`,
      );
    }
    process.stderr.write(`sealkit-infra: reusing running components in ${reuse}\n`);
    provide(project, readExports(envFile));
    return undefined;
  }

  const components = (process.env.SEALKIT_INFRA ?? DEFAULT_COMPONENTS).trim();
  if (components === '' || components === 'none') {
    project.provide('sealkitInfra', null);
    return undefined;
  }

  const given = process.env.SEALKIT_TEST_STATE;
  const stateDir = given ?? mkdtempSync(path.join(tmpdir(), 'sealkit-test.'));
  const clean = !given && process.env.SEALKIT_KEEP_STATE !== '1';
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    runDown(stateDir, clean);
  };
  // If vitest exits without running teardown (an error in another setup, process.exit), the
  // components must not outlive it: they run in their own sessions, so nothing else would stop them.
  process.once('exit', stop);

  const t0 = Date.now();
  process.stderr.write(`sealkit-infra: starting ${components} (state ${stateDir})\n`);
  try {
    await runUp(components, stateDir);
  } catch (err) {
    // keep the logs of a failed start
    stopped = true;
    runDown(stateDir, false);
    throw err;
  }
  process.stderr.write(`sealkit-infra: components ready in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  provide(project, readExports(path.join(stateDir, 'env.sh')));
  return stop;
}
