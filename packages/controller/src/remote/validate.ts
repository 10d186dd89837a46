// RemoteSecret and store validation is @sealkit/core's (shared with `sealkit ref`). Core reports a
// bad spec as a BadInputError naming the field; the controller reports it as RemoteError with reason
// InvalidSpec, which is what this module's wrappers translate.
import { planRemoteSecret as corePlanRemoteSecret, planStore as corePlanStore, type StoreKind } from '@sealkit/core';
import { asInvalidSpec } from './kv-path.js';

export { selectorMatches, storeKey } from '@sealkit/core';
export type { PlannedRef, PlannedExtract, PlannedTemplate, RemoteSecretPlan, SecretKeyLocation, StoreAuthPlan, StorePlan } from '@sealkit/core';

/** Checks a RemoteSecret and applies defaults. Throws RemoteError(InvalidSpec) naming the field. */
export const planRemoteSecret = (o: unknown) => asInvalidSpec(() => corePlanRemoteSecret(o));
/** Checks a RemoteStore or ClusterRemoteStore and applies defaults. Throws RemoteError(InvalidSpec). */
export const planStore = (o: unknown, kind: StoreKind) => asInvalidSpec(() => corePlanStore(o, kind));
