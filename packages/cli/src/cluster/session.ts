import { createApiClient, type ApiClient } from './api.js';
import {
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  DEFAULT_CONTROLLER_PORT,
  fetchClusterCert,
  type ClusterCert,
  type ControllerRef,
} from './controller.js';
import { loadConnectionSpec, type ConnectionSpec } from './kubeconfig.js';
import type { ClusterFlags } from './options.js';

/** A cluster to talk to and where its sealkit controller runs (internal). */
export interface ClusterSession {
  readonly spec: ConnectionSpec;
  readonly client: ApiClient;
  readonly ref: ControllerRef;
}

export function controllerRef(flags: ClusterFlags): ControllerRef {
  return {
    namespace: flags.controllerNamespace || DEFAULT_CONTROLLER_NAMESPACE,
    name: flags.controllerName || DEFAULT_CONTROLLER_NAME,
    port: DEFAULT_CONTROLLER_PORT,
  };
}

export async function openCluster(flags: ClusterFlags, env: NodeJS.ProcessEnv = process.env): Promise<ClusterSession> {
  const spec = await loadConnectionSpec({ kubeconfig: flags.kubeconfig, context: flags.context }, env);
  return { spec, client: createApiClient(spec), ref: controllerRef(flags) };
}

/** The cluster's active public key, for `sealkit cert` and `sealkit seal` without --cert. */
export async function clusterCert(flags: ClusterFlags): Promise<ClusterCert> {
  const session = await openCluster(flags);
  return fetchClusterCert(session.client, session.ref);
}

export { fetchClusterCert, resealOnCluster, verifyOnCluster } from './controller.js';
export type { ClusterCert, ResealResult } from './controller.js';
