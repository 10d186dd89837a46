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
