// Names the controller publishes and the CLI (and deploy/, and users' RBAC) look up: defined here once,
// because the CLI and the controller never import each other. Changing one is a breaking change for
// every installed cluster; deploy/ and charts/ spell the same values (docs/operations.md).

/** The controller's Deployment, Service, ServiceAccount and default Lease are all named this. */
export const CONTROLLER_NAME = 'sealkit-controller';
/** Where the controller runs unless told otherwise (`--namespace`, the pod's namespace). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'sealkit';
/** The Service in front of the controller's HTTP API, and the name of its port. */
export const CONTROLLER_SERVICE_NAME = CONTROLLER_NAME;
export const CONTROLLER_SERVICE_PORT = 'http';

/** fieldManager of every controller write, so `kubectl get --show-managed-fields` says who wrote what. */
export const FIELD_MANAGER = CONTROLLER_NAME;

/** Leader-election Leases (coordination.k8s.io) in the controller namespace. */
export const LEASE_NAME = CONTROLLER_NAME;
export const BITNAMI_LEASE_NAME = `${CONTROLLER_NAME}-bitnami` as const;

/** The ConfigMap (controller namespace, readable by every authenticated user) holding the public keys. */
export const PUBLIC_KEYS_CONFIGMAP = 'sealkit-cert';
/** Its fields: the active key (PEM), its key id, every key (PEM), and every key with metadata (JSON). */
export const CONFIGMAP_CERT_FIELD = 'cert.pem';
export const CONFIGMAP_KEY_ID_FIELD = 'key-id';
export const CONFIGMAP_ALL_KEYS_FIELD = 'public-keys.pem';
export const CONFIGMAP_KEYS_JSON_FIELD = 'keys.json';

/** Value of the `app.kubernetes.io/managed-by` label (MANAGED_BY_LABEL) on Secrets sealkit writes. */
export const MANAGED_BY_VALUE = 'sealkit';
/** On a Secret sealkit does not own: "true" lets sealkit take it over. */
export const OPT_IN_ANNOTATION = 'sealkit.dev/managed';

/** The controller's HTTP API (reached through the API server's service proxy). */
export const CONTROLLER_HTTP_PATHS = {
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  cert: '/v1/cert.pem',
  keys: '/v1/keys',
  verify: '/v1/verify',
  reseal: '/v1/reseal',
} as const;
/**
 * Response headers of the HTTP API (case-insensitive, as every HTTP header): the active key id
 * (/v1/cert.pem, /v1/reseal), the recipients a re-seal dropped, and the format a Bitnami object was
 * converted from.
 */
export const KEY_ID_HEADER = 'X-Sealkit-Key-Id';
export const DROPPED_RECIPIENTS_HEADER = 'X-Sealkit-Dropped-Recipients';
export const CONVERTED_FROM_HEADER = 'X-Sealkit-Converted-From';
