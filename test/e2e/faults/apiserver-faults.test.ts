// Drills on the controller's backends: an apiserver so overloaded it answers 429 (restarted with a
// tiny --max-requests-inflight), and etcd killed (SIGKILL) in the middle of a burst and restarted
// on the same data dir. Both: the controller keeps running, backs off, and converges afterwards
// with every Secret right.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMark, readAudit, succeeded } from '../lib/audit.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { sleep, waitFor } from '../lib/kube.js';
import { componentArgv, respawnComponent, restartApiserver } from '../lib/restart.js';
import {
  AdminApi, Oracle, apiserverRequests, controllerSetup, dropNamespaces, etcdHealthy, fetchCertPem, printFigures, readyCount, seconds, writeSealed,
} from './support.js';

const N = 1000;
const api = new AdminApi();
let ctlNs: string;
let app: string;
let kubeconfig: string;
let cert: string;
const running: ControllerProcess[] = [];

async function start(identity: string, waitReady = true): Promise<ControllerProcess> {
  const p = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity, waitReady });
  running.push(p);
  return p;
}

beforeAll(async () => {
  ({ ctlNs, app, kubeconfig } = await controllerSetup('fapi'));
  const first = await start('key-maker');
  cert = await fetchCertPem(ctlNs);
  await first.stop();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  api.close();
  await dropNamespaces(app, ctlNs);
});

describe('apiserver overloaded (429)', () => {
  const LIMIT_FLAGS = ['--max-requests-inflight=4', '--max-mutating-requests-inflight=2', '--enable-priority-and-fairness=false'];
  const OVERLOAD_MS = 30_000;
  let normalArgv: string[];

  afterAll(async () => {
    // never leave the apiserver limited for the suites that follow
    if (normalArgv && componentArgv('kube-apiserver').includes(LIMIT_FLAGS[0]!)) await restartApiserver(500, () => normalArgv);
  });

  it('the controller backs off while it gets 429s and converges once the limit is lifted', async () => {
    const oracle = new Oracle();
    const items = Array.from({ length: N }, (_, i) => ({ name: `ol-${i}`, data: { v: `ol-${i}` } }));
    for (const it of items) oracle.set(it.name, it.data);
    await writeSealed(api, cert, app, items);

    normalArgv = componentArgv('kube-apiserver');
    await restartApiserver(500, (argv) => [...argv, ...LIMIT_FLAGS]);
    const before = await apiserverRequests(api);
    const own0 = api.requests;
    const t0 = Date.now();
    const ctl = await start('under-429', false);
    await sleep(OVERLOAD_MS);
    const after = await apiserverRequests(api);
    const overloadS = (Date.now() - t0) / 1000;
    const progress = await oracle.check(api, app);
    const requests = after.total - before.total - (api.requests - own0);
    const rejected = (after.byCode['429'] ?? 0) - (before.byCode['429'] ?? 0);

    await restartApiserver(500, () => normalArgv);
    const lifted = Date.now();
    await oracle.converged(api, app, 180_000);
    await waitFor(`${N} Ready`, async () => (await readyCount(api, app)) === N, 180_000, 1000);
    const convergeMs = Date.now() - lifted;
    const result = await oracle.check(api, app);
    printFigures('apiserver overload (--max-requests-inflight=4, --max-mutating-requests-inflight=2)', {
      objects: N,
      'overload window': seconds(overloadS * 1000),
      'requests served + rejected during it (all clients)': requests,
      'of which 429': rejected,
      'requests per second during it': (requests / overloadS).toFixed(1),
      'Secrets right at the end of it': progress.ok,
      'all right and Ready after the limit was lifted': seconds(convergeMs),
      'lost / blanked / wrong': `${result.lost.length} / ${result.blanked.length} / ${result.wrong.length}`,
    });
    expect(ctl.child.exitCode).toBeNull();
    expect(rejected, 'the apiserver did answer 429').toBeGreaterThan(0);
    // Backing off: no retry storm. 1,000 objects would take ~2,000 writes plus lists; a client that
    // retried 429s at once would make tens of thousands of requests in this window.
    expect(requests).toBeLessThan(10 * N);
    expect(result).toEqual({ ok: N, lost: [], blanked: [], wrong: [] });
    await ctl.stop();
  });
});

describe('etcd killed (SIGKILL) during a burst, restarted on the same data dir', () => {
  it('converges afterwards, nothing lost', async () => {
    const oracle = new Oracle();
    const ctl = await start('etcd-drill');
    const mark = auditMark();
    const items = Array.from({ length: N }, (_, i) => ({ name: `ek-${i}`, data: { v: `ek-${i}` } }));
    let written = 0;
    const burst = writeSealed(api, cert, app, items, 16).then(() => undefined);
    for (const it of items) oracle.set(it.name, it.data);
    // the burst is under way and the controller writing when etcd dies
    await waitFor('the controller writing', async () => (written = readAudit({ from: mark }).filter((w) => w.resource === 'secrets' && w.namespace === app && succeeded(w)).length) >= 200, 120_000, 200);
    const killedAt = Date.now();
    let backAt = 0;
    await respawnComponent('etcd', {
      downMs: 3000,
      ready: etcdHealthy,
    });
    backAt = Date.now();
    await burst;
    await oracle.converged(api, app, 240_000);
    await waitFor(`${N} Ready`, async () => (await readyCount(api, app)) >= 2 * N, 240_000, 1000);
    const convergeMs = Date.now() - backAt;
    const writes = readAudit({ from: mark }).filter((w) => w.resource === 'secrets' && w.namespace === app && succeeded(w) && w.name?.startsWith('ek-'));
    const perName = new Map<string, number>();
    for (const w of writes) perName.set(w.name!, (perName.get(w.name!) ?? 0) + 1);
    const result = await oracle.check(api, app);
    printFigures('etcd SIGKILL during a burst, restarted on its data dir', {
      objects: N,
      'Secrets written before the kill': written,
      'etcd down for': seconds(backAt - killedAt),
      'all right and Ready after etcd was back': seconds(convergeMs),
      'Secret writes (ek-*) / objects': `${writes.length} / ${N}`,
      'objects written more than once': [...perName.values()].filter((n) => n > 1).length,
      'controller informer restarts': ctl.count('list/watch failed; retrying'),
      'lost / blanked / wrong': `${result.lost.length} / ${result.blanked.length} / ${result.wrong.length}`,
    });
    expect(ctl.child.exitCode).toBeNull();
    expect(result).toEqual({ ok: N, lost: [], blanked: [], wrong: [] });
    await ctl.stop();
  });
});
