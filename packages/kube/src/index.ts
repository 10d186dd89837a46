// @sealkit/kube: the one Kubernetes access layer of sealkit, used by the CLI and the controller.
// Kubeconfig by kubectl's rules and in-cluster config; a transport with a deadline on every
// request; ApiError and its predicates; watch streams; API paths.

export {
  mergeKubeconfigs,
  resolveContext,
  inClusterSpec,
  kubeconfigPaths,
  readKubeconfig,
  loadConnectionSpec,
  effectiveNamespace,
  SERVICE_ACCOUNT_DIR,
  type AuthSpec,
  type ConnectionSpec,
  type ExecConfig,
  type Impersonation,
  type KubeconfigFile,
  type KubeSelection,
  type Material,
  type MergedKubeconfig,
} from './kubeconfig.js';
export {
  connect,
  resolveSelection,
  openConnection,
  loadKubeconfigFile,
  inClusterConnection,
  TOKEN_FILE_REREAD_MS,
  type Connection,
  type ConnectOptions,
  type OpenOptions,
} from './connection.js';
export { runExecPlugin, parseExecCredential, type ExecCredential, type ExecClusterInfo } from './exec-plugin.js';
export {
  HttpKubeClient,
  ResponseTooLargeError,
  type HttpKubeClientOptions,
  type KubeClient,
  type KubeRequest,
  type Query,
  type RawRequest,
  type RawResponse,
  type RequestControl,
  type Verb,
  type WatchEvent,
} from './client.js';
export {
  ApiError,
  ExecPluginError,
  KubeconfigError,
  KubeTimeoutError,
  apiErrorFromBody,
  describeHttpStatus,
  describeNetworkError,
  errorFields,
  formatMs,
  httpReason,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
  isTimeout,
  isTooManyRequests,
  retryAfterMs,
  isUnauthorized,
  resourceOf,
  statusReasonOf,
} from './errors.js';
export { parseGoDuration, parseRequestTimeout } from './duration.js';
export { resourcePath, serviceProxyPath, type ResourceRef } from './paths.js';
