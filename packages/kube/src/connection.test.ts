import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnection, resolveSelection, TOKEN_FILE_REREAD_MS } from './connection.js';
import { ExecPluginError, KubeconfigError } from './errors.js';
import type { ConnectionSpec, ExecConfig } from './kubeconfig.js';

const spec = (auth: ConnectionSpec['auth'], extra: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
  source: 'context "t"',
  server: 'https://127.0.0.1:6443',
  insecureSkipTlsVerify: false,
  auth,
  ...extra,
});

/** A credential plugin as a shell script: logs each run, prints what `body` says. */
function plugin(body: string): { dir: string; command: string; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-exec-'));
  const command = join(dir, 'plugin.sh');
  writeFileSync(command, `#!/bin/sh\necho run >> "${dir}/runs"\n${body}\n`);
  chmodSync(command, 0o755);
  return { dir, command, runs: () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length };
}

const exec = (command: string, extra: Partial<ExecConfig> = {}): ExecConfig => ({
  command,
  args: [],
  env: [],
  apiVersion: 'client.authentication.k8s.io/v1',
  provideClusterInfo: false,
  ...extra,
});

const credential = (status: Record<string, unknown>, apiVersion = 'client.authentication.k8s.io/v1') =>
  `printf '%s' '${JSON.stringify({ apiVersion, kind: 'ExecCredential', status })}'`;

describe('openConnection: credentials', () => {
  it('tokens, basic auth and impersonation become headers', async () => {
    expect(await openConnection(spec({ kind: 'token', token: 't0k' })).authHeaders()).toEqual({ Authorization: 'Bearer t0k' });
    expect(await openConnection(spec({ kind: 'basic', username: 'u', password: 'p' })).authHeaders()).toEqual({ Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    const imp = openConnection(spec({ kind: 'none' }, { impersonate: { user: 'jane', groups: ['a', 'b'], uid: '7', extra: { 'acme.io/scope': ['x'] } } }));
    expect(await imp.authHeaders()).toEqual({
      'Impersonate-User': 'jane',
      'Impersonate-Group': ['a', 'b'],
      'Impersonate-Uid': '7',
      'Impersonate-Extra-acme.io%2Fscope': ['x'],
    });
  });

  it('a token file is re-read once a minute (rotation), and at once after a 401', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-token-'));
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    let now = 1_000_000;
    const conn = openConnection(spec({ kind: 'token-file', path }), { now: () => now });
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer first' });
    writeFileSync(path, 'second\n');
    now += TOKEN_FILE_REREAD_MS - 1;
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer first' });
    now += 1;
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer second' });
    writeFileSync(path, 'third\n');
    conn.invalidate!();
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer third' });
    expect(() => openConnection(spec({ kind: 'token-file', path: join(dir, 'missing') }))).toThrow(KubeconfigError);
  });

  it('CA and client certificate files are read when the connection opens; a missing one is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealkit-mat-'));
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const conn = openConnection(spec({ kind: 'none' }, { ca: { path: join(dir, 'ca.crt') }, clientCert: { data: Buffer.from('C') }, clientKey: { data: Buffer.from('K') } }));
    expect([conn.ca?.toString(), conn.cert?.toString(), conn.key?.toString()]).toEqual(['CA', 'C', 'K']);
    expect(() => openConnection(spec({ kind: 'none' }, { ca: { path: join(dir, 'nope.crt') } }))).toThrow(`kubeconfig: certificate-authority ${join(dir, 'nope.crt')}: cannot read: no such file`);
  });
});

describe('openConnection: exec credential plugins', () => {
  it('runs once with KUBERNETES_EXEC_INFO and its env, and caches the credential until it expires', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const p = plugin(
      `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s-%s","expirationTimestamp":"2030-01-01T01:00:00Z"}}' "$GREETING" "$(printf %s "$KUBERNETES_EXEC_INFO" | grep -c '"interactive":false')"`,
    );
    const conn = openConnection(spec({ kind: 'exec', exec: exec(p.command, { env: [{ name: 'GREETING', value: 'hi' }] }) }), { now: () => now });
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer exec-hi-1' });
    await Promise.all([conn.authHeaders(), conn.authHeaders()]);
    expect(p.runs()).toBe(1);
    now = Date.parse('2030-01-01T00:59:55Z'); // within the renewal margin before expiry
    await conn.authHeaders();
    expect(p.runs()).toBe(2);
  });

  it('without an expiry the credential lasts until a 401 says otherwise', async () => {
    const p = plugin(credential({ token: 'forever' }));
    const conn = openConnection(spec({ kind: 'exec', exec: exec(p.command) }));
    await conn.authHeaders();
    await conn.authHeaders();
    expect(p.runs()).toBe(1);
    conn.invalidate!();
    await conn.authHeaders();
    expect(p.runs()).toBe(2);
  });

  it('a plugin may return a client certificate instead of a token; the cluster is described when asked', async () => {
    const p = plugin(`
case "$KUBERNETES_EXEC_INFO" in *'"server":"https://127.0.0.1:6443"'*) ;; *) exit 9 ;; esac
${credential({ clientCertificateData: 'CERT-PEM', clientKeyData: 'KEY-PEM' }, 'client.authentication.k8s.io/v1beta1')}`);
    const conn = openConnection(spec({ kind: 'exec', exec: exec(p.command, { apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: true }) }));
    expect(await conn.authHeaders()).toEqual({});
    const pair = await conn.clientCertificate!();
    expect([pair?.cert.toString(), pair?.key.toString()]).toEqual(['CERT-PEM', 'KEY-PEM']);
  });

  it('a failing, missing or wrong-version plugin is one error, never its output', async () => {
    const failing = plugin(`echo '{"status":{"token":"leaked"}}'\nexit 3`);
    const err = (await openConnection(spec({ kind: 'exec', exec: exec(failing.command) })).authHeaders().catch((e) => e)) as ExecPluginError;
    expect(err).toBeInstanceOf(ExecPluginError);
    expect(err.message).toBe(`kubeconfig exec plugin "${failing.command}" failed (exit 3)`);
    const missing = openConnection(spec({ kind: 'exec', exec: exec('sealkit-no-such-plugin', { installHint: 'brew install it' }) }));
    await expect(missing.authHeaders()).rejects.toMatchObject({ message: 'kubeconfig exec plugin "sealkit-no-such-plugin": not found', hint: 'brew install it' });
    const wrong = plugin(credential({ token: 'leaked' }, 'client.authentication.k8s.io/v1beta1'));
    const e2 = (await openConnection(spec({ kind: 'exec', exec: exec(wrong.command) })).authHeaders().catch((e) => e)) as Error;
    expect(e2.message).toMatch(/different apiVersion/);
    expect(e2.message).not.toContain('leaked');
    const empty = plugin(credential({}));
    await expect(openConnection(spec({ kind: 'exec', exec: exec(empty.command) })).authHeaders()).rejects.toThrow(/returned no credential/);
  });

  it("a caller's abort ends the wait for a slow plugin", async () => {
    const slow = plugin(`sleep 5\n${credential({ token: 'late' })}`);
    const conn = openConnection(spec({ kind: 'exec', exec: exec(slow.command) }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('deadline')), 50);
    await expect(conn.authHeaders(ac.signal)).rejects.toThrow('deadline');
  });
});

describe('resolveSelection', () => {
  it("controller-runtime's order: in-cluster before ~/.kube/config, but after KUBECONFIG", () => {
    const home = mkdtempSync(join(tmpdir(), 'sealkit-home-'));
    const kube = join(home, '.kube');
    writeFileSync(join(home, 'kc'), JSON.stringify({ 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'x' } }], clusters: [{ name: 'x', cluster: { server: 'https://from-kubeconfig' } }] }));
    const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: home };
    expect(resolveSelection({}, { inClusterBeforeHome: true, env: pod, saDir: kube }).server).toBe('https://10.0.0.1:443');
    expect(resolveSelection({}, { inClusterBeforeHome: true, env: { ...pod, KUBECONFIG: join(home, 'kc') }, saDir: kube }).server).toBe('https://from-kubeconfig');
    expect(resolveSelection({ kubeconfig: join(home, 'kc') }, { inClusterBeforeHome: true, env: pod, saDir: kube }).server).toBe('https://from-kubeconfig');
  });
});
