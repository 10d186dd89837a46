// Public API of @sealkit/controller: the entry point and the pieces tests and tools build on.
export { main, loadConnection, VERSION, EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './main.js';
export { parseConfig, parseDuration, USAGE, UsageError, type Config } from './config.js';
export { Controller } from './controller.js';
export { WorkQueue, type WorkResult, type WorkQueueOptions, type Lane } from './workqueue.js';
export { Informer, type Cached } from './informer.js';
export { HttpKubeClient, type KubeClient, type KubeRequest, type WatchEvent } from './kube/client.js';
export { ApiError } from './kube/errors.js';
export { connect, loadKubeconfigFile, inClusterConnection, type Connection } from './kube/config.js';
export { LeaderElector } from './leader.js';
export { KeyringStore, keySecretManifest, keySecretName, type PublicKeyInfo } from './keys/keyring-store.js';
export { publicKeysData } from './keys/publisher.js';
export { reconcileSealedSecret, unsealReason, type ReconcileDeps, type Opener } from './reconcile/sealed-secret.js';
export { decide, desiredSecret, type Decision, type DesiredSecret } from './reconcile/desired.js';
export { sealedSecretView, secretView, contentHash } from './reconcile/views.js';
export { createMetrics, type Metrics } from './metrics.js';
export { systemClock, type Clock, type Timer } from './clock.js';
export * from './constants.js';
