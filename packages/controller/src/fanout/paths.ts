// API paths of the ClusterRemoteSecret (cluster-scoped) and of Namespaces.
import { CLUSTER_REMOTE_SECRET_KIND, CLUSTER_REMOTE_SECRET_PLURAL } from '@sealkit/core';
import { REMOTE_GROUP, REMOTE_VERSION } from '../remote/types.js';

export { CLUSTER_REMOTE_SECRET_KIND };
export const clusterRemoteSecretsPath = () => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/${CLUSTER_REMOTE_SECRET_PLURAL}`;
export const clusterRemoteSecretPath = (name: string) => `${clusterRemoteSecretsPath()}/${encodeURIComponent(name)}`;
export const NAMESPACES_PATH = '/api/v1/namespaces';
