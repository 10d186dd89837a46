// Helpers for the end-to-end suite of the CLI's cluster commands (cert, seal without --cert,
// validate, reseal): the built `sealkit` binary, and the real controller made reachable through
// the real API server's service proxy.
import { networkInterfaces } from 'node:os';
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

/**
 * An IPv4 address of this machine that is not loopback. The API server's service proxy only
 * dials endpoints that pass Endpoints validation, which refuses 127.0.0.0/8, so the controller
 * under test must listen on a real interface for `sealkit` to reach it through the proxy.
 */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  throw new Error(
    'cli-cluster e2e: this machine has no non-loopback IPv4 address, and the API server service proxy ' +
      'refuses loopback endpoints. Add one, e.g.: ip link add sealkit0 type dummy && ip addr add 192.0.2.10/32 dev sealkit0 && ip link set sealkit0 up',
  );
}

/**
 * Makes the controller listening at `url` (http://IP:PORT) reachable as Service NS/NAME port
 * `http`, the way a Deployment would: a selector-less Service, a Pod object carrying the IP in
 * its status (the proxy checks that the endpoint's targetRef Pod has that IP), and endpoints.
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
