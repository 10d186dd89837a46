/**
 * @sealkit/core: X25519 keys, the sealed-value format, scopes, manifest types and
 * validation. Pure: no I/O, no Kubernetes client. docs/core-api.md is the contract for
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
