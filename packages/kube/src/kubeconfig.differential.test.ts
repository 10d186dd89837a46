// Differential test: @kubernetes/client-node's KubeConfig is the reference for what a kubeconfig
// means. Each directory of testdata/kubeconfig-corpus/ holds kubeconfig files and a case.json;
// both loaders read the case and the test compares server, namespace, auth kind, TLS settings
// (CA bytes, client certificate and key presence, skip-verify, server name) and proxy.
// Where client-node departs from kubectl, the case says so (`differs`, `clientNodeThrows`,
// `oursThrows`) with the reason, and what kubectl does (`kubectl`) is asserted for ours.
// client-node is a devDependency of this package, loaded here only: never at run time.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from './connection.js';
import { loadConnectionSpec } from './kubeconfig.js';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'kubeconfig-corpus');

interface Case {
  description: string;
  /** `--kubeconfig FILE` (relative to the case directory) */
  kubeconfig?: string;
  /** `KUBECONFIG=a:b` (relative to the case directory) */
  KUBECONFIG?: string[];
  context?: string;
  /** field -> why client-node differs from kubectl there */
  differs?: Record<string, string>;
  clientNodeThrows?: string;
  oursThrows?: string;
  /** what kubectl gives, for the fields that differ (or all, when client-node throws) */
  kubectl?: Partial<View>;
}

/** What both loaders are compared on. */
interface View {
  server: string;
  namespace: string | undefined;
  auth: string;
  ca: string | undefined;
  clientCert: boolean;
  clientKey: boolean;
  insecure: boolean;
  tlsServerName: string | undefined;
  proxyUrl: string | undefined;
  as: string | undefined;
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ name: d.name, dir: join(CORPUS, d.name), spec: JSON.parse(readFileSync(join(CORPUS, d.name, 'case.json'), 'utf8')) as Case }));

function ours(dir: string, c: Case): View {
  const env = { HOME: join(dir, 'no-home'), ...(c.KUBECONFIG ? { KUBECONFIG: c.KUBECONFIG.map((f) => join(dir, f)).join(delimiter) } : {}) };
  const spec = loadConnectionSpec({ ...(c.kubeconfig ? { kubeconfig: join(dir, c.kubeconfig) } : {}), ...(c.context ? { context: c.context } : {}) }, env);
  const conn = openConnection(spec);
  return {
    server: spec.server,
    namespace: spec.namespace,
    auth: spec.auth.kind,
    ca: conn.ca?.toString('utf8').trim(),
    clientCert: conn.cert !== undefined,
    clientKey: conn.key !== undefined,
    insecure: spec.insecureSkipTlsVerify,
    tlsServerName: spec.tlsServerName,
    proxyUrl: spec.proxyUrl,
    as: spec.impersonate?.user,
  };
}

type ClientNode = typeof import('@kubernetes/client-node');
let k8s: ClientNode;
beforeAll(async () => {
  k8s = await import('@kubernetes/client-node');
});

function clientNode(dir: string, c: Case): View {
  const kc = new k8s.KubeConfig();
  if (c.kubeconfig) {
    kc.loadFromFile(join(dir, c.kubeconfig));
  } else {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = c.KUBECONFIG!.map((f) => join(dir, f)).join(delimiter);
    try {
      kc.loadFromDefault();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  }
  if (c.context) kc.setCurrentContext(c.context);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('client-node: no current cluster');
  const user = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  const provider = user?.authProvider as { name?: string; config?: Record<string, string> } | undefined;
  // The technique whose credential goes out: client-node applies the authenticator, then a static token over it.
  const auth = user?.token
    ? 'token'
    : user?.exec
      ? 'exec'
      : user?.username
        ? 'basic'
        : provider
          ? provider.name === 'oidc' && provider.config?.['id-token'] ? 'token' : `auth-provider:${provider.name}`
          : 'none';
  return {
    server: cluster.server,
    namespace: context?.namespace ?? undefined,
    auth,
    ca: k8s.bufferFromFileOrString(cluster.caFile, cluster.caData)?.toString('utf8').trim(),
    clientCert: Boolean(user?.certFile || user?.certData),
    clientKey: Boolean(user?.keyFile || user?.keyData),
    insecure: cluster.skipTLSVerify,
    tlsServerName: cluster.tlsServerName ?? undefined,
    proxyUrl: cluster.proxyUrl ?? undefined,
    as: user?.impersonateUser ?? undefined,
  };
}

describe('kubeconfig corpus: ours against client-node', () => {
  it('the corpus is there and covers what it should', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const all = cases
      .flatMap((c) => readdirSync(c.dir, { recursive: true, encoding: 'utf8' }).map((f) => join(c.dir, f)))
      .filter((f) => !f.endsWith('case.json') && statSync(f).isFile())
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const needle of ['exec:', 'tokenFile:', 'proxy-url:', 'insecure-skip-tls-verify:', 'client-certificate-data:', 'client-certificate:', 'namespace:', 'tls-server-name:']) {
      expect(all, needle).toContain(needle);
    }
    expect(cases.filter((c) => c.spec.KUBECONFIG !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  for (const { name, dir, spec: c } of cases) {
    it(`${name}: ${c.description}`, () => {
      if (c.oursThrows !== undefined) {
        expect(() => ours(dir, c)).toThrow();
        // client-node takes it: the difference is on record in case.json
        expect(() => clientNode(dir, c)).not.toThrow();
        return;
      }
      const mine = ours(dir, c);
      if (c.clientNodeThrows !== undefined) {
        expect(() => clientNode(dir, c)).toThrow();
        expect(mine).toMatchObject(c.kubectl ?? {});
        return;
      }
      const reference = clientNode(dir, c);
      const differs = c.differs ?? {};
      for (const field of Object.keys(mine) as Array<keyof View>) {
        if (field in differs) {
          expect(mine[field], `${field} (kubectl)`).toEqual(c.kubectl?.[field]);
          expect(reference[field], `${field}: client-node is expected to differ here: ${differs[field]}`).not.toEqual(mine[field]);
        } else {
          expect(mine[field], field).toEqual(reference[field]);
        }
      }
    });
  }
});

describe('client-node stays out of the run time', () => {
  it('no source file of this package imports it, and it is only a devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(CORPUS, '..', '..', '..', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(pkg.dependencies?.['@kubernetes/client-node']).toBeUndefined();
    expect(pkg.devDependencies?.['@kubernetes/client-node']).toBeDefined();
    const src = join(CORPUS, '..', '..');
    for (const f of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/@kubernetes\/client-node/);
    }
  });
});
