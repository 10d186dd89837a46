import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpKubeClient } from './client.js';
import { ApiError } from './errors.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: http.RequestListener): Promise<HttpKubeClient> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return new HttpKubeClient({ server: `http://127.0.0.1:${port}`, authHeaders: async () => ({ Authorization: 'Bearer t' }) });
}

describe('HttpKubeClient', () => {
  it('a watch connection reset mid-stream rejects the watch instead of crashing the process', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } }) + '\n');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const events: string[] = [];
    const ac = new AbortController();
    await expect(client.watch('/api/v1/secrets', {}, (e) => events.push(e.type), ac.signal)).rejects.toBeTruthy();
    expect(events).toEqual(['ADDED']);
    client.close();
  });

  it('aborting a watch resolves it', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200);
      res.write('\n');
    });
    const ac = new AbortController();
    const p = client.watch('/api/v1/secrets', {}, () => {}, ac.signal);
    setTimeout(() => ac.abort(), 30);
    await expect(p).resolves.toBeUndefined();
    client.close();
  });

  it('errors keep status, reason and field names, never the response message', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(422, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Invalid', message: 'value "hunter2" is bad', details: { causes: [{ field: 'data[x]', message: 'hunter2' }] } }));
    });
    const err = await client.request({ method: 'POST', path: '/api/v1/namespaces/ns/secrets', body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.statusCode).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toContain('data[x]');
    expect(err.message).not.toContain('hunter2');
    client.close();
  });

  it('sends the auth header and JSON, and parses JSON back', async () => {
    let seen: { auth?: string; type?: string; body?: string } = {};
    const client = await serve((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        seen = { auth: req.headers.authorization, type: req.headers['content-type'], body: b };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    const out = await client.request({ method: 'PATCH', path: '/x', body: [{ op: 'add' }], contentType: 'application/json-patch+json' });
    expect(out).toEqual({ ok: true });
    expect(seen).toEqual({ auth: 'Bearer t', type: 'application/json-patch+json', body: '[{"op":"add"}]' });
    client.close();
  });
});
