import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, describeNetworkError } from './api.js';
import type { ConnectionSpec } from './kubeconfig.js';

// A local HTTP server standing in for the API server: only to see what the client sends.
let server: http.Server;
let url: string;
const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const spec = (auth: ConnectionSpec['auth'], server = url): ConnectionSpec => ({ source: 'context "t"', server, insecureSkipTlsVerify: false, auth });

describe('createApiClient', () => {
  it('sends the bearer token, JSON bodies, and keeps the server path prefix', async () => {
    const client = createApiClient(spec({ kind: 'token', token: 't0k' }, `${url}/k8s/clusters/c-1`));
    const r = await client.request({ method: 'POST', path: '/api/v1/x', body: '{"a":1}' });
    expect(r.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/k8s/clusters/c-1/api/v1/x', body: '{"a":1}' });
    expect(last.headers).toMatchObject({ authorization: 'Bearer t0k', 'content-type': 'application/json', accept: 'application/json' });
  });

  it('token files and basic auth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-api-'));
    writeFileSync(join(dir, 'token'), 'from-file\n');
    await createApiClient(spec({ kind: 'token-file', path: join(dir, 'token') })).request({ method: 'GET', path: '/' });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer from-file');
    await createApiClient(spec({ kind: 'basic', username: 'u', password: 'p' })).request({ method: 'GET', path: '/' });
    expect(seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('runs an exec credential plugin once, with KUBERNETES_EXEC_INFO and its env, relative to the kubeconfig', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-exec-'));
    const plugin = join(dir, 'plugin.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh
echo run >> "${dir}/runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s-%s"}}' "$GREETING" "$(printf %s "$KUBERNETES_EXEC_INFO" | grep -c '"interactive":false')"
`,
    );
    chmodSync(plugin, 0o755);
    const client = createApiClient(spec({
      kind: 'exec',
      dir,
      exec: { command: './plugin.sh', args: [], env: [{ name: 'GREETING', value: 'hi' }], apiVersion: 'client.authentication.k8s.io/v1', provideClusterInfo: false },
    }));
    await client.request({ method: 'GET', path: '/a' });
    await client.request({ method: 'GET', path: '/b' });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer exec-hi-1');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('run\n');
  });

  it('a failing or missing plugin is one error, never its output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-exec-'));
    const plugin = join(dir, 'fail.sh');
    writeFileSync(plugin, '#!/bin/sh\necho \'{"status":{"token":"leaked"}}\'\nexit 3\n');
    chmodSync(plugin, 0o755);
    const exec = { command: plugin, args: [], env: [], apiVersion: 'client.authentication.k8s.io/v1', provideClusterInfo: false };
    const err = await createApiClient(spec({ kind: 'exec', dir, exec })).request({ method: 'GET', path: '/' }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`kubeconfig exec plugin "${plugin}" failed (exit 3)`);
    const missing = { ...exec, command: 'sealkit-no-such-plugin', installHint: 'brew install it' };
    await expect(createApiClient(spec({ kind: 'exec', dir, exec: missing })).request({ method: 'GET', path: '/' })).rejects.toMatchObject({
      message: 'kubeconfig exec plugin "sealkit-no-such-plugin": not found',
      hint: 'brew install it',
    });
  });

  it('an unreachable server: one line naming the server and the context', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(createApiClient(spec({ kind: 'none' }, `http://127.0.0.1:${port}`)).request({ method: 'GET', path: '/' })).rejects.toMatchObject({
      message: `cannot reach the API server http://127.0.0.1:${port} (context "t"): connection refused`,
    });
  });

  it('describeNetworkError maps codes, TLS included', () => {
    expect(describeNetworkError({ code: 'ENOTFOUND' }).reason).toBe('host not found');
    expect(describeNetworkError({ code: 'SELF_SIGNED_CERT_IN_CHAIN' }).reason).toMatch(/unknown authority/);
    expect(describeNetworkError(new Error('x')).reason).toBe('network error');
  });
});
