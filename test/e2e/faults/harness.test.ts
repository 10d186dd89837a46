// The fault harness itself: a Toxiproxy proxy in front of the real apiserver (TLS still verified),
// toxics that stall, delay and reset the link, the audit log telling two tokens of one
// ServiceAccount apart, and etcd killed and restarted on its data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube, saKubeconfig } from '../../infra/env.js';
import { auditMark, readAudit, succeeded } from '../lib/audit.js';
import { createNamespace, kubectl, waitFor } from '../lib/kube.js';
import { componentArgv, respawnComponent } from '../lib/restart.js';
import { apiserverProxy, kubeconfigVia, Toxiproxy, type Proxy } from '../lib/toxiproxy.js';
import { AdminApi, etcdHealthy, dropNamespaces, secretPath } from './support.js';

let ns: string;
let proxy: Proxy;
let kcA: string;
let kcB: string;
const api = new AdminApi();

/** kubectl through a kubeconfig, with a client-side timeout; the time it took. */
async function timed(args: string[], kubeconfig: string): Promise<{ ms: number; code: number; stderr: string }> {
  const t0 = Date.now();
  const r = await kubectl(['--request-timeout=3s', ...args], { kubeconfig, allowFail: true });
  return { ms: Date.now() - t0, code: r.code, stderr: r.stderr };
}

beforeAll(async () => {
  requireKube();
  ns = await createNamespace('fharness');
  await kubectl(['create', 'serviceaccount', 'writer', '-n', ns]);
  await kubectl(['create', 'rolebinding', 'writer', '--clusterrole=edit', `--serviceaccount=${ns}:writer`, '-n', ns]);
  // two tokens of the same ServiceAccount: two "replicas"
  kcA = await saKubeconfig(ns, 'writer');
  kcB = await saKubeconfig(ns, 'writer');
  proxy = await apiserverProxy(`harness-${ns}`);
});

afterAll(async () => {
  await proxy?.delete();
  api.close();
  await dropNamespaces(ns);
});

describe('toxiproxy in front of the apiserver', () => {
  it('a client reaches the apiserver through the proxy, TLS verified against the harness CA', async () => {
    const via = kubeconfigVia(kcA, proxy);
    const r = await kubectl(['get', 'secrets', '-n', ns, '-o', 'name'], { kubeconfig: via });
    expect(r.code).toBe(0);
    const server = (await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], { kubeconfig: via })).stdout;
    expect(server).toBe(`https://127.0.0.1:${proxy.port}`);
  });

  it('a blackhole stalls requests without closing them; healed, the link works again', async () => {
    const via = kubeconfigVia(kcA, proxy);
    const heal = await proxy.blackhole();
    const stalled = await timed(['get', 'secrets', '-n', ns], via);
    expect(stalled.code).not.toBe(0);
    expect(stalled.stderr).toMatch(/timeout|deadline|Client.Timeout/i);
    // the direct path is unaffected
    expect((await kubectl(['get', 'secrets', '-n', ns])).code).toBe(0);
    await heal();
    expect((await timed(['get', 'secrets', '-n', ns], via)).code).toBe(0);
  });

  it('latency delays every answer by at least the latency minus the jitter', async () => {
    const via = kubeconfigVia(kcA, proxy);
    const base = await timed(['get', 'secrets', '-n', ns], via);
    const heal = await proxy.latency(600, 100);
    const slow = await timed(['get', 'secrets', '-n', ns], via);
    await heal();
    process.stdout.write(`[harness] kubectl get through the proxy: ${base.ms} ms, with 600+-100 ms latency: ${slow.ms} ms\n`);
    expect(slow.code).toBe(0);
    // a lower bound only: one request-answer round trip crosses the toxic at least twice
    expect(slow.ms).toBeGreaterThanOrEqual(500 * 2);
  });

  it('reset_peer cuts connections (the client sees a reset), and removing it restores the link', async () => {
    const via = kubeconfigVia(kcA, proxy);
    const heal = await proxy.resetPeer(0);
    const r = await timed(['get', 'secrets', '-n', ns], via);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/reset|EOF|broken|closed/i);
    await heal();
    expect((await timed(['get', 'secrets', '-n', ns], via)).code).toBe(0);
  });

  it('the toxics API refuses an unknown toxic with a clear error', async () => {
    await expect(proxy.add({ type: 'nonsense' as any, attributes: { timeout: 1 } })).rejects.toThrow(/toxiproxy POST .*HTTP 400/);
  });

  it('reset() removes every toxic', async () => {
    await proxy.bandwidth(1);
    await proxy.slicer(10, 5, 100);
    await new Toxiproxy().reset();
    const p = await new Toxiproxy().request('GET', `/proxies/${proxy.name}`);
    expect(p.toxics).toEqual([]);
  });
});

describe('audit log', () => {
  it('records each write with its verb, object, answer and the token that made it', async () => {
    const mark = auditMark();
    await kubectl(['create', 'secret', 'generic', 'by-a', '--from-literal=k=v', '-n', ns], { kubeconfig: kcA });
    await kubectl(['create', 'secret', 'generic', 'by-b', '--from-literal=k=v', '-n', ns], { kubeconfig: kcB });
    await kubectl(['delete', 'secret', 'by-a', '-n', ns], { kubeconfig: kcB });
    await kubectl(['get', 'secret', 'by-b', '-n', ns], { kubeconfig: kcA }); // a read: not recorded
    const writes = await waitFor('3 audit records', async () => {
      const w = readAudit({ from: mark, who: { a: kcA, b: kcB } }).filter((x) => x.namespace === ns);
      return w.length >= 3 ? w : undefined;
    }, 10_000, 100);
    expect(writes.map((w) => [w.who, w.verb, w.resource, w.name, w.code])).toEqual([
      ['a', 'create', 'secrets', 'by-a', 201],
      ['b', 'create', 'secrets', 'by-b', 201],
      ['b', 'delete', 'secrets', 'by-a', 200],
    ]);
    expect(writes.every(succeeded)).toBe(true);
    expect(writes[0]!.username).toBe(`system:serviceaccount:${ns}:writer`);
    expect(writes[0]!.userAgent).toMatch(/^kubectl\//);
    expect(writes[0]!.at).toBeGreaterThanOrEqual(writes[0]!.received);
  });
});

describe('etcd killed and restarted on its data', () => {
  it('SIGKILL, same data dir: what was written before is there after', async () => {
    await api.request('POST', secretPath(ns), { metadata: { name: 'before-kill' }, stringData: { k: 'v' } });
    const argv = componentArgv('etcd');
    expect(argv).toContain('--data-dir');
    await respawnComponent('etcd', {
      downMs: 500,
      ready: etcdHealthy,
    });
    await waitFor('apiserver serving again', async () => (await kubectl(['get', 'secret', 'before-kill', '-n', ns], { allowFail: true })).code === 0, 60_000, 500);
  });
});
