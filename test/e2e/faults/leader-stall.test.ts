// Drill: the leader's link to the apiserver stalls (a blackhole: bytes dropped, nothing closed)
// while both replicas run and 1,000 SealedSecrets keep changing (random ones, ~10 a second). Proven from the apiserver's audit
// log: the old leader writes nothing after its renew deadline, the standby takes over only once the
// lease has expired and before the link heals, writes of the two identities never interleave, and
// the old leader rejoins as a standby without writing. Every Secret ends with its latest value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saKubeconfig } from '../../infra/env.js';
import { auditMark, readAudit, succeeded, type AuditWrite } from '../lib/audit.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { sleep, waitFor } from '../lib/kube.js';
import { apiserverProxy, kubeconfigVia, type Proxy } from '../lib/toxiproxy.js';
import { AdminApi, Oracle, controllerSetup, dropNamespaces, fetchCertPem, printFigures, readyCount, seconds, ssPath, writeSealed } from './support.js';
import { seal } from '../lib/seal.js';

const N = 1000;
const LEASE_MS = 8000;
const RENEW_DEADLINE_MS = 6000;
const RETRY_MS = 1000;
// The link heals after the standby must have taken over (lease + renew deadline) and well before
// the 30 s socket timeout that used to be the only bound on a stalled renew.
const STALL_MS = 16_000;
const LEASE_NAME = 'sealkit-controller';

const api = new AdminApi();
const oracle = new Oracle();
const running: ControllerProcess[] = [];
const proxies: Proxy[] = [];
let ctlNs: string;
let app: string;

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  for (const p of proxies) await p.delete();
  api.close();
  await dropNamespaces(app, ctlNs);
});

describe('leader link stalls', () => {
  let kc: Record<'a' | 'b', string>;
  let ctl: Record<'a' | 'b', ControllerProcess>;
  let cert: string;

  beforeAll(async () => {
    const s = await controllerSetup('fleader');
    ({ ctlNs, app } = s);
    // one token per replica: the audit log tells them apart by credential id
    kc = { a: s.kubeconfig, b: await saKubeconfig(ctlNs, 'sealkit-controller') };
    const start = async (who: 'a' | 'b') => {
      const link = await apiserverProxy(`leader-${who}-${ctlNs}`);
      proxies.push(link);
      const p = await ControllerProcess.start({
        kubeconfig: kubeconfigVia(kc[who], link),
        namespace: ctlNs,
        watchNamespaces: [app],
        identity: `replica-${who}`,
        args: ['--lease-duration', `${LEASE_MS}ms`, '--renew-deadline', `${RENEW_DEADLINE_MS}ms`, '--retry-period', `${RETRY_MS}ms`],
      });
      running.push(p);
      return p;
    };
    const a = await start('a');
    await waitFor('replica-a to lead', () => a.isLeader(), 30_000, 200);
    ctl = { a, b: await start('b') };
    cert = await fetchCertPem(ctlNs);
    const items = Array.from({ length: N }, (_, i) => ({ name: `s${i}`, data: { v: `s${i}-0` } }));
    for (const it of items) oracle.set(it.name, it.data);
    await writeSealed(api, cert, app, items);
    await waitFor(`${N} SealedSecrets Ready`, async () => (await readyCount(api, app)) === N, 180_000, 1000);
  });

  it('the old leader stops writing by its renew deadline, the standby takes over, nothing interleaves, nothing is lost', async () => {
    const leaderWho = (await ctl.a.isLeader()) ? 'a' : 'b';
    const standbyWho = leaderWho === 'a' ? 'b' : 'a';
    const leader = ctl[leaderWho];
    const standby = ctl[standbyWho];
    const leaderLink = proxies[leaderWho === 'a' ? 0 : 1]!;
    const who = { a: kc.a, b: kc.b };
    const mark = auditMark();

    // Changes that keep coming: random objects re-sealed with a new value, ~10 a second. (A
    // leader busy with a burst has every worker stuck on the stalled link; one with free workers
    // is the one that can write while it wrongly believes it still leads.)
    let version = 0;
    let changes = 0;
    let stop = false;
    const change = async (i: number) => {
      const name = `s${i}`;
      const data = { v: `${name}-${++version}` };
      await api.upsert(ssPath(app), seal(cert, { namespace: app, name, data }));
      oracle.set(name, data);
      changes++;
    };
    const trickle = (async () => {
      while (!stop) {
        await change(Math.floor(Math.random() * N));
        await sleep(100);
      }
    })();

    // Stall the leader's link while it is writing those changes.
    await waitFor('the leader to be writing the changes', async () => readAudit({ from: mark, who }).filter((w) => w.who === leaderWho && w.resource === 'secrets' && succeeded(w)).length >= 20, 60_000, 200);
    const heal = await leaderLink.blackhole();
    const t0 = Date.now();
    await waitFor('the standby to lead', () => standby.isLeader(), LEASE_MS * 4, 100);
    const takeoverSeen = Date.now() - t0;
    // Toxiproxy closes a blackholed connection when the toxic is removed, so a renew stalled on it
    // fails the moment the link heals: writes cannot show a leader that overstays; its own word can.
    const stepDown = () => leader.lines.find((l) => l.msg === 'lost leadership' && Date.parse(l.ts) >= t0);
    await waitFor('the stalled leader to step down', async () => stepDown(), Math.max(0, t0 + STALL_MS - Date.now()), 100).catch(() => undefined);
    await sleep(Math.max(0, t0 + STALL_MS - Date.now()));
    const stepDownBeforeHeal = stepDown();
    await heal();
    const healedAt = Date.now();
    // Keep changing past the old 30 s socket timeout, when a stalled renew used to give up.
    await sleep(20_000);
    stop = true;
    await trickle;
    await oracle.converged(api, app, 180_000);
    const convergedAt = Date.now();
    await waitFor('the old leader to be a ready standby', async () => !(await leader.isLeader()) && (await fetch(`${leader.url}/readyz`)).status === 200, 60_000, 500);
    await sleep(3000);

    const writes = readAudit({ from: mark, who }).filter((w) => w.who === leaderWho || w.who === standbyWho);
    const isLease = (w: AuditWrite) => w.resource === 'leases' && w.name === LEASE_NAME && w.namespace === ctlNs;
    const byLeader = writes.filter((w) => w.who === leaderWho);
    const byStandby = writes.filter((w) => w.who === standbyWho);
    const lastRenew = byLeader.filter((w) => isLease(w) && succeeded(w)).at(-1);
    const acquired = byStandby.find((w) => isLease(w) && succeeded(w));
    const firstStandbyWrite = byStandby.find(succeeded);
    expect(lastRenew, 'the leader renewed its lease before the stall').toBeDefined();
    expect(acquired, 'the standby acquired the lease').toBeDefined();
    const lastLeaderAttempt = byLeader.at(-1)!;
    const becameLeader = standby.lines.find((l) => l.msg === 'became leader' && Date.parse(l.ts) >= t0);
    const stepDownAt = stepDownBeforeHeal ? Date.parse(stepDownBeforeHeal.ts) : undefined;
    const lastLeaderWrite = byLeader.filter(succeeded).at(-1)!;
    const secretWrites = (ws: AuditWrite[]) => ws.filter((w) => w.resource === 'secrets' && succeeded(w)).length;
    const statusWrites = (ws: AuditWrite[]) => ws.filter((w) => w.resource === 'sealedsecrets' && succeeded(w)).length;
    const result = await oracle.check(api, app);

    printFigures('leader link stalls (blackhole on the leader\'s proxy)', {
      objects: N,
      'changes made': changes,
      'lease / renew deadline / retry': `${LEASE_MS} / ${RENEW_DEADLINE_MS} / ${RETRY_MS} ms`,
      'standby leads after stall start (seen)': seconds(takeoverSeen),
      'standby acquired after last renew (audit)': seconds(acquired!.at - lastRenew!.at),
      'old leader: last write attempt after last renew': seconds(lastLeaderAttempt.received - lastRenew!.at),
      'old leader stepped down after last renew': stepDownAt ? seconds(stepDownAt - lastRenew!.at) : `not before the link healed (${stepDown() ? `at +${seconds(Date.parse(stepDown().ts) - lastRenew!.at)}` : 'never'})`,
      'link healed after stall start': seconds(healedAt - t0),
      'converged after heal (changes stopped at heal + 20 s)': seconds(convergedAt - healedAt),
      'Secret writes old leader / new leader': `${secretWrites(byLeader)} / ${secretWrites(byStandby)}`,
      'status writes old leader / new leader': `${statusWrites(byLeader)} / ${statusWrites(byStandby)}`,
      'lost / blanked / wrong': `${result.lost.length} / ${result.blanked.length} / ${result.wrong.length}`,
    });

    // The old leader made no request at all after its renew deadline.
    const late = byLeader.filter((w) => w.received > lastRenew!.at + RENEW_DEADLINE_MS);
    expect(late.map((w) => `${w.verb} ${w.resource}/${w.name} ${w.code} at +${w.received - lastRenew!.at} ms`)).toEqual([]);
    // The stalled leader gave up leadership by its renew deadline, before the standby could take
    // the expired lease: at no instant did both believe they lead.
    expect(stepDownAt, 'the stalled leader stepped down while its link was still stalled').toBeDefined();
    expect(stepDownAt!).toBeLessThan(Date.parse(becameLeader.ts));
    expect(stepDownAt!).toBeLessThan(acquired!.received);
    // The standby waited for the lease to expire (by its own observation) and took over before the link healed.
    expect(acquired!.received).toBeGreaterThanOrEqual(lastRenew!.at + LEASE_MS - 250);
    expect(acquired!.at).toBeLessThan(healedAt);
    // Never both: every write of the old leader precedes the first of the new one.
    expect(lastLeaderWrite.at).toBeLessThan(firstStandbyWrite!.received);
    // The healed old leader is a standby; the lease stayed with the new leader (no flapping).
    expect(await leader.isLeader()).toBe(false);
    expect(await standby.isLeader()).toBe(true);
    expect(result).toEqual({ ok: N, lost: [], blanked: [], wrong: [] });
  });
});
