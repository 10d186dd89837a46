// Hostile manifests and requests against the real controller, apiserver and Vault, one row each,
// every row asserting the exact outcome: what a manifest cannot make the controller do (write
// elsewhere, keep foreign owners or finalizers, loop), what it does with extreme but valid input,
// and what the HTTP API does with abuse (oversized and malformed bodies, bursts, slow clients,
// reseal requests that claim another scope, namespace or name).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireVault } from '../../infra/env.js';
import { auditMark, readAudit, succeeded } from '../lib/audit.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { apply, decoded, getJson, kubectl, readyCondition, sleep, suffix, waitFor, waitReady } from '../lib/kube.js';
import { seal } from '../lib/seal.js';
import { ensureRemoteCrds, grantRemoteRbac, kv2Put, remoteSecret, vault, vaultStore, waitRemote, secretOf } from '../remote-support.js';
import { AdminApi, controllerSetup, dropNamespaces, fetchCertPem, pool, ssPath } from './support.js';

const api = new AdminApi();
let ctlNs: string;
let app: string;
let other: string;
let ctl: ControllerProcess;
let cert: string;
let P: string;

beforeAll(async () => {
  const v = requireVault();
  await ensureRemoteCrds();
  let kubeconfig: string;
  ({ ctlNs, app, kubeconfig } = await controllerSetup('fhostile'));
  other = `${app}-other`;
  await kubectl(['create', 'namespace', other]);
  await grantRemoteRbac(ctlNs);
  P = `hostile-${suffix()}`;
  const policy = `sealkit-hostile-${P}`;
  await vault('PUT', `sys/policies/acl/${policy}`, { policy: `path "secret/data/${P}/*" { capabilities = ["read"] }` });
  const token = (await vault('POST', 'auth/token/create', { policies: [policy], ttl: '1h' })).auth.client_token;
  await kv2Put('secret', `${P}/db`, { password: 'from-vault' });
  await apply([
    secretOf('vault-token', app, { token }),
    vaultStore(app, 'vault', { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
    secretOf('vault-token', other, { token }),
    vaultStore(other, 'elsewhere', { server: v.addr, mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } }),
  ]);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app, other], identity: 'hostile' });
  cert = await fetchCertPem(ctlNs);
});

afterAll(async () => {
  await ctl?.kill();
  api.close();
  await dropNamespaces(app, other, ctlNs);
});

const secret = (name: string, ns = app) => getJson(['secret', name, '-n', ns]);
const withTemplate = (name: string, data: Record<string, string>, template: Record<string, unknown>) => {
  const ss = seal(cert, { namespace: app, name, data });
  ss.spec.template = { ...(ss.spec.template ?? {}), ...template, metadata: { ...(ss.spec.template?.metadata ?? {}), ...((template.metadata as object) ?? {}) } };
  return ss;
};

describe('hostile manifests', () => {
  // The CRD's schema has no such fields in spec.template.metadata: a strict client is refused, and
  // the apiserver prunes them from anything else, so they never reach the controller at all.
  const escapes: [string, Record<string, unknown>, RegExp][] = [
    ['metadata.namespace pointing elsewhere', { namespace: 'kube-system' }, /namespace/],
    ['metadata.name pointing elsewhere', { name: 'someone-elses' }, /name/],
    ['ownerReferences, finalizers, managedFields', {
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'decoy', uid: '00000000-0000-0000-0000-000000000001' }],
      finalizers: ['example.com/never-let-go'],
      managedFields: [{ manager: 'evil', operation: 'Apply' }],
    }, /ownerReferences|finalizers|managedFields/],
  ];
  for (const [i, [what, metadata, field]] of escapes.entries()) {
    it(`template ${what}: refused under strict field validation, pruned otherwise; the Secret is the SealedSecret's own`, async () => {
      const name = `escape-${i}`;
      const ss = withTemplate(name, { k: 'v' }, { metadata });
      const strict = await api.request('POST', `${ssPath(app)}?fieldValidation=Strict`, ss).catch((e) => e);
      expect(String(strict)).toMatch(/HTTP 400 [\s\S]*strict decoding error: unknown field/);
      expect(String(strict)).toMatch(field);
      await api.request('POST', ssPath(app), ss);
      await waitReady(app, name);
      const s = await secret(name);
      expect(decoded(s)).toEqual({ k: 'v' });
      expect(s.metadata.namespace).toBe(app);
      expect(s.metadata.ownerReferences.map((o: any) => o.kind)).toEqual(['SealedSecret']);
      expect(s.metadata.finalizers ?? []).toEqual([]);
      expect((s.metadata.managedFields ?? []).map((m: any) => m.manager)).not.toContain('evil');
      expect(await secret('someone-elses')).toBeUndefined();
      expect(await secret(name, 'kube-system')).toBeUndefined();
    });
  }

  it('a 1 MiB value: written as is', async () => {
    const big = 'x'.repeat(1024 * 1024 - 64);
    await api.request('POST', ssPath(app), seal(cert, { namespace: app, name: 'one-mib', data: { big } }));
    await waitReady(app, 'one-mib', 'True', 60_000);
    expect(decoded(await secret('one-mib')).big).toBe(big);
  });

  it('5,000 keys: all written', async () => {
    const data = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key-${i}`, `v${i}`]));
    await api.request('POST', ssPath(app), seal(cert, { namespace: app, name: 'many-keys', data }));
    await waitReady(app, 'many-keys', 'True', 60_000);
    expect(decoded(await secret('many-keys'))).toEqual(data);
  });

  it('keys a Secret forbids: refused up front, Ready=False InvalidSpec naming the key, no Secret write attempted, no retries', async () => {
    const ss = seal(cert, { namespace: app, name: 'bad-keys', data: { ok: 'v' } });
    ss.spec.encryptedData['no/slash'] = ss.spec.encryptedData.ok;
    const mark = auditMark();
    await api.request('POST', ssPath(app), ss);
    const c = readyCondition(await waitReady(app, 'bad-keys', 'False', 30_000));
    expect(c.reason).toBe('InvalidSpec');
    expect(c.message).toContain('"no/slash"');
    await sleep(5_000);
    const attempts = readAudit({ from: mark }).filter((w) => w.resource === 'secrets' && w.name === 'bad-keys');
    process.stdout.write(`[hostile] forbidden key: ${attempts.length} Secret write attempts in ~5 s (${c.message})\n`);
    expect(attempts).toHaveLength(0);
    expect(await secret('bad-keys')).toBeUndefined();
  });

  it('invalid base64 in a value: Ready=False InvalidSealedValue, no Secret', async () => {
    const ss = seal(cert, { namespace: app, name: 'bad-b64', data: { k: 'v' } });
    ss.spec.encryptedData.k = '!!!not base64!!!';
    await api.request('POST', ssPath(app), ss);
    const s = await waitReady(app, 'bad-b64', 'False');
    expect(readyCondition(s).reason).toBe('InvalidSealedValue');
    expect(await secret('bad-b64')).toBeUndefined();
  });

  it('values sealed for another object: Ready=False ScopeMismatch, no Secret', async () => {
    const forOther = seal(cert, { namespace: app, name: 'the-real-one', data: { k: 'v' } });
    forOther.metadata.name = 'copied';
    await api.request('POST', ssPath(app), forOther);
    expect(readyCondition(await waitReady(app, 'copied', 'False')).reason).toBe('ScopeMismatch');
    expect(await secret('copied')).toBeUndefined();
  });

  it('a SealedSecret and a RemoteSecret claiming one Secret: the first owner keeps it, the other says SecretNotOwned', async () => {
    await apply(seal(cert, { namespace: app, name: 'contested', data: { password: 'sealed' } }));
    await waitReady(app, 'contested');
    await apply(remoteSecret(app, 'contested', { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: `${P}/db`, property: 'password' } }] }));
    await waitRemote(app, 'contested', 'False', 'SecretNotOwned');
    await sleep(2000);
    expect(decoded(await secret('contested'))).toEqual({ password: 'sealed' });
    expect(readyCondition(await getJson(['sealedsecrets.sealkit.dev', 'contested', '-n', app])).status).toBe('True');
    const owners = (await secret('contested')).metadata.ownerReferences;
    expect(owners.map((o: any) => o.kind)).toEqual(['SealedSecret']);
  });

  it('a RemoteSecret pointing at a store in another namespace: refused, no Secret', async () => {
    await apply(remoteSecret(app, 'cross-ns', { storeRef: { name: 'elsewhere', namespace: other }, data: [{ secretKey: 'p', remoteRef: { key: `${P}/db`, property: 'password' } }] }))
      .catch((e) => expect(String(e)).toMatch(/storeRef|unknown field|namespace/));
    const rs = await getJson(['remotesecret', 'cross-ns', '-n', app]);
    if (rs) {
      const done = await waitFor('cross-ns refused', async () => {
        const o = await getJson(['remotesecret', 'cross-ns', '-n', app]);
        const c = (o?.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
        return c?.status === 'False' ? c : undefined;
      });
      expect(['StoreNotFound', 'StoreNotAllowed', 'InvalidSpec']).toContain(done.reason);
    }
    expect(await secret('cross-ns')).toBeUndefined();
  });

  it('a template whose type changes every second: one recreate per change, no hot loop', async () => {
    const types = ['Opaque', 'example.com/a', 'example.com/b'];
    await apply(withTemplate('flipper', { k: 'v' }, { type: types[0] }));
    await waitReady(app, 'flipper');
    const mark = auditMark();
    const CHANGES = 10;
    for (let i = 1; i <= CHANGES; i++) {
      await apply(withTemplate('flipper', { k: 'v' }, { type: types[i % types.length] }));
      await sleep(1000);
    }
    const final = types[CHANGES % types.length];
    await waitFor('the last type', async () => (await secret('flipper'))?.type === final, 30_000);
    await waitReady(app, 'flipper');
    const settled = readAudit({ from: mark }).filter((w) => w.resource === 'secrets' && w.name === 'flipper' && succeeded(w)).length;
    await sleep(5000);
    const writes = readAudit({ from: mark }).filter((w) => w.resource === 'secrets' && w.name === 'flipper' && succeeded(w));
    process.stdout.write(`[hostile] type flipped ${CHANGES} times: ${writes.length} Secret writes (delete + create per change)\n`);
    expect(writes.length).toBe(settled); // quiet once settled
    expect(writes.length).toBeLessThanOrEqual(2 * CHANGES);
    expect(decoded(await secret('flipper'))).toEqual({ k: 'v' });
  });
});

describe('hostile HTTP requests', () => {
  const post = (path: string, body: string, type = 'application/json') => fetch(`${ctl.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('a body over the limit: 413, and the server keeps serving', async () => {
    const r = await post('/v1/verify', 'x'.repeat(2 * 1024 * 1024 + 1)).catch((e) => e);
    if (r instanceof Response) expect(r.status).toBe(413);
    else expect(String(r.cause ?? r)).toMatch(/EPIPE|ECONNRESET|other side closed|SocketError/); // refused while we were still sending
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
  });

  it('malformed JSON: 400 with a one-line reason', async () => {
    const r = await post('/v1/verify', '{"apiVersion": "sealkit.dev/v1alpha1", "kind": ');
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(text).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('10,000 requests in a burst: rate limited with 429 and Retry-After, nothing else fails', async () => {
    const body = JSON.stringify(seal(cert, { namespace: app, name: 'rl', data: { k: 'v' } }));
    const codes = new Map<number, number>();
    let retryAfter: string | null = null;
    const t0 = Date.now();
    await pool(10_000, 64, async () => {
      const r = await post('/v1/verify', body);
      await r.arrayBuffer();
      codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    });
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(`[hostile] 10,000 verify requests in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(codes))}\n`);
    expect([...codes.keys()].sort()).toEqual([200, 429]);
    expect(retryAfter).toMatch(/^\d+$/);
    // a token bucket of 20/s with a burst of 40 (docs/operations.md): what got through is bounded
    expect(codes.get(200)!).toBeLessThanOrEqual(40 + Math.ceil(20 * seconds) + 1);
    expect((await fetch(`${ctl.url}/readyz`)).status).toBe(200);
  });

  it('a slow client (headers sent, body never): the server closes the connection and keeps serving others', async () => {
    // the rate limiter answers 429 before reading a body: let its bucket refill after the burst row
    await sleep(2500);
    const u = new URL(ctl.url);
    const slow = await Promise.all(Array.from({ length: 20 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.write('POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":');
        resolve(s);
      });
      s.on('error', reject);
    })));
    const closed = slow.map((s) => new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (d) => (got += d.toString('utf8')));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
    }));
    // others are served meanwhile
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
    const answers = await waitFor('the slow connections to be closed by the server', () => Promise.all(closed), 120_000);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(answers.map(() => 'HTTP/1.1 408 Request Timeout'));
  });

  it('/v1/reseal never changes a value\'s scope, namespace or name, whatever the request claims', async () => {
    const original = seal(cert, { namespace: app, name: 'pinned', data: { k: 'v' } });
    // claims another name and namespace, and cluster-wide scope by annotation
    const claim = structuredClone(original);
    claim.metadata = { name: 'stolen', namespace: other, annotations: { 'sealkit.dev/scope': 'cluster-wide', 'sealedsecrets.bitnami.com/cluster-wide': 'true' } };
    const r = await post('/v1/reseal', JSON.stringify(claim));
    expect(r.status).toBe(409); // the values do not open for stolen/other: nothing resealed
    // without metadata it reseals for the object the values were sealed for, and only that one
    const bare = structuredClone(original);
    bare.metadata = {};
    const ok = await post('/v1/reseal', JSON.stringify(bare));
    expect(ok.status).toBe(200);
    const resealed: any = await ok.json();
    // applied under the original name it opens; applied under the claimed name it does not
    await apply({ ...resealed, metadata: { name: 'pinned', namespace: app } });
    await waitReady(app, 'pinned');
    expect(decoded(await secret('pinned'))).toEqual({ k: 'v' });
    await apply({ ...resealed, metadata: { name: 'stolen', namespace: other } });
    expect(readyCondition(await waitReady(other, 'stolen', 'False')).reason).toBe('ScopeMismatch');
    expect(await secret('stolen', other)).toBeUndefined();
  });
});
