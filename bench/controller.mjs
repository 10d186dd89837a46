// Controller benchmark (issue 4): N SealedSecrets (3 values each) against a real kube-apiserver.
//
//   1. plain client: writes N Secrets (3 values each) as fast as it can, 32 requests in flight (the
//      controller's default --workers): the physical limit of this apiserver for N Secret writes.
//      (Secrets with the controller's label and a controller ownerReference to a SealedSecret wrote
//      at the same speed here, 6.7 s against 6.6-7.5 s for 10,000 bare ones; they are not used
//      because deleting 10,000 owned objects keeps the garbage collector issuing GETs for minutes,
//      into the phases that follow.)
//   1b. plain client, Ready floor: N SealedSecrets are created (not timed), then the client patches a
//      Ready condition into each one's status, 32 in flight. Secrets + statuses is the least any
//      controller must write to make N objects Ready, so it is the physical limit for "all Ready".
//   2. sealkit-controller: N sealkit SealedSecrets are created while it is stopped; the clock runs
//      from its start to every Secret written, then to every SealedSecret Ready (its /metrics, checked
//      against the apiserver at the end). Peak RSS = VmHWM of the controller process (/proc).
//      API requests per object = the apiserver's own apiserver_request_total delta for secrets,
//      sealedsecrets and events (every verb, list/watch included) over the run, divided by N.
//   3. restart with nothing changed, with --resync-period 5s so one periodic resync runs too:
//      Secret writes + status patches must be 0 (controller metrics and apiserver write verbs).
//   4. the real Bitnami sealed-secrets controller (test/infra) on the same apiserver, on N_B objects
//      each (rates compared per object): with its default flags (client QPS 5, burst 10: ~1-2
//      objects/s), then with rate limiting off (--kubeclient-qps -1, its best setting), so both the
//      ratio users see out of the box and the one after tuning are printed.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/controller.mjs [N] [--quick]
//
// Starts etcd + kube-apiserver + kube-controller-manager itself (test/infra/up --with
// apiserver,gc,bitnami into a new temp state dir, stopped and removed at the end), or uses
// SEALKIT_INFRA_REUSE=<state dir> (a running `up --with apiserver,gc,bitnami`; nothing started or
// stopped there but the Bitnami controller, which it leaves stopped).
// Environment: SEALKIT_BENCH_N (default 10000; --quick 1000), SEALKIT_BENCH_BITNAMI_N (default 300;
// --quick 100), SEALKIT_BENCH_KEEP=1 keeps the namespaces (with SEALKIT_INFRA_REUSE).
// Goals are printed as met / NOT met; the exit code is 0 unless something failed outright.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HttpKubeClient, loadKubeconfigFile } from '../packages/controller/dist/index.js';
import { decodePublicKeysPem, parseBitnamiCertificate, sealBitnamiSecret, sealSecret } from '../packages/core/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const BITNAMI = join(root, 'test', 'infra', 'bitnami-controller');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.SEALKIT_BENCH_N ?? (quick ? 1000 : 10000));
const N_B = Number(process.env.SEALKIT_BENCH_BITNAMI_N ?? Math.min(N, quick ? 100 : 300));
const IN_FLIGHT = 32;
const SS = 'sealedsecrets.sealkit.dev';
const SS_PATH = (ns) => `/apis/sealkit.dev/v1alpha1/namespaces/${ns}/sealedsecrets`;
const BSS_PATH = (ns) => `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets`;

if (!(N > 0) || !(N_B > 0)) {
  console.error('usage: bench/controller.mjs [N] [--quick]  (N > 0; SEALKIT_BENCH_BITNAMI_N > 0)');
  process.exit(2);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js'))) {
  console.error('bench/controller: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const log = (msg) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function exec(cmd, argv, { input, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, argv, { maxBuffer: 1 << 28, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${argv.slice(0, 3).join(' ')}: ${String(stderr).slice(-1500)}`));
      else resolve(stdout);
    });
    if (input !== undefined) c.stdin.end(input);
  });
}

async function pool(count, conc, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (i < count) await fn(i++);
  }));
}

/** Peak resident set (VmHWM) of a process, in bytes. */
function peakRss(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
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

// ---- infrastructure --------------------------------------------------------------------------

let STATE;
let ownInfra = false;
let KUBECONFIG;

async function infraUp() {
  if (process.env.SEALKIT_INFRA_REUSE) {
    STATE = process.env.SEALKIT_INFRA_REUSE;
    if (!existsSync(join(STATE, 'apiserver', 'url'))) throw new Error(`SEALKIT_INFRA_REUSE=${STATE}: no apiserver there`);
    log(`reusing ${STATE}`);
  } else {
    log('starting etcd, kube-apiserver, kube-controller-manager (test/infra/up --with apiserver,gc,bitnami)...');
    const env = { ...process.env };
    delete env.SEALKIT_TEST_STATE; // a fresh temp state dir
    ownInfra = true; // from here on, `down` runs even if `up` fails half way (it removes what it started)
    const out = await exec(join(root, 'test', 'infra', 'up'), ['--with', 'apiserver,gc,bitnami'], { env });
    const m = /^export SEALKIT_TEST_STATE=['"]?([^'"\n]+)['"]?$/m.exec(out);
    if (!m) throw new Error(`test/infra/up printed no SEALKIT_TEST_STATE:\n${out}`);
    STATE = m[1];
  }
  KUBECONFIG = join(STATE, 'kubeconfig');
}

async function infraDown() {
  if (ownInfra && STATE) await exec(join(root, 'test', 'infra', 'down'), ['--clean', STATE]).catch((e) => log(`down: ${e.message}`));
}

const kubectl = (argv, input) => exec('kubectl', ['--kubeconfig', KUBECONFIG, ...argv], { input });

/** apiserver_request_total, summed per verb, for the given resources (from the apiserver's /metrics). */
async function apiRequests(resources) {
  const text = await kubectl(['get', '--raw', '/metrics']);
  const byVerb = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const res = /resource="([^"]*)"/.exec(line)?.[1];
    if (!resources.includes(res)) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1];
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    byVerb[verb] = (byVerb[verb] ?? 0) + v;
    total += v;
  }
  return { total, byVerb };
}
function requestDelta(a, b, ownListCount = 0) {
  const byVerb = {};
  for (const k of new Set([...Object.keys(a.byVerb), ...Object.keys(b.byVerb)])) {
    const d = (b.byVerb[k] ?? 0) - (a.byVerb[k] ?? 0) - (k === 'LIST' ? ownListCount : 0); // minus this script's own polling
    if (d) byVerb[k] = d;
  }
  const writes = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'].reduce((s, v) => s + (byVerb[v] ?? 0), 0);
  return { total: b.total - a.total - ownListCount, byVerb, writes };
}
const RESOURCES = ['secrets', 'sealedsecrets', 'events'];

/** LIST requests this script made (its polling of the Bitnami side), subtracted from that side's count. */
let ownLists = 0;

/** Lists every object of a collection path (pages of 500). */
async function listAll(client, path, query = {}) {
  const items = [];
  let cont;
  do {
    ownLists++;
    const page = await client.request({ method: 'GET', path, query: { ...query, limit: 500, ...(cont ? { continue: cont } : {}) } });
    items.push(...page.items);
    cont = page.metadata?.continue;
  } while (cont);
  return items;
}
const isReady = (o, type) => (o.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

// ---- sealkit-controller ----------------------------------------------------------------------

/** Starts sealkit-controller on a free port; resolves once its `starting` line gave the port. */
async function startSealkit(ctlNs, appNs, extra = []) {
  const child = spawn(
    process.execPath,
    [CONTROLLER, '--kubeconfig', KUBECONFIG, '--namespace', ctlNs, '--watch-namespaces', appNs, '--listen', '127.0.0.1:0', '--no-leader-elect', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const synced = {}; // informer name -> performance.now() of its 'cache synced' line
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let found = false;
    lines.on('line', (line) => {
      if (found && !line.includes('"cache synced"')) return; // keep draining stdout
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'cache synced') synced[rec.informer] = now();
        else if (rec.msg === 'starting' && rec.listen) {
          found = true;
          resolve(`http://${rec.listen}`);
        }
      } catch {
        // not a log record
      }
    });
    child.once('exit', (code) => reject(new Error(`sealkit-controller exited (${code}) before it said where it listens`)));
  });
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  return { child, url, metrics, synced };
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  await infraUp();
  const client = new HttpKubeClient(loadKubeconfigFile(KUBECONFIG), { maxSockets: 64 });
  const id = randomBytes(3).toString('hex');
  const nsPlain = `bench-plain-${id}`;
  const nsApp = `bench-sealkit-${id}`;
  const nsCtl = `bench-skc-${id}`;
  const nsBitnami = `bench-bitnami-${id}`;
  const nsBitnamiTuned = `bench-bitnami-tuned-${id}`;
  const namespaces = [nsPlain, nsApp, nsCtl, nsBitnami, nsBitnamiTuned];
  let sk;
  const r = {};
  try {
    await kubectl(['apply', '-f', join(root, 'deploy', 'crds', 'sealedsecret.yaml')]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${SS}`]);
    for (const ns of namespaces) await kubectl(['create', 'namespace', ns]);
    console.log(`N = ${N} SealedSecrets (3 values each); Bitnami side N_B = ${N_B}; ${availableParallelism()} CPUs; state ${STATE}`);

    // 1. plain client: the physical limit
    log(`plain client: ${N} Secrets, ${IN_FLIGHT} in flight...`);
    let t = now();
    await pool(N, IN_FLIGHT, (i) => client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${nsPlain}/secrets`,
      body: { metadata: { name: `app-${i}`, labels: { bench: 'plain' } }, type: 'Opaque', stringData: { username: `user-${i}`, password: randomBytes(18).toString('base64'), url: `postgres://db-${i % 50}:5432/app` } },
    }));
    r.plainS = (now() - t) / 1000;

    // 1b. plain client: N Ready statuses on N custom resources (created first, not timed)
    log(`plain client: ${N} ${SS} (not timed), then ${N} status patches, ${IN_FLIGHT} in flight...`);
    await pool(N, IN_FLIGHT, (i) => client.request({
      method: 'POST',
      path: SS_PATH(nsPlain),
      body: { apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', metadata: { name: `app-${i}` }, spec: { encryptedData: { username: randomBytes(150).toString('base64'), password: randomBytes(150).toString('base64'), url: randomBytes(170).toString('base64') }, template: {} } },
    }));
    t = now();
    await pool(N, IN_FLIGHT, (i) => client.request({
      method: 'PATCH',
      path: `${SS_PATH(nsPlain)}/app-${i}/status`,
      query: { fieldManager: 'bench-plain' },
      contentType: 'application/merge-patch+json',
      body: { status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Unsealed', message: 'Secret written', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), observedGeneration: 1 }] } },
    }));
    r.plainStatusS = (now() - t) / 1000;
    // drop them before the controller runs, so their deletion is not counted against it
    await kubectl(['delete', 'namespace', nsPlain, '--wait=true', '--timeout=600s']);

    // 2. sealkit: key from a first start, objects created while it is stopped, then the clock
    log('sealkit: first start for its key...');
    sk = await startSealkit(nsCtl, nsApp);
    let pem;
    for (let i = 0; i < 240 && !pem; i++) {
      const res = await fetch(`${sk.url}/v1/cert.pem`).catch(() => undefined);
      if (res?.status === 200) pem = await res.text();
      else await sleep(250);
    }
    if (!pem) throw new Error('sealkit-controller did not serve its public key');
    await stopChild(sk.child);
    const [pub] = decodePublicKeysPem(pem);
    log(`sealkit: creating ${N} ${SS} while it is stopped...`);
    await pool(N, IN_FLIGHT, (i) => client.request({
      method: 'POST',
      path: SS_PATH(nsApp),
      body: sealSecret(
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: `app-${i}`, namespace: nsApp }, type: 'Opaque', stringData: { username: `user-${i}`, password: randomBytes(18).toString('base64'), url: `postgres://db-${i % 50}:5432/app` } },
        { recipients: [pub], scope: 'strict' },
      ),
    }));
    log('sealkit: start, timing until all Secrets are written and all Ready...');
    const req0 = await apiRequests(RESOURCES);
    const infraCpu0 = infraCpu();
    t = now();
    sk = await startSealkit(nsCtl, nsApp);
    let m = '';
    for (;;) {
      await sleep(100);
      m = await sk.metrics().catch(() => '');
      if (!m) continue;
      const written = metric(m, 'sealkit_secret_writes_total');
      if (r.skWrittenS === undefined && written >= N) r.skWrittenS = (now() - t) / 1000;
      const patched = metric(m, 'sealkit_status_patches_total');
      if (written >= N && patched >= N && metric(m, 'sealkit_status_queue_depth') === 0 && metric(m, 'sealkit_workqueue_depth') === 0 && metric(m, 'sealkit_workqueue_in_flight') === 0) {
        r.skReadyS = (now() - t) / 1000;
        break;
      }
      if ((now() - t) / 1000 > 1800) throw new Error(`sealkit: not converged after 30 min (writes ${written}, status patches ${patched})`);
    }
    r.skSyncedS = Math.max(...Object.values(sk.synced).map((at) => (at - t) / 1000));
    r.skRss = peakRss(sk.child.pid);
    r.skCpu = cpuSeconds(sk.child.pid);
    r.skInfraCpu = infraCpuDelta(infraCpu0, infraCpu());
    r.skWrites = metric(m, 'sealkit_secret_writes_total');
    r.skPatches = metric(m, 'sealkit_status_patches_total');
    r.skEvents = metric(m, 'sealkit_events_total', 'outcome="sent"');
    r.skErrors = metric(m, 'sealkit_reconcile_total', 'result="error"') + metric(m, 'sealkit_reconcile_total', 'result="failed"');
    r.skReq = requestDelta(req0, await apiRequests(RESOURCES));
    // checked against the apiserver, not only the controller's counters
    const secrets = await listAll(client, `/api/v1/namespaces/${nsApp}/secrets`, { labelSelector: 'app.kubernetes.io/managed-by=sealkit' });
    const sealed = await listAll(client, SS_PATH(nsApp));
    r.skSecrets = secrets.length;
    r.skReady = sealed.filter((o) => isReady(o, 'Ready')).length;
    await stopChild(sk.child);

    // 3. restart with nothing changed (+ one periodic resync 5 s later)
    log('sealkit: restart with nothing changed, one resync...');
    const req1 = await apiRequests(RESOURCES);
    t = now();
    sk = await startSealkit(nsCtl, nsApp, ['--resync-period', '5s']);
    let restartS;
    for (;;) {
      await sleep(100);
      m = await sk.metrics().catch(() => '');
      const unchanged = metric(m, 'sealkit_reconcile_total', 'result="unchanged"');
      if (restartS === undefined && unchanged >= N) restartS = (now() - t) / 1000;
      if (unchanged >= 2 * N && metric(m, 'sealkit_workqueue_depth') === 0 && metric(m, 'sealkit_workqueue_in_flight') === 0) break;
      if ((now() - t) / 1000 > 600) throw new Error(`sealkit restart: only ${unchanged}/${2 * N} unchanged reconciles after 10 min`);
    }
    await sleep(1000); // anything still on its way out
    m = await sk.metrics();
    r.restartS = restartS;
    r.restartWrites = metric(m, 'sealkit_secret_writes_total') + metric(m, 'sealkit_status_patches_total');
    r.restartApiWrites = requestDelta(req1, await apiRequests(RESOURCES));
    r.restartRss = peakRss(sk.child.pid);
    await stopChild(sk.child);
    sk = undefined;

    // 4. the Bitnami controller, same apiserver: with its defaults, then with rate limiting off
    log('Bitnami: first start for its key...');
    await exec(BITNAMI, ['start', STATE]);
    const port = readFileSync(join(STATE, 'ports', 'bitnami-controller'), 'utf8').trim();
    let bpem;
    for (let i = 0; i < 240 && !bpem; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/cert.pem`).catch(() => undefined);
      if (res?.status === 200) bpem = await res.text();
      else await sleep(500);
    }
    if (!bpem) throw new Error('the Bitnami controller did not serve its certificate');
    await exec(BITNAMI, ['stop', STATE]);
    const cert = parseBitnamiCertificate(bpem);
    r.bitnami = await runBitnami(client, cert, nsBitnami, []);
    r.bitnamiTuned = await runBitnami(client, cert, nsBitnamiTuned, BITNAMI_TUNED);

    report(r);
  } finally {
    await stopChild(sk?.child);
    if (STATE) await exec(BITNAMI, ['stop', STATE]).catch(() => undefined);
    if (!ownInfra && !process.env.SEALKIT_BENCH_KEEP) {
      for (const ns of namespaces) await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    }
    client.close();
  }
}

/** The flags that take the Bitnami controller's client rate limit off (its best setting for throughput). */
const BITNAMI_TUNED = ['--kubeclient-qps', '-1'];

/**
 * N_B Bitnami SealedSecrets created while its controller is stopped, then the controller started
 * with `flags` and timed until every Secret is written and every object Synced.
 */
async function runBitnami(client, cert, ns, flags) {
  const label = flags.length ? `Bitnami (${flags.join(' ')})` : 'Bitnami (defaults)';
  log(`${label}: creating ${N_B} sealedsecrets.bitnami.com while it is stopped...`);
  await pool(N_B, 8, (i) => client.request({
    method: 'POST',
    path: BSS_PATH(ns),
    body: sealBitnamiSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: `app-${i}`, namespace: ns, labels: { bench: 'bitnami' } }, type: 'Opaque', stringData: { username: `user-${i}`, password: randomBytes(18).toString('base64'), url: `postgres://db-${i % 50}:5432/app` } },
      { publicKey: cert.publicKey },
    ),
  }));
  log(`${label}: start, timing...`);
  const out = { flags };
  const req0 = await apiRequests(RESOURCES);
  const lists0 = ownLists;
  const t = now();
  await exec(BITNAMI, ['start', STATE], { env: { ...process.env, SEALKIT_BITNAMI_EXTRA_ARGS: flags.join(' ') } });
  const pid = Number(readFileSync(join(STATE, 'pids', 'bitnami-controller.pid'), 'utf8').trim().split(/\s+/)[0]);
  for (;;) {
    await sleep(500);
    const [bs, bss] = await Promise.all([
      listAll(client, `/api/v1/namespaces/${ns}/secrets`, { labelSelector: 'bench=bitnami' }),
      listAll(client, BSS_PATH(ns)),
    ]);
    if (out.writtenS === undefined && bs.length >= N_B) out.writtenS = (now() - t) / 1000;
    if (bs.length >= N_B && bss.filter((o) => isReady(o, 'Synced')).length >= N_B) {
      out.readyS = (now() - t) / 1000;
      break;
    }
    if ((now() - t) / 1000 > 3600) throw new Error(`${label}: only ${bs.length}/${N_B} Secrets after 1 h`);
  }
  out.rss = peakRss(pid);
  out.cpu = cpuSeconds(pid);
  out.req = requestDelta(req0, await apiRequests(RESOURCES), ownLists - lists0);
  await exec(BITNAMI, ['stop', STATE]);
  return out;
}

/** CPU seconds used so far by each component test/infra started (apiserver, etcd, controller-manager). */
function infraCpu() {
  const out = {};
  for (const name of ['kube-apiserver', 'etcd', 'kube-controller-manager']) {
    try {
      out[name] = cpuSeconds(Number(readFileSync(join(STATE, 'pids', `${name}.pid`), 'utf8').trim().split(/\s+/)[0]));
    } catch {
      // not running in this state dir
    }
  }
  return out;
}
const infraCpuDelta = (a, b) => Object.fromEntries(Object.keys(b).filter((k) => k in a).map((k) => [k, b[k] - a[k]]));

/** user+system CPU seconds of a process (all its threads), from /proc/PID/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function report(r) {
  const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
  const plainRate = N / r.plainS;
  const readyFloorS = r.plainS + r.plainStatusS;
  const skRate = N / r.skReadyS;
  const bRate = N_B / r.bitnami.readyS;
  const bTunedRate = N_B / r.bitnamiTuned.readyS;
  const bRow = (b) => [`Bitnami controller (${b.flags.length ? b.flags.join(' ') : 'defaults: QPS 5'})`, N_B, b.writtenS.toFixed(1), b.readyS.toFixed(1), (N_B / b.readyS).toFixed(2), mb(b.rss), b.cpu.toFixed(1), (b.req.total / N_B).toFixed(2)];
  const rows = [
    ['', 'objects', 'written s', 'Ready s', 'objects/s', 'peak RSS', 'CPU s', 'API req/object'],
    ['plain client (Secrets only)', N, r.plainS.toFixed(1), '-', plainRate.toFixed(0), '-', '-', '1 (POST)'],
    ['plain client (Secrets + statuses)', N, r.plainS.toFixed(1), readyFloorS.toFixed(1), (N / readyFloorS).toFixed(0), '-', '-', '2 (POST, PATCH)'],
    ['sealkit-controller', N, r.skWrittenS.toFixed(1), r.skReadyS.toFixed(1), skRate.toFixed(0), mb(r.skRss), r.skCpu.toFixed(1), (r.skReq.total / N).toFixed(2)],
    bRow(r.bitnami),
    bRow(r.bitnamiTuned),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  console.log('');
  for (const row of rows) console.log(row.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
  const verbs = (d) => Object.entries(d.byVerb).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log('');
  console.log(`objects/s = objects / time to all Ready. Bitnami measured on N_B = ${N_B} objects (SEALKIT_BENCH_BITNAMI_N), not ${N}: compared per object.`);
  console.log(`API requests: apiserver_request_total delta for ${RESOURCES.join(', ')} during the run (every verb; list/watch included; the Bitnami side's minus this script's own polling LISTs).`);
  console.log(`  sealkit: ${verbs(r.skReq)}; controller metrics: ${r.skWrites} Secret writes + ${r.skPatches} status patches + ${r.skEvents} events sent; ${r.skErrors} errors`);
  console.log(`  Bitnami (defaults): ${verbs(r.bitnami.req)}`);
  console.log(`  Bitnami (${BITNAMI_TUNED.join(' ')}): ${verbs(r.bitnamiTuned.req)}`);
  console.log(`apiserver check: ${r.skSecrets}/${N} sealkit Secrets exist, ${r.skReady}/${N} ${SS} Ready=True`);
  const cpu = Object.entries(r.skInfraCpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
  console.log(`CPU during the sealkit run (${r.skReadyS.toFixed(1)} s wall, ${availableParallelism()} CPUs): sealkit-controller ${r.skCpu.toFixed(1)} s, ${cpu}`);
  console.log(`sealkit-controller: caches synced ${r.skSyncedS.toFixed(1)} s after its start (process start + listing ${N} SealedSecrets), all Secrets written at ${r.skWrittenS.toFixed(1)} s`);
  console.log(`plain client: ${N} Secret creates ${r.plainS.toFixed(1)} s, ${N} status patches ${r.plainStatusS.toFixed(1)} s (a status patch costs ${(r.plainStatusS / r.plainS).toFixed(1)}x a Secret create here)`);
  const writtenRatio = r.skWrittenS / r.plainS;
  const floorRatio = r.skReadyS / readyFloorS;
  const readyRatio = r.skReadyS / r.plainS;
  const vsBitnami = skRate / bRate;
  const vsBitnamiTuned = skRate / bTunedRate;
  console.log(`sealkit vs plain client: all written ${writtenRatio.toFixed(2)}x its time, all Ready ${readyRatio.toFixed(2)}x`);
  console.log(`sealkit vs Bitnami (defaults): ${vsBitnami.toFixed(0)}x the objects/s (to Ready; to written: ${((N / r.skWrittenS) / (N_B / r.bitnami.writtenS)).toFixed(0)}x)`);
  console.log(`sealkit vs Bitnami (${BITNAMI_TUNED.join(' ')}, its best setting): ${vsBitnamiTuned.toFixed(0)}x the objects/s (to Ready; to written: ${((N / r.skWrittenS) / (N_B / r.bitnamiTuned.writtenS)).toFixed(0)}x)`);
  console.log(`restart with nothing changed (+ a 5 s resync): ${N} unchanged in ${r.restartS.toFixed(1)} s; controller writes ${r.restartWrites}; apiserver write requests ${r.restartApiWrites.writes} (${verbs(r.restartApiWrites)}); peak RSS ${mb(r.restartRss)}`);
  const goal = (ok, text) => console.log(`goal ${ok ? 'met    ' : 'NOT met'}  ${text}`);
  console.log('');
  const at = N !== 10000 ? ' (the goal is stated for N=10,000)' : '';
  goal(readyRatio <= 2, `N=${N} converges (all Secrets written and all Ready) within 2x of the plain client: ${readyRatio.toFixed(2)}x${at}`);
  goal(writtenRatio <= 2, `  (part of it) all Secrets written within 2x of the plain client: ${writtenRatio.toFixed(2)}x${at}`);
  goal(floorRatio <= 1.6, `  all Ready within 1.6x of the plain client writing the same Secrets and Ready statuses: ${floorRatio.toFixed(2)}x${at}`);
  goal(vsBitnami >= 10, `at least 10x the Bitnami controller's objects/s (default settings): ${vsBitnami.toFixed(0)}x`);
  goal(vsBitnamiTuned >= 1, `faster than the Bitnami controller with rate limiting off (${BITNAMI_TUNED.join(' ')}): ${vsBitnamiTuned.toFixed(1)}x`);
  goal(r.skRss < 200e6, `peak RSS under 200 MB: ${mb(r.skRss)}`);
  goal(r.restartWrites === 0 && r.restartApiWrites.writes === 0, `a restart/resync with nothing changed writes nothing: ${r.restartWrites} controller writes, ${r.restartApiWrites.writes} apiserver write requests`);
  goal(r.skSecrets === N && r.skReady === N, `every Secret written and every SealedSecret Ready: ${r.skSecrets}, ${r.skReady} of ${N}`);
}

main()
  .catch((err) => {
    console.error(`bench/controller: ${err.stack ?? err.message}`);
    process.exitCode = 1;
  })
  .finally(infraDown);
