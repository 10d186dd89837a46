// Leader election and the write gate, with a fake clock and an in-memory API server. The real
// apiserver (two replicas, SIGKILL, SIGTERM) is in test/e2e/controller-ha.test.ts.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpKubeClient } from '@sealkit/kube';
import { systemClock } from './clock.js';
import type { KubeClient, KubeRequest } from '@sealkit/kube';
import { FakeClock, flush } from '../testing/fake-clock.js';
import { FakeKube } from '../testing/fake-kube.js';
import { LeaderElector } from './leader.js';
import { silentLogger } from './log.js';
import { Manager } from './manager.js';
import { NotLeaderError, WriteGate } from './write-gate.js';

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/ctl/leases/sealkit-controller';
const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const never = () => new Promise<void>(() => {});

/** One replica's view of the shared API server, whose lease requests a test can stall. */
function replicaClient(api: FakeKube): KubeClient & { stall: boolean; seen: KubeRequest[] } {
  const c = {
    stall: false,
    seen: [] as KubeRequest[],
    async request<T>(req: KubeRequest): Promise<T> {
      c.seen.push(req);
      if (c.stall) await never();
      return api.request<T>(req);
    },
    watch: api.watch.bind(api),
  };
  return c;
}

/** A manager on the shared API server with one reconciler, whose writes go through the gate. */
function replica(api: FakeKube, identity: string, clock: FakeClock) {
  const lease = replicaClient(api);
  const gate = new WriteGate('sealkit-controller');
  const writes = gate.guard(api);
  const leader = { value: 0 };
  const manager = new Manager({
    name: 'sealkit-controller',
    gate,
    clock,
    log: silentLogger,
    leaderGauge: { set: (v) => void (leader.value = v) },
    election: { client: lease, namespace: 'ctl', identity, ...timings },
  });
  manager.add({ name: 'test', caches: [], queues: [], enqueueAll() {}, resyncPeriodMs: 0 });
  /** A Secret write as a reconciler makes it: refused once the gate is closed. */
  const write = (name: string) =>
    writes.request({ method: 'POST', path: '/api/v1/namespaces/app/secrets', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'app' } } });
  return { manager, gate, lease, leader, write };
}

describe('leader election', () => {
  it('a renew that stalls past --renew-deadline: the leader stops writing at the deadline, and readiness says so', async () => {
    const api = new FakeKube();
    const clock = new FakeClock();
    const r = replica(api, 'a', clock);
    r.manager.start();
    await flush();
    expect(r.manager.isLeader).toBe(true);
    expect(r.leader.value).toBe(1);
    await r.write('before');
    // Lease requests now hang (an overloaded connection, a partition): the renew at t=2s never answers.
    r.lease.stall = true;
    const stalled = r.lease.seen.length; // the renew at t=2s will be this request
    await clock.advance(9_999);
    expect(r.gate.isOpen).toBe(true); // last renew started at t=0: deadline at t=10s
    await r.write('just-before-the-deadline');
    await clock.advance(1);
    expect(r.gate.isOpen).toBe(false);
    expect(r.manager.isLeader).toBe(false);
    expect(r.leader.value).toBe(0);
    await expect(r.write('after')).rejects.toBeInstanceOf(NotLeaderError);
    expect(api.writes().filter((w) => w.startsWith('POST /api/v1'))).toHaveLength(2);
    expect(r.manager.notReady().join()).toMatch(/could not renew before the deadline/);
    // Every lease request carried the deadline, as a signal and a timeout.
    for (const req of r.lease.seen) {
      expect(req.signal).toBeInstanceOf(AbortSignal);
      expect(req.timeoutMs).toBeGreaterThan(0);
      expect(req.timeoutMs).toBeLessThanOrEqual(timings.renewDeadlineMs);
    }
    // The stalled renew was aborted at the deadline.
    expect(r.lease.seen[stalled]!.signal!.aborted).toBe(true);
    // The lease answers again: the replica is ready again and, the lease being its own still, leads
    // again (after its pending campaign attempt times out and the retry period passes).
    r.lease.stall = false;
    await clock.advance(12_500);
    expect(r.manager.notReady()).toEqual([]);
    expect(r.manager.isLeader).toBe(true);
    await r.manager.stop();
  });

  it('another holder observed in the lease: the leader steps down at once', async () => {
    const api = new FakeKube();
    const clock = new FakeClock();
    const r = replica(api, 'a', clock);
    r.manager.start();
    await flush();
    expect(r.manager.isLeader).toBe(true);
    // Another replica took the lease (e.g. after our renews failed unnoticed).
    const lease = api.objects.get(LEASE);
    lease.spec.holderIdentity = 'b';
    lease.spec.renewTime = '2030-01-01T00:00:00.000000Z';
    await clock.advance(2_000);
    expect(r.manager.isLeader).toBe(false);
    expect(r.gate.isOpen).toBe(false);
    await expect(r.write('x')).rejects.toBeInstanceOf(NotLeaderError);
    await r.manager.stop();
  });

  it('clock skew between replicas does not matter: never two leaders, and the standby takes over only after the leader stopped', async () => {
    for (const skewMs of [+60_000, -60_000, +14_000]) {
      const api = new FakeKube();
      const ca = new FakeClock(1_000_000);
      const cb = new FakeClock(1_000_000 + skewMs); // b's clock is off by skewMs
      const a = replica(api, 'a', ca);
      const b = replica(api, 'b', cb);
      let elapsed = 0;
      const leaders: { at: number; a: boolean; b: boolean }[] = [];
      const step = async (ms: number) => {
        for (let t = 0; t < ms; t += 100) {
          await ca.advance(100);
          await cb.advance(100);
          elapsed += 100;
          leaders.push({ at: elapsed, a: a.gate.isOpen, b: b.gate.isOpen });
        }
      };
      a.manager.start();
      await flush();
      b.manager.start();
      await step(60_000);
      // a renews every 2 s: b, whatever its clock says, never takes over.
      expect(a.manager.isLeader).toBe(true);
      expect(b.manager.isLeader).toBe(false);
      // a's renews stall: it steps down by its deadline; b takes over once the lease has not changed
      // for the lease duration by b's own clock.
      a.lease.stall = true;
      await step(30_000);
      expect(b.manager.isLeader).toBe(true);
      expect(leaders.every((l) => !(l.a && l.b))).toBe(true);
      const aStopped = leaders.find((l) => l.at > 60_000 && !l.a)!.at;
      const bStarted = leaders.find((l) => l.b)!.at;
      expect(aStopped).toBeLessThan(bStarted);
      await Promise.all([a.manager.stop(), b.manager.stop()]);
    }
  });

  it('SIGTERM path: the lease is released so a standby need not wait for it to expire', async () => {
    const api = new FakeKube();
    const clock = new FakeClock();
    const r = replica(api, 'a', clock);
    r.manager.start();
    await flush();
    await r.manager.stop();
    expect(api.get(LEASE).spec.holderIdentity).toBe('');
    expect(r.gate.isOpen).toBe(false);
  });

  it('an elector alone: a failed acquire is retried; the stop of a leader releases', async () => {
    const api = new FakeKube();
    const clock = new FakeClock();
    const events: string[] = [];
    const client = replicaClient(api);
    let fail = 1;
    const flaky: KubeClient = {
      request: async (req) => {
        if (fail-- > 0) throw new Error('connection refused');
        return client.request(req);
      },
      watch: client.watch,
    };
    const e = new LeaderElector({
      client: flaky,
      namespace: 'ctl',
      name: 'sealkit-controller',
      identity: 'a',
      clock,
      log: silentLogger,
      ...timings,
      random: () => 0,
      onStartedLeading: () => void events.push('started'),
      onStoppedLeading: () => void events.push('stopped'),
    });
    e.start();
    await flush();
    expect(e.isLeader).toBe(false);
    await clock.advance(2_000);
    expect(e.isLeader).toBe(true);
    await e.stop();
    expect(events).toEqual(['started', 'stopped']);
    expect(api.get(LEASE).spec.holderIdentity).toBe('');
  });
});

describe('leader election over the real transport', () => {
  it('a server that stops answering: the request is cut at the deadline and the leader steps down', async () => {
    let leaseObj: any;
    let hung = 0;
    let closedByClient = 0;
    let answering = true;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!answering) {
          hung++;
          res.on('close', () => closedByClient++);
          return; // never answers
        }
        const send = (code: number, obj: unknown) => {
          res.writeHead(code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        if (req.method === 'GET') return leaseObj ? send(200, leaseObj) : send(404, { kind: 'Status', reason: 'NotFound' });
        leaseObj = { ...JSON.parse(body), metadata: { ...JSON.parse(body).metadata, resourceVersion: String(Date.now()) } };
        send(req.method === 'POST' ? 201 : 200, leaseObj);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const client = new HttpKubeClient({ server: `http://127.0.0.1:${port}`, authHeaders: async () => ({}) });
    let stopped!: () => void;
    const steppedDown = new Promise<void>((r) => (stopped = r));
    const e = new LeaderElector({
      client,
      namespace: 'ctl',
      name: 'l',
      identity: 'a',
      clock: systemClock,
      log: silentLogger,
      leaseDurationMs: 1_500,
      renewDeadlineMs: 1_000,
      retryPeriodMs: 200,
      onStartedLeading: () => void (answering = false),
      onStoppedLeading: () => stopped(),
    });
    try {
      e.start();
      await steppedDown;
      expect(e.isLeader).toBe(false);
      expect(hung).toBeGreaterThan(0);
      // The transport gave up on the hung renew (its socket closed by us, not by the server).
      await new Promise((r) => setTimeout(r, 50));
      expect(closedByClient).toBeGreaterThan(0);
    } finally {
      await e.stop();
      client.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
