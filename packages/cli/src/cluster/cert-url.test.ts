import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../test/run.js';

// `seal --cert https://...`, run as a user would: the built binary against a local HTTPS server
// whose self-signed certificate is trusted only through NODE_EXTRA_CA_CERTS.
let dir: string;
let key: TestKey;
let server: https.Server;
let base: string;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir();
  key = await keygen(join(dir, 'k'));
  caFile = join(dir, 'tls.crt');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'tls.key'), '-out', caFile,
    ], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`this test makes a throwaway TLS certificate with openssl; install openssl (apt-get install openssl): ${String(err)}`);
  }
  server = https.createServer({ key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(caFile) }, (req, res) => {
    if (req.url === '/cluster.pem') {
      res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
      res.end(readFileSync(key.pub));
    } else if (req.url === '/private.pem') {
      res.writeHead(200);
      res.end(readFileSync(key.key));
    } else {
      res.writeHead(404);
      res.end('nope');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await removeDir(dir);
});

const trusted = () => ({ NODE_EXTRA_CA_CERTS: caFile });

describe('seal --cert https://URL', () => {
  it('fetches the public key over verified HTTPS and seals to it', async () => {
    const r = await run(['seal', '--cert', `${base}/cluster.pem`], { input: kubectlSecretYaml({ namespace: 'prod' }), env: trusted() });
    expectOk(r);
    const sealed = parse(r.stdout) as { spec: { encryptedData: Record<string, string> } };
    const opened = await run(['unseal', '--key', key.key], { input: r.stdout });
    expectOk(opened);
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['password', 'username']);
  });

  it('an untrusted certificate, a 404, plain http, a private key: one error line each', async () => {
    const input = kubectlSecretYaml({ namespace: 'prod' });
    expectError(await run(['seal', '--cert', `${base}/cluster.pem`], { input }), 1, /^sealkit: error: --cert https:\/\/127\.0\.0\.1:\d+\/cluster\.pem: cannot fetch: TLS: certificate signed by an unknown authority/);
    expectError(await run(['seal', '--cert', `${base}/missing.pem`], { input, env: trusted() }), 1, /--cert https:\/\/127\.0\.0\.1:\d+\/missing\.pem: HTTP 404/);
    expectError(await run(['seal', '--cert', 'http://user:pw@example.invalid/cluster.pem'], { input }), 1, '--cert http://example.invalid/cluster.pem: only https:// URLs are accepted');
    const priv = expectError(await run(['seal', '--cert', `${base}/private.pem`], { input, env: trusted() }), 1, /this is a private key; it must stay in the cluster/);
    expect(priv).not.toContain('PRIVATE KEY-----');
  });
});
