// From a RemoteSecret / RemoteStore / ClusterRemoteStore object (as the API server returns it, or as
// `sealkit ref` writes or reads it) to a checked plan with every default applied in code. Every
// error is a BadInputError that names the field, so the status (the controller reports it with
// reason InvalidSpec) or the CLI's error line tells the user exactly what to fix. The CRD schemas
// reject most of this at apply time; this is the second line, and the only one for objects written
// before a schema tightened or never applied (`sealkit ref --check -f`).

import { createHash } from 'node:crypto';
import { fromBase64Kubernetes } from '../bytes.js';
import { parseDuration } from '../duration.js';
import { BadInputError } from '../errors.js';
import { isSecretKey } from '../manifests.js';
import { parseRolloutRestartTargets, type RolloutRestartTarget } from '../rollout.js';
import { isNamespace, isObjectName } from '../scope.js';
import { parseKvVersionPin, pathSegments } from './kv-path.js';
import { parseTemplate, type ParsedTemplate } from './template.js';
import {
  CLUSTER_REMOTE_STORE_KIND,
  CREATION_POLICIES,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_RENEWAL_PERCENT,
  DYNAMIC_METHODS,
  MAX_RENEWAL_PERCENT,
  MIN_RENEWAL_PERCENT,
  type DynamicMethod,
  DELETION_POLICIES,
  KV_VERSIONS,
  MIN_REFRESH_INTERVAL_MS,
  REMOTE_STORE_KIND,
  STORE_KINDS,
  TEMPLATE_MERGE_POLICIES,
  type CreationPolicy,
  type DeletionPolicy,
  type KvVersion,
  type LabelSelector,
  type StoreKind,
  type TemplateMergePolicy,
} from './types.js';

const invalid = (msg: string) => new BadInputError(msg);

type Obj = Record<string, unknown>;
// The field readers below are exported for the other kinds' validators in this folder
// (cluster-remote-secret.ts, push.ts); they are not part of the package's API (index.ts).
export function obj(v: unknown, field: string, required = true): Obj | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required`);
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${field} must be an object`);
  return v as Obj;
}
export function str(v: unknown, field: string): string;
export function str(v: unknown, field: string, required: false): string | undefined;
export function str(v: unknown, field: string, required = true): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw invalid(`${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  return v;
}
export function arr(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${field} must be a list`);
  return v;
}
export function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], dflt: T): T {
  const s = str(v, field, false);
  if (s === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(s)) throw invalid(`${field} must be one of ${allowed.join(', ')} (got "${s.slice(0, 40)}")`);
  return s as T;
}
export function stringMap(v: unknown, field: string): Record<string, string> {
  const o = obj(v, field, false);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') throw invalid(`${field}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

/** A user's value in a message: quoted, control characters escaped, cut to 64 characters. */
const quoted = (v: unknown): string => JSON.stringify(String(v).slice(0, 64));

export function objectName(v: unknown, field: string): string {
  const s = str(v, field);
  if (isObjectName(s)) return s;
  throw invalid(`${field} ${quoted(v)} is not a valid object name (lowercase letters, digits, '-', '.'; at most 253)`);
}
export function namespaceName(v: unknown, field: string): string {
  const s = str(v, field);
  if (isNamespace(s)) return s;
  throw invalid(`${field} ${quoted(v)} is not a valid namespace (lowercase letters, digits, '-'; at most 63)`);
}

/** A Secret key field: the rule of every Secret's data keys (isSecretKey). */
export function secretKeyName(v: unknown, field: string): string {
  const s = str(v, field);
  if (isSecretKey(s)) return s;
  throw invalid(`${field} ${quoted(v)} is not a valid Secret key (letters, digits, '-', '_', '.')`);
}

/**
 * spec.refreshInterval (or `sealkit ref --refresh`): a duration (parseDuration), either 0 ("fetch
 * once, never refresh") or at least MIN_REFRESH_INTERVAL_MS.
 */
export function parseRefreshInterval(text: string, field: string): number {
  const ms = parseDuration(text, field);
  if (ms !== 0 && ms < MIN_REFRESH_INTERVAL_MS) throw invalid(`${field} must be 0 (fetch once) or at least 1s, got ${JSON.stringify(text)}`);
  return ms;
}

// ---- RemoteSecret ----------------------------------------------------------------------------

export interface PlannedRef {
  secretKey: string;
  key: string;
  property: string | undefined;
  version: number | undefined;
}
export interface PlannedExtract {
  key: string;
  version: number | undefined;
}
export interface PlannedTemplate {
  type: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, ParsedTemplate> | undefined;
  mergePolicy: TemplateMergePolicy;
}

export interface RemoteSecretPlan {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  storeRef: { name: string; kind: StoreKind };
  refreshIntervalMs: number;
  targetName: string;
  creationPolicy: CreationPolicy;
  deletionPolicy: DeletionPolicy;
  template: PlannedTemplate | undefined;
  data: PlannedRef[];
  dataFrom: PlannedExtract[];
  rolloutRestartTargets: RolloutRestartTarget[];
}

export interface PlanOptions {
  /** The namespace of a manifest that names none (as `kubectl apply -n` would give it). */
  namespace?: string;
}

/**
 * What every namespaced kind that names a store starts with (RemoteSecret, DynamicSecret,
 * PushSecret): its spec object, identity (namespace, name, uid, generation) and spec.storeRef with the kind defaulted.
 * Exported for the validators in this folder only (not in index.ts).
 */
export function storeReferrer(o: unknown, options: PlanOptions) {
  const root = obj(o, 'object')!;
  const meta = obj(root.metadata, 'metadata')!;
  const spec = obj(root.spec, 'spec')!;
  const namespace = namespaceName(meta.namespace ?? options.namespace, 'metadata.namespace');
  const name = objectName(meta.name, 'metadata.name');
  const storeRefObj = obj(spec.storeRef, 'spec.storeRef')!;
  return {
    spec,
    namespace,
    name,
    uid: str(meta.uid, 'metadata.uid', false) ?? '',
    generation: typeof meta.generation === 'number' ? meta.generation : 0,
    storeRef: {
      name: objectName(storeRefObj.name, 'spec.storeRef.name'),
      kind: oneOf<StoreKind>(storeRefObj.kind, 'spec.storeRef.kind', STORE_KINDS, REMOTE_STORE_KIND),
    },
  };
}

/** Checks a RemoteSecret and applies defaults. Throws BadInputError naming the field. */
export function planRemoteSecret(o: unknown, options: PlanOptions = {}): RemoteSecretPlan {
  const { spec, namespace, name, uid, generation, storeRef } = storeReferrer(o, options);
  const ri = str(spec.refreshInterval, 'spec.refreshInterval', false);
  const refreshIntervalMs = ri === undefined ? DEFAULT_REFRESH_INTERVAL_MS : parseRefreshInterval(ri, 'spec.refreshInterval');
  const target = obj(spec.target, 'spec.target', false) ?? {};
  const targetName = target.name === undefined ? name : objectName(target.name, 'spec.target.name');
  const creationPolicy = oneOf<CreationPolicy>(target.creationPolicy, 'spec.target.creationPolicy', CREATION_POLICIES, CREATION_POLICIES[0]);
  const deletionPolicy = oneOf<DeletionPolicy>(target.deletionPolicy, 'spec.target.deletionPolicy', DELETION_POLICIES, DELETION_POLICIES[0]);

  const data: PlannedRef[] = [];
  const seen = new Set<string>();
  arr(spec.data, 'spec.data').forEach((d, i) => {
    const f = `spec.data[${i}]`;
    const item = obj(d, f)!;
    const secretKey = secretKeyName(item.secretKey, `${f}.secretKey`);
    if (seen.has(secretKey)) throw invalid(`${f}.secretKey "${secretKey}" appears twice`);
    seen.add(secretKey);
    const ref = obj(item.remoteRef, `${f}.remoteRef`)!;
    const key = str(ref.key, `${f}.remoteRef.key`);
    pathSegments(key, `${f}.remoteRef.key`);
    data.push({
      secretKey,
      key,
      property: str(ref.property, `${f}.remoteRef.property`, false),
      version: parseKvVersionPin(str(ref.version, `${f}.remoteRef.version`, false), `${f}.remoteRef.version`),
    });
  });
  const dataFrom: PlannedExtract[] = [];
  arr(spec.dataFrom, 'spec.dataFrom').forEach((d, i) => {
    const f = `spec.dataFrom[${i}]`;
    const item = obj(d, f)!;
    const ex = obj(item.extract, `${f}.extract`)!;
    const key = str(ex.key, `${f}.extract.key`);
    pathSegments(key, `${f}.extract.key`);
    dataFrom.push({ key, version: parseKvVersionPin(str(ex.version, `${f}.extract.version`, false), `${f}.extract.version`) });
  });
  if (data.length === 0 && dataFrom.length === 0) throw invalid('spec.data or spec.dataFrom must list at least one entry');

  // Without dataFrom the fetched keys are known now: catch a typo before any Vault read.
  const template = planTemplate(target.template, dataFrom.length === 0 ? seen : undefined);
  return {
    namespace,
    name,
    uid,
    generation,
    storeRef,
    refreshIntervalMs,
    targetName,
    creationPolicy,
    deletionPolicy,
    template,
    data,
    dataFrom,
    rolloutRestartTargets: parseRolloutRestartTargets(spec.rolloutRestartTargets),
  };
}

/**
 * spec.target.template of a RemoteSecret or DynamicSecret. `known`: the value keys the placeholders
 * may name, when they are known before any Vault read (a typo is then an error at once).
 */
function planTemplate(v: unknown, known: ReadonlySet<string> | undefined): PlannedTemplate | undefined {
  const t = obj(v, 'spec.target.template', false);
  if (!t) return undefined;
  const tm = obj(t.metadata, 'spec.target.template.metadata', false) ?? {};
  let tdata: Record<string, ParsedTemplate> | undefined;
  const td = obj(t.data, 'spec.target.template.data', false);
  if (td) {
    tdata = {};
    for (const [k, val] of Object.entries(td)) {
      const f = `spec.target.template.data.${k}`;
      if (!isSecretKey(k)) throw invalid(`spec.target.template.data key ${quoted(k)} is not a valid Secret key`);
      if (typeof val !== 'string') throw invalid(`${f} must be a string`);
      const parsed = parseTemplate(val, f);
      if (known) {
        for (const r of parsed.refs) {
          if (!known.has(r)) throw invalid(`${f}: .${r} is not a secretKey of spec.data (${[...known].join(', ')})`);
        }
      }
      tdata[k] = parsed;
    }
  }
  return {
    type: str(t.type, 'spec.target.template.type', false),
    labels: stringMap(tm.labels, 'spec.target.template.metadata.labels'),
    annotations: stringMap(tm.annotations, 'spec.target.template.metadata.annotations'),
    data: tdata,
    mergePolicy: oneOf<TemplateMergePolicy>(t.mergePolicy, 'spec.target.template.mergePolicy', TEMPLATE_MERGE_POLICIES, TEMPLATE_MERGE_POLICIES[0]),
  };
}

// ---- DynamicSecret ---------------------------------------------------------------------------

export interface DynamicSecretPlan {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  storeRef: { name: string; kind: StoreKind };
  /** Vault path, mount included, without leading or trailing slashes. */
  path: string;
  method: DynamicMethod;
  parameters: Record<string, string>;
  /** renewalPercent / 100 */
  renewFraction: number;
  targetName: string;
  template: PlannedTemplate | undefined;
  rolloutRestartTargets: RolloutRestartTarget[];
  /**
   * A digest of the fields that decide the credentials and the Secret they go into (store, path,
   * method, parameters, target): when it changes, new credentials are needed. renewalPercent and
   * rolloutRestartTargets are not in it: editing those changes no credentials.
   */
  source: string;
}

/** Checks a DynamicSecret and applies defaults. Throws BadInputError naming the field. */
export function planDynamicSecret(o: unknown, options: PlanOptions = {}): DynamicSecretPlan {
  const { spec, namespace, name, uid, generation, storeRef } = storeReferrer(o, options);
  const path = pathSegments(str(spec.path, 'spec.path'), 'spec.path').join('/');
  const method = oneOf<DynamicMethod>(spec.method, 'spec.method', DYNAMIC_METHODS, DYNAMIC_METHODS[0]);
  const parameters = stringMap(spec.parameters, 'spec.parameters');
  if (method === 'GET' && Object.keys(parameters).length > 0) throw invalid('spec.parameters needs spec.method POST (a GET sends no body)');
  let percent = DEFAULT_RENEWAL_PERCENT;
  if (spec.renewalPercent !== undefined && spec.renewalPercent !== null) {
    const p = spec.renewalPercent;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < MIN_RENEWAL_PERCENT || p > MAX_RENEWAL_PERCENT) {
      throw invalid(`spec.renewalPercent must be an integer from ${MIN_RENEWAL_PERCENT} to ${MAX_RENEWAL_PERCENT} (got ${quoted(p)})`);
    }
    percent = p;
  }
  const target = obj(spec.target, 'spec.target', false) ?? {};
  const targetName = target.name === undefined ? name : objectName(target.name, 'spec.target.name');
  // The keys of Vault's answer are known only once it answers.
  const template = planTemplate(target.template, undefined);
  const sortedParameters = Object.keys(parameters).sort().map((k) => [k, parameters[k]]);
  const source = createHash('sha256').update(JSON.stringify([storeRef, path, method, sortedParameters, targetName, template ?? null])).digest('hex').slice(0, 16);
  return {
    namespace,
    name,
    uid,
    generation,
    storeRef,
    path,
    method,
    parameters,
    renewFraction: percent / 100,
    targetName,
    template,
    rolloutRestartTargets: parseRolloutRestartTargets(spec.rolloutRestartTargets),
    source,
  };
}

// ---- stores ----------------------------------------------------------------------------------

export interface SecretKeyLocation {
  namespace: string;
  name: string;
  key: string;
}

export type StoreAuthPlan =
  | { method: 'token'; secretRef: SecretKeyLocation }
  | { method: 'kubernetes'; mount: string; role: string; serviceAccount: { namespace: string; name: string; audiences: string[] } }
  | { method: 'appRole'; mount: string; roleId: string | undefined; roleIdRef: SecretKeyLocation | undefined; secretIdRef: SecretKeyLocation };

export interface StorePlan {
  kind: StoreKind;
  /** Namespace of a RemoteStore; undefined for a ClusterRemoteStore. */
  namespace: string | undefined;
  name: string;
  uid: string;
  generation: number;
  server: string;
  mount: string;
  kvVersion: KvVersion | undefined;
  vaultNamespace: string | undefined;
  caPem: string | undefined;
  caSecretRef: SecretKeyLocation | undefined;
  auth: StoreAuthPlan;
  namespaceSelector: LabelSelector | undefined;
  /** Changes whenever anything that affects the Vault client changes (spec hash). */
  fingerprint: string;
}

/** Identity of a store in caches and metrics: `RemoteStore/ns/name` or `ClusterRemoteStore/name`. */
export function storeKey(kind: StoreKind, name: string, namespace?: string): string {
  return kind === REMOTE_STORE_KIND ? `${kind}/${namespace ?? ''}/${name}` : `${kind}/${name}`;
}

function secretKeyRef(v: unknown, field: string, kind: StoreKind, storeNamespace: string | undefined): SecretKeyLocation {
  const o = obj(v, field)!;
  const ns = str(o.namespace, `${field}.namespace`, false);
  if (kind === REMOTE_STORE_KIND && ns !== undefined && ns !== storeNamespace) {
    throw invalid(`${field}.namespace must be omitted in a RemoteStore (it reads Secrets of its own namespace only)`);
  }
  if (kind === CLUSTER_REMOTE_STORE_KIND && ns === undefined) throw invalid(`${field}.namespace is required in a ClusterRemoteStore`);
  return { namespace: namespaceName(ns ?? storeNamespace, `${field}.namespace`), name: objectName(o.name, `${field}.name`), key: secretKeyName(o.key, `${field}.key`) };
}

export function labelSelector(v: unknown, field: string): LabelSelector | undefined {
  const o = obj(v, field, false);
  if (!o) return undefined;
  const sel: LabelSelector = {};
  if (o.matchLabels !== undefined) sel.matchLabels = stringMap(o.matchLabels, `${field}.matchLabels`);
  const exprs = arr(o.matchExpressions, `${field}.matchExpressions`);
  if (exprs.length) {
    sel.matchExpressions = exprs.map((e, i) => {
      const f = `${field}.matchExpressions[${i}]`;
      const eo = obj(e, f)!;
      const operator = oneOf(eo.operator, `${f}.operator`, ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, 'In');
      const values = arr(eo.values, `${f}.values`).map((x, j) => str(x, `${f}.values[${j}]`));
      if ((operator === 'In' || operator === 'NotIn') && values.length === 0) throw invalid(`${f}.values must not be empty for ${operator}`);
      return { key: str(eo.key, `${f}.key`), operator, values };
    });
  }
  return sel;
}

/** Whether a label set matches a selector (Kubernetes semantics; an empty selector matches everything). */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Checks a RemoteStore or ClusterRemoteStore and applies defaults. */
export function planStore(o: unknown, kind: StoreKind): StorePlan {
  const root = obj(o, 'object')!;
  const meta = obj(root.metadata, 'metadata')!;
  const spec = obj(root.spec, 'spec')!;
  const name = objectName(meta.name, 'metadata.name');
  const namespace = kind === REMOTE_STORE_KIND ? namespaceName(meta.namespace, 'metadata.namespace') : undefined;
  const provider = obj(spec.provider, 'spec.provider')!;
  const v = obj(provider.vault, 'spec.provider.vault')!;
  const server = str(v.server, 'spec.provider.vault.server');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw invalid(`spec.provider.vault.server "${server.slice(0, 80)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('spec.provider.vault.server must be an http or https URL');
  if (url.username || url.password) throw invalid('spec.provider.vault.server must not contain credentials');
  const mount = str(v.mount, 'spec.provider.vault.mount');
  pathSegments(mount, 'spec.provider.vault.mount');
  const kvVersion = v.kvVersion === undefined || v.kvVersion === null || v.kvVersion === '' ? undefined : oneOf<KvVersion>(v.kvVersion, 'spec.provider.vault.kvVersion', KV_VERSIONS, 'v2');
  let caPem: string | undefined;
  const caBundle = str(v.caBundle, 'spec.provider.vault.caBundle', false);
  if (caBundle !== undefined) {
    // base64 as Kubernetes decodes a []byte field (line breaks ignored); PEM as is is accepted too.
    let decoded = caBundle;
    if (!caBundle.includes('-----BEGIN CERTIFICATE-----')) {
      try {
        decoded = new TextDecoder().decode(fromBase64Kubernetes(caBundle, 'spec.provider.vault.caBundle'));
      } catch {
        decoded = '';
      }
    }
    if (!decoded.includes('-----BEGIN CERTIFICATE-----')) throw invalid('spec.provider.vault.caBundle must be base64 of PEM certificates');
    caPem = decoded;
  }
  const caSecretRef = v.caSecretRef === undefined || v.caSecretRef === null ? undefined : secretKeyRef(v.caSecretRef, 'spec.provider.vault.caSecretRef', kind, namespace);
  if (caPem !== undefined && caSecretRef !== undefined) throw invalid('spec.provider.vault: set caBundle or caSecretRef, not both');

  const a = obj(v.auth, 'spec.provider.vault.auth')!;
  const methods = (['token', 'kubernetes', 'appRole'] as const).filter((m) => a[m] !== undefined && a[m] !== null);
  if (methods.length !== 1) throw invalid('spec.provider.vault.auth must set exactly one of token, kubernetes, appRole');
  let auth: StoreAuthPlan;
  const f = `spec.provider.vault.auth.${methods[0]}`;
  if (methods[0] === 'token') {
    const t = obj(a.token, f)!;
    auth = { method: 'token', secretRef: secretKeyRef(t.secretRef, `${f}.secretRef`, kind, namespace) };
  } else if (methods[0] === 'kubernetes') {
    const k = obj(a.kubernetes, f)!;
    const sa = obj(k.serviceAccountRef, `${f}.serviceAccountRef`)!;
    const saNs = str(sa.namespace, `${f}.serviceAccountRef.namespace`, false);
    if (kind === REMOTE_STORE_KIND && saNs !== undefined && saNs !== namespace) throw invalid(`${f}.serviceAccountRef.namespace must be omitted in a RemoteStore`);
    if (kind === CLUSTER_REMOTE_STORE_KIND && saNs === undefined) throw invalid(`${f}.serviceAccountRef.namespace is required in a ClusterRemoteStore`);
    const mountK = str(k.mount, `${f}.mount`, false) ?? 'kubernetes';
    pathSegments(mountK, `${f}.mount`);
    auth = {
      method: 'kubernetes',
      mount: mountK,
      role: str(k.role, `${f}.role`),
      serviceAccount: {
        namespace: namespaceName(saNs ?? namespace, `${f}.serviceAccountRef.namespace`),
        name: objectName(sa.name, `${f}.serviceAccountRef.name`),
        audiences: arr(sa.audiences, `${f}.serviceAccountRef.audiences`).map((x, i) => str(x, `${f}.serviceAccountRef.audiences[${i}]`)),
      },
    };
  } else {
    const r = obj(a.appRole, f)!;
    const mountA = str(r.mount, `${f}.mount`, false) ?? 'approle';
    pathSegments(mountA, `${f}.mount`);
    const roleId = str(r.roleId, `${f}.roleId`, false);
    const roleIdRef = r.roleIdSecretRef === undefined || r.roleIdSecretRef === null ? undefined : secretKeyRef(r.roleIdSecretRef, `${f}.roleIdSecretRef`, kind, namespace);
    if ((roleId === undefined) === (roleIdRef === undefined)) throw invalid(`${f}: set exactly one of roleId, roleIdSecretRef`);
    auth = { method: 'appRole', mount: mountA, roleId, roleIdRef, secretIdRef: secretKeyRef(r.secretIdSecretRef, `${f}.secretIdSecretRef`, kind, namespace) };
  }
  const namespaceSelector = kind === CLUSTER_REMOTE_STORE_KIND ? labelSelector(spec.namespaceSelector, 'spec.namespaceSelector') : undefined;
  if (kind === REMOTE_STORE_KIND && spec.namespaceSelector !== undefined) throw invalid('spec.namespaceSelector is only for a ClusterRemoteStore');
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([kind, namespace, name, meta.uid ?? '', server, mount, kvVersion, v.namespace ?? '', caPem ?? '', caSecretRef ?? null, auth]))
    .digest('hex')
    .slice(0, 16);
  return {
    kind,
    namespace,
    name,
    uid: str(meta.uid, 'metadata.uid', false) ?? '',
    generation: typeof meta.generation === 'number' ? meta.generation : 0,
    server: server.replace(/\/+$/, ''),
    mount,
    kvVersion,
    vaultNamespace: str(v.namespace, 'spec.provider.vault.namespace', false),
    caPem,
    caSecretRef,
    auth,
    namespaceSelector,
    fingerprint,
  };
}
