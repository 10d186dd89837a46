// The HTTP server on a loopback port, with a real keyring store over an in-memory API server.
// The same endpoints through the real apiserver and the CLI are in test/e2e.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, keyId, sealValues, type KeyPair } from '@sealkit/core';
import { stringify as toYaml } from 'yaml';
import { plaintextCustody } from '../keys/custody/plaintext.js';
import { KeyringStore, keySecretManifest } from '../keys/keyring-store.js';
import { silentLogger } from '../runtime/log.js';
import { createMetrics } from '../runtime/metrics.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKube } from '../testing/fake-kube.js';
import { createHttpServer } from './server.js';

/** A key Secret as the plaintext custody writes it. */
async function plainKeySecret(namespace: string, pair: KeyPair, createdAt: Date): Promise<object> {
  return keySecretManifest(namespace, pair.publicKey, await plaintextCustody().wrap(pair.secretKey, keyId(pair.publicKey)), createdAt);
}

const pair = generateKeyPair();
const stranger = generateKeyPair();
const enc = (s: string) => new TextEncoder().encode(s);
let server: http.Server;
let url = '';
let notReady: string[] = [];
let store: KeyringStore;

function sealedSecret(ns: string, name: string, recipients = [pair.publicKey]) {
  return {
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'SealedSecret',
    metadata: { namespace: ns, name },
    spec: { encryptedData: sealValues({ password: enc('plain-pw') }, { recipients, scope: 'strict', namespace: ns, name }) },
  };
}

beforeAll(async () => {
  const api = new FakeKube();
  api.put(await plainKeySecret('sealkit', pair, new Date(0)));
  store = new KeyringStore({ client: api, namespace: 'sealkit', clock: new FakeClock(), log: silentLogger });
  store.start();
  await store.waitForSync();
  server = createHttpServer({ keys: store, metrics: createMetrics(), log: silentLogger, notReady: () => notReady, opsPerSecond: 10_000 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await store.stop();
});

describe('controller HTTP server', () => {
  it('/healthz; /readyz says why not ready', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    notReady = ['sealedsecret: caches not synced', 'lease sealkit-controller: could not renew before the deadline'];
    const r = await fetch(`${url}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.text()).toBe(`not ready: ${notReady.join('; ')}\n`);
    notReady = [];
  });

  it('/metrics: Prometheus text from the one registry, process metrics included', async () => {
    const r = await fetch(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    for (const name of ['sealkit_leader', 'sealkit_status_patches_total', 'sealkit_http_requests_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/sealkit_http_requests_total\{route="\/healthz",code="200"\} [1-9]/);
  });

  it('GET /v1/cert.pem and /v1/keys: public keys only', async () => {
    const r = await fetch(`${url}/v1/cert.pem`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sealkit-key-id')).toBe(keyId(pair.publicKey));
    expect(await r.text()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const keys = await (await fetch(`${url}/v1/keys`)).text();
    expect(keys).toContain(keyId(pair.publicKey));
    expect(keys).not.toContain('PRIVATE');
  });

  it('POST /v1/verify: per value yes/no with a reason, never the plaintext', async () => {
    const good = sealedSecret('app', 'db');
    let r = await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify(good), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect((await r.json()).values.password).toMatchObject({ ok: true });
    const moved = { ...good, metadata: { namespace: 'other', name: 'db' } };
    r = await fetch(`${url}/v1/verify`, { method: 'POST', body: toYaml(moved), headers: { 'content-type': 'application/yaml' } });
    expect(r.status).toBe(409);
    const text = await r.text();
    expect(text).not.toContain('plain-pw');
    expect(JSON.parse(text).values.password).toMatchObject({ ok: false, reason: 'ScopeMismatch' });
  });

  it('POST /v1/reseal: the same SealedSecret sealed to the active key; a value that does not open: 409', async () => {
    const r = await fetch(`${url}/v1/reseal`, { method: 'POST', body: JSON.stringify(sealedSecret('app', 'db')), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sealkit-key-id')).toBe(keyId(pair.publicKey));
    const out = await r.json();
    expect(out.metadata).toEqual({ namespace: 'app', name: 'db' });
    expect(JSON.stringify(out)).not.toContain('plain-pw');
    const bad = await fetch(`${url}/v1/reseal`, { method: 'POST', body: JSON.stringify(sealedSecret('app', 'db', [stranger.publicKey])) });
    expect(bad.status).toBe(409);
    expect((await bad.json()).values.password).toMatchObject({ ok: false, reason: 'UnknownKey' });
  });

  it('bad requests: one-line errors and the right codes', async () => {
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify({ kind: 'Secret' }) })).status).toBe(400);
    expect((await fetch(`${url}/v1/verify`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/v1/bitnami/cert.pem`)).status).toBe(404);
  });

  it('a Bitnami SealedSecret without --bitnami: 409 saying so', async () => {
    const b = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { namespace: 'app', name: 'db' }, spec: { encryptedData: { a: 'AgB' } } };
    const r = await fetch(`${url}/v1/verify`, { method: 'POST', body: JSON.stringify(b) });
    expect(r.status).toBe(409);
    expect((await r.json()).values['(manifest)'].message).toMatch(/only when started with --bitnami/);
  });

  it('verify/reseal are rate-limited: 429 with Retry-After beyond the budget', async () => {
    const limited = createHttpServer({ keys: store, metrics: createMetrics(), log: silentLogger, notReady: () => [], opsPerSecond: 1 });
    await new Promise<void>((r) => limited.listen(0, '127.0.0.1', r));
    try {
      const at = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/v1/verify`;
      const body = JSON.stringify(sealedSecret('app', 'db'));
      const answers: Response[] = [];
      for (let i = 0; i < 5; i++) answers.push(await fetch(at, { method: 'POST', body }));
      expect(answers[0]!.status).toBe(200);
      const refused = answers.find((a) => a.status === 429);
      expect(refused?.headers.get('retry-after')).toBe('1');
    } finally {
      await new Promise((r) => limited.close(r));
    }
  });
});
