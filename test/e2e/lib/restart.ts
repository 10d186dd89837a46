// Crash-restarts the kube-apiserver the harness started for this run: SIGKILL, then the same
// command line, environment and working directory again (same port, same etcd, so clients only
// see an outage). The new pid goes into the harness's pid file so test/infra/down stops it.
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

export async function restartApiserver(downMs = 3000): Promise<void> {
  requireKube();
  const state = infra().stateDir;
  const pidFile = path.join(state, 'pids', 'kube-apiserver.pid');
  if (!existsSync(pidFile)) throw new Error(`no ${pidFile}: this run's harness did not start the apiserver, so it cannot be restarted`);
  const [pidText, start] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  if (!alive(pid) || (start && startTime(pid) !== start)) throw new Error(`kube-apiserver pid ${pid} from ${pidFile} is not running`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  process.kill(pid, 'SIGKILL');
  await waitFor('kube-apiserver gone', async () => !alive(pid), 20_000, 50);
  await new Promise((r) => setTimeout(r, downMs));
  const log = openSync(path.join(state, 'logs', 'kube-apiserver.log'), 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  await waitFor('kube-apiserver pid', async () => child.pid !== undefined && existsSync(`/proc/${child.pid}/stat`), 5_000, 20);
  writeFileSync(pidFile, `${child.pid} ${startTime(child.pid!)}\n`);
  await waitFor('kube-apiserver ready again', async () => (await kubectl(['get', '--raw', '/readyz'], { allowFail: true })).code === 0, 120_000, 500);
}
