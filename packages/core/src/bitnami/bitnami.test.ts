// Bitnami compatibility in core: vectors sealed by the real kubeseal (testdata/README.md) open here,
// what we seal opens with an independent decryptor written from the format description, and
// every failure is the typed error the docs promise.
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadInputError,
  BITNAMI_ANNOTATIONS,
  BitnamiKeyring,
  CertificateExpiredError,
  ScopeMismatchError,
  UnknownKeyIdError,
  bitnamiFingerprint,
  bitnamiKeyFromSecret,
  bitnamiLabel,
  bitnamiScope,
  bitnamiToSealkit,
  decodeBitnamiKeyBackup,
  decodeBitnamiPrivateKeysPem,
  generateKeyPair,
  inspectBitnamiValue,
  inspectValue,
  isBitnamiValue,
  isBitnamiKeySecret,
  Keyring,
  openBitnamiValue,
  openBitnamiValueWithKey,
  parseBitnamiCertificate,
  sealBitnamiSecret,
  sealBitnamiValue,
  sealValue,
  unsealBitnamiSealedSecret,
  unsealSealedSecret,
  Unsealer,
  validateBitnamiSealedSecret,
  type BitnamiPrivateKey,
  type BitnamiSealedSecretManifest,
  type Scope,
} from '../index.js';

interface Vectors {
  keys: Record<string, { bits: number; fingerprint: string; privateKeyPem: string; certificatePem: string }>;
  values: { key: string; scope: string; namespace: string; name: string; plaintextHex: string; sealed: string }[];
  manifests: { key: string; scope: string; format: 'json' | 'yaml'; text: string }[];
}

const vectors = JSON.parse(readFileSync(new URL('./testdata/vectors.json', import.meta.url), 'utf8')) as Vectors;
const SCOPE: Record<string, Scope> = { strict: 'strict', 'namespace-wide': 'namespace', 'cluster-wide': 'cluster' };
const key = (name: string): BitnamiPrivateKey => decodeBitnamiPrivateKeysPem(vectors.keys[name]!.privateKeyPem)[0]!;
const k2048 = key('rsa2048');
const k4096 = key('rsa4096');
const both = () => new BitnamiKeyring([k2048, k4096]);
const cert2048 = parseBitnamiCertificate(vectors.keys.rsa2048!.certificatePem);
const cert4096 = parseBitnamiCertificate(vectors.keys.rsa4096!.certificatePem);
const utf8 = (s: string) => new TextEncoder().encode(s);
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** An independent decryptor, written from docs/format.md only (no sealkit code). */
function referenceOpen(sealedB64: string, privateKeyPem: string, label: string): Buffer {
  const raw = Buffer.from(sealedB64, 'base64');
  const n = raw.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    raw.subarray(2, 2 + n),
  );
  const body = raw.subarray(2 + n);
  const d = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  d.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
}

function labelOf(scope: Scope, ns: string, name: string) {
  return scope === 'cluster' ? '' : scope === 'namespace' ? ns : `${ns}/${name}`;
}

describe('kubeseal vectors', () => {
  it('covers both key sizes, every scope, text/binary/empty values', () => {
    expect(vectors.values.length).toBe(18);
    expect(new Set(vectors.values.map((v) => `${v.key}/${v.scope}`)).size).toBe(6);
  });

  it.each(vectors.values.map((v, i) => [i, v.key, v.scope, v] as const))('value %i (%s, %s) opens to its plaintext', (_i, _k, _s, v) => {
    const where = { namespace: v.namespace, name: v.name, scope: SCOPE[v.scope]! };
    const opened = openBitnamiValueWithKey(v.sealed, both(), where);
    expect(Buffer.from(opened.plaintext).toString('hex')).toBe(v.plaintextHex);
    expect(opened.key.fingerprint).toBe(vectors.keys[v.key]!.fingerprint);
    expect(inspectBitnamiValue(v.sealed)).toEqual({ keyBits: vectors.keys[v.key]!.bits, plaintextLength: v.plaintextHex.length / 2 });
    expect(isBitnamiValue(v.sealed)).toBe(true);
  });

  it('4096-bit values start "Ag", 2048-bit ones "AQ" (the uint16 length prefix)', () => {
    for (const v of vectors.values) expect(v.sealed.slice(0, 2)).toBe(v.key === 'rsa4096' ? 'Ag' : 'AQ');
  });

  it('fingerprints are what ssh-keygen (and the Bitnami controller) print', () => {
    expect(k2048.fingerprint).toBe(vectors.keys.rsa2048!.fingerprint);
    expect(k4096.fingerprint).toBe(vectors.keys.rsa4096!.fingerprint);
    expect(cert4096.fingerprint).toBe(k4096.fingerprint);
    expect(bitnamiFingerprint(k2048.privateKey)).toBe(k2048.fingerprint);
    expect(cert2048.modulusLength).toBe(2048);
    expect(cert4096.modulusLength).toBe(4096);
  });

  it.each(vectors.manifests.filter((m) => m.format === 'json').map((m) => [m.key, m.scope, m] as const))(
    'manifest (%s, %s) unseals to the input Secret, minus last-applied',
    (_k, scope, m) => {
      const sealed = JSON.parse(m.text) as BitnamiSealedSecretManifest;
      expect(bitnamiScope(sealed.metadata)).toBe(SCOPE[scope]);
      const secret = unsealBitnamiSealedSecret(sealed, both());
      expect(secret.metadata.name).toBe('db');
      expect(secret.metadata.namespace).toBe('prod');
      expect(secret.type).toBe('Opaque');
      expect(secret.metadata.labels).toEqual({ app: 'db' });
      expect(secret.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('1');
      expect(secret.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
      expect(Object.keys(secret.data ?? {})).toEqual(['binary', 'password', 'user']);
      expect(Buffer.from(secret.data!.binary!, 'base64').toString('hex')).toBe('00fffe2062696e61727920' + '80');
      expect(Buffer.from(secret.data!.password!, 'base64').toString()).toBe('correct horse battery staple');
      // kubeseal copies --scope into the template too: the Secret carries the annotation.
      if (scope !== 'strict') expect(secret.metadata.annotations?.[`sealedsecrets.bitnami.com/${scope}`]).toBe('true');
    },
  );
});

describe('sealing', () => {
  it.each([
    ['rsa2048', 'strict'],
    ['rsa2048', 'namespace'],
    ['rsa4096', 'cluster'],
  ] as const)('%s %s: an independent decryptor opens it with the label of the scope', (name, scope) => {
    const cert = parseBitnamiCertificate(vectors.keys[name]!.certificatePem);
    const sealed = sealBitnamiValue(utf8('s3cr3t'), { publicKey: cert.publicKey, scope, namespace: 'prod', name: 'db' });
    expect(referenceOpen(sealed, vectors.keys[name]!.privateKeyPem, labelOf(scope, 'prod', 'db')).toString()).toBe('s3cr3t');
    expect(() => referenceOpen(sealed, vectors.keys[name]!.privateKeyPem, 'prod/other')).toThrow();
  });

  it('labels are ns/name, ns and empty, and the location is validated', () => {
    expect(bitnamiLabel('strict', 'prod', 'db')).toBe('prod/db');
    expect(bitnamiLabel('namespace', 'prod')).toBe('prod');
    expect(bitnamiLabel('cluster')).toBe('');
    expect(() => bitnamiLabel('strict', 'prod')).toThrow(BadInputError);
    expect(() => bitnamiLabel('namespace', 'Prod')).toThrow(BadInputError);
  });

  it('each value gets a fresh session key (no two ciphertexts alike)', () => {
    const opts = { publicKey: cert2048.publicKey, scope: 'cluster' as const };
    expect(sealBitnamiValue(utf8('x'), opts)).not.toBe(sealBitnamiValue(utf8('x'), opts));
  });

  it('sealBitnamiSecret writes what kubeseal writes (structure and key order of its JSON)', () => {
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide']) {
      const theirs = vectors.manifests.find((m) => m.key === 'rsa2048' && m.scope === scope && m.format === 'json')!;
      const secret = {
        apiVersion: 'v1' as const,
        kind: 'Secret' as const,
        metadata: {
          name: 'db',
          namespace: 'prod',
          labels: { app: 'db' },
          annotations: { 'argocd.argoproj.io/sync-wave': '1', 'kubectl.kubernetes.io/last-applied-configuration': '{"plaintext":"x"}' },
        },
        type: 'Opaque',
        data: { binary: 'AP/+IGJpbmFyeSCA' },
        stringData: { password: 'correct horse battery staple', user: 'admin' },
      };
      const ours = sealBitnamiSecret(secret, { publicKey: cert2048.publicKey, scope: SCOPE[scope]! });
      const blank = (text: string) => text.replace(/"(A[QgA-Za-z0-9+/]{40,}={0,2})"/g, '"<sealed>"');
      expect(blank(JSON.stringify(ours, null, 2) + '\n')).toBe(blank(theirs.text));
      expect(unsealBitnamiSealedSecret(ours, both()).data?.password).toBe(b64(utf8('correct horse battery staple')));
    }
  });

  it('takes the scope from the Secret annotations when no option is given (cluster-wide wins)', () => {
    const secret = {
      apiVersion: 'v1' as const,
      kind: 'Secret' as const,
      metadata: { name: 'a', annotations: { [BITNAMI_ANNOTATIONS.clusterWide]: 'true', [BITNAMI_ANNOTATIONS.namespaceWide]: 'true' } },
      stringData: { k: 'v' },
    };
    const sealed = sealBitnamiSecret(secret, { publicKey: cert2048.publicKey });
    expect(sealed.metadata).toEqual({ name: 'a', annotations: { [BITNAMI_ANNOTATIONS.clusterWide]: 'true' } });
    expect(openBitnamiValue(sealed.spec.encryptedData.k!, both(), { namespace: 'any', name: 'thing', scope: 'cluster' })).toEqual(utf8('v'));
  });

  it('refuses strict/namespace scope without a namespace', () => {
    const secret = { apiVersion: 'v1' as const, kind: 'Secret' as const, metadata: { name: 'a' }, stringData: { k: 'v' } };
    expect(() => sealBitnamiSecret(secret, { publicKey: cert2048.publicKey })).toThrow(/namespace is required/);
  });
});

describe('opening failures', () => {
  const v = vectors.values.find((x) => x.key === 'rsa4096' && x.scope === 'strict' && x.plaintextHex !== '')!;
  const here = { namespace: 'prod', name: 'db', scope: 'strict' as const };

  it('a value moved to another name fails: no key opens it there', () => {
    expect(() => openBitnamiValue(v.sealed, both(), { ...here, name: 'other' })).toThrow(UnknownKeyIdError);
  });

  it('wrong annotations are diagnosed as a scope mismatch', () => {
    const err = (() => {
      try {
        openBitnamiValue(v.sealed, both(), { ...here, scope: 'cluster' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ScopeMismatchError);
    expect(String((err as Error).message)).toMatch(/sealed strict to "prod\/db".*cluster-wide/);
    expect(() => openBitnamiValue(v.sealed, both(), { ...here, scope: 'cluster' }, { diagnose: false })).toThrow(UnknownKeyIdError);
  });

  it('a key of another size is not even tried', () => {
    const err = (() => {
      try {
        openBitnamiValue(v.sealed, new BitnamiKeyring([k2048]), here);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UnknownKeyIdError);
    expect(err?.message).toMatch(/RSA-4096 key and the keyring holds only RSA-2048/);
  });

  it('a flipped payload bit is an AuthenticationError; a flipped RSA bit means no key opens it', () => {
    const raw = Buffer.from(v.sealed, 'base64');
    const payload = Buffer.from(raw);
    payload[payload.length - 1]! ^= 1;
    expect(() => openBitnamiValue(payload.toString('base64'), both(), here)).toThrow(AuthenticationError);
    const rsa = Buffer.from(raw);
    rsa[10]! ^= 1;
    expect(() => openBitnamiValue(rsa.toString('base64'), both(), here, { diagnose: false })).toThrow(UnknownKeyIdError);
  });

  it('truncated or non-base64 input is a BadInputError', () => {
    const raw = Buffer.from(v.sealed, 'base64');
    expect(() => openBitnamiValue(raw.subarray(0, 300).toString('base64'), both(), here)).toThrow(BadInputError);
    expect(() => openBitnamiValue('AA==', both(), here)).toThrow(BadInputError);
    expect(() => openBitnamiValue('not base64!', both(), here)).toThrow(BadInputError);
  });

  it('sealkit values are told apart from Bitnami values', () => {
    const pair = generateKeyPair();
    const ours = sealValue(utf8('x'), { recipients: [pair.publicKey], scope: 'cluster' });
    expect(isBitnamiValue(ours)).toBe(false);
    expect(inspectValue(ours).version).toBe(1);
    expect(() => inspectValue(v.sealed)).toThrow();
    // And sealkit's opener never mistakes a Bitnami value for one of its own.
    expect(() => new Unsealer(new Keyring([pair])).open(v.sealed, here)).toThrow();
  });
});

describe('keyring order', () => {
  it('tries the key that opened last, and a preferred key first', () => {
    const ring = both();
    const v2048 = vectors.values.find((x) => x.key === 'rsa2048' && x.scope === 'cluster-wide')!;
    openBitnamiValue(v2048.sealed, ring, { namespace: 'x', name: 'y', scope: 'cluster' });
    expect(ring.fingerprints()[0]).toBe(k2048.fingerprint);
  });

  it('with several keys of one size, the preferred key is tried first', () => {
    const extra = decodeBitnamiPrivateKeysPem(
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    )[0]!;
    const ring = new BitnamiKeyring([extra, k2048]);
    const v = vectors.values.find((x) => x.key === 'rsa2048' && x.scope === 'cluster-wide')!;
    const opened = openBitnamiValueWithKey(v.sealed, ring, { namespace: 'x', name: 'y', scope: 'cluster' }, { preferKey: k2048.fingerprint });
    expect(opened.key).toBe(k2048);
    expect(ring.fingerprints()).toEqual([k2048.fingerprint, extra.fingerprint]);
  });
});

describe('keys', () => {
  const secretFor = (name: string, pem: string, crt: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: 'kube-system', labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } },
    data: { 'tls.key': b64(utf8(pem)), 'tls.crt': b64(utf8(crt)) },
  });
  const s2048 = secretFor('sealed-secrets-keyabc', vectors.keys.rsa2048!.privateKeyPem, vectors.keys.rsa2048!.certificatePem);
  const s4096 = secretFor('sealed-secrets-keydef', vectors.keys.rsa4096!.privateKeyPem, vectors.keys.rsa4096!.certificatePem);

  it('reads a key Secret, with its certificate notBefore', () => {
    expect(isBitnamiKeySecret(s2048)).toBe(true);
    const k = bitnamiKeyFromSecret(s2048);
    expect(k.fingerprint).toBe(k2048.fingerprint);
    expect(k.source).toBe('kube-system/sealed-secrets-keyabc');
    expect(k.notBefore?.getTime()).toBe(cert2048.notBefore.getTime());
  });

  it('reads a v1 List backup (kubectl get secret -o yaml) and a plain array', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [s2048, s4096], metadata: { resourceVersion: '' } };
    expect(decodeBitnamiKeyBackup(list).map((k) => k.fingerprint)).toEqual([k2048.fingerprint, k4096.fingerprint]);
    expect(decodeBitnamiKeyBackup([s4096]).map((k) => k.modulusLength)).toEqual([4096]);
    expect(() => decodeBitnamiKeyBackup({ apiVersion: 'v1', kind: 'List', items: [] })).toThrow(/no key Secrets/);
    expect(() => decodeBitnamiKeyBackup({ kind: 'ConfigMap' })).toThrow(BadInputError);
  });

  it('newest() is the key whose certificate is newest', () => {
    const ring = new BitnamiKeyring(decodeBitnamiKeyBackup([s2048, s4096]));
    const expected = cert2048.notBefore > cert4096.notBefore ? k2048 : k4096;
    expect(ring.newest()?.fingerprint).toBe(expected.fingerprint);
  });

  it('reads PKCS#8 too, several blocks per file, and refuses what is not a private key', () => {
    const pkcs8 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(decodeBitnamiPrivateKeysPem(pkcs8 + vectors.keys.rsa2048!.privateKeyPem)).toHaveLength(2);
    expect(() => decodeBitnamiPrivateKeysPem(vectors.keys.rsa2048!.certificatePem)).toThrow(/certificate or public key/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => decodeBitnamiPrivateKeysPem(ed)).toThrow(/ed25519 key; Bitnami Sealed Secrets keys are RSA/);
  });

  it('refuses an expired certificate, as kubeseal does, with the date', () => {
    const later = new Date(cert2048.notAfter.getTime() + 1000);
    const err = (() => {
      try {
        parseBitnamiCertificate(vectors.keys.rsa2048!.certificatePem, { now: later });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CertificateExpiredError);
    expect((err as CertificateExpiredError).code).toBe('certificate_expired');
    expect((err as Error).message).toMatch(/expired on \d{4}-\d\d-\d\d/);
  });

  it('reads a certificate made by the real Bitnami controller (v0.36.6: empty subject, RSA-4096, 10 years)', () => {
    const pem = readFileSync(new URL('./testdata/bitnami-controller-cert.pem', import.meta.url), 'utf8');
    const cert = parseBitnamiCertificate(pem);
    expect(cert.modulusLength).toBe(4096);
    expect(cert.subject).toBe('');
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeGreaterThan(9 * 365 * 86_400_000);
  });

  it('uses only the first certificate of a file, and explains other inputs', () => {
    const two = vectors.keys.rsa4096!.certificatePem + vectors.keys.rsa2048!.certificatePem;
    expect(parseBitnamiCertificate(two).modulusLength).toBe(4096);
    expect(() => parseBitnamiCertificate(vectors.keys.rsa2048!.privateKeyPem)).toThrow(/private key/);
    expect(() => parseBitnamiCertificate('hello')).toThrow(/BEGIN CERTIFICATE/);
  });
});

describe('manifests', () => {
  const sealedJson = JSON.parse(vectors.manifests.find((m) => m.key === 'rsa4096' && m.scope === 'strict' && m.format === 'json')!.text);

  it('validates apiVersion, names and value encoding', () => {
    expect(() => validateBitnamiSealedSecret({ ...sealedJson, apiVersion: 'sealkit.dev/v1alpha1' })).toThrow(/bitnami.com\/v1alpha1/);
    expect(() => validateBitnamiSealedSecret({ ...sealedJson, metadata: { name: 'Bad Name' } })).toThrow(/metadata.name/);
    expect(() => validateBitnamiSealedSecret({ ...sealedJson, spec: { encryptedData: { k: '!!' } } })).toThrow(/spec.encryptedData.k/);
  });

  it('reads the scope from the top-level annotations, not the template', () => {
    const moved = { ...sealedJson, metadata: { ...sealedJson.metadata, annotations: { [BITNAMI_ANNOTATIONS.clusterWide]: 'true' } } };
    expect(() => unsealBitnamiSealedSecret(moved, both())).toThrow(ScopeMismatchError);
  });

  it('names the failing key in the message', () => {
    const renamed = { ...sealedJson, metadata: { ...sealedJson.metadata, name: 'db2' } };
    expect(() => unsealBitnamiSealedSecret(renamed, both())).toThrow(/spec.encryptedData.binary: no key opens this value/);
  });

  it('renders template.data (the supported Go template subset)', () => {
    const sealed = sealBitnamiSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, stringData: { user: 'admin', password: 'pw', 'dash-key': 'd' } },
      { publicKey: cert2048.publicKey },
    );
    sealed.spec.template = {
      ...sealed.spec.template,
      data: {
        url: 'postgres://{{ .user }}:{{ index . "password" }}@db/{{ index . `dash-key` }}',
        trimmed: 'a   {{- .user -}}   b{{/* comment */}}',
        missing: '[{{ .nope }}][{{ index . "nope" }}]',
      },
    };
    const secret = unsealBitnamiSealedSecret(sealed, both());
    const text = (k: string) => Buffer.from(secret.data![k]!, 'base64').toString();
    expect(text('url')).toBe('postgres://admin:pw@db/d');
    expect(text('trimmed')).toBe('aadminb');
    expect(text('missing')).toBe('[<no value>][]');
    sealed.spec.template.data = { bad: '{{ .user | b64enc }}' };
    expect(() => unsealBitnamiSealedSecret(sealed, both())).toThrow(/spec.template.data.bad: .*does not evaluate/);
  });

  it('opens the deprecated spec.data (whole Secret as JSON)', () => {
    const inner = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'elsewhere', labels: { a: 'b' } }, type: 'Opaque', data: { k: b64(utf8('v')) } };
    const data = sealBitnamiValue(utf8(JSON.stringify(inner)), { publicKey: cert2048.publicKey, scope: 'strict', namespace: 'prod', name: 'old' });
    const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'old', namespace: 'prod' }, spec: { data, encryptedData: {} } };
    const secret = unsealBitnamiSealedSecret(sealed as never, both());
    expect(secret.metadata).toEqual({ name: 'old', namespace: 'prod', labels: { a: 'b' } });
    expect(secret.data).toEqual({ k: b64(utf8('v')) });
    expect(() => unsealBitnamiSealedSecret(sealed as never, both(), { acceptDeprecatedData: false })).toThrow(/deprecated/);
  });

  it('bitnamiToSealkit gives a sealkit SealedSecret that unseals to the same Secret', () => {
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide']) {
      const bitnami = JSON.parse(vectors.manifests.find((m) => m.key === 'rsa4096' && m.scope === scope && m.format === 'json')!.text);
      bitnami.metadata.labels = { team: 'a' };
      const pair = generateKeyPair();
      const converted = bitnamiToSealkit(bitnami, both(), { recipients: [pair.publicKey] });
      expect(converted.apiVersion).toBe('sealkit.dev/v1alpha1');
      expect(converted.metadata.labels).toEqual({ team: 'a' });
      expect(converted.metadata.annotations).toEqual({ 'sealkit.dev/scope': SCOPE[scope] });
      for (const value of Object.values(converted.spec.encryptedData)) expect(inspectValue(value).scope).toBe(SCOPE[scope]);
      const fromSealkit = unsealSealedSecret(converted, new Unsealer(new Keyring([pair])));
      const fromBitnami = unsealBitnamiSealedSecret(bitnami, both());
      expect(fromSealkit).toEqual(fromBitnami);
    }
  });
});
