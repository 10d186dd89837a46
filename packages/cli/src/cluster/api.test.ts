import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpKubeClient, type Connection } from '@sealkit/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliApiClient, describeStatus, statusReason } from './api.js';

// A local HTTP server standing in for the API server: only to see what the CLI's adapter makes
// of answers and failures (the transport itself is tested in @sealkit/kube).
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.endsWith('/stall')) return;
    if (req.url?.endsWith('/forbidden')) {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'user "x" cannot get ...' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const conn = (server: string): Connection => ({ server, authHeaders: async () => ({}) });

describe('cliApiClient', () => {
  it('answers any status; keeps the server path prefix; describes Status answers by code and reason only', async () => {
    const client = cliApiClient(new HttpKubeClient(conn(`${url}/k8s/clusters/c-1`)), 'context "t"');
    const ok = await client.request({ method: 'GET', path: '/api/v1/x' });
    expect(JSON.parse(ok.body.toString())).toEqual({ url: '/k8s/clusters/c-1/api/v1/x' });
    const denied = await client.request({ method: 'GET', path: '/forbidden' });
    expect(denied.status).toBe(403);
    expect(statusReason(denied)).toBe('Forbidden');
    expect(describeStatus(denied)).toBe('HTTP 403 Forbidden');
  });

  it('an unreachable server or a missed deadline: one line naming the server and the context', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(cliApiClient(new HttpKubeClient(conn(`http://127.0.0.1:${port}`)), 'context "t"').request({ method: 'GET', path: '/' })).rejects.toMatchObject({
      message: `cannot reach the API server http://127.0.0.1:${port} (context "t"): connection refused`,
    });
    const slow = new HttpKubeClient(conn(url), { requestTimeoutMs: 100 });
    await expect(cliApiClient(slow, 'context "t"').request({ method: 'GET', path: '/stall' })).rejects.toMatchObject({
      message: `cannot reach the API server ${url} (context "t"): no answer within 100ms`,
      hint: expect.stringContaining('--request-timeout'),
    });
    slow.close();
  });
});
