// The RemoteSecret, RemoteStore and ClusterRemoteStore resources (group sealkit.dev), as `sealkit ref`
// writes them and the controller reads them after validation (validate.ts). The CRDs in deploy/crds/
// carry the same shapes as OpenAPI schemas, with no server-side defaults: every default below is
// applied in code (validate.ts), so a manifest applied by Argo CD reads back exactly as written.

import { API_GROUP } from '../manifests.js';
import type { RolloutRestartTarget, RolloutStatus } from '../rollout.js';

export const REMOTE_GROUP = API_GROUP;
export const REMOTE_VERSION = 'v1alpha1';
export const REMOTE_API_VERSION = `${REMOTE_GROUP}/${REMOTE_VERSION}` as const;
export const REMOTE_SECRET_KIND = 'RemoteSecret';
export const REMOTE_STORE_KIND = 'RemoteStore';
export const CLUSTER_REMOTE_STORE_KIND = 'ClusterRemoteStore';
export const REMOTE_SECRET_PLURAL = 'remotesecrets';
export const REMOTE_STORE_PLURAL = 'remotestores';
export const CLUSTER_REMOTE_STORE_PLURAL = 'clusterremotestores';

export type StoreKind = typeof REMOTE_STORE_KIND | typeof CLUSTER_REMOTE_STORE_KIND;
export const STORE_KINDS = [REMOTE_STORE_KIND, CLUSTER_REMOTE_STORE_KIND] as const;
/** spec.target.creationPolicy; the first is the default. */
export const CREATION_POLICIES = ['Owner', 'Merge', 'Orphan'] as const;
export type CreationPolicy = (typeof CREATION_POLICIES)[number];
/** spec.target.deletionPolicy; the first is the default. */
export const DELETION_POLICIES = ['Retain', 'Delete'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
/** spec.target.template.mergePolicy; the first is the default. */
export const TEMPLATE_MERGE_POLICIES = ['Replace', 'Merge'] as const;
export type TemplateMergePolicy = (typeof TEMPLATE_MERGE_POLICIES)[number];
export const KV_VERSIONS = ['v1', 'v2'] as const;
export type KvVersion = (typeof KV_VERSIONS)[number];

/** Changing this annotation's value (e.g. to a timestamp) makes the controller read Vault now. */
export const FORCE_SYNC_ANNOTATION = 'sealkit.dev/force-sync';

/** Used when spec.refreshInterval is omitted. */
export const DEFAULT_REFRESH_INTERVAL_MS = 60 * 60 * 1000;
/** The shortest refreshInterval other than 0 ("fetch once"): a faster one would only hammer Vault. */
export const MIN_REFRESH_INTERVAL_MS = 1000;

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string | Date;
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

// ---- RemoteSecret ----------------------------------------------------------------------------

export interface RemoteRef {
  /** Path of the secret relative to the store's mount, e.g. `prod/db`. Never contains the mount. */
  key: string;
  /**
   * One field of the secret; omitted = the whole secret as JSON. An exact field name wins, else a
   * dotted name walks into nested objects (`db.password`): see lookupProperty (kv-path.ts).
   */
  property?: string;
  /** KV v2 version to pin (a positive integer as a string). */
  version?: string;
}

export interface RemoteSecretData {
  secretKey: string;
  remoteRef: RemoteRef;
}

export interface RemoteSecretDataFrom {
  extract: { key: string; version?: string };
}

export interface RemoteSecretTemplate {
  type?: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Secret key -> template text, `{{ .secretKey }}` placeholders over the fetched values. */
  data?: Record<string, string>;
  /** Replace (default): the Secret holds only template.data; Merge: fetched values plus template.data. */
  mergePolicy?: TemplateMergePolicy;
}

export interface RemoteSecretSpec {
  storeRef: { name: string; kind?: StoreKind };
  refreshInterval?: string;
  target?: {
    name?: string;
    creationPolicy?: CreationPolicy;
    deletionPolicy?: DeletionPolicy;
    template?: RemoteSecretTemplate;
  };
  data?: RemoteSecretData[];
  dataFrom?: RemoteSecretDataFrom[];
  /** Workloads restarted when the Secret's data changes (rollout.ts). */
  rolloutRestartTargets?: RolloutRestartTarget[];
}

/** What was synced, by reference and version; never a value. */
export interface SyncedRef {
  secretKey: string;
  key: string;
  property?: string;
  /** The KV v2 version actually read (absent for KV v1). */
  version?: string;
}
export interface SyncedExtract {
  key: string;
  version?: string;
  /** Secret keys this extract produced. */
  keys: string[];
}

export interface RemoteSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** Last successful fetch from Vault (RFC 3339). */
  refreshTime?: string;
  /** resourceVersion of the Secret as last written or verified; lets a restarted controller see edits. */
  syncedResourceVersion?: string;
  data?: SyncedRef[];
  dataFrom?: SyncedExtract[];
  rollout?: RolloutStatus;
}

export interface RemoteSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  spec: RemoteSecretSpec;
  status?: RemoteSecretStatus;
}

// ---- stores ----------------------------------------------------------------------------------

/** A key of a Secret. `namespace` only in a ClusterRemoteStore (a RemoteStore uses its own). */
export interface SecretKeyRef {
  name: string;
  key: string;
  namespace?: string;
}

export interface VaultAuthSpec {
  token?: { secretRef: SecretKeyRef };
  kubernetes?: {
    mount?: string;
    role: string;
    serviceAccountRef: { name: string; namespace?: string; audiences?: string[] };
  };
  appRole?: {
    mount?: string;
    roleId?: string;
    roleIdSecretRef?: SecretKeyRef;
    secretIdSecretRef: SecretKeyRef;
  };
}

export interface VaultProviderSpec {
  server: string;
  mount: string;
  kvVersion?: KvVersion;
  namespace?: string;
  /** Base64 of PEM certificates to trust for `server`. */
  caBundle?: string;
  caSecretRef?: SecretKeyRef;
  auth: VaultAuthSpec;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface RemoteStoreSpec {
  provider: { vault: VaultProviderSpec };
  /** ClusterRemoteStore only: which namespaces may use it (absent = all). */
  namespaceSelector?: LabelSelector;
}

export interface RemoteStoreStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** The KV version in use (as configured or detected). */
  kvVersion?: KvVersion;
}

export interface RemoteStore {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  spec: RemoteStoreSpec;
  status?: RemoteStoreStatus;
}

// ---- DynamicSecret ---------------------------------------------------------------------------
// Credentials Vault issues with a lease (the database engine's MOUNT/creds/ROLE, or any path that
// answers with a lease_id): written into a Secret, renewed, re-issued before the lease's max TTL,
// revoked when replaced or when the DynamicSecret is deleted. Same stores as RemoteSecrets.

export const DYNAMIC_SECRET_KIND = 'DynamicSecret';
export const DYNAMIC_SECRET_PLURAL = 'dynamicsecrets';
/** spec.method; the first is the default (database/creds/ROLE is a read). */
export const DYNAMIC_METHODS = ['GET', 'POST'] as const;
export type DynamicMethod = (typeof DYNAMIC_METHODS)[number];
/** Used when spec.renewalPercent is omitted: renew at 2/3 of the lease's TTL, as Vault's own agent does. */
export const DEFAULT_RENEWAL_PERCENT = 67;
export const MIN_RENEWAL_PERCENT = 10;
export const MAX_RENEWAL_PERCENT = 90;
/** On the managed Secret: the lease its credentials belong to (how a restarted controller finds it). */
export const LEASE_ID_ANNOTATION = 'sealkit.dev/lease-id';
/** On the managed Secret: when the lease was issued (RFC 3339) and its TTL then (seconds: what renewals ask for). */
export const LEASE_ISSUED_ANNOTATION = 'sealkit.dev/lease-issued';
export const LEASE_DURATION_ANNOTATION = 'sealkit.dev/lease-duration';
/** On the managed Secret: the DynamicSecret generation the credentials were issued for. */
export const LEASE_GENERATION_ANNOTATION = 'sealkit.dev/lease-generation';
/**
 * On the managed Secret: DynamicSecretPlan.source the credentials were issued for. A restarted
 * controller adopts the lease when it matches the spec, so an edit of rolloutRestartTargets or
 * renewalPercent (a new generation) issues no new credentials.
 */
export const LEASE_SOURCE_ANNOTATION = 'sealkit.dev/lease-source';
/** On a DynamicSecret: the controller revokes the lease before the object goes. */
export const LEASE_FINALIZER = 'sealkit.dev/revoke-lease';

export interface DynamicSecretSpec {
  storeRef: { name: string; kind?: StoreKind };
  /** Full Vault path (mount included) that issues credentials with a lease, e.g. `database/creds/app`. */
  path: string;
  /** GET (default) or POST (engines that take parameters, e.g. pki/issue/ROLE). */
  method?: DynamicMethod;
  /** The body of a POST. */
  parameters?: Record<string, string>;
  /** Renew when this share of the lease's TTL has passed (10..90, default 67). */
  renewalPercent?: number;
  target?: {
    name?: string;
    /** As a RemoteSecret's, with placeholders over the keys of Vault's answer (`{{ .username }}`). */
    template?: RemoteSecretTemplate;
  };
  /** Workloads restarted when new credentials replace the Secret's (rollout.ts); never on renewal. */
  rolloutRestartTargets?: RolloutRestartTarget[];
}

/** The lease behind the Secret's credentials: identifiers and times, never a value. */
export interface DynamicSecretLeaseStatus {
  id: string;
  renewable: boolean;
  /** TTL at issue, seconds. */
  durationSeconds: number;
  issueTime: string;
  lastRenewalTime?: string;
  expireTime: string;
  /** Renewals since issue. */
  renewals: number;
}

export interface DynamicSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  secretName?: string;
  lease?: DynamicSecretLeaseStatus;
  /** The workloads restarted when credentials were last replaced, and when. */
  rollout?: RolloutStatus;
}

export interface DynamicSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  spec: DynamicSecretSpec;
  status?: DynamicSecretStatus;
}
