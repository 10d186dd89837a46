/** Names the controller shares with users, the CLI and the deploy manifests: @sealkit/core's (docs/core-api.md). */
export {
  CONTROLLER_NAME,
  DEFAULT_CONTROLLER_NAMESPACE,
  FIELD_MANAGER,
  MANAGED_BY_VALUE,
  OPT_IN_ANNOTATION,
  PUBLIC_KEYS_CONFIGMAP,
  CONFIGMAP_CERT_FIELD,
  CONFIGMAP_KEY_ID_FIELD,
  CONFIGMAP_ALL_KEYS_FIELD,
  CONFIGMAP_KEYS_JSON_FIELD,
  LEASE_NAME,
  BITNAMI_LEASE_NAME,
} from '@sealkit/core';

/** Key Secrets (controller namespace only). */
export const KEY_LABEL = 'sealkit.dev/key';
export const KEY_LABEL_VALUE = 'true';
export const KEY_ID_ANNOTATION = 'sealkit.dev/key-id';
export const KEY_CREATED_ANNOTATION = 'sealkit.dev/created-at';
export const KEY_SECRET_TYPE = 'sealkit.dev/x25519-key';
export const KEY_SECRET_PREFIX = 'sealkit-key-';
export const KEY_PRIVATE_FIELD = 'private.pem';
export const KEY_PUBLIC_FIELD = 'public.pem';

export const SEALED_SECRETS_GROUP_VERSION = 'sealkit.dev/v1alpha1';
export const SEALED_SECRETS_PATH = '/apis/sealkit.dev/v1alpha1/sealedsecrets';
export const sealedSecretPath = (ns: string, name: string) =>
  `/apis/sealkit.dev/v1alpha1/namespaces/${encodeURIComponent(ns)}/sealedsecrets/${encodeURIComponent(name)}`;
export const secretsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets`;
export const secretPath = (ns: string, name: string) => `${secretsPath(ns)}/${encodeURIComponent(name)}`;

/**
 * spec.deletionPolicy Retain: the finalizer through which the controller releases the Secret (owner
 * reference and managed-by label off) before the SealedSecret goes, and the annotation that marks
 * a released Secret, naming the SealedSecret it came from, so one of that name can take it back.
 */
export const RETAIN_FINALIZER = 'sealkit.dev/retain-secret';
export const RETAINED_FROM_ANNOTATION = 'sealkit.dev/retained-from';
export const DELETION_POLICIES = ['Delete', 'Retain'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

/** Condition reasons (status.conditions[type=Ready].reason). */
export const Reasons = {
  Unsealed: 'Unsealed',
  ScopeMismatch: 'ScopeMismatch',
  UnknownKey: 'UnknownKey',
  AuthenticationFailed: 'AuthenticationFailed',
  UnsupportedVersion: 'UnsupportedVersion',
  InvalidSealedValue: 'InvalidSealedValue',
  InvalidSpec: 'InvalidSpec',
  SecretNotOwned: 'SecretNotOwned',
  WriteFailed: 'WriteFailed',
  /** Event reason: the Secret was released and stays (deletionPolicy Retain). */
  SecretRetained: 'SecretRetained',
} as const;
export type Reason = (typeof Reasons)[keyof typeof Reasons];
