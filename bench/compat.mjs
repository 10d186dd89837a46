// Bitnami compatibility benchmark: the same Bitnami SealedSecrets (N objects, 3 values each, one
// RSA-4096 key: the Bitnami controller's own) unsealed by the REAL Bitnami sealed-secrets controller
// (the baseline) and by sealkit-controller --bitnami, on the same kube-apiserver, in one run.
//
// For each controller: the SealedSecrets are created while it is stopped, then it is started and the
// clock runs until every Secret exists ("convergence", what a restart or a big sync costs); CPU is
// the controller process's user+system time from /proc (worker threads included) at that moment.
// Goal: sealkit converges at least 5x faster (objects per second) with the same keys.
//
//   eval "$(test/infra/up --with apiserver,gc,bitnami)"
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/compat.mjs [--quick]
//
// Environment: SEALKIT_BENCH_N (default 2000; --quick 300), SEALKIT_BENCH_BITNAMI_N (objects for the
// Bitnami side, default min(N, 300): at its default client limit of 5 requests/s it handles about one
// object per second, so 2,000 would take over half an hour; rates are compared per object),
// SEALKIT_BENCH_KEEP=1 keeps the namespaces. Needs KUBECONFIG (admin) and SEALKIT_TEST_STATE.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBitnamiCertificate, sealBitnamiSecret } from '@sealkit/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const BITNAMI = join(root, 'test', 'infra', 'bitnami-controller');
const quick = process.argv.includes('--quick');
const N = Number(process.env.SEALKIT_BENCH_N ?? (quick ? 300 : 2000));
const N_BITNAMI = Number(process.env.SEALKIT_BENCH_BITNAMI_N ?? Math.min(N, quick ? 100 : 300));
const { KUBECONFIG, SEALKIT_TEST_STATE: STATE } = process.env;

if (!KUBECONFIG || !STATE || !existsSync(join(STATE, 'apiserver', 'url'))) {
  console.error('bench/compat: needs a real apiserver: eval "$(test/infra/up --with apiserver,gc,bitnami)" first (KUBECONFIG, SEALKIT_TEST_STATE)');
  process.exit(1);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js'))) {
  console.error('bench/compat: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function exec(cmd, args, input, env = process.env) {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { maxBuffer: 1 << 28, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}: ${stderr.slice(0, 800)}`));
      else resolve(stdout);
    });
    if (input !== undefined) c.stdin.end(input);
  });
}
const kubectl = (args, input) => exec('kubectl', ['--kubeconfig', KUBECONFIG, ...args], input);

/** user+system CPU seconds of a process (all its threads), from /proc/PID/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function countSecrets(ns) {
  const out = await kubectl(['get', 'secrets', '-n', ns, '-l', 'bench=compat', '-o', 'name']);
  return out.split('\n').filter(Boolean).length;
}

/** Polls until `n` Secrets exist in `ns`; returns seconds since `t0`. */
async function converge(ns, n, t0, limitS) {
  for (;;) {
    const have = await countSecrets(ns);
    if (have >= n) return (now() - t0) / 1000;
    if ((now() - t0) / 1000 > limitS) throw new Error(`${ns}: only ${have}/${n} Secrets after ${limitS}s`);
    await sleep(have > 0 ? 250 : 500);
  }
}

async function createAll(ns, objects) {
  for (let i = 0; i < objects.length; i += 250) {
    await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.slice(i, i + 250) }));
  }
}

function sealedSet(ns, count, publicKey) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `app-${String(i).padStart(5, '0')}`, namespace: ns, labels: { bench: 'compat' } },
      type: 'Opaque',
      stringData: { username: `user-${i}`, password: randomBytes(18).toString('base64'), url: `postgres://db-${i % 50}:5432/app` },
    };
    out.push(sealBitnamiSecret(secret, { publicKey }));
  }
  return out;
}

async function bitnamiPid() {
  const [pid] = readFileSync(join(STATE, 'pids', 'bitnami-controller.pid'), 'utf8').trim().split(/\s+/);
  return Number(pid);
}

async function main() {
  const id = randomBytes(3).toString('hex');
  const nsBitnami = `compat-bitnami-${id}`;
  const nsSealkit = `compat-sealkit-${id}`;
  const ctlNs = `compat-skc-${id}`;
  for (const ns of [nsBitnami, nsSealkit, ctlNs]) await kubectl(['create', 'namespace', ns]);
  await kubectl(['apply', '-f', join(root, 'deploy', 'crds', 'sealedsecret.yaml')]);
  let child;
  try {
    // The Bitnami controller makes (or finds) its key; everything is sealed to it.
    await exec(BITNAMI, ['start', STATE]);
    const port = readFileSync(join(STATE, 'ports', 'bitnami-controller'), 'utf8').trim();
    let pem;
    for (let i = 0; i < 120 && !pem; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/v1/cert.pem`).catch(() => undefined);
      if (r?.status === 200) pem = await r.text();
      else await sleep(500);
    }
    if (!pem) throw new Error('the Bitnami controller did not serve its certificate');
    const cert = parseBitnamiCertificate(pem);
    console.log(`key: RSA-${cert.modulusLength} ${cert.fingerprint} (the Bitnami controller's); ${availableParallelism()} CPUs`);
    await exec(BITNAMI, ['stop', STATE]);

    // --- baseline: the Bitnami controller (default flags: client QPS 5, burst 10)
    // The Bitnami controller watches every namespace: the sealkit set is created only after it stopped.
    console.log(`Bitnami controller: ${N_BITNAMI} objects (3 values each)...`);
    await createAll(nsBitnami, sealedSet(nsBitnami, N_BITNAMI, cert.publicKey));
    const tb = now();
    await exec(BITNAMI, ['start', STATE]);
    const bPid = await bitnamiPid();
    const bSeconds = await converge(nsBitnami, N_BITNAMI, tb, 3600);
    const bCpu = cpuSeconds(bPid);
    await exec(BITNAMI, ['stop', STATE]);

    // --- sealkit-controller --bitnami, same key (read from the Bitnami key Secret), same apiserver
    console.log(`sealkit-controller --bitnami: ${N} objects (3 values each)...`);
    await createAll(nsSealkit, sealedSet(nsSealkit, N, cert.publicKey));
    const ts = now();
    child = spawn(
      process.execPath,
      [CONTROLLER, '--kubeconfig', KUBECONFIG, '--namespace', ctlNs, '--watch-namespaces', nsSealkit, '--listen', '127.0.0.1:0', '--leader-elect=false', '--log-level', 'warn', '--bitnami'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const sSeconds = await converge(nsSealkit, N, ts, 1800);
    const sCpu = cpuSeconds(child.pid);

    const bRate = N_BITNAMI / bSeconds;
    const sRate = N / sSeconds;
    const row = (name, n, s, cpu) =>
      `${name.padEnd(28)} ${String(n).padStart(6)} ${s.toFixed(1).padStart(9)} ${(n / s).toFixed(1).padStart(9)} ${cpu.toFixed(1).padStart(8)} ${((cpu / n) * 1000).toFixed(1).padStart(12)}`;
    console.log(`\n${'controller'.padEnd(28)} ${'objects'.padStart(6)} ${'seconds'.padStart(9)} ${'objects/s'.padStart(9)} ${'CPU s'.padStart(8)} ${'CPU ms/object'.padStart(12)}`);
    console.log(row('Bitnami v0.36.6 (baseline)', N_BITNAMI, bSeconds, bCpu));
    console.log(row('sealkit --bitnami', N, sSeconds, sCpu));
    const speedup = sRate / bRate;
    const cpuRatio = bCpu / N_BITNAMI / (sCpu / N);
    console.log(`\nconvergence: sealkit ${speedup.toFixed(1)}x the Bitnami controller's objects/s (goal >= 5x: ${speedup >= 5 ? 'met' : 'NOT met'})`);
    console.log(`CPU per object: Bitnami ${cpuRatio.toFixed(2)}x sealkit's`);
    if (N_BITNAMI !== N) console.log(`(Bitnami side: ${N_BITNAMI} objects, SEALKIT_BENCH_BITNAMI_N; rates compared per object)`);
    process.exitCode = speedup >= 5 ? 0 : 1;
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await exec(BITNAMI, ['stop', STATE]).catch(() => undefined);
    if (!process.env.SEALKIT_BENCH_KEEP) {
      for (const ns of [nsBitnami, nsSealkit, ctlNs]) await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    }
  }
}

main().catch((err) => {
  console.error(`bench/compat: ${err.message}`);
  process.exitCode = 1;
});
