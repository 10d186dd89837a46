import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpKubeClient, ResponseTooLargeError } from './client.js';
import type { Connection } from './connection.js';
import { ApiError, isTimeout, KubeTimeoutError } from './errors.js';

// A local node:http(s) server stands in for the API server: the tests look at what the client
// sends and how it handles what comes back (stalls, resets, error bodies).
const servers: net.Server[] = [];
const clients: HttpKubeClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          (s as http.Server).closeAllConnections?.();
          s.close(() => r());
        }),
    ),
  );
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function connection(server: string, extra: Partial<Connection> = {}): Connection {
  return { server, authHeaders: async () => ({ Authorization: 'Bearer t' }), ...extra };
}

async function serve(handler: http.RequestListener, options: ConstructorParameters<typeof HttpKubeClient>[1] = {}): Promise<HttpKubeClient> {
  const port = await listen(http.createServer(handler));
  const client = new HttpKubeClient(connection(`http://127.0.0.1:${port}`), options);
  clients.push(client);
  return client;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('HttpKubeClient: requests', () => {
  it('sends the auth header and JSON, keeps a server path prefix, and parses JSON back', async () => {
    let seen: { auth?: string; type?: string; body?: string; url?: string; agent?: string } = {};
    const port = await listen(
      http.createServer((req, res) => {
        let b = '';
        req.on('data', (c) => (b += c));
        req.on('end', () => {
          seen = { auth: req.headers.authorization, type: req.headers['content-type'], body: b, url: req.url, agent: req.headers['user-agent'] };
          json(res, 200, { ok: true });
        });
      }),
    );
    const client = new HttpKubeClient(connection(`http://127.0.0.1:${port}/k8s/clusters/c-1`), { userAgent: 'test-agent' });
    clients.push(client);
    const out = await client.request({ method: 'PATCH', path: '/x', query: { fieldManager: 'm', dryRun: undefined }, body: [{ op: 'add' }], contentType: 'application/json-patch+json' });
    expect(out).toEqual({ ok: true });
    expect(seen).toEqual({ auth: 'Bearer t', type: 'application/json-patch+json', body: '[{"op":"add"}]', url: '/k8s/clusters/c-1/x?fieldManager=m', agent: 'test-agent' });
  });

  it('errors keep status, reason and field names, never the response message', async () => {
    const client = await serve((_req, res) =>
      json(res, 422, { kind: 'Status', reason: 'Invalid', message: 'value "hunter2" is bad', details: { causes: [{ field: 'data[x]', message: 'hunter2' }] } }),
    );
    const err = await client.request({ method: 'POST', path: '/api/v1/namespaces/ns/secrets', body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.statusCode).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('POST secrets in ns: HTTP 422 Invalid (fields: data[x])');
    expect(JSON.stringify(err)).not.toContain('hunter2');
    expect(String(err.stack)).not.toContain('hunter2');
  });

  it('a non-Status error body (a proxy page) gives the status only; send() returns any status as is', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>token=abc123</html>');
    });
    const err = (await client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' }).catch((e) => e)) as ApiError;
    expect(err.message).toBe('GET configmaps/b in a: HTTP 502 HTTP502');
    expect(err.message).not.toContain('abc123');
    const raw = await client.send({ method: 'GET', path: '/x', accept: 'text/plain' });
    expect(raw.status).toBe(502);
    expect(raw.body.toString()).toContain('<html>');
  });

  it('an answer larger than maxResponseBytes is refused', async () => {
    const client = await serve((_req, res) => json(res, 200, { big: 'x'.repeat(5000) }), { maxResponseBytes: 1000 });
    await expect(client.send({ method: 'GET', path: '/big' })).rejects.toBeInstanceOf(ResponseTooLargeError);
  });
});

describe('HttpKubeClient: the deadline of every request', () => {
  it('a response that stalls after its headers hits the deadline: KubeTimeoutError, isTimeout', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items": ['); // and never more: a socket idle timeout would not fire if bytes trickled
    });
    const err = await client.request({ method: 'GET', path: '/api/v1/namespaces/ns/secrets', timeoutMs: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeTimeoutError);
    expect(isTimeout(err)).toBe(true);
    expect(err.message).toBe('GET secrets in ns: no answer within 150ms');
  });

  it('a server that trickles bytes still hits the deadline: it covers the whole request, not idle time', async () => {
    const timers: NodeJS.Timeout[] = [];
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const t = setInterval(() => res.write(' '), 20);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    });
    const err = await client.request({ method: 'GET', path: '/slow', timeoutMs: 200 }).catch((e) => e);
    for (const t of timers) clearInterval(t);
    expect(err).toBeInstanceOf(KubeTimeoutError);
  });

  it('the client default applies when the request names none; 0 means no deadline', async () => {
    let release: (() => void) | undefined;
    const client = await serve(
      (req, res) => {
        if (req.url === '/late') {
          release = () => json(res, 200, { late: true });
          return;
        }
        res.writeHead(200);
      },
      { requestTimeoutMs: 100 },
    );
    await expect(client.request({ method: 'GET', path: '/stall' })).rejects.toBeInstanceOf(KubeTimeoutError);
    const late = client.request({ method: 'GET', path: '/late', timeoutMs: 0 });
    // well past the client default: only our own release ends it
    await new Promise((r) => setTimeout(r, 300));
    release!();
    await expect(late).resolves.toEqual({ late: true });
  });

  it("the caller's abort signal ends the request with the signal's reason", async () => {
    const client = await serve(() => {
      /* never answers */
    });
    const ac = new AbortController();
    const p = client.request({ method: 'GET', path: '/x', signal: ac.signal, timeoutMs: 0 });
    setTimeout(() => ac.abort(new Error('lost the lease')), 50);
    await expect(p).rejects.toThrow('lost the lease');
    const already = new AbortController();
    already.abort(new Error('before'));
    await expect(client.request({ method: 'GET', path: '/x', signal: already.signal })).rejects.toThrow('before');
  });

  it('the deadline covers credentials too (a credential plugin that hangs)', async () => {
    const port = await listen(http.createServer((_req, res) => json(res, 200, {})));
    const hanging = new HttpKubeClient(
      connection(`http://127.0.0.1:${port}`, { authHeaders: (signal) => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(signal.reason))) }),
      { requestTimeoutMs: 100 },
    );
    clients.push(hanging);
    await expect(hanging.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(KubeTimeoutError);
  });
});

describe('HttpKubeClient: connection pools', () => {
  it('requests reuse kept-alive connections; two clients never share one', async () => {
    const sockets = new Set<string>();
    const port = await listen(
      http.createServer((req, res) => {
        sockets.add(`${req.url?.split('?')[0]}:${req.socket.remotePort}`);
        json(res, 200, {});
      }),
    );
    const a = new HttpKubeClient(connection(`http://127.0.0.1:${port}`), { maxSockets: 1 });
    const b = new HttpKubeClient(connection(`http://127.0.0.1:${port}`), { maxSockets: 1 });
    clients.push(a, b);
    for (let i = 0; i < 3; i++) {
      await a.request({ method: 'GET', path: '/a' });
      await b.request({ method: 'GET', path: '/b' });
    }
    const portsOf = (p: string) => [...sockets].filter((s) => s.startsWith(`${p}:`)).map((s) => s.split(':')[1]);
    expect(portsOf('/a')).toHaveLength(1);
    expect(portsOf('/b')).toHaveLength(1);
    expect(portsOf('/a')[0]).not.toBe(portsOf('/b')[0]);
  });

  it("a client whose pool is full of stalled requests does not delay another client's request", async () => {
    const port = await listen(
      http.createServer((req, res) => {
        if (req.url === '/stall') return; // held
        json(res, 200, { ok: true });
      }),
    );
    const busy = new HttpKubeClient(connection(`http://127.0.0.1:${port}`), { maxSockets: 2, requestTimeoutMs: 0 });
    const lease = new HttpKubeClient(connection(`http://127.0.0.1:${port}`), { maxSockets: 1 });
    clients.push(busy, lease);
    const stalled = [1, 2, 3].map(() => busy.request({ method: 'GET', path: '/stall' }).catch(() => undefined));
    // the busy pool is exhausted: its next request queues behind the stalled ones ...
    const queued = busy.request({ method: 'GET', path: '/ok', timeoutMs: 200 });
    // ... while the other client's request goes out on its own connection
    await expect(lease.request({ method: 'GET', path: '/ok' })).resolves.toEqual({ ok: true });
    await expect(queued).rejects.toBeInstanceOf(KubeTimeoutError);
    busy.close();
    await Promise.all(stalled);
  });
});

describe('HttpKubeClient: TLS and proxies', () => {
  function tlsPair(): { key: Buffer; cert: Buffer } {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-kube-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=DNS:kubernetes,DNS:kubernetes.default.svc',
        '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
      ], { stdio: 'ignore' });
    } catch (err) {
      throw new Error(`this test makes a throwaway TLS certificate with openssl; install openssl: ${String(err)}`);
    }
    return { key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.crt')) };
  }

  it('verifies the server against the CA, with tls-server-name for a certificate not made for the address', async () => {
    const pair = tlsPair();
    const port = await listen(https.createServer(pair, (_req, res) => json(res, 200, { tls: true })));
    const server = `https://127.0.0.1:${port}`;
    const named = new HttpKubeClient(connection(server, { ca: pair.cert, tlsServerName: 'kubernetes' }));
    const unnamed = new HttpKubeClient(connection(server, { ca: pair.cert }));
    const noCa = new HttpKubeClient(connection(server, { tlsServerName: 'kubernetes' }));
    const insecure = new HttpKubeClient(connection(server, { insecureSkipTLSVerify: true }));
    clients.push(named, unnamed, noCa, insecure);
    await expect(named.request({ method: 'GET', path: '/' })).resolves.toEqual({ tls: true });
    await expect(unnamed.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await expect(noCa.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(insecure.request({ method: 'GET', path: '/' })).resolves.toEqual({ tls: true });
  });

  it('proxy-url: every connection is a CONNECT tunnel through the proxy (TLS end to end), with proxy credentials', async () => {
    const pair = tlsPair();
    const apiPort = await listen(https.createServer(pair, (_req, res) => json(res, 200, { via: 'tunnel' })));
    const connects: Array<{ target?: string; auth?: string }> = [];
    const proxy = http.createServer((_req, res) => {
      res.writeHead(405);
      res.end();
    });
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      connects.push({ target: req.url, auth: req.headers['proxy-authorization'] });
      const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
      const upstream = net.connect(port, host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const proxyPort = await listen(proxy);
    const client = new HttpKubeClient(
      connection(`https://127.0.0.1:${apiPort}`, { ca: pair.cert, tlsServerName: 'kubernetes', proxyUrl: `http://user:p%40ss@127.0.0.1:${proxyPort}` }),
    );
    clients.push(client);
    await expect(client.request({ method: 'GET', path: '/a' })).resolves.toEqual({ via: 'tunnel' });
    await expect(client.request({ method: 'GET', path: '/b' })).resolves.toEqual({ via: 'tunnel' });
    expect(connects).toEqual([{ target: `127.0.0.1:${apiPort}`, auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}` }]);

    const refused = new HttpKubeClient(connection(`http://127.0.0.1:${apiPort}`, { proxyUrl: `http://127.0.0.1:${proxyPort}` }));
    clients.push(refused);
    proxy.removeAllListeners('connect');
    proxy.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    await expect(refused.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'EPROXY' });
  });
  it('proxy-url socks5://: a SOCKS5 CONNECT (the proxy resolves the name), with username/password, TLS end to end', async () => {
    const pair = tlsPair();
    const apiPort = await listen(https.createServer(pair, (_req, res) => json(res, 200, { via: 'socks' })));
    const seen: Array<{ target: string; user: string }> = [];
    const socks = net.createServer((client) => {
      let buf = Buffer.alloc(0);
      let state: 'greet' | 'auth' | 'request' = 'greet';
      let user = '';
      client.on('error', () => client.destroy());
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (state === 'greet' && buf.length >= 2 && buf.length >= 2 + buf[1]!) {
          const methods = [...buf.subarray(2, 2 + buf[1]!)];
          buf = buf.subarray(2 + buf[1]!);
          state = methods.includes(2) ? 'auth' : 'request';
          client.write(Buffer.from([5, methods.includes(2) ? 2 : 0]));
        }
        if (state === 'auth' && buf.length >= 2 && buf.length >= 3 + buf[1]! && buf.length >= 3 + buf[1]! + buf[2 + buf[1]!]!) {
          const ulen = buf[1]!;
          user = buf.subarray(2, 2 + ulen).toString();
          const pass = buf.subarray(3 + ulen, 3 + ulen + buf[2 + ulen]!).toString();
          buf = buf.subarray(3 + ulen + buf[2 + ulen]!);
          const ok = user === 'sock' && pass === 's3cret';
          client.write(Buffer.from([1, ok ? 0 : 1]));
          if (!ok) return client.end();
          state = 'request';
        }
        if (state === 'request' && buf.length >= 5) {
          const atyp = buf[3];
          const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4]!;
          if (buf.length < 4 + addrLen + 2) return;
          const host = atyp === 3 ? buf.subarray(5, 5 + buf[4]!).toString() : [...buf.subarray(4, 8)].join('.');
          const port = buf.readUInt16BE(4 + addrLen);
          seen.push({ target: `${host}:${port}`, user });
          client.off('data', onData);
          const upstream = net.connect(port, host === 'api.test' ? '127.0.0.1' : host, () => {
            client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
            upstream.pipe(client);
            client.pipe(upstream);
          });
          upstream.on('error', () => client.destroy());
        }
      };
      client.on('data', onData);
    });
    const socksPort = await listen(socks);
    const client = new HttpKubeClient(
      connection(`https://api.test:${apiPort}`, { ca: pair.cert, tlsServerName: 'kubernetes', proxyUrl: `socks5://sock:s3cret@127.0.0.1:${socksPort}` }),
    );
    clients.push(client);
    // api.test resolves nowhere but at the proxy: the name must travel in the CONNECT
    await expect(client.request({ method: 'GET', path: '/a' })).resolves.toEqual({ via: 'socks' });
    await expect(client.request({ method: 'GET', path: '/b' })).resolves.toEqual({ via: 'socks' });
    expect(seen).toEqual([{ target: `api.test:${apiPort}`, user: 'sock' }]);
    const wrong = new HttpKubeClient(connection(`https://api.test:${apiPort}`, { ca: pair.cert, proxyUrl: `socks5://sock:nope@127.0.0.1:${socksPort}` }));
    clients.push(wrong);
    await expect(wrong.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'EPROXY' });
  });
});

describe('HttpKubeClient: credentials', () => {
  it('a 401 tells the connection to drop its cached credentials', async () => {
    let invalidated = 0;
    const port = await listen(http.createServer((_req, res) => json(res, 401, { kind: 'Status', reason: 'Unauthorized' })));
    const client = new HttpKubeClient(connection(`http://127.0.0.1:${port}`, { invalidate: () => invalidated++ }));
    clients.push(client);
    await expect(client.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ statusCode: 401 });
    expect(invalidated).toBe(1);
  });

  it('impersonation headers go out as many header lines', async () => {
    let groups: string[] | undefined;
    const port = await listen(
      http.createServer((req, res) => {
        groups = req.headersDistinct['impersonate-group'];
        json(res, 200, {});
      }),
    );
    const client = new HttpKubeClient(connection(`http://127.0.0.1:${port}`, { authHeaders: async () => ({ 'Impersonate-User': 'u', 'Impersonate-Group': ['a', 'b'] }) }));
    clients.push(client);
    await client.request({ method: 'GET', path: '/' });
    expect(groups).toEqual(['a', 'b']);
  });
});

describe('HttpKubeClient: watches', () => {
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
  });

  it('a watch whose answer never starts hits the request deadline; an open one that goes quiet, the idle timeout', async () => {
    const client = await serve(
      (req, res) => {
        if (req.url?.startsWith('/quiet')) res.writeHead(200);
        if (req.url?.startsWith('/quiet')) res.write('\n');
      },
      { requestTimeoutMs: 100, watchIdleTimeoutMs: 150 },
    );
    const ac = new AbortController();
    await expect(client.watch('/never', {}, () => {}, ac.signal)).rejects.toBeInstanceOf(KubeTimeoutError);
    await expect(client.watch('/quiet', {}, () => {}, ac.signal)).rejects.toThrow('watch idle timeout');
  });

  it('a watch refused by the server rejects with ApiError (no body text)', async () => {
    const client = await serve((_req, res) => json(res, 410, { kind: 'Status', reason: 'Expired', message: 'too old resource version: 1 (secret-ish)' }));
    const err = (await client.watch('/api/v1/namespaces/n/secrets', { resourceVersion: '1' }, () => {}, new AbortController().signal).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.reason).toBe('Expired');
    expect(err.message).not.toContain('secret-ish');
  });
});
