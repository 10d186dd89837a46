// Churn soak (issue 11): everything at once against the real components, for N minutes.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/soak.mjs [--minutes N]   (default 10)
//
// Random creates, edits and deletes of SealedSecrets and RemoteSecrets, edits of the Vault values
// behind them, hand edits and deletes of the managed Secrets, controller restarts (SIGTERM and
// SIGKILL in turn) and toxics toggled on the controller's links to the apiserver and to Vault
// (Toxiproxy), all interleaved. The soak keeps an oracle of what every Secret must be; at the end
// the churn stops, every link heals, and each Secret is compared with it (lost, wrong or blank,
// still there after its source was deleted). It prints the controller's RSS over time and its
// slope, open file descriptors and sockets, event-loop delay p99 (measured inside the process by
// bench/soak-eventloop.mjs) and the apiserver requests per change.
//
// Starts etcd + kube-apiserver + kube-controller-manager + Vault + Toxiproxy through test/infra/up
// into a temp state dir (stopped and removed at the end), or uses SEALKIT_INFRA_REUSE=<state dir>
// of a running `up --with apiserver,gc,vault,toxiproxy`. The controller runs as the admin (this
// measures churn, not RBAC; the e2e suites test the RBAC from deploy/). Exit 0 when nothing was
// lost or wrong, 1 otherwise; the last line is `SOAK_RESULT {json}` for tests.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { decodePublicKeysPem, sealSecret } from '../packages/core/dist/index.js';
import { HttpKubeClient, isNotFound, loadKubeconfigFile } from '../packages/kube/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const ELD_PRELOAD = pathToFileURL(join(root, 'bench', 'soak-eventloop.mjs')).href;
const args = process.argv.slice(2);
const flagValue = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const MINUTES = Number(flagValue('--minutes') ?? 10);
if (!(MINUTES > 0) || args.some((a) => a.startsWith('--') && !a.startsWith('--minutes'))) {
  console.error('usage: bench/soak.mjs [--minutes N]   (N > 0, default 10)');
  process.exit(2);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js')) || !existsSync(join(root, 'packages', 'kube', 'dist', 'index.js'))) {
  console.error('bench/soak: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const RUN_MS = MINUTES * 60_000;
const MAX_SEALED = 300;
const MAX_REMOTE = 100;
const REFRESH_S = 15;
// Restarts often enough to exercise them, rarely enough that a process lives long enough for its
// RSS slope to mean something.
const RESTART_EVERY_MS = Math.max(45_000, RUN_MS / 4);
const TOXIC_EVERY_MS = 15_000;
const CONVERGE_TIMEOUT_MS = 240_000;
// RSS samples of a process's first seconds (caches filling) are left out of its slope
const WARMUP_MS = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const rand = (n) => Math.floor(Math.random() * n);
const pick = (arr) => arr[rand(arr.length)];
const token = () => randomBytes(9).toString('base64url');

function exec(cmd, argv, { input, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, argv, { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${argv.join(' ')}: ${stderr.trim().slice(0, 500) || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

// ---- infrastructure ----------------------------------------------------------------------------

/** The variables an env.sh written by test/infra/up exports (values plain or single-quoted). */
function readEnvSh(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.startsWith("'")) v = v.slice(1, -1).replaceAll("'\\''", "'");
    env[m[1]] = v;
  }
  return env;
}

let STATE;
let ownInfra = false;
async function infraUp() {
  if (process.env.SEALKIT_INFRA_REUSE) {
    STATE = process.env.SEALKIT_INFRA_REUSE;
    log(`reusing ${STATE}`);
  } else {
    const env = { ...process.env };
    delete env.SEALKIT_TEST_STATE;
    ownInfra = true;
    log('starting etcd, kube-apiserver, kube-controller-manager, Vault, Toxiproxy (test/infra/up)...');
    const out = await exec(join(root, 'test', 'infra', 'up'), ['--with', 'apiserver,gc,vault,toxiproxy'], { env });
    STATE = /^export SEALKIT_TEST_STATE=['"]?([^'"\n]+)['"]?$/m.exec(out)?.[1];
    if (!STATE) throw new Error(`test/infra/up printed no SEALKIT_TEST_STATE:\n${out}`);
  }
  const env = readEnvSh(join(STATE, 'env.sh'));
  for (const k of ['KUBECONFIG', 'VAULT_ADDR', 'VAULT_TOKEN', 'SEALKIT_TOXIPROXY_URL']) {
    if (!env[k]) throw new Error(`${STATE}/env.sh has no ${k}: the soak needs apiserver, gc, vault and toxiproxy (test/infra/up --with apiserver,gc,vault,toxiproxy)`);
  }
  return env;
}
async function infraDown() {
  if (ownInfra && STATE) await exec(join(root, 'test', 'infra', 'down'), ['--clean', STATE]).catch((e) => log(`down: ${e.message}`));
}

// ---- clients -----------------------------------------------------------------------------------

let kube; // admin, direct
let INFRA;
let apiRequests = 0;
const api = async (method, path, body, contentType) => {
  apiRequests++;
  return kube.request({ method, path, ...(body !== undefined ? { body } : {}), ...(contentType ? { contentType } : {}) });
};
const apiOrUndefined = (method, path, body, contentType) => api(method, path, body, contentType).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));

async function vault(method, path, body) {
  const res = await fetch(`${INFRA.VAULT_ADDR}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': INFRA.VAULT_TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`vault ${method} ${path}: HTTP ${res.status}`);
  return text ? JSON.parse(text) : undefined;
}

async function toxiproxy(method, path, body) {
  const res = await fetch(`${INFRA.SEALKIT_TOXIPROXY_URL}${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}
async function createProxy(name, upstream) {
  await toxiproxy('DELETE', `/proxies/${name}`);
  return toxiproxy('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, enabled: true });
}
const hostPort = (url) => new URL(url).host;

/** Total of apiserver_request_total over every resource and verb. */
async function apiserverRequestTotal() {
  apiRequests++;
  const text = (await kube.send({ method: 'GET', path: '/metrics', accept: 'text/plain' })).body.toString('utf8');
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('apiserver_request_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

// ---- the controller ----------------------------------------------------------------------------

let ctl; // { child, url }
let ctlKubeconfig;
let ctlNs;
let app;
const eldFile = join(tmpdir(), `sealkit-soak-eld-${process.pid}.jsonl`);
const segments = []; // one per controller process: { pid, start, samples: [{t, rss, fds, sockets}] }

async function startController() {
  const child = spawn(
    process.execPath,
    [`--import=${ELD_PRELOAD}`, CONTROLLER, '--kubeconfig', ctlKubeconfig, '--namespace', ctlNs, '--watch-namespaces', app, '--listen', '127.0.0.1:0', '--no-leader-elect'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SEALKIT_SOAK_ELD_FILE: eldFile } },
  );
  child.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.includes('"msg":"starting"')) {
        try {
          resolve(`http://${JSON.parse(line).listen}`);
        } catch {
          // not a log record
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`sealkit-controller exited (${code}) before it said where it listens`)));
  });
  ctl = { child, url };
  segments.push({ pid: child.pid, start: Date.now(), samples: [] });
}

async function stopController(signal) {
  const c = ctl?.child;
  ctl = undefined;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill(signal);
  await exited;
}

function sampleProcess(pid) {
  try {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
    let fds = 0;
    let sockets = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      fds++;
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed meanwhile
      }
    }
    return { t: Date.now(), rss, fds, sockets };
  } catch {
    return undefined; // the process is gone (a restart)
  }
}

// ---- oracle ------------------------------------------------------------------------------------

// name -> expected data (object) for live sources; name -> null for deleted ones (Secret must go)
const expectSealed = new Map();
const expectRemote = new Map();
const vaultValue = new Map(); // remote name -> current Vault value
let cert;
let P;
let changes = 0;
const opCounts = {};
const count = (op) => {
  opCounts[op] = (opCounts[op] ?? 0) + 1;
  changes++;
};

const ssPath = (name = '') => `/apis/sealkit.dev/v1alpha1/namespaces/${app}/sealedsecrets${name ? `/${name}` : ''}`;
const rsPath = (name = '') => `/apis/sealkit.dev/v1alpha1/namespaces/${app}/remotesecrets${name ? `/${name}` : ''}`;
const secretPath = (name = '') => `/api/v1/namespaces/${app}/secrets${name ? `/${name}` : ''}`;

function sealed(name, data) {
  return sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: app }, stringData: data }, { recipients: decodePublicKeysPem(cert), scope: 'strict' });
}

async function upsert(collection, obj) {
  const name = obj.metadata.name;
  const live = await apiOrUndefined('GET', `${collection}/${name}`);
  if (!live) return api('POST', collection, obj);
  return api('PUT', `${collection}/${name}`, { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } });
}

const live = (m) => [...m.entries()].filter(([, v]) => v !== null).map(([k]) => k);

const ops = {
  async sealedCreate() {
    const name = `ss-${rand(MAX_SEALED)}`;
    const data = { v: token() };
    await upsert(ssPath(), sealed(name, data));
    expectSealed.set(name, data);
  },
  async sealedDelete() {
    const name = pick(live(expectSealed));
    if (!name) return;
    await apiOrUndefined('DELETE', ssPath(name));
    expectSealed.set(name, null);
  },
  async remoteCreate() {
    const name = `rs-${rand(MAX_REMOTE)}`;
    const v = token();
    await vault('POST', `secret/data/${P}/${name}`, { data: { v } });
    vaultValue.set(name, v);
    await upsert(rsPath(), {
      apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteSecret', metadata: { name, namespace: app },
      spec: { storeRef: { name: 'vault' }, refreshInterval: `${REFRESH_S}s`, data: [{ secretKey: 'v', remoteRef: { key: `${P}/${name}`, property: 'v' } }] },
    });
    expectRemote.set(name, { v });
  },
  async vaultEdit() {
    const name = pick(live(expectRemote));
    if (!name) return;
    const v = token();
    await vault('POST', `secret/data/${P}/${name}`, { data: { v } });
    vaultValue.set(name, v);
    expectRemote.set(name, { v });
  },
  async remoteDelete() {
    const name = pick(live(expectRemote));
    if (!name) return;
    await apiOrUndefined('DELETE', rsPath(name));
    expectRemote.set(name, null);
  },
  async secretDrift() {
    const name = pick([...live(expectSealed), ...live(expectRemote)]);
    if (!name) return;
    await apiOrUndefined('PATCH', secretPath(name), { data: { v: Buffer.from('tampered').toString('base64') } }, 'application/merge-patch+json');
  },
  async secretDelete() {
    const name = pick([...live(expectSealed), ...live(expectRemote)]);
    if (!name) return;
    await apiOrUndefined('DELETE', secretPath(name));
  },
};
// sealedEdit is sealedCreate on an existing name: upsert covers both
const WEIGHTS = [['sealedCreate', 30], ['sealedDelete', 6], ['remoteCreate', 12], ['vaultEdit', 15], ['remoteDelete', 4], ['secretDrift', 6], ['secretDelete', 4]];
const WEIGHT_SUM = WEIGHTS.reduce((s, [, w]) => s + w, 0);
function pickOp() {
  let r = rand(WEIGHT_SUM);
  for (const [op, w] of WEIGHTS) if ((r -= w) < 0) return op;
  return WEIGHTS[0][0];
}

async function compare() {
  const secrets = new Map((await api('GET', secretPath())).items.map((s) => [s.metadata.name, s]));
  const r = { ok: 0, lost: [], wrong: [], blank: [], lingering: [] };
  for (const m of [expectSealed, expectRemote]) {
    for (const [name, want] of m) {
      const s = secrets.get(name);
      if (want === null) {
        if (s) r.lingering.push(name);
        else r.ok++;
      } else if (!s) r.lost.push(name);
      else if (!s.data || Object.keys(s.data).length === 0) r.blank.push(name);
      else if (Object.entries(want).some(([k, v]) => Buffer.from(s.data[k] ?? '', 'base64').toString('utf8') !== v)) r.wrong.push(name);
      else r.ok++;
    }
  }
  return r;
}

// ---- statistics --------------------------------------------------------------------------------

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 3) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}
const pct = (arr, p) => {
  const s = [...arr].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const mb = (b) => (b / 1048576).toFixed(1);

// ---- main --------------------------------------------------------------------------------------

async function main() {
  INFRA = await infraUp();
  kube = new HttpKubeClient(loadKubeconfigFile(INFRA.KUBECONFIG), { maxSockets: 16, userAgent: 'sealkit-soak' });
  const sfx = randomBytes(3).toString('hex');
  ctlNs = `soak-ctl-${sfx}`;
  app = `soak-app-${sfx}`;
  P = `soak-${sfx}`;
  await exec('kubectl', ['--kubeconfig', INFRA.KUBECONFIG, 'apply', '-f', join(root, 'deploy', 'crds')]);
  await exec('kubectl', ['--kubeconfig', INFRA.KUBECONFIG, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/sealedsecrets.sealkit.dev', 'crd/remotesecrets.sealkit.dev', 'crd/remotestores.sealkit.dev']);
  for (const ns of [ctlNs, app]) await api('POST', '/api/v1/namespaces', { metadata: { name: ns } });

  // Vault: a reader token for this soak's keys, behind a proxy the soak can stall.
  await vault('PUT', `sys/policies/acl/${P}`, { policy: `path "secret/data/${P}/*" { capabilities = ["read"] }` });
  const reader = (await vault('POST', 'auth/token/create', { policies: [P], ttl: '24h' })).auth.client_token;
  const vaultLink = await createProxy(`soak-vault-${sfx}`, hostPort(INFRA.VAULT_ADDR));
  const kubeLink = await createProxy(`soak-kube-${sfx}`, hostPort(INFRA.SEALKIT_KUBE_SERVER));
  await api('POST', secretPath(), { metadata: { name: 'vault-token' }, stringData: { token: reader } });
  await api('POST', `/apis/sealkit.dev/v1alpha1/namespaces/${app}/remotestores`, {
    apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteStore', metadata: { name: 'vault', namespace: app },
    spec: { provider: { vault: { server: `http://${vaultLink.listen}`, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } },
  });
  // The controller reaches the apiserver through the proxy: same admin credentials and CA.
  const kc = parse(readFileSync(INFRA.KUBECONFIG, 'utf8'));
  for (const c of kc.clusters) c.cluster.server = `https://${kubeLink.listen}`;
  ctlKubeconfig = join(STATE, `soak-${sfx}.kubeconfig`);
  writeFileSync(ctlKubeconfig, stringify(kc), { mode: 0o600 });

  await startController();
  for (let i = 0; i < 100 && !cert; i++) {
    cert = (await apiOrUndefined('GET', `/api/v1/namespaces/${ctlNs}/configmaps/sealkit-cert`))?.data?.['cert.pem'];
    if (!cert) await sleep(300);
  }
  if (!cert) throw new Error('the controller published no public key');
  log(`churning for ${MINUTES} min (namespaces ${ctlNs}, ${app})`);

  const t0 = Date.now();
  const req0 = await apiserverRequestTotal();
  const ownReq0 = apiRequests;
  let stop = false;
  // sleeps that end early when the churn stops, so the phases after it are timed from the stop
  const pause = async (ms) => {
    const end = Date.now() + ms;
    while (!stop && Date.now() < end) await sleep(Math.min(250, end - Date.now()));
  };
  const errors = {};
  const churn = (async () => {
    while (!stop) {
      const op = pickOp();
      try {
        await ops[op]();
        count(op);
      } catch (e) {
        // grouped by what failed, not by object
        const k = `${op}: ${e.status ? `HTTP ${e.status} ${e.reason ?? ''}`.trim() : String(e.code ?? e.message ?? e).slice(0, 60)}`;
        errors[k] = (errors[k] ?? 0) + 1;
      }
      await sleep(50);
    }
  })();
  const restarts = { SIGTERM: 0, SIGKILL: 0 };
  const restarter = (async () => {
    let n = 0;
    while (!stop) {
      await pause(RESTART_EVERY_MS);
      if (stop) break;
      const sig = n++ % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
      await stopController(sig);
      restarts[sig]++;
      await startController();
    }
  })();
  const toxics = {};
  const toxicToggler = (async () => {
    const menu = [
      ['kube latency 200+-100 ms, 5 s', kubeLink, { type: 'latency', attributes: { latency: 200, jitter: 100 } }, 5000],
      ['kube blackhole 3 s', kubeLink, { type: 'timeout', attributes: { timeout: 0 } }, 3000],
      ['kube reset_peer, 0.5 s', kubeLink, { type: 'reset_peer', attributes: { timeout: 0 } }, 500],
      ['vault blackhole 5 s', vaultLink, { type: 'timeout', attributes: { timeout: 0 } }, 5000],
      ['vault latency 500 ms, 5 s', vaultLink, { type: 'latency', attributes: { latency: 500 } }, 5000],
    ];
    let n = 0;
    while (!stop) {
      await pause(TOXIC_EVERY_MS);
      if (stop) break;
      const [what, proxy, spec, ms] = pick(menu);
      const name = `soak-${n++}`;
      await toxiproxy('POST', `/proxies/${proxy.name}/toxics`, { name, stream: 'downstream', toxicity: 1, ...spec });
      toxics[what] = (toxics[what] ?? 0) + 1;
      await sleep(ms);
      await toxiproxy('DELETE', `/proxies/${proxy.name}/toxics/${name}`);
    }
  })();
  const sampler = (async () => {
    while (!stop) {
      const seg = segments.at(-1);
      const s = seg && sampleProcess(seg.pid);
      if (s) seg.samples.push(s);
      await pause(5000);
    }
  })();

  while (Date.now() - t0 < RUN_MS) {
    await sleep(Math.min(30_000, RUN_MS - (Date.now() - t0)));
    const c = await compare().catch(() => undefined);
    log(`${((Date.now() - t0) / 60000).toFixed(1)} min: ${changes} changes, RSS ${mb(segments.at(-1)?.samples.at(-1)?.rss ?? NaN)} MB${c ? `, ${c.ok} in step` : ''}`);
  }
  stop = true;
  await Promise.all([churn, restarter, toxicToggler]);
  await toxiproxy('POST', '/reset');
  if (!ctl) await startController();
  const churnEnd = Date.now();
  const requests = (await apiserverRequestTotal()) - req0 - (apiRequests - ownReq0);

  const atStop = await compare();
  // Converge: every Secret as its source says, every orphan gone (the garbage collector's pace).
  let result = await compare();
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  while ((result.lost.length || result.wrong.length || result.blank.length || result.lingering.length) && Date.now() < deadline) {
    await sleep(2000);
    result = await compare();
  }
  const convergeMs = Date.now() - churnEnd;
  // a few more samples of the settled process
  for (let i = 0; i < 3; i++) {
    const seg = segments.at(-1);
    const smp = seg && sampleProcess(seg.pid);
    if (smp) seg.samples.push(smp);
    await sleep(2000);
  }
  await sampler;

  // Figures.
  const slopes = segments.map((seg) => {
    const warm = seg.samples.filter((s) => s.t - seg.start >= WARMUP_MS);
    return { pid: seg.pid, minutes: (seg.samples.at(-1)?.t - seg.start) / 60000 || 0, mbPerMin: slope(warm.map((s) => ({ x: (s.t - seg.start) / 60000, y: s.rss / 1048576 }))) };
  });
  const longest = slopes.reduce((a, b) => (b.minutes > a.minutes ? b : a), slopes[0]);
  const all = segments.flatMap((s) => s.samples);
  const eld = existsSync(eldFile) ? readFileSync(eldFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const summary = {
    minutes: MINUTES,
    changes,
    ops: opCounts,
    opErrors: errors,
    restarts,
    toxics,
    convergeSeconds: Math.round(convergeMs / 100) / 10,
    notInStepAtStop: atStop.lost.length + atStop.wrong.length + atStop.blank.length + atStop.lingering.length,
    sources: { sealed: live(expectSealed).length, remote: live(expectRemote).length, deleted: [...expectSealed.values(), ...expectRemote.values()].filter((v) => v === null).length },
    lost: result.lost.length,
    wrong: result.wrong.length,
    blank: result.blank.length,
    lingering: result.lingering.length,
    rssMb: { first: Number(mb(all[0]?.rss ?? NaN)), max: Number(mb(Math.max(...all.map((s) => s.rss)))), last: Number(mb(all.at(-1)?.rss ?? NaN)) },
    rssSlopeMbPerMin: { longestProcess: Number(longest?.mbPerMin.toFixed(2)), longestProcessMinutes: Number(longest?.minutes.toFixed(1)), perProcess: slopes.map((s) => Number(s.mbPerMin.toFixed(2))) },
    fds: { max: Math.max(...all.map((s) => s.fds)), last: all.at(-1)?.fds },
    sockets: { max: Math.max(...all.map((s) => s.sockets)), last: all.at(-1)?.sockets },
    eventLoopP99Ms: { median: Number(pct(eld.map((e) => e.p99Ms), 50)?.toFixed(1)), max: Number(Math.max(...eld.map((e) => e.p99Ms)).toFixed(1)) },
    apiRequestsPerChange: Number((requests / Math.max(1, changes)).toFixed(2)),
  };
  console.log(`\nsoak: ${MINUTES} min, ${changes} changes (${JSON.stringify(opCounts)})`);
  console.log(`  restarts: ${restarts.SIGTERM} SIGTERM, ${restarts.SIGKILL} SIGKILL; toxics: ${JSON.stringify(toxics)}`);
  console.log(`  converged ${summary.convergeSeconds} s after the churn stopped (${summary.notInStepAtStop} Secrets not yet in step then)`);
  console.log(`  lost ${summary.lost}, wrong ${summary.wrong}, blank ${summary.blank}, still there after deletion ${summary.lingering}`);
  console.log(`  RSS MB first/max/last ${summary.rssMb.first}/${summary.rssMb.max}/${summary.rssMb.last}; slope ${summary.rssSlopeMbPerMin.longestProcess} MB/min over the longest-lived process (${summary.rssSlopeMbPerMin.longestProcessMinutes} min, samples after its first ${WARMUP_MS / 1000} s)`);
  console.log(`  fds max/last ${summary.fds.max}/${summary.fds.last}, sockets max/last ${summary.sockets.max}/${summary.sockets.last}`);
  console.log(`  event-loop delay p99 median/max ${summary.eventLoopP99Ms.median}/${summary.eventLoopP99Ms.max} ms; apiserver requests per change ${summary.apiRequestsPerChange}`);
  if (Object.keys(errors).length) console.log(`  churn operations that failed (the soak's own calls during toxics and restarts): ${JSON.stringify(errors)}`);
  console.log(`SOAK_RESULT ${JSON.stringify(summary)}`);

  await stopController('SIGTERM');
  await toxiproxy('DELETE', `/proxies/${vaultLink.name}`);
  await toxiproxy('DELETE', `/proxies/${kubeLink.name}`);
  for (const ns of [app, ctlNs]) await api('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  rmSync(eldFile, { force: true });
  rmSync(ctlKubeconfig, { force: true });
  return summary.lost + summary.wrong + summary.blank + summary.lingering === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await infraDown();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`soak: error: ${err.message}`);
    await stopController('SIGKILL').catch(() => undefined);
    await infraDown();
    process.exit(1);
  });
