/**
 * Smoke suite of the harness itself: every component it starts is the real thing and behaves as
 * in a cluster. Uses kubectl (on PATH) and fetch/https only, so it depends on no workspace package.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireBitnami, requireKube, requireVault, saKubeconfig } from './env.js';

const execFileAsync = promisify(execFile);

async function kubectl(args: string[], opts: { input?: string; kubeconfig?: string } = {}): Promise<string> {
  const kubeconfig = opts.kubeconfig ?? requireKube().kubeconfig;
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** GET against the apiserver, trusting only the harness CA (so the serving cert is checked too). */
function apiGet(pathname: string, token?: string): Promise<{ status: number; body: string }> {
  const kube = requireKube();
  const url = new URL(pathname, kube.server);
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { ca: readFileSync(kube.caFile), headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

async function vaultApi(method: string, pathname: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const vault = requireVault();
  const res = await fetch(`${vault.addr}/v1/${pathname}`, {
    method,
    headers: { 'x-vault-token': token ?? vault.token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const suffix = Date.now().toString(36);

describe('kube-apiserver', () => {
  it('answers /readyz and /version with the built release', async () => {
    const kube = requireKube();
    const ready = await apiGet('/readyz', kube.adminToken);
    expect(ready.status).toBe(200);
    expect(ready.body).toBe('ok');
    const version = JSON.parse((await apiGet('/version', kube.adminToken)).body);
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('applies a CRD that becomes Established and serves its resources', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.smoke.sealkit.dev' },
      spec: {
        group: 'smoke.sealkit.dev',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
            subresources: { status: {} },
          },
        ],
      },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) });
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/widgets.smoke.sealkit.dev']);
    const w = { apiVersion: 'smoke.sealkit.dev/v1', kind: 'Widget', metadata: { name: `w-${suffix}`, namespace: 'default' }, spec: { size: 3 } };
    await eventually('the Widget to be accepted', async () => (await kubectl(['apply', '-f', '-'], { input: JSON.stringify(w) })) || undefined);
    const got = JSON.parse(await kubectl(['get', 'widget', `w-${suffix}`, '-n', 'default', '-o', 'json']));
    expect(got.spec.size).toBe(3);
  });

  it('round-trips a Secret with binary data', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 255, 10, 13]);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `rt-${suffix}`, namespace: 'default' },
      type: 'Opaque',
      data: { blob: bytes.toString('base64'), password: Buffer.from('hunter2').toString('base64') },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(secret) });
    const got = JSON.parse(await kubectl(['get', 'secret', `rt-${suffix}`, '-n', 'default', '-o', 'json']));
    expect(Buffer.from(got.data.blob, 'base64').equals(bytes)).toBe(true);
    expect(Buffer.from(got.data.password, 'base64').toString()).toBe('hunter2');
  });

  it('enforces RBAC for a service-account kubeconfig (sa-kubeconfig)', async () => {
    const ns = `rbac-${suffix}`;
    const kc = await saKubeconfig(ns, 'reader', { create: true });
    await expect(kubectl(['get', 'secrets', '-n', ns], { kubeconfig: kc })).rejects.toThrow(/forbidden/i);
    await kubectl(['create', 'role', 'secret-reader', '--verb=get,list', '--resource=secrets', '-n', ns]);
    await kubectl(['create', 'rolebinding', 'reader', '--role=secret-reader', `--serviceaccount=${ns}:reader`, '-n', ns]);
    await eventually('RBAC to allow the service account', async () => {
      await kubectl(['get', 'secrets', '-n', ns], { kubeconfig: kc });
      return true;
    });
    const who = JSON.parse(await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: kc }));
    expect(who.status.userInfo.username).toBe(`system:serviceaccount:${ns}:reader`);
  });
});

describe('kube-controller-manager', () => {
  it('garbage-collects an object whose owner is deleted', async () => {
    requireKube({ gc: true });
    const owner = JSON.parse(
      await kubectl(['create', 'configmap', `owner-${suffix}`, '-n', 'default', '--from-literal=a=b', '-o', 'json']),
    );
    const owned = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `owned-${suffix}`,
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid, controller: true }],
      },
      stringData: { k: 'v' },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(owned) });
    await kubectl(['delete', 'configmap', owner.metadata.name, '-n', 'default', '--wait=true']);
    await eventually('the garbage collector to delete the owned Secret', async () => {
      const out = await kubectl(['get', 'secret', `owned-${suffix}`, '-n', 'default', '--ignore-not-found', '-o', 'name']);
      return out.trim() === '' ? true : undefined;
    });
  });

  it('deletes a namespace with its contents', async () => {
    requireKube({ gc: true });
    const ns = `gone-${suffix}`;
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['create', 'configmap', 'x', '-n', ns, '--from-literal=a=b']);
    await kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=90s']);
    const out = await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name']);
    expect(out.trim()).toBe('');
  });
});

describe('vault', () => {
  it('reads and writes KV v2 at secret/', async () => {
    const put = await vaultApi('POST', `secret/data/smoke-${suffix}`, { data: { password: 'v2-value' } });
    expect(put.status).toBe(200);
    const get = await vaultApi('GET', `secret/data/smoke-${suffix}`);
    expect(get.status).toBe(200);
    expect(get.json.data.data.password).toBe('v2-value');
    expect(get.json.data.metadata.version).toBe(1);
  });

  it('reads and writes KV v1 at kv1/', async () => {
    const mounts = await vaultApi('GET', 'sys/mounts');
    expect(mounts.json.data['kv1/'].options.version).toBe('1');
    const put = await vaultApi('POST', `kv1/smoke-${suffix}`, { password: 'v1-value' });
    expect(put.status).toBe(204);
    const get = await vaultApi('GET', `kv1/smoke-${suffix}`);
    expect(get.json.data.password).toBe('v1-value');
  });

  it('logs in with a service-account token through the Kubernetes auth method', async () => {
    const vault = requireVault({ kubernetesAuth: true });
    const ns = `vault-${suffix}`;
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['create', 'serviceaccount', 'app', '-n', ns]);
    await vaultApi('PUT', `sys/policies/acl/smoke-${suffix}`, {
      policy: `path "secret/data/smoke-${suffix}" { capabilities = ["read"] }`,
    });
    await vaultApi('POST', `secret/data/smoke-${suffix}`, { data: { password: 'via-k8s-auth' } });
    const role = await vaultApi('POST', `auth/${vault.kubernetesAuthPath}/role/smoke-${suffix}`, {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: [ns],
      token_policies: [`smoke-${suffix}`],
      token_ttl: '10m',
    });
    expect([200, 204]).toContain(role.status);
    const jwt = (await kubectl(['create', 'token', 'app', '-n', ns, '--duration=10m'])).trim();
    const login = await vaultApi('POST', `auth/${vault.kubernetesAuthPath}/login`, { role: `smoke-${suffix}`, jwt });
    expect(login.status, JSON.stringify(login.json?.errors)).toBe(200);
    expect(login.json.auth.metadata.service_account_namespace).toBe(ns);
    const read = await vaultApi('GET', `secret/data/smoke-${suffix}`, undefined, login.json.auth.client_token);
    expect(read.json.data.data.password).toBe('via-k8s-auth');
    // and a token of another service account is refused
    await kubectl(['create', 'serviceaccount', 'other', '-n', ns]);
    const otherJwt = (await kubectl(['create', 'token', 'other', '-n', ns, '--duration=10m'])).trim();
    const denied = await vaultApi('POST', `auth/${vault.kubernetesAuthPath}/login`, { role: `smoke-${suffix}`, jwt: otherJwt });
    expect(denied.status).toBeGreaterThanOrEqual(400);
  });
});

describe('bitnami sealed-secrets', () => {
  it('kubeseal --version runs', async () => {
    const { stdout } = await execFileAsync(requireBitnami().kubeseal, ['--version']);
    expect(stdout).toMatch(/kubeseal version: v?\d+\.\d+\.\d+/);
  });

  it('the reference controller unseals what kubeseal sealed with its certificate', async () => {
    const b = requireBitnami({ controller: true });
    const kube = requireKube();
    const ns = `bitnami-${suffix}`;
    await kubectl(['create', 'namespace', ns]);
    const secret = await kubectl(['create', 'secret', 'generic', 'db', '-n', ns, '--from-literal=password=s3cr3t', '--dry-run=client', '-o', 'json']);
    const { stdout: sealed } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = execFile(
        b.kubeseal,
        ['--cert', b.certUrl as string, '--format', 'json'],
        { env: { ...process.env, KUBECONFIG: kube.kubeconfig } },
        (err, stdout, stderr) => (err ? reject(new Error(`kubeseal failed: ${stderr}`)) : resolve({ stdout })),
      );
      child.stdin?.end(secret);
    });
    expect(JSON.parse(sealed).kind).toBe('SealedSecret');
    await kubectl(['apply', '-f', '-'], { input: sealed });
    const value = await eventually('the controller to create the Secret', async () => {
      const out = await kubectl(['get', 'secret', 'db', '-n', ns, '--ignore-not-found', '-o', 'jsonpath={.data.password}']);
      return out ? Buffer.from(out, 'base64').toString() : undefined;
    });
    expect(value).toBe('s3cr3t');
  });
});
