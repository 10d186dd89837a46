// Public API of @sealkit/controller: the entry point and the pieces tests and tools build on.
export { main, loadConnection, VERSION, EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './main.js';
export { parseConfig, parseDuration, USAGE, UsageError, type Config } from './config.js';
export { Controller } from './sealed/controller.js';
export { WorkQueue, type WorkResult, type WorkQueueOptions, type Lane } from './runtime/workqueue.js';
export { Informer, type Cached } from './runtime/informer.js';
export { HttpKubeClient, type KubeClient, type KubeRequest, type WatchEvent } from './kube/client.js';
export { ApiError } from './kube/errors.js';
export { connect, loadKubeconfigFile, inClusterConnection, type Connection } from './kube/config.js';
export { LeaderElector } from './runtime/leader.js';
export { KeyringStore, keySecretManifest, keySecretName, type PublicKeyInfo } from './keys/keyring-store.js';
export { publicKeysData } from './keys/publisher.js';
export { reconcileSealedSecret, unsealReason, type ReconcileDeps, type Opener } from './sealed/reconcile.js';
export { decide, desiredSecret, type Decision, type DesiredSecret } from './sealed/desired.js';
export { sealedSecretView, secretView, contentHash } from './sealed/views.js';
export { createMetrics, type Metrics } from './runtime/metrics.js';
export { systemClock, type Clock, type Timer } from './runtime/clock.js';
export * from './constants.js';
