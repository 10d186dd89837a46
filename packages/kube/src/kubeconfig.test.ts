import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeconfigError } from './errors.js';
import {
  effectiveNamespace,
  inClusterSpec,
  kubeconfigPaths,
  loadConnectionSpec,
  mergeKubeconfigs,
  resolveContext,
  type KubeconfigFile,
} from './kubeconfig.js';

const file = (path: string, doc: unknown): KubeconfigFile => ({ path, doc });

const base = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'dev',
  contexts: [
    { name: 'dev', context: { cluster: 'c1', user: 'u1', namespace: 'team-a' } },
    { name: 'prod', context: { cluster: 'c2', user: 'u2' } },
  ],
  clusters: [
    { name: 'c1', cluster: { server: 'https://10.0.0.1:6443/', 'certificate-authority': 'ca.crt' } },
    { name: 'c2', cluster: { server: 'https://prod.example:443/k8s/clusters/c-1', 'certificate-authority-data': Buffer.from('CA').toString('base64'), 'tls-server-name': 'kubernetes' } },
  ],
  users: [
    { name: 'u1', user: { token: 'secret-token-1' } },
    { name: 'u2', user: { 'client-certificate': '/abs/client.crt', 'client-key': 'keys/client.key' } },
  ],
};

describe('resolveContext', () => {
  it('uses the current context; resolves relative paths against the kubeconfig; drops a trailing slash', () => {
    const spec = resolveContext(mergeKubeconfigs([file('/home/u/.kube/config', base)]));
    expect(spec).toEqual({
      source: 'context "dev"',
      server: 'https://10.0.0.1:6443',
      ca: { path: '/home/u/.kube/ca.crt' },
      insecureSkipTlsVerify: false,
      auth: { kind: 'token', token: 'secret-token-1' },
      namespace: 'team-a',
    });
  });

  it('--context picks another; inline data is decoded; client certificate paths, tls-server-name and a path prefix are kept', () => {
    const spec = resolveContext(mergeKubeconfigs([file('/etc/kc/config', base)]), { context: 'prod' });
    expect(spec.server).toBe('https://prod.example:443/k8s/clusters/c-1');
    expect(spec.ca).toEqual({ data: Buffer.from('CA') });
    expect(spec.clientCert).toEqual({ path: '/abs/client.crt' });
    expect(spec.clientKey).toEqual({ path: '/etc/kc/keys/client.key' });
    expect(spec.tlsServerName).toBe('kubernetes');
    expect(spec.auth).toEqual({ kind: 'none' });
  });

  it('merges like kubectl: the first file to define a name or a current-context wins', () => {
    const second = {
      'current-context': 'other',
      contexts: [{ name: 'dev', context: { cluster: 'shadow', user: 'u1' } }, { name: 'other', context: { cluster: 'c3' } }],
      clusters: [{ name: 'c3', cluster: { server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true } }],
    };
    const merged = mergeKubeconfigs([file('/a/config', base), file('/b/config', second), file('/c/empty', null)]);
    expect(merged.currentContext).toBe('dev');
    expect(resolveContext(merged).server).toBe('https://10.0.0.1:6443');
    const other = resolveContext(merged, { context: 'other' });
    expect(other).toMatchObject({ server: 'http://127.0.0.1:8080', insecureSkipTlsVerify: true, auth: { kind: 'none' } });
  });

  it('token files, basic auth, exec plugins and oidc id-tokens', () => {
    const users = (user: Record<string, unknown>) =>
      resolveContext(mergeKubeconfigs([file('/k/config', { ...base, users: [{ name: 'u1', user }] })])).auth;
    expect(users({ tokenFile: 'tok' })).toEqual({ kind: 'token-file', path: '/k/tok' });
    expect(users({ username: 'admin', password: 'pw' })).toEqual({ kind: 'basic', username: 'admin', password: 'pw' });
    expect(users({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'p' }] } })).toEqual({
      kind: 'exec',
      exec: { command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'p' }], apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: false },
    });
    // a command with a slash is relative to the kubeconfig (client-go's ResolveLocalPaths); a bare name is looked up in PATH
    expect(users({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/get-token', interactiveMode: 'Never' } })).toMatchObject({
      exec: { command: '/k/bin/get-token', interactiveMode: 'Never' },
    });
    expect(() => users({ exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } })).toThrow(/v1 or v1beta1/);
    // client-go's precedence: a token file beside a token wins (it is re-read); a client certificate silences exec
    expect(users({ token: 't', tokenFile: '/t' })).toEqual({ kind: 'token-file', path: '/t' });
    expect(users({ 'client-certificate-data': 'QQ==', 'client-key-data': 'QQ==', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x' } })).toEqual({ kind: 'none' });
    expect(() => users({ token: 't', username: 'u', password: 'p' })).toThrow('username/password or a bearer token may be set, but not both');
    expect(users({ 'auth-provider': { name: 'oidc', config: { 'id-token': 'eyJ.x.y' } } })).toEqual({ kind: 'token', token: 'eyJ.x.y' });
    expect(() => users({ 'auth-provider': { name: 'gcp', config: { 'access-token': 'ya29.secret' } } })).toThrow(/auth-provider "gcp" is not supported/);
  });

  it('errors name the file and the missing piece, never a credential; context problems are usage errors', () => {
    const merged = mergeKubeconfigs([file('/k/config', { ...base, 'current-context': undefined })]);
    expect(() => resolveContext(merged)).toThrow(/no current context/);
    try {
      resolveContext(merged, { context: 'nope' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KubeconfigError);
      expect((err as KubeconfigError).usage).toBe(true);
      expect((err as KubeconfigError).message).toBe('kubeconfig /k/config: no context named "nope"');
    }
    const broken = (patch: Record<string, unknown>) => () => resolveContext(mergeKubeconfigs([file('/k/config', { ...base, ...patch })]));
    expect(broken({ clusters: [] })).toThrow('context "dev" names cluster "c1", which is not defined');
    // kubectl tolerates a context naming a user nobody defined (client-go's getAuthInfo): no credentials
    expect(broken({ users: [] })()).toMatchObject({ auth: { kind: 'none' } });
    expect(broken({ clusters: [{ name: 'c1', cluster: {} }] })).toThrow('cluster "c1" has no server');
    expect(broken({ clusters: [{ name: 'c1', cluster: { server: 'ftp://x' } }] })).toThrow('server must be an http(s) URL');
    expect(broken({ clusters: [{ name: 'c1', cluster: { server: 'https://x', 'proxy-url': 'socks4://proxy:1080' } }] })).toThrow(/proxy-url scheme socks4 is not supported/);
    expect(broken({ clusters: [{ name: 'c1', cluster: { server: 'https://x', 'proxy-url': 'socks5://proxy:1080' } }] })()).toMatchObject({ proxyUrl: 'socks5://proxy:1080' });
    expect(broken({ clusters: [{ name: 'c1', cluster: { server: 'https://x', 'insecure-skip-tls-verify': true, 'certificate-authority': 'ca.crt' } }] })).toThrow(
      'specifying a root certificates file with the insecure flag is not allowed',
    );
    expect(broken({ users: [{ name: 'u1', user: { 'client-certificate-data': 'QQ==' } }] })).toThrow('needs both the certificate and its key');
    const notB64 = broken({ users: [{ name: 'u1', user: { 'client-key-data': '-----BEGIN PRIVATE KEY----- abc', 'client-certificate-data': 'QQ==' } }] });
    expect(notB64).toThrow('client-key-data is not base64');
    try {
      notB64();
    } catch (err) {
      expect((err as Error).message).not.toContain('BEGIN');
    }
    expect(() => mergeKubeconfigs([file('/k/config', ['not', 'a', 'map'])])).toThrow('not a kubeconfig');
  });
});

describe('kubeconfigPaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-kc-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  writeFileSync(a, '');
  writeFileSync(b, '');

  it('--kubeconfig wins over KUBECONFIG, which wins over ~/.kube/config', () => {
    expect(kubeconfigPaths({ kubeconfig: '/x' }, { KUBECONFIG: a })).toEqual({ paths: ['/x'], explicit: true });
    expect(kubeconfigPaths({}, { KUBECONFIG: [a, join(dir, 'missing'), b, a].join(delimiter) })).toEqual({ paths: [a, b], explicit: false });
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    expect(kubeconfigPaths({}, { HOME: home })).toEqual({ paths: [], explicit: false });
    writeFileSync(join(home, '.kube', 'config'), '');
    expect(kubeconfigPaths({}, { HOME: home, KUBECONFIG: '' })).toEqual({ paths: [join(home, '.kube', 'config')], explicit: false });
  });

  it('no kubeconfig and not in a pod: a no-cluster error; --server alone is enough; in a pod: the service account', async () => {
    const env = { HOME: join(dir, 'nohome'), KUBECONFIG: '' };
    expect(() => loadConnectionSpec({}, env)).toThrow(expect.objectContaining({ code: 'no-cluster', usage: true }));
    expect(loadConnectionSpec({ server: 'https://flags.example:6443', token: 'tk' }, env)).toEqual({
      source: '--server',
      server: 'https://flags.example:6443',
      insecureSkipTlsVerify: false,
      auth: { kind: 'token', token: 'tk' },
    });
    expect(inClusterSpec({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, '/sa')).toEqual({
      source: 'the in-cluster service account',
      server: 'https://[fd00::1]:443',
      ca: { path: '/sa/ca.crt' },
      insecureSkipTlsVerify: false,
      auth: { kind: 'token-file', path: '/sa/token' },
    });
    expect(inClusterSpec({ KUBERNETES_SERVICE_HOST: '' })).toBeUndefined();
  });

  it('reads and merges real files; a YAML error gives a position, not the text', async () => {
    const kc = join(dir, 'kc.yaml');
    writeFileSync(kc, JSON.stringify(base));
    const spec = loadConnectionSpec({ kubeconfig: kc, context: 'prod' }, {});
    expect(spec.source).toBe('context "prod"');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'users:\n  - name: u\n    user: {token: "s3cr3t-token\n');
    expect(() => loadConnectionSpec({ kubeconfig: bad }, {})).toThrow(/^kubeconfig .*bad\.yaml: invalid YAML at line \d+, column \d+$/);
    expect(() => loadConnectionSpec({ kubeconfig: bad }, {})).not.toThrow(/s3cr3t/);
    expect(() => loadConnectionSpec({ kubeconfig: join(dir, 'none') }, {})).toThrow(/^--kubeconfig .*none: cannot read: no such file$/);
  });
});

describe('command-line overrides (kubectl flags)', () => {
  const merged = () => mergeKubeconfigs([file('/etc/kc/config', base)]);

  it('--server replaces the server and clears tls-server-name; --token replaces the user technique', () => {
    const spec = resolveContext(merged(), { context: 'prod', server: 'https://other:6443/', token: 'flag-token' });
    expect(spec.server).toBe('https://other:6443');
    expect(spec.tlsServerName).toBeUndefined();
    expect(spec.auth).toEqual({ kind: 'token', token: 'flag-token' });
    // the client certificate stays: kubectl only overrides what the flags set
    expect(spec.clientCert).toEqual({ path: '/abs/client.crt' });
  });

  it('--insecure-skip-tls-verify drops the CA; --certificate-authority replaces it (and an insecure setting)', () => {
    const insecure = resolveContext(merged(), { context: 'prod', insecureSkipTlsVerify: true });
    expect(insecure.ca).toBeUndefined();
    expect(insecure.insecureSkipTlsVerify).toBe(true);
    const ca = resolveContext(merged(), { context: 'prod', certificateAuthority: '/etc/ca.pem' });
    expect(ca.ca).toEqual({ path: '/etc/ca.pem' });
    expect(ca.insecureSkipTlsVerify).toBe(false);
  });

  it('--as and --as-group set impersonation; groups without a user are refused', () => {
    expect(resolveContext(merged(), { as: 'jane', asGroups: ['dev', 'ops'] }).impersonate).toEqual({ user: 'jane', groups: ['dev', 'ops'], extra: {} });
    expect(() => resolveContext(merged(), { asGroups: ['dev'] })).toThrow(expect.objectContaining({ usage: true }));
    const fromFile = mergeKubeconfigs([file('/k/config', { ...base, users: [{ name: 'u1', user: { token: 't', as: 'bob', 'as-groups': ['g'], 'as-uid': '42', 'as-user-extra': { scopes: ['a'] } } }] })]);
    expect(resolveContext(fromFile).impersonate).toEqual({ user: 'bob', groups: ['g'], uid: '42', extra: { scopes: ['a'] } });
    expect(resolveContext(fromFile, { as: 'carol' }).impersonate).toMatchObject({ user: 'carol', groups: ['g'] });
  });

  it('the namespace kubectl would use: -n, else the context, else "default"', () => {
    const dev = resolveContext(merged());
    expect(effectiveNamespace(dev, 'explicit')).toBe('explicit');
    expect(effectiveNamespace(dev)).toBe('team-a');
    expect(effectiveNamespace(resolveContext(merged(), { context: 'prod' }))).toBe('default');
    expect(effectiveNamespace(undefined)).toBe('default');
  });

  it('in a pod: POD_NAMESPACE, else the namespace file; flags apply too', () => {
    const sa = mkdtempSync(join(tmpdir(), 'sealkit-sa-'));
    writeFileSync(join(sa, 'namespace'), 'from-file\n');
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterSpec(env, sa)?.namespace).toBe('from-file');
    expect(inClusterSpec({ ...env, POD_NAMESPACE: 'from-env' }, sa)?.namespace).toBe('from-env');
    expect(inClusterSpec(env, sa, { token: 'x', server: 'https://elsewhere' })).toMatchObject({ server: 'https://elsewhere', auth: { kind: 'token', token: 'x' } });
  });
});
