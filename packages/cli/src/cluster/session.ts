import {
  effectiveNamespace,
  ExecPluginError,
  HttpKubeClient,
  KubeconfigError,
  loadConnectionSpec,
  openConnection,
  parseRequestTimeout,
  type ConnectionSpec,
  type KubeSelection,
} from '@sealkit/kube';
import { ExitError, UsageError } from '../errors.js';
import { cliApiClient, MAX_RESPONSE_BYTES, type ApiClient } from './api.js';
import {
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  DEFAULT_CONTROLLER_PORT,
  fetchClusterCert,
  type ClusterCert,
  type ControllerRef,
} from './controller.js';
import { NoClusterError } from './kubeconfig.js';
import type { ClusterFlags } from './options.js';

/** A cluster to talk to and where its sealkit controller runs (internal). */
export interface ClusterSession {
  readonly spec: ConnectionSpec;
  readonly client: ApiClient;
  readonly ref: ControllerRef;
}

/** The CLI's deadline for each request when --request-timeout is not given (kubectl has none; a CLI that hangs helps nobody). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function controllerRef(flags: ClusterFlags): ControllerRef {
  return {
    namespace: flags.controllerNamespace || DEFAULT_CONTROLLER_NAMESPACE,
    name: flags.controllerName || DEFAULT_CONTROLLER_NAME,
    port: DEFAULT_CONTROLLER_PORT,
  };
}

/** The cluster flags as @sealkit/kube reads them (kubectl's meanings). */
export function kubeSelection(flags: ClusterFlags): KubeSelection {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    server: flags.server,
    token: flags.token,
    as: flags.as,
    asGroups: flags.asGroup,
    insecureSkipTlsVerify: flags.insecureSkipTlsVerify,
    certificateAuthority: flags.certificateAuthority,
  };
}

/** `--request-timeout`, in ms (0: none); a usage error when malformed. */
export function requestTimeoutMs(flags: ClusterFlags): number {
  if (flags.requestTimeout === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  try {
    return parseRequestTimeout(flags.requestTimeout);
  } catch (err) {
    throw new UsageError(`--request-timeout: ${(err as Error).message}`);
  }
}

/** Kubeconfig and credential-plugin problems as the CLI reports them (usage errors exit 2). */
export function toCliError(err: unknown): unknown {
  if (err instanceof KubeconfigError) {
    if (err.code === 'no-cluster') return new NoClusterError(err.message, err.hint);
    const options = { ...(err.hint === undefined ? {} : { hint: err.hint }), cause: err };
    return err.usage ? new UsageError(err.message, options) : new ExitError(err.message, options);
  }
  if (err instanceof ExecPluginError) return new ExitError(err.message, { ...(err.hint === undefined ? {} : { hint: err.hint }), cause: err });
  return err;
}

/** The connection the flags select, by kubectl's rules (no file but the kubeconfigs read). */
export function clusterSpec(flags: ClusterFlags, env: NodeJS.ProcessEnv = process.env): ConnectionSpec {
  try {
    return loadConnectionSpec(kubeSelection(flags), env);
  } catch (err) {
    throw toCliError(err);
  }
}

/**
 * The namespace kubectl would use: `-n` when given, else the namespace of the selected context
 * (or of the pod, in a cluster), else "default". With no cluster configured at all: "default".
 */
export function kubectlNamespace(flags: ClusterFlags, namespaceFlag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (namespaceFlag !== undefined && namespaceFlag !== '') return namespaceFlag;
  try {
    return effectiveNamespace(loadConnectionSpec(kubeSelection(flags), env));
  } catch (err) {
    if (err instanceof KubeconfigError && err.code === 'no-cluster') return effectiveNamespace(undefined);
    throw toCliError(err);
  }
}

export async function openCluster(flags: ClusterFlags, env: NodeJS.ProcessEnv = process.env): Promise<ClusterSession> {
  const timeoutMs = requestTimeoutMs(flags);
  const spec = clusterSpec(flags, env);
  let connection;
  try {
    connection = openConnection(spec);
  } catch (err) {
    throw toCliError(err);
  }
  const kube = new HttpKubeClient(connection, { requestTimeoutMs: timeoutMs, maxSockets: 4, userAgent: 'sealkit-cli', maxResponseBytes: MAX_RESPONSE_BYTES });
  const api = cliApiClient(kube, spec.source);
  const client: ApiClient = {
    server: api.server,
    request: (req) => api.request(req).catch((err: unknown) => Promise.reject(toCliError(err))),
  };
  return { spec, client, ref: controllerRef(flags) };
}

/** The cluster's active public key, for `sealkit cert` and `sealkit seal` without --cert. */
export async function clusterCert(flags: ClusterFlags): Promise<ClusterCert> {
  const session = await openCluster(flags);
  return fetchClusterCert(session.client, session.ref);
}

export { fetchClusterCert, resealOnCluster, verifyOnCluster } from './controller.js';
export type { ClusterCert, ResealResult } from './controller.js';
