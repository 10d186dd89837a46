// Crash-restarts a component the harness started for this run: a signal (SIGKILL by default),
// then the same command line (or an edited one), environment and working directory again (same
// port, same data, so clients only see an outage). The new pid goes into the harness's pid file so
// test/infra/down stops it.
// Why not `test/infra/up` again: it waits on a lock that the components it started keep open.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { infra, requireKube } from '../../infra/env.js';
import { kubectl, waitFor } from './kube.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

export interface RespawnOptions {
  /** how to stop it (default SIGKILL: a crash) */
  signal?: NodeJS.Signals;
  /** how long it stays down */
  downMs?: number;
  /** the command line of the new process, from the old one (default: the same) */
  argv?: (old: string[]) => string[];
  /** what "back" means; polled until true */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/** The command line the harness's component `name` (its pid file's name) runs with now. */
export function componentArgv(name: string): string[] {
  return readFileSync(`/proc/${componentPid(name)}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function componentPid(name: string): number {
  const pidFile = path.join(infra().stateDir, 'pids', `${name}.pid`);
  if (!existsSync(pidFile)) throw new Error(`no ${pidFile}: this run's harness did not start ${name}, so it cannot be restarted`);
  const [pidText, start] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  if (!alive(pid) || (start && startTime(pid) !== start)) throw new Error(`${name} pid ${pid} from ${pidFile} is not running`);
  return pid;
}

/** Stops the harness's component `name` with a signal and starts it again; see RespawnOptions. */
export async function respawnComponent(name: string, o: RespawnOptions): Promise<void> {
  const state = infra().stateDir;
  const pidFile = path.join(state, 'pids', `${name}.pid`);
  const pid = componentPid(name);
  const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const argv = o.argv ? o.argv(argv0) : argv0;
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  process.kill(pid, o.signal ?? 'SIGKILL');
  await waitFor(`${name} gone`, async () => !alive(pid), 60_000, 50);
  await new Promise((r) => setTimeout(r, o.downMs ?? 0));
  const log = openSync(path.join(state, 'logs', `${name}.log`), 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  await waitFor(`${name} pid`, async () => child.pid !== undefined && existsSync(`/proc/${child.pid}/stat`), 5_000, 20);
  writeFileSync(pidFile, `${child.pid} ${startTime(child.pid!)}\n`);
  await waitFor(`${name} ready again`, o.ready, o.readyTimeoutMs ?? 120_000, 500);
}

/** SIGKILL the apiserver, wait `downMs`, start it again (optionally with other flags). */
export async function restartApiserver(downMs = 3000, argv?: (old: string[]) => string[]): Promise<void> {
  requireKube();
  await respawnComponent('kube-apiserver', {
    downMs,
    ...(argv ? { argv } : {}),
    ready: async () => (await kubectl(['get', '--raw', '/readyz'], { allowFail: true })).code === 0,
  });
}
