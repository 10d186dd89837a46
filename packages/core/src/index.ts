/**
 * @sealkit/core: X25519 keys, the sealed-value format, scopes, manifest types and
 * validation, the RemoteSecret/RemoteStore contracts and the names the CLI and the controller
 * share. Pure: no I/O, no Kubernetes client. docs/core-api.md is the contract for
 * this list; docs/format.md is the normative description of the format.
 */
export {
  SealkitError,
  BadInputError,
  UnknownVersionError,
  UnknownKeyIdError,
  ScopeMismatchError,
  AuthenticationError,
} from './errors.js';
export type { RandomSource } from './random.js';
export {
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  generateKeyPair,
  keyPairFromSecretKey,
  keyId,
  encodePublicKeyPem,
  encodePrivateKeyPem,
  decodePublicKeysPem,
  decodePrivateKeysPem,
  Keyring,
} from './keys.js';
export type { KeyPair } from './keys.js';
export { SCOPES, parseScope } from './scope.js';
export type { Scope, Location } from './scope.js';
export type { ValueVerdict, VerifyAnswer } from './verify-answer.js';
export { sealValue, sealValues, inspectValue, Unsealer, openValue } from './format.js';
export type { SealOptions, SealedValueInfo } from './format.js';
export {
  API_GROUP,
  SEALED_SECRET_API_VERSION,
  SCOPE_ANNOTATION,
  MANAGED_BY_LABEL,
  isSecretKey,
  validateSecret,
  validateSealedSecret,
  secretValues,
  sealSecret,
  mergeIntoSealedSecret,
  unsealSealedSecret,
} from './manifests.js';
export type { ObjectMeta, SecretManifest, SealedSecretManifest, SealSecretOptions } from './manifests.js';
// Bitnami Sealed Secrets compatibility (docs/format.md, "Bitnami values"; docs/core-api.md).
export {
  BITNAMI_API_VERSION,
  BITNAMI_API_GROUP,
  BITNAMI_ANNOTATIONS,
  BITNAMI_KEY_LABEL,
  BITNAMI_KEY_LABEL_ACTIVE,
  BITNAMI_KEY_SECRET_TYPE,
  BITNAMI_KEY_PREFIX,
} from './bitnami/constants.js';
export {
  CertificateExpiredError,
  bitnamiFingerprint,
  parseBitnamiCertificate,
  decodeBitnamiPrivateKeysPem,
  isBitnamiKeySecret,
  bitnamiKeyFromSecret,
  decodeBitnamiKeyBackup,
  BitnamiKeyring,
} from './bitnami/keys.js';
export type { BitnamiCertificate, BitnamiPrivateKey } from './bitnami/keys.js';
export {
  bitnamiLabel,
  sealBitnamiValue,
  sealBitnamiValues,
  inspectBitnamiValue,
  isBitnamiValue,
  openBitnamiValue,
  openBitnamiValueWithKey,
} from './bitnami/value.js';
export type { BitnamiLocation, BitnamiSealOptions, BitnamiValueInfo, BitnamiOpenOptions, BitnamiOpened } from './bitnami/value.js';
export {
  bitnamiScope,
  validateBitnamiSealedSecret,
  sealBitnamiSecret,
  unsealBitnamiSealedSecret,
  bitnamiToSealkit,
} from './bitnami/manifests.js';
export type {
  BitnamiSealedSecretManifest,
  BitnamiSecretTemplate,
  BitnamiSealSecretOptions,
  BitnamiUnsealOptions,
  BitnamiToSealkitOptions,
} from './bitnami/manifests.js';
// Durations, as every flag and spec field reads them (docs/core-api.md, "Durations").
export { parseDuration, formatDuration } from './duration.js';
// Names the controller publishes and the CLI looks up (docs/core-api.md, "Shared names").
export {
  CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  CONTROLLER_SERVICE_NAME,
  CONTROLLER_SERVICE_PORT,
  FIELD_MANAGER,
  LEASE_NAME,
  BITNAMI_LEASE_NAME,
  PUBLIC_KEYS_CONFIGMAP,
  CONFIGMAP_CERT_FIELD,
  CONFIGMAP_KEY_ID_FIELD,
  CONFIGMAP_ALL_KEYS_FIELD,
  CONFIGMAP_KEYS_JSON_FIELD,
  MANAGED_BY_VALUE,
  OPT_IN_ANNOTATION,
  CONTROLLER_HTTP_PATHS,
  KEY_ID_HEADER,
  DROPPED_RECIPIENTS_HEADER,
  CONVERTED_FROM_HEADER,
} from './names.js';
// RemoteSecret / RemoteStore / ClusterRemoteStore (docs/core-api.md, "RemoteSecrets"; docs/remote-secrets.md).
export {
  REMOTE_GROUP,
  REMOTE_VERSION,
  REMOTE_API_VERSION,
  REMOTE_SECRET_KIND,
  REMOTE_STORE_KIND,
  CLUSTER_REMOTE_STORE_KIND,
  REMOTE_SECRET_PLURAL,
  REMOTE_STORE_PLURAL,
  CLUSTER_REMOTE_STORE_PLURAL,
  STORE_KINDS,
  CREATION_POLICIES,
  DELETION_POLICIES,
  TEMPLATE_MERGE_POLICIES,
  KV_VERSIONS,
  FORCE_SYNC_ANNOTATION,
  DEFAULT_REFRESH_INTERVAL_MS,
  MIN_REFRESH_INTERVAL_MS,
  DYNAMIC_SECRET_KIND,
  DYNAMIC_SECRET_PLURAL,
  DYNAMIC_METHODS,
  DEFAULT_RENEWAL_PERCENT,
  MIN_RENEWAL_PERCENT,
  MAX_RENEWAL_PERCENT,
  LEASE_ID_ANNOTATION,
  LEASE_ISSUED_ANNOTATION,
  LEASE_DURATION_ANNOTATION,
  LEASE_GENERATION_ANNOTATION,
  LEASE_SOURCE_ANNOTATION,
  LEASE_FINALIZER,
} from './remote/types.js';
export type {
  StoreKind,
  CreationPolicy,
  DeletionPolicy,
  TemplateMergePolicy,
  KvVersion,
  ObjectMetaLike,
  OwnerReference,
  Condition,
  RemoteRef,
  RemoteSecretData,
  RemoteSecretDataFrom,
  RemoteSecretTemplate,
  RemoteSecretSpec,
  SyncedRef,
  SyncedExtract,
  RemoteSecretStatus,
  RemoteSecret,
  SecretKeyRef,
  VaultAuthSpec,
  VaultProviderSpec,
  LabelSelectorRequirement,
  LabelSelector,
  RemoteStoreSpec,
  RemoteStoreStatus,
  RemoteStore,
  DynamicMethod,
  DynamicSecretSpec,
  DynamicSecretLeaseStatus,
  DynamicSecretStatus,
  DynamicSecret,
} from './remote/types.js';
export { ROLLOUT_KINDS, RESTART_ON_CHANGE_ANNOTATION, parseRolloutRestartTargets } from './rollout.js';
export type { RolloutKind, RolloutRestartTarget, RolloutStatus } from './rollout.js';
export { planDynamicSecret, planRemoteSecret, planStore, parseRefreshInterval, selectorMatches, storeKey } from './remote/validate.js';
export {
  CLUSTER_REMOTE_SECRET_KIND,
  CLUSTER_REMOTE_SECRET_PLURAL,
  CLUSTER_REMOTE_SECRET_LABEL,
  MAX_CLUSTER_REMOTE_SECRET_NAME,
  MAX_FAILED_NAMESPACES_LISTED,
  planClusterRemoteSecret,
  namespaceMatches,
  fannedOutRemoteSecret,
} from './remote/cluster-remote-secret.js';
export type { ClusterRemoteSecret, ClusterRemoteSecretSpec, ClusterRemoteSecretStatus, ClusterRemoteSecretPlan, FailedNamespace, NamespaceInfo } from './remote/cluster-remote-secret.js';
export type {
  PlanOptions,
  PlannedRef,
  PlannedExtract,
  PlannedTemplate,
  RemoteSecretPlan,
  DynamicSecretPlan,
  SecretKeyLocation,
  StoreAuthPlan,
  StorePlan,
} from './remote/validate.js';
export { pathSegments, parseKvVersionPin, kvReadPath, kvMetadataPath, mountInfoPath, normalizeMount, notFoundHint } from './remote/kv-path.js';
export { interpretKvRead, lookupProperty } from './remote/kv-read.js';
export type { KvReadResult, KvSecret, KvReadOutcome } from './remote/kv-read.js';
export { TEMPLATE_FILTERS, parseTemplate } from './remote/template.js';
export type { TemplateFilter, TemplateTerm, TemplateNode, ParsedTemplate } from './remote/template.js';
// PushSecret: a Secret's keys written to a Vault KV key (docs/remote-secrets.md, "Pushing a Secret to Vault").
export { PUSH_SECRET_KIND, PUSH_SECRET_PLURAL, PUSH_DELETION_POLICIES, PUSH_FINALIZER, planPushSecret } from './remote/push.js';
export type { PushDeletionPolicy, PushSecretData, PushSecretSpec, PushedStatus, PushSecretStatus, PushSecret, PushSecretPlan } from './remote/push.js';
export { remoteKvState, pushPayload, sameKvData, decidePush, mayDeleteRemote } from './remote/push-plan.js';
export type { RemoteKvState, PushPayload, PushRecord, PushDecision } from './remote/push-plan.js';
