// Rollout on change (issue 14): what restarting workloads costs when N Secrets change at once.
//
// One sealkit-controller watches two namespaces, each with N Deployments (app-i uses Secret app-i)
// and N SealedSecrets (created and converged first, not timed):
//   A. baseline: the N SealedSecrets have no rollout targets; a client re-seals every one with a
//      new value (32 in flight) and the clock runs until the controller has updated all N Secrets;
//   B. rollout: the same, with spec.rolloutRestartTargets naming app-i; the clock runs until all N
//      Secrets are updated and all N Deployments patched.
// A and B alternate, twice each (A1 B1 A2 B2), so warm-up and noise fall on both alike.
// Printed: B / A (the cost of rollout on change), and the check that matters more than speed:
// every Deployment of B restarted exactly once per change (metadata.generation counts pod-template
// changes: 1 + 2), none of A; then a controller restart and a resync: still exactly once.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/rollout.mjs [N]
//
// Starts etcd + kube-apiserver itself (test/infra/up --with apiserver, in a new temp state dir,
// stopped and removed at the end), or uses SEALKIT_INFRA_REUSE=<state dir>. N defaults to 1000
// (SEALKIT_BENCH_ROLLOUT_N). No kube-controller-manager: the Deployments' generation counts
// pod-template changes without ReplicaSets being made (test/e2e/rollout.test.ts counts those).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HttpKubeClient, loadKubeconfigFile } from '../packages/controller/dist/index.js';
import { decodePublicKeysPem, sealSecret } from '../packages/core/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? process.env.SEALKIT_BENCH_ROLLOUT_N ?? 1000);
const IN_FLIGHT = 32;
const ROUNDS = 2;
const GEN = String(1 + ROUNDS); // a Deployment's generation after one restart per change
const SS_PATH = (ns) => `/apis/sealkit.dev/v1alpha1/namespaces/${ns}/sealedsecrets`;

if (!(N > 0)) {
  console.error('usage: bench/rollout.mjs [N]  (N > 0)');
  process.exit(2);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js'))) {
  console.error('bench/rollout: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const log = (msg) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function exec(cmd, argv, { env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { maxBuffer: 1 << 26, env }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${argv.slice(0, 3).join(' ')}: ${String(stderr).slice(-1500)}`)) : resolve(stdout)));
  });
}

async function pool(count, conc, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (i < count) await fn(i++);
  }));
}

/** Prometheus text -> sum of a metric's samples whose labels contain every `match` string. */
function metric(text, name, ...match) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (match.every((m) => line.includes(m))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

let STATE;
let ownInfra = false;
async function infraUp() {
  if (process.env.SEALKIT_INFRA_REUSE) {
    STATE = process.env.SEALKIT_INFRA_REUSE;
    log(`reusing ${STATE}`);
    return;
  }
  log('starting etcd and kube-apiserver (test/infra/up --with apiserver)...');
  const env = { ...process.env };
  delete env.SEALKIT_TEST_STATE;
  ownInfra = true;
  const out = await exec(join(root, 'test', 'infra', 'up'), ['--with', 'apiserver'], { env });
  const m = /^export SEALKIT_TEST_STATE=['"]?([^'"\n]+)['"]?$/m.exec(out);
  if (!m) throw new Error(`test/infra/up printed no SEALKIT_TEST_STATE:\n${out}`);
  STATE = m[1];
}

async function startController(kubeconfig, ctlNs, watch, extra = []) {
  const child = spawn(process.execPath, [CONTROLLER, '--kubeconfig', kubeconfig, '--namespace', ctlNs, '--watch-namespaces', watch.join(','), '--listen', '127.0.0.1:0', '--no-leader-elect', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let found = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (found) return; // keep draining stdout
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'starting' && rec.listen) {
          found = true;
          resolve(`http://${rec.listen}`);
        }
      } catch {
        // not a log record
      }
    });
    child.once('exit', (code) => reject(new Error(`sealkit-controller exited (${code}) before it said where it listens`)));
  });
  return { child, url, metrics: async () => (await fetch(`${url}/metrics`)).text().catch(() => '') };
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Write requests (POST, PUT, PATCH, DELETE) the apiserver has served, by resource (its apiserver_request_total). */
async function apiWrites(kubeconfig) {
  const text = await exec('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics']);
  const by = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1];
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(verb)) continue;
    const res = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    by[res] = (by[res] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return by;
}
const writesDelta = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]).filter(([k, v]) => v > 0 && !['leases'].includes(k)));

/** Waits until `done(metricsText)` and the controller's queues are idle. */
async function converge(ctl, done, what) {
  const t = now();
  for (;;) {
    await sleep(50);
    const m = await ctl.metrics();
    if (m && done(m) && metric(m, 'sealkit_workqueue_depth') === 0 && metric(m, 'sealkit_workqueue_in_flight') === 0) return m;
    if (now() - t > 900_000) throw new Error(`not converged after 15 min: ${what}`);
  }
}

async function main() {
  await infraUp();
  const kubeconfig = join(STATE, 'kubeconfig');
  const client = new HttpKubeClient(loadKubeconfigFile(kubeconfig), { maxSockets: 64 });
  const id = randomBytes(3).toString('hex');
  const ctlNs = `bench-rollc-${id}`;
  const nsA = `bench-rolla-${id}`;
  const nsB = `bench-rollb-${id}`;
  let ctl;
  try {
    await exec('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', join(root, 'deploy', 'crds', 'sealedsecret.yaml')]);
    await exec('kubectl', ['--kubeconfig', kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/sealedsecrets.sealkit.dev']);
    for (const ns of [ctlNs, nsA, nsB]) await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    console.log(`N = ${N} Secrets changed at once, one Deployment each`);

    ctl = await startController(kubeconfig, ctlNs, [nsA, nsB]);
    let pem;
    for (let i = 0; i < 240 && !pem; i++) {
      const res = await fetch(`${ctl.url}/v1/cert.pem`).catch(() => undefined);
      if (res?.status === 200) pem = await res.text();
      else await sleep(250);
    }
    if (!pem) throw new Error('sealkit-controller did not serve its public key');
    const [pub] = decodePublicKeysPem(pem);
    const sealed = (ns, i, version, targets) => {
      const o = sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `app-${i}`, namespace: ns }, stringData: { password: `${version}-${randomBytes(12).toString('base64')}` } }, { recipients: [pub], scope: 'strict' });
      if (targets) o.spec.rolloutRestartTargets = [{ kind: 'Deployment', name: `app-${i}` }];
      return o;
    };
    const deployment = (ns, i) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}`, namespace: ns },
      spec: { replicas: 0, selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1', envFrom: [{ secretRef: { name: `app-${i}` } }] }] } } },
    });

    log(`creating ${N} Deployments and ${N} SealedSecrets in each namespace (not timed)...`);
    for (const [ns, targets] of [[nsA, false], [nsB, true]]) {
      await pool(N, IN_FLIGHT, (i) => client.request({ method: 'POST', path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: deployment(ns, i) }));
      await pool(N, IN_FLIGHT, (i) => client.request({ method: 'POST', path: SS_PATH(ns), body: sealed(ns, i, 'v1', targets) }));
    }
    await converge(ctl, (m) => metric(m, 'sealkit_secret_writes_total', 'op="create"') >= 2 * N, 'first Secrets');

    // The changes, sealed before the clock starts.
    const change = async (ns, targets, label, version) => {
      const bodies = Array.from({ length: N }, (_, i) => sealed(ns, i, version, targets));
      const before = await ctl.metrics();
      const updates0 = metric(before, 'sealkit_secret_writes_total', 'op="update"');
      const restarts0 = metric(before, 'sealkit_rollout_restarts_total', 'result="restarted"');
      log(`${label}: re-sealing ${N} SealedSecrets, ${IN_FLIGHT} in flight, until converged...`);
      const w0 = await apiWrites(kubeconfig);
      const t = now();
      await pool(N, IN_FLIGHT, (i) =>
        client.request({ method: 'PATCH', path: `${SS_PATH(ns)}/app-${i}`, contentType: 'application/merge-patch+json', body: { spec: { encryptedData: bodies[i].spec.encryptedData } } }),
      );
      await converge(ctl, (m) => metric(m, 'sealkit_secret_writes_total', 'op="update"') - updates0 >= N && (!targets || metric(m, 'sealkit_rollout_restarts_total', 'result="restarted"') - restarts0 >= N), label);
      const s = (now() - t) / 1000;
      // Status patches and Events trail the Secrets: let them land before counting.
      await sleep(3000);
      writes[targets ? 'B' : 'A'] = writesDelta(w0, await apiWrites(kubeconfig));
      return s;
    };
    // Alternated, ROUNDS changes each, so warm-up and noise fall on both sides alike.
    const rounds = [];
    const writes = {};
    for (let round = 1; round <= ROUNDS; round++) {
      const a = await change(nsA, false, `A${round} (no rollout)`, `v${round + 1}`);
      const b = await change(nsB, true, `B${round} (rollout)`, `v${round + 1}`);
      rounds.push(`A${round} ${a.toFixed(2)} s, B${round} ${b.toFixed(2)} s`);
    }
    const baseS = rounds.reduce((s, r) => s + Number(/A\d+ ([\d.]+)/.exec(r)[1]), 0);
    const rollS = rounds.reduce((s, r) => s + Number(/B\d+ ([\d.]+)/.exec(r)[1]), 0);

    const generations = async (ns) => {
      const list = await client.request({ method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` });
      const counts = {};
      for (const d of list.items) counts[d.metadata.generation] = (counts[d.metadata.generation] ?? 0) + 1;
      return counts;
    };
    const genA = await generations(nsA);
    const genB = await generations(nsB);

    log('restart with nothing changed, one resync (--resync-period 3s)...');
    await stopChild(ctl.child);
    ctl = await startController(kubeconfig, ctlNs, [nsA, nsB], ['--resync-period', '3s']);
    const m = await converge(ctl, (x) => metric(x, 'sealkit_reconcile_total', 'result="unchanged"') >= 4 * N, 'restart + resync');
    const genB2 = await generations(nsB);
    const patchedOnRestart = metric(m, 'sealkit_rollout_restarts_total');

    const once = genB[GEN] === N && Object.keys(genB).length === 1;
    const none = genA[1] === N && Object.keys(genA).length === 1;
    const stillOnce = genB2[GEN] === N && Object.keys(genB2).length === 1 && patchedOnRestart === 0;
    console.log('');
    console.log(`A. ${N} Secrets changed, no rollout (mean of ${ROUNDS}):               ${(baseS / ROUNDS).toFixed(2)} s`);
    console.log(`B. ${N} Secrets changed, ${N} Deployments restarted (mean of ${ROUNDS}): ${(rollS / ROUNDS).toFixed(2)} s`);
    console.log(`rollout cost: B / A = ${(rollS / baseS).toFixed(2)}x   (${rounds.join('; ')})`);
    const perChange = (w) => Object.entries(w).map(([k, v]) => `${k} ${(v / N).toFixed(2)}`).join(', ');
    const total = (w) => Object.values(w).reduce((a, b) => a + b, 0);
    console.log(`API writes per change (last round, the client's own SealedSecret PATCH included): A ${perChange(writes.A)}; B ${perChange(writes.B)}; B / A = ${(total(writes.B) / total(writes.A)).toFixed(2)}x`);
    console.log(`restarted exactly once per change (generation ${GEN} after ${ROUNDS} changes): ${once ? 'yes' : `NO ${JSON.stringify(genB)}`}; none without targets: ${none ? 'yes' : `NO ${JSON.stringify(genA)}`}`);
    console.log(`after a controller restart and a resync: ${stillOnce ? 'still exactly once, no patch' : `NO ${JSON.stringify(genB2)}, ${patchedOnRestart} patches`}`);
    if (!once || !none || !stillOnce) process.exitCode = 1;
  } finally {
    await stopChild(ctl?.child);
    if (!process.env.SEALKIT_BENCH_KEEP) for (const ns of [nsA, nsB, ctlNs]) await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    client.close();
    if (ownInfra && STATE) await exec(join(root, 'test', 'infra', 'down'), ['--clean', STATE]).catch((e) => log(`down: ${e.message}`));
  }
}

main().catch((err) => {
  console.error(`bench/rollout: ${err.message}`);
  process.exitCode = 1;
});
