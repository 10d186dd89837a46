// The PushSecret resource (group sealkit.dev): the reverse of a RemoteSecret. It names a Secret in
// its own namespace and a store, and the controller writes selected keys of that Secret to one
// Vault KV key (v1 or v2), on change only. As for the other kinds, the CRD (deploy/crds/
// pushsecret.yaml) has no server-side defaults: every default is applied here, in code.

import { BadInputError } from '../errors.js';
import { pathSegments } from './kv-path.js';
import { arr, obj, objectName, oneOf, parseRefreshInterval, secretKeyName, storeReferrer, str, type PlanOptions } from './validate.js';
import { DEFAULT_REFRESH_INTERVAL_MS, type Condition, type KvVersion, type ObjectMetaLike, type StoreKind } from './types.js';

export const PUSH_SECRET_KIND = 'PushSecret';
export const PUSH_SECRET_PLURAL = 'pushsecrets';
/** spec.deletionPolicy, for the data in Vault; the first is the default. */
export const PUSH_DELETION_POLICIES = ['Retain', 'Delete'] as const;
export type PushDeletionPolicy = (typeof PUSH_DELETION_POLICIES)[number];
/** On a PushSecret with deletionPolicy Delete: the controller deletes the Vault key before the object goes. */
export const PUSH_FINALIZER = 'sealkit.dev/delete-remote';

export interface PushSecretData {
  /** A key of the Secret. */
  secretKey: string;
  /** The field of the Vault secret it is written to (default: secretKey). */
  property?: string;
}

export interface PushSecretSpec {
  storeRef: { name: string; kind?: StoreKind };
  /** The Secret to push, in the PushSecret's namespace. */
  secretRef: { name: string };
  /** The Vault key written, relative to the store's mount (as a RemoteSecret's remoteRef.key). */
  remoteRef: { key: string };
  /** Keys pushed; omitted: every key of the Secret, each under its own name. */
  data?: PushSecretData[];
  /** How often the Vault key is compared again (default 1h; "0": only when the Secret changes). */
  refreshInterval?: string;
  /** Retain (default): the Vault key stays when the PushSecret is deleted; Delete: it is deleted. */
  deletionPolicy?: PushDeletionPolicy;
}

/** What was pushed, by name and version; never a value. */
export interface PushedStatus {
  /** `RemoteStore/NAME` or `ClusterRemoteStore/NAME`. */
  store: string;
  key: string;
  /** The Vault path written (after /v1/). */
  path: string;
  kvVersion: KvVersion;
  /** KV v2: the version that holds the pushed data. */
  version?: number;
  /** The fields of the Vault secret, sorted. */
  properties: string[];
  /** When sealkit last wrote the key (RFC 3339); a check that found it equal does not change it. */
  pushTime?: string;
}

export interface PushSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  pushed?: PushedStatus;
}

export interface PushSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  spec: PushSecretSpec;
  status?: PushSecretStatus;
}

export interface PushSecretPlan {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  storeRef: { name: string; kind: StoreKind };
  secretName: string;
  remoteKey: string;
  /** Secret key -> property; undefined: every key of the Secret under its own name. */
  data: { secretKey: string; property: string }[] | undefined;
  refreshIntervalMs: number;
  deletionPolicy: PushDeletionPolicy;
}

/** Checks a PushSecret and applies defaults. Throws BadInputError naming the field. */
export function planPushSecret(o: unknown, options: PlanOptions = {}): PushSecretPlan {
  const { spec, namespace, name, uid, generation, storeRef } = storeReferrer(o, options);
  const secretName = objectName(obj(spec.secretRef, 'spec.secretRef')!.name, 'spec.secretRef.name');
  const remoteKey = str(obj(spec.remoteRef, 'spec.remoteRef')!.key, 'spec.remoteRef.key');
  pathSegments(remoteKey, 'spec.remoteRef.key');
  let data: PushSecretPlan['data'];
  if (spec.data !== undefined && spec.data !== null) {
    const items = arr(spec.data, 'spec.data');
    if (items.length === 0) throw new BadInputError('spec.data is empty: list the keys to push, or omit it to push every key of the Secret');
    const keys = new Set<string>();
    const properties = new Set<string>();
    data = items.map((d, i) => {
      const f = `spec.data[${i}]`;
      const item = obj(d, f)!;
      const secretKey = secretKeyName(item.secretKey, `${f}.secretKey`);
      const property = str(item.property, `${f}.property`, false) ?? secretKey;
      if (keys.has(secretKey)) throw new BadInputError(`${f}.secretKey "${secretKey}" appears twice`);
      if (properties.has(property)) throw new BadInputError(`${f}: property ${JSON.stringify(property.slice(0, 64))} is written twice`);
      keys.add(secretKey);
      properties.add(property);
      return { secretKey, property };
    });
  }
  const ri = str(spec.refreshInterval, 'spec.refreshInterval', false);
  return {
    namespace,
    name,
    uid,
    generation,
    storeRef,
    secretName,
    remoteKey,
    data,
    refreshIntervalMs: ri === undefined ? DEFAULT_REFRESH_INTERVAL_MS : parseRefreshInterval(ri, 'spec.refreshInterval'),
    deletionPolicy: oneOf<PushDeletionPolicy>(spec.deletionPolicy, 'spec.deletionPolicy', PUSH_DELETION_POLICIES, PUSH_DELETION_POLICIES[0]),
  };
}
