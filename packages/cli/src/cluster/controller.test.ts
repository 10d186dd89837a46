import { encodePrivateKeyPem, encodePublicKeyPem, generateKeyPair, keyId } from '@sealkit/core';
import { describe, expect, it } from 'vitest';
import type { ApiClient, ApiRequest, ApiResponse } from './api.js';
import { describeStatus } from './api.js';
import {
  configMapPath,
  fetchClusterCert,
  parseVerifyAnswer,
  proxyName,
  resealOnCluster,
  serviceProxyPath,
  verifyOnCluster,
  type ControllerRef,
} from './controller.js';

const ref: ControllerRef = { namespace: 'sealkit', name: 'sealkit-controller', port: 'http' };

function res(status: number, body: unknown = '', headers: Record<string, string> = {}): ApiResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  return { status, headers: { 'content-type': type, ...headers }, body: Buffer.from(text) };
}

const status = (code: number, reason: string, message = 'details that must not be shown') =>
  res(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });

/** A fake API server for one function under test: answers by path, records requests. */
function fakeClient(routes: Record<string, ApiResponse | ((req: ApiRequest) => ApiResponse)>): ApiClient & { seen: ApiRequest[] } {
  const seen: ApiRequest[] = [];
  return {
    server: 'https://k8s.test',
    seen,
    async request(req) {
      seen.push(req);
      const route = routes[`${req.method} ${req.path}`];
      if (route === undefined) return status(404, 'NotFound');
      return typeof route === 'function' ? route(req) : route;
    },
  };
}

const CM = `GET ${configMapPath('sealkit', 'sealkit-cert')}`;
const PROXY_CERT = `GET ${serviceProxyPath(ref, '/v1/cert.pem')}`;
const SVC = 'GET /api/v1/namespaces/sealkit/services/sealkit-controller';

describe('paths', () => {
  it('builds the service proxy path (scheme http, named port) and escapes every segment', () => {
    expect(serviceProxyPath(ref, '/v1/cert.pem')).toBe('/api/v1/namespaces/sealkit/services/http:sealkit-controller:http/proxy/v1/cert.pem');
    expect(serviceProxyPath({ namespace: 'a/b', name: 'x?y', port: '8080' }, '/v1/verify')).toBe('/api/v1/namespaces/a%2Fb/services/http:x%3Fy:8080/proxy/v1/verify');
    expect(() => serviceProxyPath(ref, 'v1')).toThrow(/must start with/);
    expect(configMapPath('sealkit', 'sealkit-cert')).toBe('/api/v1/namespaces/sealkit/configmaps/sealkit-cert');
    expect(proxyName(ref)).toBe('http:sealkit-controller:http');
  });

  it('describeStatus keeps the code and reason, never the message', () => {
    expect(describeStatus(status(403, 'Forbidden'))).toBe('HTTP 403 Forbidden');
    expect(describeStatus(status(409, 'AlreadyExists'))).toBe('HTTP 409 Conflict (AlreadyExists)');
    expect(describeStatus(res(500, 'boom: secret stuff'))).toBe('HTTP 500 Internal Server Error');
    expect(describeStatus(status(503, 'ServiceUnavailable'))).toBe('HTTP 503 Service Unavailable');
  });
});

describe('fetchClusterCert', () => {
  const pair = generateKeyPair();
  const pem = encodePublicKeyPem(pair.publicKey);

  it('reads ConfigMap sealkit-cert first and never asks the proxy then', async () => {
    const client = fakeClient({ [CM]: res(200, { data: { 'cert.pem': pem } }) });
    const cert = await fetchClusterCert(client, ref);
    expect(cert).toMatchObject({ pem, keyId: keyId(pair.publicKey), source: 'ConfigMap sealkit/sealkit-cert' });
    expect(client.seen).toHaveLength(1);
  });

  it('falls back to GET /v1/cert.pem through the proxy', async () => {
    const client = fakeClient({ [CM]: status(403, 'Forbidden'), [PROXY_CERT]: res(200, pem.trimEnd()) });
    const cert = await fetchClusterCert(client, ref);
    expect(cert.pem).toBe(pem);
    expect(cert.source).toBe('service sealkit/sealkit-controller:http (API server proxy) /v1/cert.pem');
  });

  it('both failing: says why for each, with the hint that fits', async () => {
    const missing = fakeClient({ [CM]: status(404, 'NotFound'), [PROXY_CERT]: status(503, 'ServiceUnavailable'), [SVC]: status(404, 'NotFound') });
    await expect(fetchClusterCert(missing, ref)).rejects.toMatchObject({
      message: "cannot get the cluster's public key: ConfigMap sealkit/sealkit-cert not found; service sealkit/sealkit-controller:http (API server proxy): no Service sealkit/sealkit-controller (HTTP 503 Service Unavailable)",
      hint: expect.stringContaining('is the sealkit controller installed in namespace sealkit?'),
      exitCode: 1,
    });
    const down = fakeClient({ [CM]: res(200, { data: {} }), [PROXY_CERT]: status(503, 'ServiceUnavailable'), [SVC]: res(200, { kind: 'Service' }) });
    await expect(fetchClusterCert(down, ref)).rejects.toThrow(
      'ConfigMap sealkit/sealkit-cert has no cert.pem; service sealkit/sealkit-controller:http (API server proxy): the API server cannot reach the controller: the Service has no ready endpoint (is the controller running?), or the controller does not answer (HTTP 503 Service Unavailable)',
    );
    const forbidden = fakeClient({ [CM]: status(403, 'Forbidden'), [PROXY_CERT]: status(403, 'Forbidden') });
    await expect(fetchClusterCert(forbidden, ref)).rejects.toMatchObject({
      message: expect.stringContaining('your user may not get services/proxy "http:sealkit-controller:http" in namespace sealkit'),
      hint: expect.stringMatching(/^ask for "get" on configmaps\/sealkit-cert/),
    });
    const starting = fakeClient({ [CM]: status(404, 'NotFound'), [PROXY_CERT]: res(503, 'no key yet: the controller has not loaded or created its key\n') });
    await expect(fetchClusterCert(starting, ref)).rejects.toThrow('HTTP 503 Service Unavailable: no key yet: the controller has not loaded or created its key');
  });

  it('401 stops at once: the credentials are wrong, not the controller', async () => {
    const client = fakeClient({ [CM]: status(401, 'Unauthorized') });
    await expect(fetchClusterCert(client, ref)).rejects.toThrow('the API server https://k8s.test rejected our credentials (HTTP 401 Unauthorized)');
    expect(client.seen).toHaveLength(1);
  });

  it('refuses a private key or garbage where the public key should be, without echoing it', async () => {
    const priv = encodePrivateKeyPem(pair.secretKey);
    const client = fakeClient({ [CM]: res(200, { data: { 'cert.pem': priv } }) });
    const err = await fetchClusterCert(client, ref).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/holds a private key instead of a public key/);
    expect((err as Error).message).not.toContain('PRIVATE KEY-----');
    const junk = fakeClient({ [CM]: status(404, 'NotFound'), [PROXY_CERT]: res(200, '<html>login</html>') });
    await expect(fetchClusterCert(junk, ref)).rejects.toThrow(/^service sealkit\/sealkit-controller:http \(API server proxy\) \/v1\/cert\.pem: /);
  });
});

describe('verify and reseal', () => {
  const VERIFY = `POST ${serviceProxyPath(ref, '/v1/verify')}`;
  const RESEAL = `POST ${serviceProxyPath(ref, '/v1/reseal')}`;
  const answer = { ok: false, namespace: 'prod', name: 'db', values: { pw: { ok: false, scope: 'strict', keyIds: ['00ff'], reason: 'ScopeMismatch', message: 'scope mismatch:\nmoved' } } };

  it('parseVerifyAnswer keeps only the documented fields, on one line', () => {
    expect(parseVerifyAnswer(Buffer.from(JSON.stringify({ ...answer, extra: 1 })))).toEqual({
      ...answer,
      values: { pw: { ...answer.values.pw, message: 'scope mismatch: moved' } },
    });
    expect(parseVerifyAnswer(Buffer.from('<html>'))).toBeUndefined();
    expect(parseVerifyAnswer(Buffer.from('{"ok":"yes"}'))).toBeUndefined();
  });

  it('posts JSON; 200 and 409 are answers; 429 is retried; anything else is an error with a hint', async () => {
    let calls = 0;
    const client = fakeClient({
      [VERIFY]: () => (++calls === 1 ? res(429, 'too many requests\n', { 'retry-after': '0' }) : res(409, answer)),
    });
    const got = await verifyOnCluster(client, ref, { kind: 'SealedSecret' }, 'SealedSecret prod/db');
    expect(got.ok).toBe(false);
    expect(calls).toBe(2);
    expect(client.seen[0]).toMatchObject({ contentType: 'application/json', body: '{"kind":"SealedSecret"}' });

    const forbidden = fakeClient({ [VERIFY]: status(403, 'Forbidden') });
    await expect(verifyOnCluster(forbidden, ref, {}, 'SealedSecret prod/db')).rejects.toMatchObject({
      message: 'SealedSecret prod/db: the controller could not check it: POST /v1/verify via service sealkit/sealkit-controller: HTTP 403 Forbidden: your user may not create services/proxy "http:sealkit-controller:http" in namespace sealkit',
      hint: expect.stringContaining('resourceNames: http:sealkit-controller:http'),
    });
  });

  it('reseal: the new manifest with the key id, dropped recipients, or the verify answer', async () => {
    const ok = fakeClient({
      [RESEAL]: res(200, { kind: 'SealedSecret', spec: { encryptedData: { pw: 'x' } } }, { 'x-sealkit-key-id': '0011223344556677', 'x-sealkit-dropped-recipients': 'aa00,bb11' }),
    });
    expect(await resealOnCluster(ok, ref, {}, 'x')).toEqual({
      ok: true,
      manifest: { kind: 'SealedSecret', spec: { encryptedData: { pw: 'x' } } },
      keyId: '0011223344556677',
      droppedRecipients: ['aa00', 'bb11'],
    });
    const no = fakeClient({ [RESEAL]: res(409, answer) });
    expect(await resealOnCluster(no, ref, {}, 'x')).toMatchObject({ ok: false, answer: { ok: false } });
    const weird = fakeClient({ [RESEAL]: res(200, 'apiVersion: v1') });
    await expect(resealOnCluster(weird, ref, {}, 'x')).rejects.toThrow('answered 200 without a SealedSecret in JSON');
  });
});
