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
// Then DynamicSecrets: 100 PostgreSQL logins from Vault's database engine (the harness's real
// PostgreSQL), each with its lease renewed by the controller:
//   - lease renewals per hour for 100 credentials. Measured in a shortened run: the role's TTL is
//     15 s (max TTL 1 h, so no re-issue in the window), renewals are counted for 60 s after all
//     100 are Ready (sealkit_vault_requests_total{op="lease-renew"}) and scaled to an hour; the
//     same window is computed from the controller's own schedule (simulateLeases) as the baseline,
//     so "measured / schedule" near 1.00x says the controller renews as designed and no more.
//     The per-hour figure for real TTLs is then the schedule's: printed for 1 h / 24 h and 24 h / 32 d.
//   - leases held after a controller restart (must stay 100: none leaked, none issued twice).
//
// Then PushSecrets: 100 Secrets, each pushed to its own KV v2 key, refreshed every 10 s:
//   - writes to Vault on a no-op resync of 100 pushes (must be 0): counted twice, by the controller
//     (sealkit_vault_requests_total{op="write"}) and by Vault itself (the keys' current_version summed
//     over their metadata), over a window in which every PushSecret compared its key again (100 more
//     reads); against a push-on-every-resync client, which makes 100 writes (one new version per key);
//   - writes for a change of 10 Secrets (must be 10).
// And ClusterRemoteSecrets (fanOut below, run right after the RemoteSecrets): 10 of them, one Vault path each, fanned out to 100
// labelled namespaces (1,000 RemoteSecrets through one ClusterRemoteStore):
//   - Vault requests for 100 namespaces x 10 references, from the controller's metrics, and reads
//     per path from Vault's own audit log (a file audit device enabled for the run). Goal: one read
//     per path, against one read per RemoteSecret (1,000) without shared reads.
//   --fanout-only runs just this part (no PostgreSQL needed).
//
//   eval "$(test/infra/up --with apiserver,gc,vault,postgres)"
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/remote.mjs [--quick] [--dynamic-only | --push-only | --fanout-only]
//
// Reads "after restart" are refreshes that fell due in those 15 s (the restart itself reads nothing
// for objects whose status and Secret show them synced).
//
// --quick: 200 objects over 20 paths. Needs KUBECONFIG (admin), VAULT_ADDR and VAULT_TOKEN (root),
// and for DynamicSecrets SEALKIT_PG_HOST/PORT/SUPERUSER/PASSWORD (up --with postgres).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureDatabaseEngine, leasesUnder } from '../test/infra/vault-database.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const quick = process.argv.includes('--quick');
const OBJECTS = quick ? 200 : 1000;
const PATHS = quick ? 20 : 100;
const REFRESH_S = 60;

const dynamicOnly = process.argv.includes('--dynamic-only');
const pushOnly = process.argv.includes('--push-only');
const PUSHES = 100;
const PUSH_REFRESH_S = 10;
const fanoutOnly = process.argv.includes('--fanout-only');
const FAN_NAMESPACES = quick ? 20 : 100;
const FAN_REFS = 10;
const DYNAMIC = 100;
const DYNAMIC_TTL_S = 15;
const DYNAMIC_WINDOW_S = 60;

const { KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, SEALKIT_PG_HOST, SEALKIT_PG_PORT, SEALKIT_PG_SUPERUSER, SEALKIT_PG_PASSWORD } = process.env;
if (!KUBECONFIG || !VAULT_ADDR || !VAULT_TOKEN || (!pushOnly && !fanoutOnly && (!SEALKIT_PG_PORT || !SEALKIT_PG_PASSWORD))) {
  console.error('bench/remote: needs a real apiserver, Vault and PostgreSQL: eval "$(test/infra/up --with apiserver,gc,vault,postgres)" first (KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, SEALKIT_PG_*)');
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
  // A 404 on a GET is an answer (e.g. no leases under a prefix).
  if (!res.ok && !(method === 'GET' && res.status === 404)) throw new Error(`vault ${method} ${path}: HTTP ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
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
  /** Counters summed over every label set, or only those carrying `only` (e.g. one store). */
  async metrics(only = {}) {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const sum = (name, labels = {}) => {
      let s = 0;
      for (const l of text.split('\n')) {
        if (!l.startsWith(`${name}{`) && !l.startsWith(`${name} `)) continue;
        if (Object.entries({ ...labels, ...only }).every(([k, v]) => l.includes(`${k}="${v}"`))) s += Number(l.split(' ').pop());
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
      leaseRenewals: sum('sealkit_vault_requests_total', { op: 'lease-renew' }),
      issues: sum('sealkit_vault_requests_total', { op: 'issue' }),
      leaseLookups: sum('sealkit_vault_requests_total', { op: 'lease-lookup' }),
      leaseRevokes: sum('sealkit_vault_requests_total', { op: 'lease-revoke' }),
      failures: sum('sealkit_remotesecret_syncs_total', { result: 'error' }),
      writes: sum('sealkit_vault_requests_total', { op: 'write' }),
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

/** 100 DynamicSecrets: renewals per hour (shortened run, see the header) and leases after a restart. */
async function dynamicSecrets() {
  const { simulateLeases } = await import(join(root, 'packages', 'controller', 'dist', 'dynamic', 'lease-schedule.js'));
  const sfx = randomBytes(3).toString('hex');
  const ns = `bench-dyn-${sfx}`;
  const ctlNs = `bench-dyn-ctl-${sfx}`;
  for (const n of [ns, ctlNs]) await kubectl(['create', 'namespace', n]);
  await kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/dynamicsecrets.sealkit.dev']);
  const pg = { host: SEALKIT_PG_HOST ?? '127.0.0.1', port: Number(SEALKIT_PG_PORT), superuser: SEALKIT_PG_SUPERUSER ?? 'postgres', password: SEALKIT_PG_PASSWORD };
  const { credsPath, mount } = await configureDatabaseEngine(vault, pg, { mount: `bench-db-${sfx}`, defaultTtl: `${DYNAMIC_TTL_S}s`, maxTtl: '1h' });
  console.log(`\nbench/remote: ${DYNAMIC} DynamicSecrets (${credsPath}, TTL ${DYNAMIC_TTL_S}s, max TTL 1h), renewals counted for ${DYNAMIC_WINDOW_S}s`);
  const b64 = (x) => Buffer.from(x).toString('base64');
  await kubectl(['create', '-f', '-'], list([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-token', namespace: ns }, data: { token: b64(VAULT_TOKEN) } },
    { apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteStore', metadata: { name: 'vault', namespace: ns }, spec: { provider: { vault: { server: VAULT_ADDR, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } } },
  ]));
  let ctl = new Controller(ns, ctlNs);
  await ctl.ready();
  const t0 = now();
  await kubectl(['create', '-f', '-'], list(Array.from({ length: DYNAMIC }, (_, i) => ({
    apiVersion: 'sealkit.dev/v1alpha1', kind: 'DynamicSecret', metadata: { name: `d${i}`, namespace: ns }, spec: { storeRef: { name: 'vault' }, path: credsPath },
  }))));
  const readyCount = async () => JSON.parse(await kubectl(['get', 'dynamicsecrets', '-n', ns, '-o', 'json'])).items.filter((o) => (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
  while ((await readyCount()) < DYNAMIC) {
    if (now() - t0 > 300_000) throw new Error('DynamicSecrets not all Ready after 5 minutes');
    await sleep(500);
  }
  const convergeMs = now() - t0;
  const start = await ctl.metrics();
  const windowStart = now();
  await sleep(DYNAMIC_WINDOW_S * 1000);
  const end = await ctl.metrics();
  const windowS = (now() - windowStart) / 1000;
  const renewals = end.leaseRenewals - start.leaseRenewals;
  const reissues = end.issues - start.issues;
  // The schedule's count for the same window: each credential's phase is uniform over its renewal period.
  const perCred = simulateLeases(DYNAMIC_TTL_S, 3600, 2 / 3, 3600_000).renewals / 3600;
  const expected = perCred * windowS * DYNAMIC;
  const leasesBefore = (await leasesUnder(vault, credsPath)).length;
  await ctl.stop();
  ctl = new Controller(ns, ctlNs);
  await ctl.ready();
  await sleep(15_000);
  const afterRestart = await ctl.metrics();
  const leasesAfter = (await leasesUnder(vault, credsPath)).length;
  await ctl.stop();

  const perHour = (defaultS, maxS) => simulateLeases(defaultS, maxS, 2 / 3, 3600_000 * 48);
  const real1h = perHour(3600, 24 * 3600);
  const real24h = perHour(24 * 3600, 32 * 24 * 3600);
  console.log(`converge: ${DYNAMIC} DynamicSecrets Ready (credentials issued, Secrets written) in ${(convergeMs / 1000).toFixed(1)} s; ${start.issues} issue requests`);
  console.log(`renewals in ${windowS.toFixed(0)} s: ${renewals} measured, ${expected.toFixed(0)} by the schedule -> measured / schedule = ${(renewals / expected).toFixed(2)}x; re-issues ${reissues}`);
  console.log(`renewals per hour for ${DYNAMIC} credentials at TTL ${DYNAMIC_TTL_S}s: ${Math.round((renewals * 3600) / windowS)} (measured, scaled from ${windowS.toFixed(0)} s)`);
  // Over 48 h, steady state: the first issue of each credential is not part of the hourly rate.
  console.log(`renewals per hour for ${DYNAMIC} credentials by the schedule: TTL 1h / max 24h: ${((real1h.renewals / 48) * DYNAMIC).toFixed(0)} renewals + ${(((real1h.issues - 1) / 48) * DYNAMIC).toFixed(1)} re-issues; TTL 24h / max 32d: ${((real24h.renewals / 48) * DYNAMIC).toFixed(1)} renewals`);
  console.log(`restart: leases held before ${leasesBefore}, 15 s after a restart ${leasesAfter} (issues by the new process: ${afterRestart.issues}, lease lookups: ${afterRestart.leaseLookups})`);
  for (const n of [ns, ctlNs]) await kubectl(['delete', 'namespace', n, '--wait=true', '--timeout=120s']).catch(() => undefined);
  await vault('POST', `sys/leases/revoke-prefix/${mount}`).catch(() => undefined);
  if (leasesBefore !== DYNAMIC || leasesAfter !== DYNAMIC || afterRestart.issues !== 0) process.exitCode = 1;
}

/** 100 PushSecrets: Vault writes on a no-op resync (must be 0) and on a change of 10 Secrets. */
async function pushSecrets() {
  const sfx = randomBytes(3).toString('hex');
  const ns = `bench-push-${sfx}`;
  const ctlNs = `bench-push-ctl-${sfx}`;
  const prefix = `bench-push-${sfx}`;
  for (const n of [ns, ctlNs]) await kubectl(['create', 'namespace', n]);
  await kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/pushsecrets.sealkit.dev']);
  console.log(`\nbench/remote: ${PUSHES} PushSecrets, each Secret to its own KV v2 key, refresh ${PUSH_REFRESH_S}s`);
  const b64 = (x) => Buffer.from(x).toString('base64');
  const secret = (i, password) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: ns }, data: { password: b64(password), username: b64(`user${i}`) } });
  await kubectl(['create', '-f', '-'], list([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-token', namespace: ns }, data: { token: b64(VAULT_TOKEN) } },
    { apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteStore', metadata: { name: 'vault', namespace: ns }, spec: { provider: { vault: { server: VAULT_ADDR, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } } },
    ...Array.from({ length: PUSHES }, (_, i) => secret(i, randomBytes(12).toString('base64url'))),
  ]));
  const ctl = new Controller(ns, ctlNs);
  await ctl.ready();
  const t0 = now();
  await kubectl(['create', '-f', '-'], list(Array.from({ length: PUSHES }, (_, i) => ({
    apiVersion: 'sealkit.dev/v1alpha1', kind: 'PushSecret', metadata: { name: `p${i}`, namespace: ns },
    spec: { storeRef: { name: 'vault' }, secretRef: { name: `s${i}` }, remoteRef: { key: `${prefix}/p${i}` }, refreshInterval: `${PUSH_REFRESH_S}s` },
  }))));
  const readyCount = async () => JSON.parse(await kubectl(['get', 'pushsecrets', '-n', ns, '-o', 'json'])).items.filter((o) => (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
  while ((await readyCount()) < PUSHES) {
    if (now() - t0 > 300_000) throw new Error('PushSecrets not all Ready after 5 minutes');
    await sleep(500);
  }
  const convergeMs = now() - t0;
  /** Vault's own count: every write of a KV v2 key makes a new version. */
  const versions = async (n = PUSHES) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (await vault('GET', `secret/metadata/${prefix}/p${i}`))?.data?.current_version ?? 0;
    return sum;
  };
  const first = await ctl.metrics();
  const firstVersions = await versions();
  // A full no-op resync: every PushSecret reads its key again (100 more reads), nothing changed.
  const resyncStart = now();
  let m;
  do {
    await sleep(1000);
    m = await ctl.metrics();
    if (now() - resyncStart > PUSH_REFRESH_S * 6000) throw new Error('the PushSecrets did not all refresh');
  } while (m.reads - first.reads < PUSHES);
  const resync = { reads: m.reads - first.reads, writes: m.writes - first.writes, versions: (await versions()) - firstVersions };
  // 10 Secrets change: 10 writes, no more (counted after one more refresh period).
  const before = await ctl.metrics();
  const versionsBefore = await versions();
  const changed = 10;
  await kubectl(['apply', '-f', '-'], list(Array.from({ length: changed }, (_, i) => secret(i, randomBytes(12).toString('base64url')))));
  const changeStart = now();
  while ((await versions()) - versionsBefore < changed) {
    if (now() - changeStart > 60_000) throw new Error('the changed Secrets were not pushed');
    await sleep(500);
  }
  await sleep(PUSH_REFRESH_S * 1000);
  const change = { writes: (await ctl.metrics()).writes - before.writes, versions: (await versions()) - versionsBefore };
  await ctl.stop();

  console.log(`first push: ${PUSHES} Ready in ${(convergeMs / 1000).toFixed(1)} s; ${first.writes} writes, ${firstVersions} KV versions (Vault), ${first.reads} reads`);
  console.log(`no-op resync of ${PUSHES} pushes: ${resync.writes} writes to Vault (controller), ${resync.versions} new KV versions (Vault's metadata), while ${resync.reads} reads compared the keys; a push-on-every-resync client: ${PUSHES} writes, ${PUSHES} new versions -> ${resync.writes}/${PUSHES}`);
  console.log(`change of ${changed} Secrets: ${change.writes} writes, ${change.versions} new KV versions (goal: ${changed})`);
  for (const n of [ns, ctlNs]) await kubectl(['delete', 'namespace', n, '--wait=false']).catch(() => undefined);
  for (let i = 0; i < PUSHES; i++) await vault('DELETE', `secret/metadata/${prefix}/p${i}`).catch(() => undefined);
  if (resync.writes !== 0 || resync.versions !== 0 || change.writes !== changed || change.versions !== changed) process.exitCode = 1;
}

/**
 * 10 ClusterRemoteSecrets (one Vault path each) in 100 namespaces: Vault requests, and reads per
 * path from Vault's audit log.
 */
async function fanOut() {
  const sfx = randomBytes(3).toString('hex');
  const ctlNs = `bench-fan-ctl-${sfx}`;
  const label = `bench-fan-${sfx}`;
  const prefix = `bench-fan-${sfx}`;
  const namespaces = Array.from({ length: FAN_NAMESPACES }, (_, i) => `bench-fan-${sfx}-${i}`);
  const auditDir = mkdtempSync(join(tmpdir(), 'sealkit-bench-audit-'));
  const auditFile = join(auditDir, 'audit.log');
  const audit = `bench-fan-${sfx}`;
  const b64 = (x) => Buffer.from(x).toString('base64');
  console.log(`\nbench/remote: ${FAN_REFS} ClusterRemoteSecrets (one Vault path each) fanned out to ${FAN_NAMESPACES} namespaces = ${FAN_REFS * FAN_NAMESPACES} RemoteSecrets, one ClusterRemoteStore (token auth), refresh 1h`);
  await kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/clusterremotesecrets.sealkit.dev', 'crd/remotesecrets.sealkit.dev']);
  await kubectl(['create', '-f', '-'], list([ctlNs, ...namespaces].map((name, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(i > 0 ? { labels: { [label]: 'yes' } } : {}) } }))));
  const values = Array.from({ length: FAN_REFS }, () => randomBytes(12).toString('base64url'));
  for (let i = 0; i < FAN_REFS; i++) await vault('POST', `secret/data/${prefix}/p${i}`, { data: { password: values[i], username: `user${i}` } });
  // Vault's own count: every request under our prefix, whoever made it.
  await vault('PUT', `sys/audit/${audit}`, { type: 'file', options: { file_path: auditFile } });
  const store = `bench-fan-${sfx}`;
  await kubectl(['create', '-f', '-'], list([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-token', namespace: ctlNs }, data: { token: b64(VAULT_TOKEN) } },
    { apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteStore', metadata: { name: store }, spec: { provider: { vault: { server: VAULT_ADDR, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', namespace: ctlNs, key: 'token' } } } } } } },
  ]));
  // Cluster-wide, as a controller serving ClusterRemoteSecrets runs (--watch-namespaces empty).
  const ctl = new Controller('', ctlNs);
  await ctl.ready();
  const t = now();
  await kubectl(['create', '-f', '-'], list(Array.from({ length: FAN_REFS }, (_, i) => ({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'ClusterRemoteSecret',
    metadata: { name: `${prefix}-${i}` },
    spec: {
      namespaceSelector: { matchLabels: { [label]: 'yes' } },
      template: {
        spec: {
          storeRef: { name: store, kind: 'ClusterRemoteStore' },
          refreshInterval: '1h',
          data: [
            { secretKey: 'password', remoteRef: { key: `${prefix}/p${i}`, property: 'password' } },
            { secretKey: 'username', remoteRef: { key: `${prefix}/p${i}`, property: 'username' } },
          ],
        },
      },
    },
  }))));
  const total = FAN_REFS * FAN_NAMESPACES;
  const isReady = (o) => (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && o.status.observedGeneration === o.metadata.generation;
  let ready = 0;
  let provisioned = 0;
  let crss = [];
  // Converged: every RemoteSecret Ready, and every ClusterRemoteSecret reporting all its namespaces.
  for (;;) {
    const items = JSON.parse(await kubectl(['get', 'remotesecrets', '-A', '-l', 'sealkit.dev/cluster-remote-secret', '-o', 'json'])).items.filter((o) => o.metadata.namespace.startsWith(`bench-fan-${sfx}-`));
    ready = items.filter(isReady).length;
    crss = JSON.parse(await kubectl(['get', 'clusterremotesecrets', '-o', 'json'])).items.filter((o) => o.metadata.name.startsWith(`${prefix}-`));
    provisioned = crss.reduce((n, o) => n + (o.status?.observedGeneration === o.metadata.generation ? (o.status?.provisionedNamespaces ?? 0) : 0), 0);
    if (ready >= total && provisioned >= total) break;
    if (now() - t > 900_000) throw new Error(`fan-out: only ${ready}/${total} RemoteSecrets Ready (${provisioned} provisioned) after 15 minutes`);
    await sleep(1000);
  }
  const convergeMs = now() - t;
  const m = await ctl.metrics({ store: `ClusterRemoteStore/${store}` });
  // Baseline in the same run: the same 1,000 RemoteSecrets written by hand (kubectl create), as
  // without ClusterRemoteSecrets, under other names in the same namespaces.
  const direct = namespaces.flatMap((ns) => Array.from({ length: FAN_REFS }, (_, i) => ({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'RemoteSecret',
    metadata: { name: `direct-${i}`, namespace: ns },
    spec: crss.find((o) => o.metadata.name === `${prefix}-${i}`).spec.template.spec,
  })));
  const td = now();
  await kubectl(['create', '-f', '-'], list(direct));
  for (;;) {
    const items = JSON.parse(await kubectl(['get', 'remotesecrets', '-A', '-o', 'json'])).items.filter((o) => o.metadata.namespace.startsWith(`bench-fan-${sfx}-`) && o.metadata.name.startsWith('direct-'));
    if (items.filter(isReady).length >= total) break;
    if (now() - td > 900_000) throw new Error('fan-out baseline: the RemoteSecrets written by hand were not all Ready after 15 minutes');
    await sleep(1000);
  }
  const directMs = now() - td;
  await ctl.stop();
  // Sanity: a sample of Secrets holds the right values.
  for (const i of [0, FAN_REFS - 1]) {
    for (const ns of [namespaces[0], namespaces[FAN_NAMESPACES - 1]]) {
      const s = JSON.parse(await kubectl(['get', 'secret', `${prefix}-${i}`, '-n', ns, '-o', 'json']));
      if (Buffer.from(s.data.password, 'base64').toString() !== values[i]) throw new Error(`Secret ${ns}/${prefix}-${i} has the wrong value`);
    }
  }
  await vault('DELETE', `sys/audit/${audit}`);
  const perPath = new Map(Array.from({ length: FAN_REFS }, (_, i) => [`secret/data/${prefix}/p${i}`, 0]));
  for (const line of readFileSync(auditFile, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'request' && e.request?.operation === 'read' && perPath.has(e.request.path)) perPath.set(e.request.path, perPath.get(e.request.path) + 1);
  }
  rmSync(auditDir, { recursive: true, force: true });
  const audited = [...perPath.values()];
  const requests = m.reads + m.logins + m.renewals + m.other;
  console.log(`converge: ${ready}/${total} RemoteSecrets Ready and reported provisioned by their ClusterRemoteSecrets in ${(convergeMs / 1000).toFixed(1)} s`);
  console.log(`baseline: the same ${total} RemoteSecrets written with kubectl create: Ready in ${(directMs / 1000).toFixed(1)} s -> fan-out / by hand = ${(convergeMs / directMs).toFixed(2)}x`);
  console.log(`Vault requests for ${FAN_NAMESPACES} namespaces x ${FAN_REFS} references: ${requests} (reads ${m.reads}, logins/token checks ${m.logins}, renewals ${m.renewals}, other ${m.other}; ${m.shared} reads shared)`);
  console.log(`reads per path (Vault audit log, ${FAN_REFS} paths): min ${Math.min(...audited)}, max ${Math.max(...audited)}, total ${audited.reduce((a, b) => a + b, 0)}; vs. one read per RemoteSecret: ${m.reads}/${total} = ${(m.reads / total).toFixed(3)}x`);
  const goal = Math.max(...audited) === 1 && m.reads === FAN_REFS;
  console.log(`goal (one Vault read per path, whatever the number of namespaces): ${goal ? 'met' : 'NOT met'}`);
  await kubectl(['delete', 'clusterremotesecrets', ...crss.map((o) => o.metadata.name), '--wait=false']).catch(() => undefined);
  await kubectl(['delete', 'clusterremotestore', store, '--wait=false']).catch(() => undefined);
  await kubectl(['delete', 'namespace', ctlNs, ...namespaces, '--wait=false']).catch(() => undefined);
  await vault('DELETE', `secret/metadata/${prefix}`).catch(() => undefined);
  if (!goal) process.exitCode = 1;
}

async function main() {
  if (pushOnly) return pushSecrets();
  if (fanoutOnly) return fanOut();
  if (dynamicOnly) return dynamicSecrets();
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
  await fanOut();
  await dynamicSecrets();
  await pushSecrets();
}

main().catch((err) => {
  console.error(`bench/remote: ${err.message}`);
  process.exitCode = 1;
});
