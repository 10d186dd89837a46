/**
 * Bitnami `bitnami.com/v1alpha1` SealedSecret manifests: validation, sealing a Secret exactly as
 * kubeseal does, opening one as the Bitnami controller does, and converting one to a sealkit
 * SealedSecret (the re-encryption step of `sealkit migrate`, run inside the cluster).
 *
 * Objects are built with their keys in the order Go's encoding/json writes them (kubeseal's JSON
 * output), so `JSON.stringify` gives what kubeseal prints; YAML writers sort keys, as kubeseal's does.
 */
import type { KeyObject } from 'node:crypto';
import { describeType, fromBase64Kubernetes, setOwn, toBase64 } from '../bytes.js';
import { BadInputError } from '../errors.js';
import { field, isPlainObject, q, sortKeys, stringMap, withField, type Plain } from '../manifest-fields.js';
import {
  SCOPE_ANNOTATION,
  SEALED_SECRET_API_VERSION,
  sealSecret,
  secretValues,
  validateSecret,
  type ObjectMeta,
  type SealedSecretManifest,
  type SecretManifest,
} from '../manifests.js';
import type { RandomSource } from '../random.js';
import { isNamespace, isObjectName, parseScope, SCOPES, type Scope } from '../scope.js';
import { BITNAMI_ANNOTATIONS, BITNAMI_API_VERSION, LAST_APPLIED_ANNOTATIONS } from './constants.js';
import type { BitnamiKeyring } from './keys.js';
import { openBitnamiValueWithKey, sealBitnamiValues, type BitnamiLocation } from './value.js';
import { parseTemplate, renderTemplate } from './template.js';

export interface BitnamiSecretTemplate {
  /** The Secret's metadata: labels and annotations are copied onto the Secret. */
  metadata?: ObjectMeta;
  type?: string;
  immutable?: boolean;
  /** Keys computed from the opened values with Go templates (see unsealBitnamiSealedSecret). */
  data?: Record<string, string>;
}

export interface BitnamiSealedSecretManifest {
  kind: 'SealedSecret';
  apiVersion: 'bitnami.com/v1alpha1';
  metadata: ObjectMeta;
  spec: {
    template?: BitnamiSecretTemplate;
    /** Deprecated (sealed-secrets < 0.7): the whole Secret as one sealed JSON document. */
    data?: string;
    encryptedData: Record<string, string>;
  };
  status?: unknown;
}

export interface BitnamiSealSecretOptions {
  /** RSA public key of the controller's certificate (parseBitnamiCertificate(pem).publicKey). */
  publicKey: KeyObject;
  /**
   * Overrides the scope the Secret's annotations give (kubeseal --scope): the scope annotations
   * of the Secret are rewritten to match. When omitted, the annotations decide (strict without).
   */
  scope?: Scope;
  random?: RandomSource;
}

// ---------------------------------------------------------------------------------------------
// scope

/**
 * The scope Bitnami reads from an object's annotations: `sealedsecrets.bitnami.com/cluster-wide:
 * "true"` wins, then `.../namespace-wide: "true"`, else strict. The controller reads it from the
 * SealedSecret's top-level metadata; kubeseal from the input Secret's.
 */
export function bitnamiScope(metadata: { annotations?: Record<string, string> | undefined } | undefined): Scope {
  const annotations = isPlainObject(metadata) && isPlainObject(metadata.annotations) ? metadata.annotations : {};
  if (annotations[BITNAMI_ANNOTATIONS.clusterWide] === 'true') return 'cluster';
  if (annotations[BITNAMI_ANNOTATIONS.namespaceWide] === 'true') return 'namespace';
  return 'strict';
}

/** Annotations with the two scope annotations set for `scope` (kubeseal's UpdateScopeAnnotations). */
function withScopeAnnotations(annotations: Readonly<Record<string, string>> | undefined, scope: Scope): Record<string, string> {
  const out: Record<string, string> = { ...annotations };
  delete out[BITNAMI_ANNOTATIONS.namespaceWide];
  delete out[BITNAMI_ANNOTATIONS.clusterWide];
  if (scope === 'namespace') out[BITNAMI_ANNOTATIONS.namespaceWide] = 'true';
  if (scope === 'cluster') out[BITNAMI_ANNOTATIONS.clusterWide] = 'true';
  return out;
}

// ---------------------------------------------------------------------------------------------
// validation

/**
 * Checks that `obj` is a Bitnami SealedSecret and returns a normalized copy (keys sorted in maps).
 * Values are checked to be base64 only: their format can be checked by opening them.
 */
export function validateBitnamiSealedSecret(obj: unknown): BitnamiSealedSecretManifest {
  if (!isPlainObject(obj)) throw new BadInputError(`expected a SealedSecret object, got ${describeType(obj)}`);
  if (obj.kind !== 'SealedSecret') throw new BadInputError(`kind must be "SealedSecret", got ${typeof obj.kind === 'string' ? q(obj.kind) : describeType(obj.kind)}`);
  if (obj.apiVersion !== BITNAMI_API_VERSION) {
    throw new BadInputError(`apiVersion must be ${q(BITNAMI_API_VERSION)} for a Bitnami SealedSecret, got ${typeof obj.apiVersion === 'string' ? q(obj.apiVersion) : describeType(obj.apiVersion)}`);
  }
  if (!isPlainObject(obj.metadata)) throw new BadInputError(`metadata must be an object, got ${describeType(obj.metadata)}`);
  const { name, namespace } = obj.metadata;
  if (typeof name !== 'string' || !isObjectName(name)) throw new BadInputError('metadata.name must be a valid Kubernetes object name');
  if (namespace !== undefined && namespace !== null && !isNamespace(namespace)) {
    throw new BadInputError('metadata.namespace must be a valid Kubernetes namespace');
  }
  const metadata: ObjectMeta = { ...obj.metadata, name };
  if (namespace === undefined || namespace === null) delete metadata.namespace;
  for (const key of ['labels', 'annotations'] as const) {
    const map = stringMap(obj.metadata[key], `metadata.${key}`);
    if (map) metadata[key] = map;
    else delete metadata[key];
  }
  if (!isPlainObject(obj.spec)) throw new BadInputError(`spec must be an object, got ${describeType(obj.spec)}`);
  const spec = obj.spec;
  const encryptedData = stringMap(spec.encryptedData, 'spec.encryptedData') ?? {};
  for (const [key, value] of Object.entries(encryptedData)) fromBase64Kubernetes(value, field('spec.encryptedData', key));
  const out: BitnamiSealedSecretManifest = { kind: 'SealedSecret', apiVersion: BITNAMI_API_VERSION, metadata, spec: { encryptedData } };
  if (spec.data !== undefined && spec.data !== null && spec.data !== '') {
    if (typeof spec.data !== 'string') throw new BadInputError(`spec.data must be a base64 string, got ${describeType(spec.data)}`);
    fromBase64Kubernetes(spec.data, 'spec.data');
    out.spec.data = spec.data;
  }
  if (spec.template !== undefined && spec.template !== null) {
    if (!isPlainObject(spec.template)) throw new BadInputError(`spec.template must be an object, got ${describeType(spec.template)}`);
    const t = spec.template;
    const template: BitnamiSecretTemplate = {};
    if (t.metadata !== undefined && t.metadata !== null) {
      if (!isPlainObject(t.metadata)) throw new BadInputError(`spec.template.metadata must be an object, got ${describeType(t.metadata)}`);
      const tm: ObjectMeta = { ...t.metadata };
      for (const key of ['labels', 'annotations'] as const) {
        const map = stringMap(t.metadata[key], `spec.template.metadata.${key}`);
        if (map) tm[key] = map;
        else delete tm[key];
      }
      template.metadata = tm;
    }
    if (t.type !== undefined && t.type !== null && t.type !== '') {
      if (typeof t.type !== 'string') throw new BadInputError(`spec.template.type must be a string, got ${describeType(t.type)}`);
      template.type = t.type;
    }
    if (t.immutable !== undefined && t.immutable !== null) {
      if (typeof t.immutable !== 'boolean') throw new BadInputError(`spec.template.immutable must be true or false, got ${describeType(t.immutable)}`);
      template.immutable = t.immutable;
    }
    const data = stringMap(t.data, 'spec.template.data');
    if (data && Object.keys(data).length > 0) template.data = data;
    out.spec.template = template;
  }
  if (obj.status !== undefined) out.status = obj.status;
  return out;
}

// ---------------------------------------------------------------------------------------------
// sealing (kubeseal)

// Fields of ObjectMeta in the order Go writes them; server-set ones are dropped before sealing.
const META_ORDER = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];
const SERVER_SET = new Set(['selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'ownerReferences', 'managedFields']);

/** The template metadata kubeseal writes: the Secret's metadata minus server-set fields and last-applied copies. */
function templateMetadata(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = {};
  const keys = [...META_ORDER, ...Object.keys(meta).filter((k) => !META_ORDER.includes(k)).sort()];
  for (const key of keys) {
    if (SERVER_SET.has(key)) continue;
    let value = meta[key];
    if (value === undefined || value === null || value === '') continue;
    if (key === 'labels' || key === 'annotations') {
      const map = { ...(value as Record<string, string>) };
      if (key === 'annotations') for (const a of LAST_APPLIED_ANNOTATIONS) delete map[a];
      if (Object.keys(map).length === 0) continue;
      value = sortKeys(map);
    }
    setOwn(out, key, value);
  }
  return out;
}

/**
 * Seals a Secret into a Bitnami SealedSecret, as `kubeseal --cert` does: one value per key of
 * `data` and `stringData` (stringData wins), each with its own session key, bound to the scope
 * (option, else the Secret's annotations); top-level metadata holds name, namespace and the scope
 * annotation; the template holds the Secret's metadata (without server-set fields, ownerReferences
 * and kubectl's last-applied-configuration, which holds the plaintext), type and immutable.
 */
export function sealBitnamiSecret(secret: SecretManifest, options: BitnamiSealSecretOptions): BitnamiSealedSecretManifest {
  if (!isPlainObject(options)) throw new BadInputError('options must be an object { publicKey, scope? }');
  const valid = validateSecret(secret);
  let annotations = valid.metadata.annotations;
  if (options.scope !== undefined) {
    const wanted = SCOPES.includes(options.scope) ? options.scope : parseScope(options.scope as string);
    annotations = withScopeAnnotations(annotations, wanted);
  }
  const meta: ObjectMeta = { ...valid.metadata };
  if (annotations && Object.keys(annotations).length > 0) meta.annotations = sortKeys(annotations);
  else delete meta.annotations;
  const scope = bitnamiScope(meta);
  const { name, namespace } = meta;
  if (scope !== 'cluster' && (namespace === undefined || namespace === '')) {
    throw new BadInputError(`metadata.namespace is required to seal with scope ${scope} (set the Secret's namespace, or seal cluster-wide)`);
  }
  const encryptedData = sealBitnamiValues(secretValues(valid), {
    publicKey: options.publicKey,
    scope,
    ...(scope !== 'cluster' ? { namespace } : {}),
    ...(scope === 'strict' ? { name } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const topMeta: ObjectMeta = { name };
  if (namespace !== undefined && namespace !== '') topMeta.namespace = namespace;
  const scopeAnnotations = withScopeAnnotations({}, scope);
  if (Object.keys(scopeAnnotations).length > 0) topMeta.annotations = scopeAnnotations;
  const template: BitnamiSecretTemplate = { metadata: templateMetadata(meta) };
  if (valid.type !== undefined) template.type = valid.type;
  if (valid.immutable !== undefined) template.immutable = valid.immutable;
  return { kind: 'SealedSecret', apiVersion: BITNAMI_API_VERSION, metadata: topMeta, spec: { template, encryptedData } };
}

// ---------------------------------------------------------------------------------------------
// opening (the controller's Unseal)

export interface BitnamiUnsealOptions {
  /** Accept the deprecated spec.data (whole Secret) field, as the controller does by default. Default true. */
  acceptDeprecatedData?: boolean;
}

/**
 * Opens a Bitnami SealedSecret as the Bitnami controller does and returns the Secret it stands for:
 * the scope from the top-level annotations, every value opened at metadata.namespace/name (the key
 * that opened one value is tried first for the next), `spec.template.data` rendered (a supported
 * subset of Go templates, see template.ts), labels, annotations, type and immutable from the
 * template. Errors keep their class and name the key. ownerReferences are the caller's business.
 */
export function unsealBitnamiSealedSecret(sealed: BitnamiSealedSecretManifest, keyring: BitnamiKeyring, options: BitnamiUnsealOptions = {}): SecretManifest {
  const valid = validateBitnamiSealedSecret(sealed);
  const where: BitnamiLocation = { namespace: valid.metadata.namespace ?? '', name: valid.metadata.name ?? '', scope: bitnamiScope(valid.metadata) };
  const template = valid.spec.template;
  if (valid.spec.data !== undefined) return unsealDeprecated(valid, keyring, where, options);

  const values = new Map<string, Uint8Array>();
  let prefer: string | undefined;
  for (const [key, value] of Object.entries(valid.spec.encryptedData)) {
    const opened = withField(field('spec.encryptedData', key), () => openBitnamiValueWithKey(value, keyring, where, prefer ? { preferKey: prefer } : {}));
    prefer = opened.key.fingerprint;
    values.set(key, opened.plaintext);
  }
  const data: Record<string, string> = {};
  for (const [key, value] of values) setOwn(data, key, toBase64(value));
  for (const [key, source] of Object.entries(template?.data ?? {})) {
    const what = field('spec.template.data', key);
    setOwn(data, key, toBase64(renderTemplate(parseTemplate(source, what), values)));
  }
  for (const v of values.values()) v.fill(0);
  return secretFromTemplate(valid, sortKeys(data));
}

function secretFromTemplate(valid: BitnamiSealedSecretManifest, data: Record<string, string>): SecretManifest {
  const template = valid.spec.template;
  const metadata: ObjectMeta = { name: valid.metadata.name };
  if (valid.metadata.namespace !== undefined) metadata.namespace = valid.metadata.namespace;
  const labels = template?.metadata?.labels;
  const annotations = template?.metadata?.annotations;
  if (labels && Object.keys(labels).length > 0) metadata.labels = { ...labels };
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
  const secret: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata };
  if (template?.type !== undefined) secret.type = template.type;
  if (template?.immutable !== undefined) secret.immutable = template.immutable;
  secret.data = data;
  return secret;
}

function unsealDeprecated(valid: BitnamiSealedSecretManifest, keyring: BitnamiKeyring, where: BitnamiLocation, options: BitnamiUnsealOptions): SecretManifest {
  if (options.acceptDeprecatedData === false) {
    throw new BadInputError('spec.data: the deprecated whole-Secret field is not accepted here; seal the Secret again (values go in spec.encryptedData)');
  }
  if (Object.keys(valid.spec.encryptedData).length > 0) {
    throw new BadInputError("cannot use the field 'encryptedData' and the deprecated field 'data' at the same time");
  }
  const plaintext = withField('spec.data', () => openBitnamiValueWithKey(valid.spec.data as string, keyring, where).plaintext);
  let inner: unknown;
  try {
    inner = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    throw new BadInputError('spec.data: the opened value is not a JSON Secret');
  } finally {
    plaintext.fill(0);
  }
  if (!isPlainObject(inner)) throw new BadInputError('spec.data: the opened value is not a JSON Secret');
  const innerMeta = isPlainObject(inner.metadata) ? inner.metadata : {};
  // Name and namespace are where the SealedSecret is, whatever the sealed document says (as Bitnami does).
  const secret = validateSecret({ ...inner, apiVersion: 'v1', kind: 'Secret', metadata: { ...innerMeta, name: valid.metadata.name, namespace: valid.metadata.namespace } });
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secretValues(secret))) setOwn(data, key, toBase64(value));
  const metadata: ObjectMeta = { name: valid.metadata.name };
  if (valid.metadata.namespace !== undefined) metadata.namespace = valid.metadata.namespace;
  if (secret.metadata.labels) metadata.labels = secret.metadata.labels;
  if (secret.metadata.annotations) metadata.annotations = secret.metadata.annotations;
  const out: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata };
  if (secret.type !== undefined) out.type = secret.type;
  if (secret.immutable !== undefined) out.immutable = secret.immutable;
  out.data = sortKeys(data);
  return out;
}

// ---------------------------------------------------------------------------------------------
// migration

export interface BitnamiToSealkitOptions {
  /** sealkit recipients (X25519 public keys) to seal to. */
  recipients: readonly Uint8Array[];
  random?: RandomSource;
}

/**
 * Converts a Bitnami SealedSecret into the sealkit SealedSecret that yields the same Secret: the
 * values are opened here (so this runs where the keys are: inside the cluster) and sealed again
 * for `recipients` with the same scope. The template keeps the Secret's labels, annotations, type
 * and immutable; `spec.template.data` keys become ordinary sealed values (their rendered result).
 * The SealedSecret's own labels and annotations are kept, minus the Bitnami scope annotations.
 */
export function bitnamiToSealkit(sealed: BitnamiSealedSecretManifest, keyring: BitnamiKeyring, options: BitnamiToSealkitOptions): SealedSecretManifest {
  const valid = validateBitnamiSealedSecret(sealed);
  const scope = bitnamiScope(valid.metadata);
  const secret = unsealBitnamiSealedSecret(valid, keyring);
  try {
    if (scope !== 'cluster' && valid.metadata.namespace === undefined) {
      throw new BadInputError(`metadata.namespace is required: the SealedSecret is ${scope === 'strict' ? 'strict' : 'namespace-wide'}`);
    }
    const converted = sealSecret(secret, { recipients: options.recipients, scope, ...(options.random ? { random: options.random } : {}) });
    const labels = valid.metadata.labels;
    const annotations: Record<string, string> = { ...valid.metadata.annotations };
    delete annotations[BITNAMI_ANNOTATIONS.clusterWide];
    delete annotations[BITNAMI_ANNOTATIONS.namespaceWide];
    for (const a of LAST_APPLIED_ANNOTATIONS) delete annotations[a];
    annotations[SCOPE_ANNOTATION] = scope;
    const metadata: ObjectMeta = { name: converted.metadata.name };
    if (converted.metadata.namespace !== undefined) metadata.namespace = converted.metadata.namespace;
    if (labels && Object.keys(labels).length > 0) metadata.labels = sortKeys(labels);
    metadata.annotations = sortKeys(annotations);
    return { apiVersion: SEALED_SECRET_API_VERSION, kind: 'SealedSecret', metadata, spec: converted.spec };
  } finally {
    // The plaintext copies (base64) cannot be wiped in place; drop the reference at least.
    secret.data = {};
  }
}

