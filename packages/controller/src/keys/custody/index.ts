// Key custody: the one place that decides how private keys are stored in their Secrets.
export { CUSTODY_NAMES, KeyCustodyError, keyBinding, unwrapKeyPair } from './custody.js';
export type { CustodyName, KeyCustody, WrappedKey } from './custody.js';
export { plaintextCustody } from './plaintext.js';
export { VaultTransitCustody, tokenFileJwt, TRANSIT_KEY_META, TRANSIT_MOUNT_META } from './vault-transit.js';
export type { VaultTransitOptions } from './vault-transit.js';
export { createKeyCustody, SERVICE_ACCOUNT_TOKEN_FILE } from './create.js';
export type { KeyCustodyConfig, KeyCustodyDeps } from './create.js';
export { KEY_CUSTODY_ANNOTATION, KEY_CUSTODY_META_PREFIX, KEY_WRAPPED_FIELD, custodyOfSecret, withoutNulls, wrappedKeyFields, wrappedKeyOfSecret } from './key-secret.js';
export { KeyUnwrapper } from './unwrapper.js';
export type { KeyToUnwrap, UnwrapProblem } from './unwrapper.js';
export { migrateKeyCustody } from './migrate.js';
export type { MigrateOptions, MigrateResult } from './migrate.js';
