/**
 * Names Bitnami Sealed Secrets (bitnami-labs/sealed-secrets) puts on the wire and on objects.
 * They are its contract with existing repositories and clusters, so they are spelled here once.
 */

/** apiVersion of a Bitnami SealedSecret. */
export const BITNAMI_API_VERSION = 'bitnami.com/v1alpha1';
/** API group of the Bitnami SealedSecret CRD. */
export const BITNAMI_API_GROUP = 'bitnami.com';

const PREFIX = 'sealedsecrets.bitnami.com/';

/**
 * Annotations Bitnami reads. The two scope annotations are read from the SealedSecret's
 * top-level metadata when opening (value "true"; cluster-wide wins over namespace-wide);
 * `managed` and `patch` on an existing Secret let the controller take it over or patch it;
 * `skip-set-owner-references` in the template leaves the Secret without an ownerReference.
 */
export const BITNAMI_ANNOTATIONS = Object.freeze({
  clusterWide: `${PREFIX}cluster-wide`,
  namespaceWide: `${PREFIX}namespace-wide`,
  managed: `${PREFIX}managed`,
  patch: `${PREFIX}patch`,
  skipSetOwnerReferences: `${PREFIX}skip-set-owner-references`,
} as const);

/** Label on the controller's key Secrets; the controller uses those labelled `active`. */
export const BITNAMI_KEY_LABEL = `${PREFIX}sealed-secrets-key`;
/** Value of BITNAMI_KEY_LABEL on keys in use (`compromised` keys are ignored by the controller). */
export const BITNAMI_KEY_LABEL_ACTIVE = 'active';
/** Type of the key Secrets: `data["tls.key"]` (PKCS#1 PEM) and `data["tls.crt"]` (X.509 PEM). */
export const BITNAMI_KEY_SECRET_TYPE = 'kubernetes.io/tls';
/** Default key name prefix (`--key-prefix`): generateName of new keys, name of a pre-label legacy key. */
export const BITNAMI_KEY_PREFIX = 'sealed-secrets-key';

/** @internal kubectl/kubecfg copies of the whole applied object (plaintext included): never copied. */
export const LAST_APPLIED_ANNOTATIONS: readonly string[] = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubecfg.ksonnet.io/last-applied-configuration',
];
