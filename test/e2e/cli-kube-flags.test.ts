// kubectl's cluster flags on the CLI, end to end: the built `sealkit` binary against the real
// kube-apiserver and its real authentication, authorization and impersonation. The public key is
// published the way the controller publishes it (ConfigMap sealkit-cert), so `sealkit cert` and
// `sealkit seal` without --cert need no controller here; what each flag changes is who we are,
// where we connect and how long we wait, which the API server itself judges.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inspectValue } from '@sealkit/core';
import { requireKube, saKubeconfig } from '../infra/env.js';
import { errorLines, sealkit } from './lib/cli-cluster.js';
import { apply, createNamespace, kubectl } from './lib/kube.js';

let ns: string;
let dir: string;
let pem: string;
let keyId: string;
let admin: string;
let reader: string;
let stalled: net.Server;
const stalledSockets = new Set<net.Socket>();
let stalledUrl: string;

/** No kubeconfig anywhere, not in a pod: only the flags say where the cluster is. */
const bare = () => ({ env: { KUBECONFIG: '', HOME: dir, KUBERNETES_SERVICE_HOST: '' } });
const cert = (...args: string[]) => ['cert', '--controller-namespace', ns, ...args];

beforeAll(async () => {
  const kube = requireKube();
  admin = kube.kubeconfig;
  ns = await createNamespace('cli-flags');
  dir = mkdtempSync(path.join(tmpdir(), 'sealkit-kube-flags-'));
  const keygen = await sealkit(['keygen', '--out', dir]);
  expect(keygen.code, keygen.stderr).toBe(0);
  pem = readFileSync(path.join(dir, 'sealkit.pub'), 'utf8');
  keyId = keygen.stdout.trim().split(/\s+/).pop()!;
  // As the controller publishes it, with deploy/rbac.yaml's reader Role (here bound to one group and one service account only).
  await apply([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sealkit-cert', namespace: ns }, data: { 'cert.pem': pem } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'public-key-reader', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['sealkit-cert'], verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'public-key-reader', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'public-key-reader' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'sealkit-e2e-readers' },
        { kind: 'ServiceAccount', name: 'reader', namespace: ns },
      ],
    },
  ]);
  reader = await saKubeconfig(ns, 'reader', { create: true });
  await saKubeconfig(ns, 'nobody', { create: true });
  // A server that accepts connections and never answers: what a hung API server or proxy looks like.
  stalled = net.createServer((socket) => {
    stalledSockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => stalledSockets.delete(socket));
  });
  await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
  stalledUrl = `https://127.0.0.1:${(stalled.address() as net.AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  for (const socket of stalledSockets) socket.destroy();
  await new Promise<void>((r) => (stalled ? stalled.close(() => r()) : r()));
  if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

function expectNoToken(...outputs: string[]): void {
  const kube = requireKube();
  const saToken = readFileSync(reader, 'utf8').match(/token: (\S+)/)?.[1] ?? 'no-token';
  for (const out of outputs) {
    expect(out).not.toContain(kube.adminToken);
    expect(out).not.toContain(saToken);
  }
}

describe('the flags exist on every command that talks to a cluster', () => {
  it.each(['cert', 'validate', 'reseal', 'migrate', 'seal'])('%s --help lists them', async (command) => {
    const r = await sealkit([command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const flag of ['--kubeconfig', '--context', '--server', '--token', '--as ', '--as-group', '--request-timeout', '--insecure-skip-tls-verify', '--certificate-authority']) {
      expect(r.stdout, `${command} ${flag}`).toContain(flag);
    }
  });
});

describe('--kubeconfig, KUBECONFIG and --context', () => {
  it('KUBECONFIG is a list merged as kubectl merges it; --kubeconfig reads its one file alone', async () => {
    const doc = parse(readFileSync(admin, 'utf8'));
    // a.yaml: only a current-context naming a context that b.yaml defines (plus a decoy cluster)
    const a = path.join(dir, 'a.yaml');
    writeFileSync(a, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'from-b', clusters: [{ name: 'decoy', cluster: { server: 'https://127.0.0.1:9' } }] }));
    const b = path.join(dir, 'b.yaml');
    writeFileSync(
      b,
      JSON.stringify({
        ...doc,
        'current-context': 'decoy-context',
        contexts: [...doc.contexts.map((c: any) => ({ ...c, name: 'from-b' })), { name: 'decoy-context', context: { cluster: 'decoy' } }],
        clusters: [...doc.clusters, { name: 'decoy', cluster: { server: 'https://127.0.0.1:9' } }],
      }),
    );
    const merged = await sealkit(cert(), { env: { KUBECONFIG: [a, path.join(dir, 'missing.yaml'), b].join(path.delimiter) } });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(pem);

    const alone = await sealkit(cert('--kubeconfig', a), { env: { KUBECONFIG: b } });
    expect(alone.code).toBe(2);
    expect(errorLines(alone)).toEqual([expect.stringContaining(`kubeconfig ${a}: no context named "from-b"`)]);

    // --context picks the context of b.yaml that works, over the current one of b.yaml (the decoy)
    const picked = await sealkit(cert('--kubeconfig', b, '--context', 'from-b'));
    expect(picked.code, picked.stderr).toBe(0);
    const decoy = await sealkit(cert('--kubeconfig', b));
    expect(decoy.code).toBe(1);
    expect(decoy.stderr).toContain('cannot reach the API server https://127.0.0.1:9 (context "decoy-context"): connection refused');
  });
});

describe('--server, --token, --certificate-authority, --insecure-skip-tls-verify', () => {
  it('with no kubeconfig at all, the flags alone reach the cluster', async () => {
    const kube = requireKube();
    const r = await sealkit(cert('--server', kube.server, '--token', kube.adminToken, '--certificate-authority', kube.caFile), bare());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(pem);
    expectNoToken(r.stdout, r.stderr);
  });

  it("the API server's certificate is checked: unknown CA refused; --insecure-skip-tls-verify skips the check", async () => {
    const kube = requireKube();
    const refused = await sealkit(cert('--server', kube.server, '--token', kube.adminToken), bare());
    expect(refused.code).toBe(1);
    expect(errorLines(refused)).toEqual([expect.stringContaining('TLS: certificate signed by an unknown authority')]);
    const insecure = await sealkit(cert('--server', kube.server, '--token', kube.adminToken, '--insecure-skip-tls-verify'), bare());
    expect(insecure.code, insecure.stderr).toBe(0);
    // --insecure-skip-tls-verify replaces the kubeconfig's CA, so the pair kubectl refuses never arises from the flag
    const overKubeconfig = await sealkit(cert('--kubeconfig', admin, '--insecure-skip-tls-verify'));
    expect(overKubeconfig.code, overKubeconfig.stderr).toBe(0);
    expectNoToken(refused.stderr, insecure.stderr);
  });

  it("--token replaces the kubeconfig user's credentials; a bad one is a 401, never shown", async () => {
    const asReader = await sealkit(cert('--kubeconfig', admin, '--token', readFileSync(reader, 'utf8').match(/token: (\S+)/)![1]!));
    expect(asReader.code, asReader.stderr).toBe(0);
    const bad = await sealkit(cert('--kubeconfig', admin, '--token', 'bogus-token-Qw3r'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rejected our credentials \(HTTP 401 Unauthorized\)/);
    expect(bad.stderr).not.toContain('bogus-token-Qw3r');
  });

  it('--server replaces the context server (here with one that stalls)', async () => {
    const r = await sealkit(cert('--kubeconfig', admin, '--server', stalledUrl, '--request-timeout', '1s'));
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`sealkit: error: cannot reach the API server ${stalledUrl} (context "${parse(readFileSync(admin, 'utf8'))['current-context']}"): no answer within 1s (hint: check your network/VPN and the --context; --request-timeout sets the deadline)`]);
  });
});

describe('--as and --as-group: the API server impersonates', () => {
  it('an admin acting as a service account gets what that account may do, no more', async () => {
    const ok = await sealkit(cert('--kubeconfig', admin, '--as', `system:serviceaccount:${ns}:reader`));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(pem);
    const denied = await sealkit(cert('--kubeconfig', admin, '--as', `system:serviceaccount:${ns}:nobody`));
    expect(denied.code).toBe(1);
    expect(errorLines(denied)[0]).toContain(`ConfigMap ${ns}/sealkit-cert: HTTP 403 Forbidden`);
  });

  it('--as-group adds the groups the API server authorizes by', async () => {
    const withGroup = await sealkit(cert('--kubeconfig', admin, '--as', 'jane', '--as-group', 'sealkit-e2e-readers', '--as-group', 'other'));
    expect(withGroup.code, withGroup.stderr).toBe(0);
    const without = await sealkit(cert('--kubeconfig', admin, '--as', 'jane'));
    expect(without.code).toBe(1);
    expect(errorLines(without)[0]).toContain('HTTP 403 Forbidden');
    const noUser = await sealkit(cert('--kubeconfig', admin, '--as-group', 'sealkit-e2e-readers'));
    expect(noUser.code).toBe(2);
    expect(errorLines(noUser)).toEqual([expect.stringContaining('needs a user to impersonate (hint: add --as USER)')]);
  });

  it('a user who may not impersonate is refused by the API server', async () => {
    const r = await sealkit(cert('--kubeconfig', reader, '--as', 'system:admin'));
    expect(r.code).toBe(1);
    expect(errorLines(r)[0]).toContain('HTTP 403 Forbidden');
  });
});

describe('--request-timeout', () => {
  it("kubectl's syntax: seconds or a duration; 0 is no deadline; anything else is a usage error", async () => {
    for (const value of ['30', '1m', '1m30s', '0']) {
      const r = await sealkit(cert('--kubeconfig', admin, '--request-timeout', value));
      expect(r.code, `${value}: ${r.stderr}`).toBe(0);
    }
    const bad = await sealkit(cert('--kubeconfig', admin, '--request-timeout', 'soon'));
    expect(bad.code).toBe(2);
    expect(errorLines(bad)).toEqual([expect.stringContaining('--request-timeout: invalid timeout "soon"')]);
  });

  it('a server that accepts and never answers: the deadline ends the command (exit 1, one line)', async () => {
    const kube = requireKube();
    const r = await sealkit(cert('--server', stalledUrl, '--token', kube.adminToken, '--insecure-skip-tls-verify', '--request-timeout', '500ms'), bare());
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringContaining(`cannot reach the API server ${stalledUrl} (--server): no answer within 500ms`)]);
    expectNoToken(r.stderr);
  });
});

describe('sealkit seal without --cert takes the same flags', () => {
  it('fetches the key with --server/--token/--certificate-authority and seals to it', async () => {
    const kube = requireKube();
    const out = path.join(dir, 'db.sealed.yaml');
    const r = await sealkit(
      ['seal', 'db', '-n', ns, '--controller-namespace', ns, '--from-literal', 'password=flags-e2e-pw', '-w', out, '--server', kube.server, '--token', kube.adminToken, '--certificate-authority', kube.caFile],
      bare(),
    );
    expect(r.code, r.stderr).toBe(0);
    const sealed = parse(readFileSync(out, 'utf8'));
    expect(inspectValue(sealed.spec.encryptedData.password).keyIds).toEqual([keyId]);
    // and it opens with the private key of the published public key
    const opened = await sealkit(['unseal', '--key', path.join(dir, 'sealkit.key'), '-f', out, '-o', 'json']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(Buffer.from(JSON.parse(opened.stdout).data.password, 'base64').toString()).toBe('flags-e2e-pw');
  });
});
