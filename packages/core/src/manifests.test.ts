import { describe, expect, it } from 'vitest';
import { BadInputError, ScopeMismatchError, UnknownKeyIdError, UnknownVersionError } from './errors.js';
import { Unsealer, inspectValue } from './format.js';
import { Keyring, generateKeyPair, keyId } from './keys.js';
import {
  API_GROUP,
  MANAGED_BY_LABEL,
  SCOPE_ANNOTATION,
  SEALED_SECRET_API_VERSION,
  isSecretKey,
  mergeIntoSealedSecret,
  sealSecret,
  secretValues,
  unsealSealedSecret,
  validateSealedSecret,
  validateSecret,
  type SealedSecretManifest,
  type SecretManifest,
} from './manifests.js';
import { counterRandom, expectError, replay } from './test-helpers.js';

const cluster = generateKeyPair(counterRandom(1));
const other = generateKeyPair(counterRandom(2));
const unsealer = new Unsealer(new Keyring([cluster]));
const seal = { recipients: [cluster.publicKey], scope: 'strict' } as const;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const PLAINTEXT = 'S3cr3t-Pl4intext-7c1';
const LAST_APPLIED = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', stringData: { password: PLAINTEXT } });

/** What `kubectl get secret db -o json` returns for a Secret created with kubectl apply. */
function kubectlSecret(): SecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: 'prod',
      uid: '0c5d3f6e-1111-2222-3333-444455556666',
      resourceVersion: '918273',
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u' }],
      selfLink: '/api/v1/namespaces/prod/secrets/db',
      labels: { 'app.kubernetes.io/name': 'db', tier: 'backend' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': LAST_APPLIED, 'argocd.argoproj.io/sync-wave': '-1' },
    },
    type: 'kubernetes.io/basic-auth',
    immutable: true,
    data: { username: b64('admin'), password: b64(PLAINTEXT) },
  };
}

describe('constants', () => {
  it('match the CRD', () => {
    expect(API_GROUP).toBe('sealkit.dev');
    expect(SEALED_SECRET_API_VERSION).toBe(`${API_GROUP}/v1alpha1`);
    expect(SCOPE_ANNOTATION).toBe('sealkit.dev/scope');
    expect(MANAGED_BY_LABEL).toBe('app.kubernetes.io/managed-by');
  });
});

describe('validateSecret', () => {
  it('accepts a kubectl Secret and returns a normalized copy', () => {
    const input = kubectlSecret();
    const valid = validateSecret(input);
    expect(valid).not.toBe(input);
    expect(Object.keys(valid.data!)).toEqual(['password', 'username']);
    expect(valid.metadata.uid).toBe('0c5d3f6e-1111-2222-3333-444455556666');
    expect(valid.type).toBe('kubernetes.io/basic-auth');
    expect(valid.immutable).toBe(true);
  });

  it('accepts null maps (an empty `data:` in YAML) and drops them', () => {
    const valid = validateSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', labels: null }, data: null, stringData: null, type: null });
    expect(valid).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
  });

  it('accepts base64 wrapped over lines, as the API server does', () => {
    const wrapped = `${b64('a'.repeat(60)).slice(0, 40)}\n${b64('a'.repeat(60)).slice(40)}`;
    expect(secretValues(validateSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { k: wrapped } })).k).toEqual(
      new TextEncoder().encode('a'.repeat(60)),
    );
  });

  const bad: [string, unknown, string][] = [
    ['not an object', 'apiVersion: v1', 'expected a Secret object, got a string'],
    ['an array', [], 'expected a Secret object, got an array'],
    ['another kind', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'kind must be "Secret", got "ConfigMap"'],
    ['a SealedSecret', { apiVersion: SEALED_SECRET_API_VERSION, kind: 'SealedSecret', metadata: { name: 'x' } }, 'kind must be "Secret", got "SealedSecret"'],
    ['wrong apiVersion', { apiVersion: 'v2', kind: 'Secret', metadata: { name: 'x' } }, 'apiVersion must be "v1" for a Secret, got "v2"'],
    ['no metadata', { apiVersion: 'v1', kind: 'Secret' }, 'metadata must be an object, got nothing'],
    ['no name', { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'prod' } }, 'metadata.name is required'],
    ['generateName only', { apiVersion: 'v1', kind: 'Secret', metadata: { generateName: 'db-' } }, 'metadata.name is required'],
    ['invalid name', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'DB' } }, 'metadata.name "DB" is not a valid Kubernetes object name'],
    ['invalid namespace', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'a.b' } }, 'metadata.namespace "a.b" is not a valid Kubernetes namespace'],
    ['label value not a string', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', labels: { tier: 3 } } }, 'metadata.labels.tier must be a string, got a number'],
    ['annotations a list', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', annotations: ['a'] } }, 'metadata.annotations must be a map of strings, got an array'],
    ['bad base64 in data', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: `${PLAINTEXT}!` } }, 'data.password is not valid base64'],
    ['data value a number', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { port: 5432 } }, 'data.port must be a string, got a number'],
    ['invalid data key', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { 'my key': b64('x') } }, 'data["my key"]: "my key" is not a valid Secret key'],
    ['stringData value an object', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { a: {} } }, 'stringData.a must be a string, got an object'],
    ['type a number', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 1 }, 'type must be a non-empty string'],
    ['immutable a string', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, immutable: 'yes' }, 'immutable must be true or false'],
  ];
  it.each(bad)('%s -> BadInputError naming the field', (_name, input, message) => {
    const error = expectError(() => validateSecret(input), BadInputError);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(PLAINTEXT);
  });
});

describe('secretValues', () => {
  it('decodes data, encodes stringData as UTF-8, and stringData wins', () => {
    const values = secretValues({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { a: b64('from-data'), b: b64('b') }, stringData: { a: 'from-stringData ✓' } });
    expect(Object.keys(values)).toEqual(['a', 'b']);
    expect(new TextDecoder().decode(values.a)).toBe('from-stringData ✓');
    expect(new TextDecoder().decode(values.b)).toBe('b');
  });

  it('names the key with invalid base64', () => {
    expect(expectError(() => secretValues({ apiVersion: 'v1', kind: 'Secret', metadata: {}, data: { 'tls.key': '***' } }), BadInputError).message).toContain('data.tls.key is not valid base64');
  });
});

describe('sealSecret', () => {
  it('seals data and stringData, keeps labels/annotations/type/immutable, drops last-applied and server fields', () => {
    const input = kubectlSecret();
    input.stringData = { extra: 'x' };
    const sealed = sealSecret(input, seal);
    expect(sealed.apiVersion).toBe('sealkit.dev/v1alpha1');
    expect(sealed.kind).toBe('SealedSecret');
    expect(sealed.metadata).toEqual({ name: 'db', namespace: 'prod', annotations: { [SCOPE_ANNOTATION]: 'strict' } });
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['extra', 'password', 'username']);
    expect(sealed.spec.template).toEqual({
      metadata: { labels: { 'app.kubernetes.io/name': 'db', tier: 'backend' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      type: 'kubernetes.io/basic-auth',
      immutable: true,
    });
    const json = JSON.stringify(sealed);
    for (const leak of [PLAINTEXT, b64(PLAINTEXT), 'last-applied', '0c5d3f6e', '918273', 'managedFields', 'ownerReferences', 'selfLink', 'creationTimestamp', 'generation']) {
      expect(json).not.toContain(leak);
    }
    expect(input.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']).toBe(LAST_APPLIED); // input untouched
  });

  it('every value is bound strict to the Secret and opens back through unsealSealedSecret', () => {
    const sealed = sealSecret(kubectlSecret(), seal);
    for (const value of Object.values(sealed.spec.encryptedData)) {
      expect(inspectValue(value)).toEqual({ version: 1, scope: 'strict', namespace: 'prod', name: 'db', keyIds: [keyId(cluster.publicKey)] });
    }
    const secret = unsealSealedSecret(sealed, unsealer);
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'db', tier: 'backend' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      type: 'kubernetes.io/basic-auth',
      immutable: true,
      data: { password: b64(PLAINTEXT), username: b64('admin') },
    });
  });

  it('namespace scope binds the namespace only; cluster scope needs no namespace', () => {
    const ns = sealSecret(kubectlSecret(), { ...seal, scope: 'namespace' });
    expect(ns.metadata.annotations).toEqual({ [SCOPE_ANNOTATION]: 'namespace' });
    expect(inspectValue(ns.spec.encryptedData.password!)).toMatchObject({ scope: 'namespace', namespace: 'prod' });
    const renamed = { ...ns, metadata: { ...ns.metadata, name: 'db-copy' } };
    expect(unsealSealedSecret(renamed, unsealer).metadata.name).toBe('db-copy');

    const noNamespace: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shared' }, stringData: { k: 'v' } };
    const wide = sealSecret(noNamespace, { ...seal, scope: 'cluster' });
    expect(wide.metadata).toEqual({ name: 'shared', annotations: { [SCOPE_ANNOTATION]: 'cluster' } });
    expect(unsealSealedSecret({ ...wide, metadata: { ...wide.metadata, namespace: 'anywhere' } }, unsealer).data).toEqual({ k: b64('v') });
  });

  it('accepts the Bitnami scope spellings', () => {
    expect(sealSecret(kubectlSecret(), { ...seal, scope: 'namespace-wide' as never }).metadata.annotations![SCOPE_ANNOTATION]).toBe('namespace');
  });

  it('strict and namespace scopes need metadata.namespace', () => {
    const noNamespace: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { k: 'v' } };
    for (const scope of ['strict', 'namespace'] as const) {
      expect(expectError(() => sealSecret(noNamespace, { ...seal, scope }), BadInputError).message).toMatch(/^metadata\.namespace is required to seal with scope/);
    }
  });

  it('reports invalid base64 in data naming data.KEY, and bad options', () => {
    const input = kubectlSecret();
    input.data!.password = 'not base64!';
    expect(expectError(() => sealSecret(input, seal), BadInputError).message).toContain('data.password is not valid base64');
    expect(expectError(() => sealSecret(kubectlSecret(), { ...seal, scope: 'everywhere' as never }), BadInputError).message).toContain('scope must be one of');
    expect(expectError(() => sealSecret(kubectlSecret(), { ...seal, recipients: [] }), BadInputError).message).toContain('options.recipients is empty');
  });

  it('is deterministic with a fixed random source, and seals one Secret under one ephemeral key', () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 31) & 0xff);
    const one = sealSecret(kubectlSecret(), { ...seal, random: replay(bytes) });
    const two = sealSecret(kubectlSecret(), { ...seal, random: replay(bytes) });
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    const ephemeral = Object.values(one.spec.encryptedData).map((v) => Buffer.from(v, 'base64').subarray(11, 43).toString('hex'));
    expect(new Set(ephemeral).size).toBe(1);
  });

  it('seals an empty Secret to an empty encryptedData', () => {
    const sealed = sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'e', namespace: 'n' } }, seal);
    expect(sealed.spec).toEqual({ encryptedData: {}, template: {} });
    expect(unsealSealedSecret(sealed, unsealer).data).toEqual({});
    expectError(() => sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'e', namespace: 'n' } }, { ...seal, recipients: [] }), BadInputError);
  });
});

describe('validateSealedSecret', () => {
  const good = () => sealSecret(kubectlSecret(), seal);

  it('accepts what sealSecret writes, and keeps status', () => {
    const sealed = { ...good(), status: { observedGeneration: 2 } };
    expect(validateSealedSecret(sealed)).toEqual(sealed);
  });

  it('names the field of a malformed value, keeping the error class', () => {
    const sealed = good();
    sealed.spec.encryptedData.password = Buffer.from([9, 1, 2]).toString('base64');
    const error = expectError(() => validateSealedSecret(sealed), UnknownVersionError);
    expect(error.message).toMatch(/^spec\.encryptedData\.password: sealed value has format version 9/);
    sealed.spec.encryptedData.password = 'AQ==';
    expect(expectError(() => validateSealedSecret(sealed), BadInputError).message).toMatch(/^spec\.encryptedData\.password: /);
  });

  const bad: [string, (s: Record<string, unknown>) => void, string][] = [
    ['wrong kind', (s) => (s.kind = 'Secret'), 'kind must be "SealedSecret"'],
    ['Bitnami apiVersion', (s) => (s.apiVersion = 'bitnami.com/v1alpha1'), 'apiVersion must be "sealkit.dev/v1alpha1" for a SealedSecret, got "bitnami.com/v1alpha1"'],
    ['no spec', (s) => delete s.spec, 'spec must be an object'],
    ['no encryptedData', (s) => ((s.spec as Record<string, unknown>).encryptedData = undefined), 'spec.encryptedData is required'],
    ['value not a string', (s) => ((s.spec as { encryptedData: Record<string, unknown> }).encryptedData.password = 3), 'spec.encryptedData.password must be a string'],
    ['template type', (s) => ((s.spec as { template: Record<string, unknown> }).template.type = 7), 'spec.template.type must be a non-empty string'],
    ['template label', (s) => ((s.spec as { template: { metadata: { labels: Record<string, unknown> } } }).template.metadata.labels.tier = false), 'spec.template.metadata.labels.tier must be a string'],
    ['template immutable', (s) => ((s.spec as { template: Record<string, unknown> }).template.immutable = 'no'), 'spec.template.immutable must be true or false'],
  ];
  it.each(bad)('%s -> BadInputError naming the field', (_name, mutate, message) => {
    const sealed = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
    mutate(sealed);
    expect(expectError(() => validateSealedSecret(sealed), BadInputError).message).toContain(message);
  });
});

describe('mergeIntoSealedSecret', () => {
  const base = () => sealSecret(kubectlSecret(), seal);
  const update = (stringData: Record<string, string>, extra: Partial<SecretManifest> = {}): SecretManifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'prod' },
    stringData,
    ...extra,
  });

  it('adds and replaces keys; every other sealed value is unchanged byte for byte', () => {
    const existing = base();
    const before = JSON.parse(JSON.stringify(existing)) as SealedSecretManifest;
    const merged = mergeIntoSealedSecret(existing, update({ password: 'new-password', apiKey: 'k' }), seal);
    expect(Object.keys(merged.spec.encryptedData)).toEqual(['apiKey', 'password', 'username']);
    expect(merged.spec.encryptedData.username).toBe(existing.spec.encryptedData.username);
    expect(merged.spec.encryptedData.password).not.toBe(existing.spec.encryptedData.password);
    expect(existing).toEqual(before); // input not mutated
    expect(unsealSealedSecret(merged, unsealer).data).toEqual({ apiKey: b64('k'), password: b64('new-password'), username: b64('admin') });
  });

  it('keeps spec.deletionPolicy (a Retain SealedSecret stays Retain after a merge); validation refuses other values', () => {
    const existing = { ...base(), spec: { ...base().spec, deletionPolicy: 'Retain' as const } };
    expect(validateSealedSecret(existing).spec.deletionPolicy).toBe('Retain');
    expect(mergeIntoSealedSecret(existing, update({ k: 'v' }), seal).spec.deletionPolicy).toBe('Retain');
    expect(validateSealedSecret(base()).spec.deletionPolicy).toBeUndefined();
    expect(expectError(() => validateSealedSecret({ ...existing, spec: { ...existing.spec, deletionPolicy: 'Orphan' } }), BadInputError).message).toContain('spec.deletionPolicy');
  });

  it('keeps the template type/immutable and merges labels and annotations (the Secret wins)', () => {
    const merged = mergeIntoSealedSecret(
      base(),
      update({ k: 'v' }, { type: 'Opaque', immutable: false, metadata: { name: 'db', namespace: 'prod', labels: { tier: 'db', extra: 'yes' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } }),
      seal,
    );
    expect(merged.spec.template).toEqual({
      metadata: { labels: { 'app.kubernetes.io/name': 'db', extra: 'yes', tier: 'db' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      type: 'kubernetes.io/basic-auth',
      immutable: true,
    });
  });

  it('takes type/immutable from the Secret when the SealedSecret has none', () => {
    const existing = sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, stringData: { a: 'a' } }, seal);
    const merged = mergeIntoSealedSecret(existing, update({ b: 'b' }, { type: 'Opaque', immutable: true }), seal);
    expect(merged.spec.template).toEqual({ type: 'Opaque', immutable: true });
  });

  it('refuses another name, namespace or scope', () => {
    const existing = base();
    expect(expectError(() => mergeIntoSealedSecret(existing, { ...update({ k: 'v' }), metadata: { name: 'other', namespace: 'prod' } }, seal), BadInputError).message).toContain(
      'the Secret is named "other" but the SealedSecret "db"',
    );
    expect(expectError(() => mergeIntoSealedSecret(existing, { ...update({ k: 'v' }), metadata: { name: 'db', namespace: 'dev' } }, seal), BadInputError).message).toContain(
      'namespace "dev" but the SealedSecret in "prod"',
    );
    expect(expectError(() => mergeIntoSealedSecret(existing, update({ k: 'v' }), { ...seal, scope: 'namespace' }), BadInputError).message).toContain(
      'spec.encryptedData.password is sealed with scope strict, not namespace',
    );
  });

  it('refuses a SealedSecret whose values are sealed for another place (moved by hand)', () => {
    const moved = base();
    moved.metadata.name = 'db2';
    expect(expectError(() => mergeIntoSealedSecret(moved, { ...update({ k: 'v' }), metadata: { name: 'db2', namespace: 'prod' } }, seal), BadInputError).message).toContain(
      'is sealed for "prod/db", which is not where this SealedSecret is',
    );
  });

  it('merges cluster-wide values when the Secret has no namespace', () => {
    const existing = sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shared', namespace: 'ops' }, stringData: { a: 'a' } }, { ...seal, scope: 'cluster' });
    const merged = mergeIntoSealedSecret(existing, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shared' }, stringData: { b: 'b' } }, { ...seal, scope: 'cluster' });
    expect(merged.metadata.namespace).toBe('ops');
    expect(unsealSealedSecret(merged, unsealer).data).toEqual({ a: b64('a'), b: b64('b') });
  });

  it('an empty SealedSecret takes the scope of the annotation', () => {
    const existing = sealSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' } }, { ...seal, scope: 'namespace' });
    expect(expectError(() => mergeIntoSealedSecret(existing, update({ k: 'v' }), seal), BadInputError).message).toContain('annotated sealkit.dev/scope: namespace, not strict');
    expect(Object.keys(mergeIntoSealedSecret(existing, update({ k: 'v' }), { ...seal, scope: 'namespace' }).spec.encryptedData)).toEqual(['k']);
  });
});

describe('unsealSealedSecret', () => {
  it('a SealedSecret moved to another name fails with ScopeMismatchError naming the key', () => {
    const sealed = sealSecret(kubectlSecret(), seal);
    sealed.metadata.name = 'db-copy';
    const error = expectError(() => unsealSealedSecret(sealed, unsealer), ScopeMismatchError);
    expect(error.message).toMatch(/^spec\.encryptedData\.password: scope mismatch: the value is sealed strict to "prod\/db" but was found at "prod\/db-copy"/);
  });

  it('a SealedSecret for another cluster fails with UnknownKeyIdError carrying the key ids', () => {
    const sealed = sealSecret(kubectlSecret(), { ...seal, recipients: [other.publicKey] });
    const error = expectError(() => unsealSealedSecret(sealed, unsealer), UnknownKeyIdError);
    expect(error.keyIds).toEqual([keyId(other.publicKey)]);
    expect(error.message).toMatch(/^spec\.encryptedData\.password: no private key/);
  });

  it('a SealedSecret without a namespace cannot open strict values', () => {
    const sealed = sealSecret(kubectlSecret(), seal);
    delete sealed.metadata.namespace;
    expectError(() => unsealSealedSecret(sealed, unsealer), ScopeMismatchError);
  });
});

describe('isSecretKey', () => {
  it('follows Kubernetes IsConfigMapKey', () => {
    for (const key of ['password', 'tls.crt', 'A-b_c.9', '.env', 'a..b', 'x'.repeat(253)]) expect(isSecretKey(key), key).toBe(true);
    for (const key of ['', '.', '..', '..x', 'a b', 'a/b', 'ü', 'x'.repeat(254), 5, undefined]) expect(isSecretKey(key), String(key)).toBe(false);
  });
});
