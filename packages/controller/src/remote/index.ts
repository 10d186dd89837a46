// Public surface of the RemoteSecret side of @sealkit/controller (Vault provider). The runtime
// hosts RemoteController; the rest is for tools and tests that build on single pieces.
export { RemoteController, type RemoteControllerOptions } from './controller.js';
export { reconcileRemoteSecret, statusSaysSynced, nextRefresh, restartRefresh, REFRESH_JITTER, type RemoteReconcileDeps, type RemoteReconcileResult, type RemoteMemo, type RemoteWork } from './reconcile.js';
export { planRemoteSecret, planStore, selectorMatches, storeKey, type RemoteSecretPlan, type StorePlan } from './validate.js';
export { kvReadPath, mountInfoPath, parseKvVersionPin } from './kv-path.js';
export { parseTemplate, renderTemplate, TEMPLATE_FILTERS } from './template.js';
export { createNodeVaultApi, type VaultApi, type VaultReadResult, type VaultAuthResult, type VaultMountInfo } from './vault-api.js';
export { VaultSession, type Authenticator } from './session.js';
export { SharedReads, shareWindowMs } from './shared-reads.js';
export { StoreClient, StoreClients, NEGATIVE_SHARE_MS, type CredentialSource } from './store-client.js';
export { remoteMetrics, type RemoteMetrics } from './metrics.js';
export { RemoteError, VaultRequestError, Reason } from './errors.js';
export { MANAGED_BY_LABEL, OPT_IN_ANNOTATION, REMOTE_SECRET_ANNOTATION, REMOTE_KEYS_ANNOTATION } from './target.js';
export * from './types.js';
