// Several replicas, crashes and restarts: one leader, no fighting, nothing lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube } from '../infra/env.js';
import { restartApiserver } from './lib/restart.js';
import { apply, controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, keySecrets, kubectl, readyCondition, sleep, waitFor, waitReady } from './lib/kube.js';
import { ControllerProcess } from './lib/controller-process.js';
import { seal } from './lib/seal.js';

const FAST_LEASE = ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms'];
let ctlNs: string;
let app: string;
let kubeconfig: string;
const running: ControllerProcess[] = [];

async function start(identity: string, extra: string[] = [], waitReady = true): Promise<ControllerProcess> {
  const p = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity, args: [...FAST_LEASE, ...extra], waitReady });
  running.push(p);
  return p;
}

async function leaseHolder(): Promise<string | undefined> {
  return (await getJson(['lease', 'sealkit-controller', '-n', ctlNs]))?.spec?.holderIdentity;
}

async function allReady(names: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(`${names.length} SealedSecrets Ready`, async () => {
    const list = await getJson(['sealedsecrets.sealkit.dev', '-n', app]);
    const ready = new Set(list.items.filter((s: any) => readyCondition(s)?.status === 'True' && s.status.observedGeneration === s.metadata.generation).map((s: any) => s.metadata.name));
    return names.every((n) => ready.has(n));
  }, timeoutMs, 500);
}

beforeAll(async () => {
  requireKube({ gc: true });
  await ensureCrd();
  ctlNs = await createNamespace('skha');
  app = await createNamespace('app-ha');
  kubeconfig = await controllerIdentity(ctlNs);
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  for (const ns of [app, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

describe('two replicas', () => {
  let a: ControllerProcess;
  let b: ControllerProcess;
  let cert: string;

  it('started together: exactly one key is created, exactly one leader, both ready', async () => {
    [a, b] = await Promise.all([start('replica-a'), start('replica-b')]);
    expect(await keySecrets(ctlNs)).toHaveLength(1);
    const leaders = [await a.isLeader(), await b.isLeader()];
    expect(leaders.filter(Boolean)).toHaveLength(1);
    expect(await leaseHolder()).toBe(leaders[0] ? 'replica-a' : 'replica-b');
    cert = await fetchCertPem(ctlNs);
    // the standby serves the same public key
    expect(await (await fetch(`${a.url}/v1/cert.pem`)).text()).toBe(await (await fetch(`${b.url}/v1/cert.pem`)).text());
  });

  it('converge without fighting: only the leader writes, and nothing flaps afterwards', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    await apply(names.map((n) => seal(cert, { namespace: app, name: n, data: { v: n } })));
    await allReady(names);
    const snap = async () => {
      const l = await getJson(['secrets,sealedsecrets.sealkit.dev', '-n', app]);
      return Object.fromEntries(l.items.map((o: any) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    };
    const before = await snap();
    await sleep(3000);
    expect(await snap()).toEqual(before);
    const [leader, standby] = (await a.isLeader()) ? [a, b] : [b, a];
    expect(await leader.metric('sealkit_secret_writes_total', '{op="create"}')).toBe(20);
    expect(await standby.metric('sealkit_secret_writes_total', '{op="create"}')).toBeUndefined();
    expect(await standby.metric('sealkit_status_patches_total')).toBe(0);
  });

  it('leader crashes (SIGKILL): the standby takes over within the lease duration and keeps converging', async () => {
    const [leader, standby] = (await a.isLeader()) ? [a, b] : [b, a];
    await leader.kill();
    const t0 = Date.now();
    await waitFor('standby to become leader', () => standby.isLeader(), 20_000, 200);
    expect(Date.now() - t0).toBeLessThan(12_000);
    await apply(seal(cert, { namespace: app, name: 'after-crash', data: { v: 'x' } }));
    await waitReady(app, 'after-crash');
    await kubectl(['delete', 'secret', 's3', '-n', app]);
    await waitFor('drift healed by the new leader', async () => decoded(await getJson(['secret', 's3', '-n', app])).v === 's3');
    a = standby;
    b = await start('replica-c');
    expect(await b.isLeader()).toBe(false);
  });

  it('SIGTERM releases the lease: the standby takes over at once', async () => {
    const [leader, standby] = (await a.isLeader()) ? [a, b] : [b, a];
    const t0 = Date.now();
    expect(await leader.stop()).toBe(0);
    expect(leader.has('released leadership')).toBe(true);
    await waitFor('standby to become leader', () => standby.isLeader(), 10_000, 100);
    expect(Date.now() - t0).toBeLessThan(4_000);
    await standby.stop();
    expect(await keySecrets(ctlNs)).toHaveLength(1);
  });
});

describe('crash and restart', () => {
  it('a controller killed mid-run: the next one converges everything, nothing lost', async () => {
    const cert = await fetchCertPem(ctlNs);
    const names = Array.from({ length: 150 }, (_, i) => `bulk-${i}`);
    await apply(names.map((n) => seal(cert, { namespace: app, name: n, data: { v: `value-${n}` } })));
    const slow = await start('slow', ['--workers', '1', '--log-level', 'debug']);
    // Kill it as soon as its log shows it is writing: mid-run, without waiting for kubectl.
    await waitFor('some Secrets written', async () => slow.count('secret written') >= 5, 30_000, 2);
    await slow.kill();
    const written = (await getJson(['secrets', '-n', app])).items.filter((s: any) => s.metadata.name.startsWith('bulk-')).length;
    expect(written).toBeLessThan(150);
    const next = await start('next');
    await allReady(names, 90_000);
    const secrets = (await getJson(['secrets', '-n', app])).items.filter((s: any) => s.metadata.name.startsWith('bulk-'));
    expect(secrets).toHaveLength(150);
    for (const s of secrets) expect(decoded(s).v).toBe(`value-${s.metadata.name}`);
    await next.stop();
  });

  it('the API server restarted mid-run: the controller reconnects and converges', async () => {
    const ctl = await start('survivor');
    const cert = await fetchCertPem(ctlNs);
    await restartApiserver();
    await apply(seal(cert, { namespace: app, name: 'after-restart', data: { v: 'back' } }));
    await waitReady(app, 'after-restart', 'True', 90_000);
    await kubectl(['delete', 'secret', 'bulk-7', '-n', app]);
    await waitFor('drift healed after restart', async () => decoded(await getJson(['secret', 'bulk-7', '-n', app])).v === 'value-bulk-7', 60_000);
    expect(ctl.child.exitCode).toBeNull();
    expect(ctl.lines.some((l) => l.msg === 'list/watch failed; retrying')).toBe(true);
    await ctl.stop();
  });
});
