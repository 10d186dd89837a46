// RemoteSecret benchmark: 1,000 RemoteSecrets referencing 100 distinct Vault paths, against the
// real sealkit-controller binary, a real kube-apiserver and a real Vault dev server.
//
// Prints:
//   - time to converge (all 1,000 Ready), as a ratio to a baseline measured in the same run:
//     creating the same 1,000 Secrets directly with kubectl (what the controller saves you from,
//     and a floor it cannot beat, since it also writes 1,000 Secrets and 1,000 statuses);
//   - Vault requests for the first sync, for one full refresh cycle and after a controller
//     restart, against the per-object count a login-per-reconcile client makes (External
//     Secrets Operator without its token cache: one login and one read per object per cycle).
//     Goal: reads per cycle <= distinct paths (100), logins <= 1 per store.
//
//   eval "$(test/infra/up --with apiserver,gc,vault)"
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/remote.mjs [--quick]
//
// Reads "after restart" are refreshes that fell due in those 15 s (the restart itself reads nothing
// for objects whose status and Secret show them synced).
//
// --quick: 200 objects over 20 paths. Needs KUBECONFIG (admin), VAULT_ADDR and VAULT_TOKEN (root).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const quick = process.argv.includes('--quick');
const OBJECTS = quick ? 200 : 1000;
const PATHS = quick ? 20 : 100;
const REFRESH_S = 60;

const { KUBECONFIG, VAULT_ADDR, VAULT_TOKEN } = process.env;
if (!KUBECONFIG || !VAULT_ADDR || !VAULT_TOKEN) {
  console.error('bench/remote: needs a real apiserver and Vault: eval "$(test/infra/up --with apiserver,gc,vault)" first (KUBECONFIG, VAULT_ADDR, VAULT_TOKEN)');
  process.exit(1);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js'))) {
  console.error('bench/remote: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function kubectl(args, input) {
  return new Promise((resolve, reject) => {
    const c = execFile('kubectl', ['--kubeconfig', KUBECONFIG, ...args], { maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.slice(0, 3).join(' ')}: ${stderr.slice(0, 500)}`));
      else resolve(stdout);
    });
    if (input !== undefined) c.stdin.end(input);
  });
}
const list = (items) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

async function vault(method, path, body) {
  const res = await fetch(`${VAULT_ADDR}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': VAULT_TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`vault ${method} ${path}: HTTP ${res.status}`);
}

class Controller {
  constructor(ns, ctlNs) {
    this.lines = [];
    this.url = '';
    this.child = spawn(process.execPath, [CONTROLLER, '--kubeconfig', KUBECONFIG, '--namespace', ctlNs, '--watch-namespaces', ns, '--listen', '127.0.0.1:0', '--leader-elect=false'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const o = JSON.parse(line);
          if (o.msg === 'starting' && o.listen) this.url = `http://${o.listen}`;
          this.lines.push(o);
        } catch {
          /* not JSON */
        }
      }
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.exited = new Promise((r) => this.child.on('exit', r));
  }
  async ready() {
    for (let i = 0; i < 300; i++) {
      if (this.url) {
        const r = await fetch(`${this.url}/readyz`).catch(() => undefined);
        if (r?.status === 200) return;
      }
      if (this.child.exitCode !== null) throw new Error('controller exited');
      await sleep(100);
    }
    throw new Error('controller not ready');
  }
  async metrics() {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const sum = (name, labels = {}) => {
      let s = 0;
      for (const l of text.split('\n')) {
        if (!l.startsWith(`${name}{`) && !l.startsWith(`${name} `)) continue;
        if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) s += Number(l.split(' ').pop());
      }
      return s;
    };
    return {
      reads: sum('sealkit_vault_requests_total', { op: 'read' }),
      logins: sum('sealkit_vault_requests_total', { op: 'login' }) + sum('sealkit_vault_requests_total', { op: 'lookup' }),
      renewals: sum('sealkit_vault_requests_total', { op: 'renew' }),
      other: sum('sealkit_vault_requests_total', { op: 'mountinfo' }) + sum('sealkit_vault_requests_total', { op: 'revoke' }),
      shared: sum('sealkit_vault_reads_shared_total'),
      syncs: sum('sealkit_remotesecret_syncs_total', { result: 'success' }),
      failures: sum('sealkit_remotesecret_syncs_total', { result: 'error' }),
    };
  }
  async stop() {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

async function countReady(ns) {
  const out = JSON.parse(await kubectl(['get', 'remotesecrets', '-n', ns, '-o', 'json']));
  return out.items.filter((o) => (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && o.status.observedGeneration === o.metadata.generation).length;
}

async function main() {
  const sfx = randomBytes(3).toString('hex');
  const ns = `bench-remote-${sfx}`;
  const ctlNs = `bench-remote-ctl-${sfx}`;
  const baseNs = `bench-remote-base-${sfx}`;
  const prefix = `bench-${sfx}`;
  for (const n of [ns, ctlNs, baseNs]) await kubectl(['create', 'namespace', n]);
  await kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/remotesecrets.sealkit.dev', 'crd/remotestores.sealkit.dev', 'crd/clusterremotestores.sealkit.dev']);

  console.log(`bench/remote: ${OBJECTS} RemoteSecrets over ${PATHS} Vault paths, refresh ${REFRESH_S}s, one RemoteStore (token auth)`);
  const values = {};
  for (let i = 0; i < PATHS; i++) {
    values[i] = { password: randomBytes(12).toString('base64url'), username: `user${i}` };
    await vault('POST', `secret/data/${prefix}/p${i}`, { data: values[i] });
  }
  const b64 = (s) => Buffer.from(s).toString('base64');

  // Baseline: the same Secrets written directly (kubectl create, one request per object).
  const plain = Array.from({ length: OBJECTS }, (_, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: baseNs }, data: { password: b64(values[i % PATHS].password), username: b64(values[i % PATHS].username) } }));
  let t = now();
  await kubectl(['create', '-f', '-'], list(plain));
  const baselineMs = now() - t;

  await kubectl(['create', '-f', '-'], list([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-token', namespace: ns }, data: { token: b64(VAULT_TOKEN) } },
    { apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteStore', metadata: { name: 'vault', namespace: ns }, spec: { provider: { vault: { server: VAULT_ADDR, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } } },
  ]));
  let ctl = new Controller(ns, ctlNs);
  await ctl.ready();

  const rss = Array.from({ length: OBJECTS }, (_, i) => ({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'RemoteSecret',
    metadata: { name: `r${i}`, namespace: ns },
    spec: {
      storeRef: { name: 'vault' },
      refreshInterval: `${REFRESH_S}s`,
      data: [
        { secretKey: 'password', remoteRef: { key: `${prefix}/p${i % PATHS}`, property: 'password' } },
        { secretKey: 'username', remoteRef: { key: `${prefix}/p${i % PATHS}`, property: 'username' } },
      ],
    },
  }));
  t = now();
  await kubectl(['create', '-f', '-'], list(rss));
  const createdMs = now() - t;
  let ready = 0;
  while ((ready = await countReady(ns)) < OBJECTS) {
    if (now() - t > 600_000) throw new Error(`only ${ready}/${OBJECTS} Ready after 10 minutes`);
    await sleep(500);
  }
  const convergeMs = now() - t;
  const first = await ctl.metrics();

  // One full refresh cycle: every object refreshed once more.
  const cycleStart = now();
  let m;
  do {
    await sleep(1000);
    m = await ctl.metrics();
    if (now() - cycleStart > REFRESH_S * 3000) throw new Error('refresh cycle did not complete');
  } while (m.syncs - first.syncs < OBJECTS);
  const cycle = Object.fromEntries(Object.keys(m).map((k) => [k, m[k] - first[k]]));
  const cycleMs = now() - cycleStart;

  // Restart: a new process finds everything synced.
  await ctl.stop();
  t = now();
  ctl = new Controller(ns, ctlNs);
  await ctl.ready();
  await sleep(15_000);
  const restart = await ctl.metrics();
  const restartReady = await countReady(ns);
  // Sanity: a sample of Secrets holds the right values.
  for (const i of [0, Math.floor(OBJECTS / 2), OBJECTS - 1]) {
    const s = JSON.parse(await kubectl(['get', 'secret', `r${i}`, '-n', ns, '-o', 'json']));
    if (Buffer.from(s.data.password, 'base64').toString() !== values[i % PATHS].password) throw new Error(`Secret r${i} has the wrong value`);
  }
  await ctl.stop();

  const naive = (n) => `${n} logins + ${n} reads`;
  const rows = [
    ['phase', 'Vault reads', 'logins/token checks', 'renewals', 'other', 'shared reads', 'login-per-reconcile client'],
    ['first sync', first.reads, first.logins, first.renewals, first.other, first.shared, naive(OBJECTS)],
    ['one refresh cycle', cycle.reads, cycle.logins, cycle.renewals, cycle.other, cycle.shared, naive(OBJECTS)],
    ['after restart (15 s)', restart.reads, restart.logins, restart.renewals, restart.other, restart.shared, naive(OBJECTS)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(widths[c])).join('  '));
  console.log('');
  console.log(`converge: ${OBJECTS} Ready in ${(convergeMs / 1000).toFixed(1)} s (kubectl create of the RemoteSecrets alone: ${(createdMs / 1000).toFixed(1)} s)`);
  console.log(`baseline: kubectl create of ${OBJECTS} plain Secrets: ${(baselineMs / 1000).toFixed(1)} s -> converge / baseline = ${(convergeMs / baselineMs).toFixed(2)}x`);
  console.log(`refresh cycle: ${(cycleMs / 1000).toFixed(1)} s for ${OBJECTS} refreshes (interval ${REFRESH_S}s, jitter 10%)`);
  console.log(`restart: ${restartReady}/${OBJECTS} still Ready, ${restart.failures} failed syncs`);
  // The goal is per refresh cycle and for a restart. The first sync may read a path twice when
  // creating the objects takes longer than the share window (30 s for a 60 s interval).
  const goalReads = cycle.reads <= PATHS && restart.reads <= PATHS;
  const goalLogins = first.logins <= 1 && cycle.logins <= 1 && restart.logins <= 1;
  console.log(`reads per cycle vs. login-per-reconcile: ${cycle.reads}/${OBJECTS} = ${(cycle.reads / OBJECTS).toFixed(3)}x; requests incl. logins: ${(cycle.reads + cycle.logins + cycle.renewals)}/${2 * OBJECTS} = ${((cycle.reads + cycle.logins + cycle.renewals) / (2 * OBJECTS)).toFixed(3)}x`);
  console.log(`goal (per refresh cycle and after a restart: reads <= ${PATHS} distinct paths, <= 1 login per store): ${goalReads && goalLogins ? 'met' : 'NOT met'}`);

  for (const n of [ns, ctlNs, baseNs]) await kubectl(['delete', 'namespace', n, '--wait=false']).catch(() => undefined);
  await vault('DELETE', `secret/metadata/${prefix}`).catch(() => undefined);
  if (!(goalReads && goalLogins)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`bench/remote: ${err.message}`);
  process.exitCode = 1;
});
