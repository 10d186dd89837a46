/**
 * Kubernetes manifests: v1 Secret and sealkit.dev/v1alpha1 SealedSecret — validation,
 * sealing a Secret, merging into an existing SealedSecret, and unsealing one.
 *
 * Output maps (encryptedData, data, labels, annotations) have sorted keys, so re-sealing
 * produces small Git diffs.
 */
import { describeType, fromBase64Kubernetes, setOwn, toBase64 } from './bytes.js';
import { BadInputError } from './errors.js';
import { field, isPlainObject, q, sortKeys, stringMap, withField, type Plain } from './manifest-fields.js';
import { inspectValue, sealValues, type Unsealer } from './format.js';
import type { RandomSource } from './random.js';
import { SCOPES, isNamespace, isObjectName, parseScope, type Scope } from './scope.js';
import { parseRolloutRestartTargets, type RolloutRestartTarget } from './rollout.js';

export const API_GROUP = 'sealkit.dev';
export const SEALED_SECRET_API_VERSION = 'sealkit.dev/v1alpha1';
export const SCOPE_ANNOTATION = 'sealkit.dev/scope';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** Holds the whole previous object, plaintext included: never copied into a SealedSecret. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface SealedSecretManifest {
  apiVersion: 'sealkit.dev/v1alpha1';
  kind: 'SealedSecret';
  metadata: ObjectMeta;
  spec: {
    encryptedData: Record<string, string>;
    /** What happens to the Secret when the SealedSecret is deleted (the controller's default: Delete). */
    deletionPolicy?: 'Delete' | 'Retain';
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      type?: string;
      immutable?: boolean;
    };
    rolloutRestartTargets?: RolloutRestartTarget[];
  };
  status?: unknown;
}

export interface SealSecretOptions {
  recipients: readonly Uint8Array[];
  scope: Scope;
  random?: RandomSource;
}

// ---------------------------------------------------------------------------------------------
// validation

// Secret data keys: Kubernetes IsConfigMapKey.
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Whether `key` may be a key of a Secret's data (Kubernetes IsConfigMapKey): letters, digits, '-',
 * '_', '.', at most 253 characters, and not ".", ".." or starting with "..".
 */
export function isSecretKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 253 && DATA_KEY.test(key) && !key.startsWith('..') && key !== '.';
}

function checkDataKey(key: string, parent: string): void {
  if (!isSecretKey(key)) {
    throw new BadInputError(`${field(parent, key)}: ${q(key)} is not a valid Secret key (letters, digits, '-', '_', '.'; at most 253)`);
  }
}

function validateMetadata(value: unknown, kind: string): ObjectMeta {
  if (!isPlainObject(value)) throw new BadInputError(`metadata must be an object, got ${describeType(value)}`);
  const { name, namespace } = value;
  if (name === undefined || name === null || name === '') throw new BadInputError(`metadata.name is required (the ${kind}'s name)`);
  if (!isObjectName(name)) {
    throw new BadInputError(`metadata.name ${typeof name === 'string' ? q(name) : `(${describeType(name)})`} is not a valid Kubernetes object name (lowercase RFC 1123 subdomain)`);
  }
  if (namespace !== undefined && namespace !== null && !isNamespace(namespace)) {
    throw new BadInputError(`metadata.namespace ${typeof namespace === 'string' ? q(namespace) : `(${describeType(namespace)})`} is not a valid Kubernetes namespace (lowercase RFC 1123 label)`);
  }
  const meta: ObjectMeta = { ...value, name };
  if (namespace === undefined || namespace === null) delete meta.namespace;
  const labels = stringMap(value.labels, 'metadata.labels');
  const annotations = stringMap(value.annotations, 'metadata.annotations');
  if (labels) meta.labels = labels;
  else delete meta.labels;
  if (annotations) meta.annotations = annotations;
  else delete meta.annotations;
  return meta;
}

function checkKind(obj: unknown, apiVersion: string, kind: string): Plain {
  if (!isPlainObject(obj)) throw new BadInputError(`expected a ${kind} object, got ${describeType(obj)}`);
  if (obj.kind !== kind) {
    throw new BadInputError(`kind must be ${q(kind)}, got ${typeof obj.kind === 'string' ? q(obj.kind) : describeType(obj.kind)}`);
  }
  if (obj.apiVersion !== apiVersion) {
    throw new BadInputError(`apiVersion must be ${q(apiVersion)} for a ${kind}, got ${typeof obj.apiVersion === 'string' ? q(obj.apiVersion) : describeType(obj.apiVersion)}`);
  }
  return obj;
}

/**
 * Checks that `obj` is a v1 Secret sealkit can seal and returns a normalized copy (null
 * maps dropped, map keys sorted). Errors name the field; they never echo a value.
 */
export function validateSecret(obj: unknown): SecretManifest {
  const o = checkKind(obj, 'v1', 'Secret');
  const secret: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata: validateMetadata(o.metadata, 'Secret') };
  if (o.type !== undefined && o.type !== null) {
    if (typeof o.type !== 'string' || o.type === '') throw new BadInputError(`type must be a non-empty string, got ${describeType(o.type)}`);
    secret.type = o.type;
  }
  if (o.immutable !== undefined && o.immutable !== null) {
    if (typeof o.immutable !== 'boolean') throw new BadInputError(`immutable must be true or false, got ${describeType(o.immutable)}`);
    secret.immutable = o.immutable;
  }
  const data = stringMap(o.data, 'data', (key) => checkDataKey(key, 'data'));
  if (data) {
    for (const [key, value] of Object.entries(data)) fromBase64Kubernetes(value, field('data', key));
    secret.data = data;
  }
  const stringData = stringMap(o.stringData, 'stringData', (key) => checkDataKey(key, 'stringData'));
  if (stringData) secret.stringData = stringData;
  return secret;
}

/**
 * Checks that `obj` is a sealkit SealedSecret and returns a normalized copy. Each value of
 * spec.encryptedData is parsed (not opened): a malformed one raises the same error class
 * as inspectValue, with the field named in the message.
 */
export function validateSealedSecret(obj: unknown): SealedSecretManifest {
  return checkSealedSecret(obj, true);
}

/**
 * validateSealedSecret's work; `inspectValues: false` leaves each value's format to whoever opens
 * it next (opening parses and checks the value anyway, with the same field path in the error), so
 * unsealing a file parses every value once instead of twice.
 */
function checkSealedSecret(obj: unknown, inspectValues: boolean): SealedSecretManifest {
  const o = checkKind(obj, SEALED_SECRET_API_VERSION, 'SealedSecret');
  const metadata = validateMetadata(o.metadata, 'SealedSecret');
  if (!isPlainObject(o.spec)) throw new BadInputError(`spec must be an object, got ${describeType(o.spec)}`);
  const spec = o.spec;
  if (spec.encryptedData === undefined || spec.encryptedData === null) throw new BadInputError('spec.encryptedData is required');
  const encryptedData = stringMap(spec.encryptedData, 'spec.encryptedData', (key) => checkDataKey(key, 'spec.encryptedData')) ?? {};
  if (inspectValues) {
    for (const [key, value] of Object.entries(encryptedData)) {
      withField(field('spec.encryptedData', key), () => inspectValue(value));
    }
  }
  const sealed: SealedSecretManifest = { apiVersion: SEALED_SECRET_API_VERSION, kind: 'SealedSecret', metadata, spec: { encryptedData } };
  if (spec.deletionPolicy !== undefined && spec.deletionPolicy !== null) {
    if (spec.deletionPolicy !== 'Delete' && spec.deletionPolicy !== 'Retain') {
      throw new BadInputError(`spec.deletionPolicy must be Delete or Retain, got ${typeof spec.deletionPolicy === 'string' ? q(spec.deletionPolicy) : describeType(spec.deletionPolicy)}`);
    }
    sealed.spec.deletionPolicy = spec.deletionPolicy;
  }
  if (spec.template !== undefined && spec.template !== null) {
    if (!isPlainObject(spec.template)) throw new BadInputError(`spec.template must be an object, got ${describeType(spec.template)}`);
    const t = spec.template;
    const template: NonNullable<SealedSecretManifest['spec']['template']> = {};
    if (t.metadata !== undefined && t.metadata !== null) {
      if (!isPlainObject(t.metadata)) throw new BadInputError(`spec.template.metadata must be an object, got ${describeType(t.metadata)}`);
      const labels = stringMap(t.metadata.labels, 'spec.template.metadata.labels');
      const annotations = stringMap(t.metadata.annotations, 'spec.template.metadata.annotations');
      template.metadata = {};
      if (labels) template.metadata.labels = labels;
      if (annotations) template.metadata.annotations = annotations;
    }
    if (t.type !== undefined && t.type !== null) {
      if (typeof t.type !== 'string' || t.type === '') throw new BadInputError(`spec.template.type must be a non-empty string, got ${describeType(t.type)}`);
      template.type = t.type;
    }
    if (t.immutable !== undefined && t.immutable !== null) {
      if (typeof t.immutable !== 'boolean') throw new BadInputError(`spec.template.immutable must be true or false, got ${describeType(t.immutable)}`);
      template.immutable = t.immutable;
    }
    sealed.spec.template = template;
  }
  const targets = parseRolloutRestartTargets(spec.rolloutRestartTargets);
  if (targets.length) sealed.spec.rolloutRestartTargets = targets;
  if (o.status !== undefined) sealed.status = o.status;
  return sealed;
}

// ---------------------------------------------------------------------------------------------
// sealing

/** The values of a Secret: `data` base64-decoded plus `stringData` as UTF-8; stringData wins, as in Kubernetes. */
export function secretValues(secret: SecretManifest): Record<string, Uint8Array> {
  if (!isPlainObject(secret)) throw new BadInputError(`secret must be a Secret object, got ${describeType(secret)}`);
  const data = stringMap(secret.data, 'data');
  const stringData = stringMap(secret.stringData, 'stringData');
  const values: Record<string, Uint8Array> = {};
  const encoder = new TextEncoder();
  for (const [key, value] of Object.entries(data ?? {})) setOwn(values, key, fromBase64Kubernetes(value, field('data', key)));
  for (const [key, value] of Object.entries(stringData ?? {})) setOwn(values, key, encoder.encode(value));
  return sortKeys(values);
}

function templateMetadata(metadata: ObjectMeta): { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined {
  const out: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  if (metadata.labels && Object.keys(metadata.labels).length > 0) out.labels = sortKeys(metadata.labels);
  const annotations = { ...metadata.annotations };
  delete annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(annotations).length > 0) out.annotations = sortKeys(annotations);
  return out.labels || out.annotations ? out : undefined;
}

function checkSealSecretOptions(options: SealSecretOptions): Scope {
  if (!isPlainObject(options)) throw new BadInputError('options must be an object { recipients, scope }');
  if (!SCOPES.includes(options.scope)) return parseScope(options.scope as string);
  return options.scope;
}

function sealFor(secret: SecretManifest, options: SealSecretOptions, scope: Scope): Record<string, string> {
  const { name, namespace } = secret.metadata;
  if (scope !== 'cluster' && namespace === undefined) {
    throw new BadInputError(`metadata.namespace is required to seal with scope ${scope} (set the Secret's namespace, or use scope cluster)`);
  }
  const sealOptions = { recipients: options.recipients, scope, namespace, name, random: options.random };
  return sealValues(secretValues(secret), sealOptions);
}

/**
 * Seals a Secret into a SealedSecret. The template keeps the Secret's type, immutable,
 * labels and annotations, minus kubectl's last-applied-configuration annotation (it holds
 * the plaintext); server-set metadata (uid, resourceVersion, managedFields, ...) is not copied.
 */
export function sealSecret(secret: SecretManifest, options: SealSecretOptions): SealedSecretManifest {
  const scope = checkSealSecretOptions(options);
  const valid = validateSecret(secret);
  const encryptedData = sealFor(valid, options, scope);
  const metadata: ObjectMeta = { name: valid.metadata.name };
  if (valid.metadata.namespace !== undefined) metadata.namespace = valid.metadata.namespace;
  metadata.annotations = { [SCOPE_ANNOTATION]: scope };
  const template: NonNullable<SealedSecretManifest['spec']['template']> = {};
  const tmeta = templateMetadata(valid.metadata);
  if (tmeta) template.metadata = tmeta;
  if (valid.type !== undefined) template.type = valid.type;
  if (valid.immutable !== undefined) template.immutable = valid.immutable;
  return { apiVersion: SEALED_SECRET_API_VERSION, kind: 'SealedSecret', metadata, spec: { encryptedData, template } };
}

/**
 * Seals the Secret's values into an existing SealedSecret: its keys are added or replaced,
 * every other sealed value is kept byte for byte. The Secret must be the same object
 * (name, namespace) and the scope the same as the existing values', else BadInputError.
 * Template: labels/annotations are merged (the Secret's win); type and immutable are
 * taken from the Secret only when the existing template has none.
 */
export function mergeIntoSealedSecret(existing: SealedSecretManifest, secret: SecretManifest, options: SealSecretOptions): SealedSecretManifest {
  const scope = checkSealSecretOptions(options);
  const base = validateSealedSecret(existing);
  const valid = validateSecret(secret);
  const { name, namespace } = base.metadata;
  if (valid.metadata.name !== name) {
    throw new BadInputError(`the Secret is named ${q(valid.metadata.name ?? '')} but the SealedSecret ${q(name ?? '')}; merge only into the SealedSecret of the same name`);
  }
  const sameNamespace =
    valid.metadata.namespace === namespace || (scope === 'cluster' && (valid.metadata.namespace === undefined || namespace === undefined));
  if (!sameNamespace) {
    throw new BadInputError(
      `the Secret is in namespace ${q(valid.metadata.namespace ?? '(none)')} but the SealedSecret in ${q(namespace ?? '(none)')}; merge only into the SealedSecret of the same namespace`,
    );
  }
  // The scope of the existing values is authoritative (the annotation is only a mirror).
  for (const [key, value] of Object.entries(base.spec.encryptedData)) {
    const info = inspectValue(value);
    const path = field('spec.encryptedData', key);
    if (info.scope !== scope) {
      throw new BadInputError(`${path} is sealed with scope ${info.scope}, not ${scope}; merge with scope ${info.scope} (or re-seal the whole Secret)`);
    }
    const sameLocation = (scope === 'cluster' || info.namespace === namespace) && (scope !== 'strict' || info.name === name);
    if (!sameLocation) {
      throw new BadInputError(`${path} is sealed for ${q(scope === 'strict' ? `${info.namespace}/${info.name}` : info.namespace ?? '')}, which is not where this SealedSecret is; re-seal the whole Secret`);
    }
  }
  const annotated = base.metadata.annotations?.[SCOPE_ANNOTATION];
  if (Object.keys(base.spec.encryptedData).length === 0 && annotated !== undefined && SCOPES.includes(annotated as Scope) && annotated !== scope) {
    throw new BadInputError(`the SealedSecret is annotated ${SCOPE_ANNOTATION}: ${annotated}, not ${scope}`);
  }
  const added = sealFor(valid, options, scope);

  const template = { ...base.spec.template };
  const tmeta = templateMetadata(valid.metadata);
  if (tmeta) {
    const labels = { ...template.metadata?.labels, ...tmeta.labels };
    const annotations = { ...template.metadata?.annotations, ...tmeta.annotations };
    template.metadata = {};
    if (Object.keys(labels).length > 0) template.metadata.labels = sortKeys(labels);
    if (Object.keys(annotations).length > 0) template.metadata.annotations = sortKeys(annotations);
  }
  if (template.type === undefined && valid.type !== undefined) template.type = valid.type;
  if (template.immutable === undefined && valid.immutable !== undefined) template.immutable = valid.immutable;

  const result: SealedSecretManifest = {
    ...base,
    metadata: { ...base.metadata, annotations: sortKeys({ ...base.metadata.annotations, [SCOPE_ANNOTATION]: scope }) },
    spec: { ...base.spec, encryptedData: sortKeys({ ...base.spec.encryptedData, ...added }), template },
  };
  return result;
}

// ---------------------------------------------------------------------------------------------
// unsealing

/**
 * Opens every value of a SealedSecret at its own location (metadata.namespace/name) and
 * returns the v1 Secret it stands for: data base64 (sorted), type, immutable, labels and
 * annotations from the template. Errors keep their class and name the key in the message.
 */
export function unsealSealedSecret(sealed: SealedSecretManifest, unsealer: Unsealer): SecretManifest {
  const valid = checkSealedSecret(sealed, false);
  const where = { namespace: valid.metadata.namespace ?? '', name: valid.metadata.name ?? '' };
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(valid.spec.encryptedData)) {
    setOwn(data, key, toBase64(withField(field('spec.encryptedData', key), () => unsealer.open(value, where))));
  }
  const metadata: ObjectMeta = { name: valid.metadata.name };
  if (valid.metadata.namespace !== undefined) metadata.namespace = valid.metadata.namespace;
  const template = valid.spec.template;
  if (template?.metadata?.labels && Object.keys(template.metadata.labels).length > 0) metadata.labels = { ...template.metadata.labels };
  if (template?.metadata?.annotations && Object.keys(template.metadata.annotations).length > 0) {
    metadata.annotations = { ...template.metadata.annotations };
  }
  const secret: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata };
  if (template?.type !== undefined) secret.type = template.type;
  if (template?.immutable !== undefined) secret.immutable = template.immutable;
  secret.data = data;
  return secret;
}
