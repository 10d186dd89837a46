// Helpers for the end-to-end suite of the CLI's cluster commands (cert, seal without --cert,
// validate, reseal): the built `sealkit` binary, and the real controller (on 127.0.0.1) made
// reachable through the real API server's service proxy via a test host in our own network namespace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apply, kubectl, REPO, run, type Run } from './kube.js';

export const CLI = path.join(REPO, 'packages/cli/bin/sealkit.js');

/** Runs the built CLI as a user would (never throws on a non-zero exit). */
export function sealkit(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', ...opts.env },
    allowFail: true,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
}

export const NETNS_ENDPOINT = path.join(REPO, 'test/infra/netns-endpoint');

/** Where the API server's service proxy reaches a process that listens on loopback. */
export interface ProxyEndpoint {
  /** the test host's address, in the network namespace this run created (10.213.X.2) */
  ip: string;
  port: number;
  /** http://IP:PORT, for exposeController */
  url: string;
  /** removes the relays, the veth pair and the network namespace; safe to call twice */
  stop(): Promise<void>;
}

/**
 * Makes 127.0.0.1:`targetPort` reachable by the API server's service proxy, which refuses loopback
 * endpoints, without anything dialing a non-loopback address of this machine: test/infra/netns-endpoint
 * creates a network namespace of our own with a veth pair, and relays IP:PORT in it over a Unix
 * socket to the loopback port (docs/test-infra.md, "Service proxy endpoints"). Needs root.
 */
export async function startProxyEndpoint(targetPort: number): Promise<ProxyEndpoint> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'sealkit-netns-'));
  const env = { ...process.env, SEALKIT_NODE: process.execPath, SEALKIT_NETNS_OWNER_PID: String(process.pid) };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const r = await run(NETNS_ENDPOINT, ['down', stateDir], { env, allowFail: true });
    if (r.code !== 0) throw new Error(`netns-endpoint down ${stateDir} failed (exit ${r.code}): ${r.stderr.trim()}`);
    rmSync(stateDir, { recursive: true, force: true });
  };
  const up = await run(NETNS_ENDPOINT, ['up', stateDir, String(targetPort)], { env, allowFail: true });
  const m = /^(\d+\.\d+\.\d+\.\d+) (\d+)$/.exec(up.stdout.trim());
  if (up.code !== 0 || !m) {
    await stop().catch(() => {});
    throw new Error(`cli-cluster e2e: no service proxy endpoint: ${up.stderr.trim() || up.stdout.trim()}`);
  }
  const ip = m[1]!;
  const port = Number(m[2]);
  return { ip, port, url: `http://${ip}:${port}`, stop };
}

/**
 * Retired: it returned this machine's interface address, which tests must never target. Use
 * `startProxyEndpoint(port)` with the process listening on 127.0.0.1.
 */
export function hostAddress(): never {
  throw new Error(
    'hostAddress() is retired: test traffic may only target loopback or our own network namespaces. ' +
      'Listen on 127.0.0.1 and expose it with startProxyEndpoint(port) from test/e2e/lib/cli-cluster.ts (see docs/test-infra.md).',
  );
}

/**
 * Makes the controller reachable at `url` (http://IP:PORT, a `startProxyEndpoint` in front of it)
 * as Service NS/NAME port `http`, the way a Deployment would: a selector-less Service, a Pod object
 * carrying the IP in its status (the proxy checks that the endpoint's targetRef Pod has that IP),
 * and endpoints.
 * No kubelet runs here, so the Pod is only a record; it never starts.
 */
export async function exposeController(namespace: string, url: string, name = 'sealkit-controller'): Promise<void> {
  const { hostname, port } = new URL(url);
  const podName = `${name}-0`;
  await apply([
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'http', port: 8080, targetPort: Number(port), protocol: 'TCP' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, namespace, labels: { 'app.kubernetes.io/name': name } },
      spec: { containers: [{ name: 'controller', image: 'sealkit/controller:test' }] },
    },
  ]);
  await kubectl([
    'patch', 'pod', podName, '-n', namespace, '--subresource=status', '--type=merge',
    '-p', JSON.stringify({ status: { podIP: hostname, podIPs: [{ ip: hostname }] } }),
  ]);
  const address = { ip: hostname, targetRef: { kind: 'Pod', name: podName, namespace } };
  await apply([
    // What the API server's proxy reads (1.3x): an EndpointSlice of the Service. Written here
    // because without kube-controller-manager nothing else would write it.
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-test`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [hostname], conditions: { ready: true }, targetRef: address.targetRef }],
      ports: [{ name: 'http', port: Number(port), protocol: 'TCP' }],
    },
    // Older API servers read Endpoints; skip-mirror keeps kube-controller-manager from copying it into a second slice.
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [address], ports: [{ name: 'http', port: Number(port), protocol: 'TCP' }] }],
    },
  ]);
}

/** A Role + RoleBinding in `namespace` giving a service account verbs on the controller's service proxy. */
export async function grantProxy(namespace: string, sa: { namespace: string; name: string }, verbs: string[], service = 'sealkit-controller'): Promise<void> {
  const roleName = `proxy-${sa.namespace}-${sa.name}`;
  await apply([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: roleName, namespace },
      // The proxy subresource is authorized under the name "http:SERVICE:PORT".
      rules: [{ apiGroups: [''], resources: ['services/proxy'], resourceNames: [`http:${service}:http`], verbs }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: roleName, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }],
    },
  ]);
}

/** Lines of stderr that are errors: exactly one is expected per failure. */
export function errorLines(r: Run): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('sealkit: error: '));
}
