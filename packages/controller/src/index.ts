// Public API of @sealkit/controller: the entry point and the pieces tests and tools build on.
export { main, loadConnection, VERSION, EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './main.js';
export { parseConfig, parseDuration, USAGE, UsageError, type Config } from './config.js';
export { Manager, type Reconciler, type Cache, type ManagerOptions } from './runtime/manager.js';
export { WriteGate, NotLeaderError } from './runtime/write-gate.js';
export { SealedSecretReconciler } from './sealed/controller.js';
export { SecretWriter } from './secrets/writer.js';
export { planSecretWrite, type ManagedSecret, type Ownership, type SecretObject } from './secrets/plan.js';
export { StatusWriter, StatusLane } from './runtime/status.js';
export { WorkQueue, type WorkResult, type WorkQueueOptions, type Lane } from './runtime/workqueue.js';
export { Informer, type Cached } from './runtime/informer.js';
export { HttpKubeClient, type KubeClient, type KubeRequest, type WatchEvent } from '@sealkit/kube';
export { ApiError } from '@sealkit/kube';
export { connect, loadKubeconfigFile, inClusterConnection, type Connection } from '@sealkit/kube';
export { LeaderElector } from './runtime/leader.js';
export { KeyringStore, keySecretManifest, keySecretName, type PublicKeyInfo } from './keys/keyring-store.js';
export { publicKeysData, custodyStatusText, KEY_CUSTODY_STATUS_ANNOTATION } from './keys/publisher.js';
// Key custody (docs/operations.md): what keySecretManifest stores, and the seam for a cloud KMS.
export { CUSTODY_NAMES, KeyCustodyError, plaintextCustody, VaultTransitCustody, createKeyCustody, unwrapKeyPair, migrateKeyCustody, wrappedKeyOfSecret, type CustodyName, type KeyCustody, type WrappedKey } from './keys/custody/index.js';
export { reconcileSealedSecret, unsealReason, type ReconcileDeps, type Opener } from './sealed/reconcile.js';
export { decide, desiredSecret, type Decision, type DesiredSecret } from './sealed/desired.js';
export { sealedSecretView, secretView, contentHash } from './sealed/views.js';
export { createMetrics, type Metrics } from './runtime/metrics.js';
export { systemClock, type Clock, type Timer } from './runtime/clock.js';
export * from './constants.js';
