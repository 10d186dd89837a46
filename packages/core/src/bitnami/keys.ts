/**
 * Bitnami Sealed Secrets keys: RSA key pairs, their X.509 certificates, the controller's key
 * Secrets and `kubectl get secret -o yaml` backups of them.
 *
 * - Sealing uses the public key of a PEM certificate (`kubeseal --fetch-cert`, `/v1/cert.pem`).
 *   Like kubeseal, only the first certificate of the file counts and an expired one is refused.
 * - Opening uses private keys: PEM (PKCS#1 `RSA PRIVATE KEY` as the controller writes them, or
 *   PKCS#8), or key Secrets (`type: kubernetes.io/tls`, `data["tls.key"]`), alone or in a v1 List.
 *
 * Bitnami values carry no key id. A key is named by its fingerprint, the one the Bitnami controller
 * logs and indexes its keys by: `SHA256:` + unpadded base64 of SHA-256 over the key in SSH wire
 * format (`ssh-keygen -l`), so `sealkit` output can be matched against Bitnami's logs.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { describeType, fromBase64Kubernetes } from '../bytes.js';
import { BadInputError } from '../errors.js';
import { BITNAMI_KEY_LABEL, BITNAMI_KEY_SECRET_TYPE } from './constants.js';

/** The certificate's validity period has ended (kubeseal refuses to seal with it too). */
export class CertificateExpiredError extends BadInputError {
  override readonly code: string = 'certificate_expired';
  /** When the certificate expired. */
  readonly notAfter: Date;

  constructor(notAfter: Date, message?: string, options?: ErrorOptions) {
    super(
      message ??
        `the certificate expired on ${notAfter.toISOString().slice(0, 10)}; sealing with it is refused (as kubeseal does): ` +
          'fetch the current certificate from the controller (kubeseal --fetch-cert, or GET /v1/cert.pem)',
      options,
    );
    this.notAfter = notAfter;
  }
}

/** A public key to seal Bitnami values to, from a certificate. */
export interface BitnamiCertificate {
  readonly publicKey: KeyObject;
  /** `SHA256:...`, as the Bitnami controller names its keys. */
  readonly fingerprint: string;
  /** RSA modulus length in bits (Bitnami's default is 4096). */
  readonly modulusLength: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Subject DN, for messages. */
  readonly subject: string;
}

/** A private key that opens Bitnami values. */
export interface BitnamiPrivateKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly fingerprint: string;
  readonly modulusLength: number;
  /** From a key Secret: the certificate's notBefore (Bitnami orders keys by it; newest seals). */
  readonly notBefore?: Date;
  /** From a key Secret: its namespace/name, for messages. */
  readonly source?: string;
}

// ---------------------------------------------------------------------------------------------
// fingerprints

function sshString(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** SSH mpint: big-endian two's complement, minimal, with a 0x00 prefix when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  let body = unsigned.subarray(start);
  if (((body[0] ?? 0) & 0x80) !== 0) body = Buffer.concat([Buffer.from([0]), body]);
  return sshString(body);
}

/** The Bitnami key name of an RSA public (or private) key: `SHA256:<base64, no padding>`. */
export function bitnamiFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new BadInputError(`key must be an RSA key, got ${publicKey.asymmetricKeyType ?? 'a non-asymmetric key'}`);
  }
  const jwk = publicKey.export({ format: 'jwk' });
  const wire = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e ?? '', 'base64url')),
    sshMpint(Buffer.from(jwk.n ?? '', 'base64url')),
  ]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

// ---------------------------------------------------------------------------------------------
// PEM

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** @internal The PEM blocks of a text, in order: label and the whole block text. */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  const out: { label: string; pem: string }[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) out.push({ label: m[1] as string, pem: m[0] });
  return out;
}

function toText(input: string | Uint8Array, what: string): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  throw new BadInputError(`${what} must be PEM text, got ${describeType(input)}`);
}

function rsaDetails(key: KeyObject, what: string): number {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new BadInputError(`${what} is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Bitnami Sealed Secrets keys are RSA`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (typeof bits !== 'number' || bits < 1024 || bits % 8 !== 0) {
    throw new BadInputError(`${what}: unsupported RSA modulus length ${String(bits)}`);
  }
  return bits;
}

/**
 * Reads the public key to seal to from a PEM certificate, as kubeseal does: the first
 * CERTIFICATE block counts, it must hold an RSA key, and it must not have expired
 * (CertificateExpiredError). `now` is injectable for tests.
 */
export function parseBitnamiCertificate(pem: string | Uint8Array, options: { now?: Date } = {}): BitnamiCertificate {
  const text = toText(pem, 'certificate');
  const blocks = pemBlocks(text);
  const first = blocks.find((b) => b.label === 'CERTIFICATE');
  if (first === undefined) {
    if (blocks.some((b) => b.label.endsWith('PRIVATE KEY'))) {
      throw new BadInputError('this is a private key; seal with the certificate (kubeseal --fetch-cert), the private key must stay in the cluster');
    }
    if (blocks.some((b) => b.label === 'PUBLIC KEY')) {
      throw new BadInputError('expected a Bitnami certificate (BEGIN CERTIFICATE), got a bare public key (a sealkit key? then seal without --format bitnami)');
    }
    throw new BadInputError('expected a PEM certificate (-----BEGIN CERTIFICATE-----), as served by the Bitnami controller at /v1/cert.pem');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first.pem);
  } catch {
    throw new BadInputError('the CERTIFICATE block is not a valid X.509 certificate');
  }
  const publicKey = cert.publicKey;
  const modulusLength = rsaDetails(publicKey, 'the certificate');
  const notAfter = cert.validToDate;
  const now = options.now ?? new Date();
  if (now.getTime() > notAfter.getTime()) throw new CertificateExpiredError(notAfter);
  return {
    publicKey,
    fingerprint: bitnamiFingerprint(publicKey),
    modulusLength,
    notBefore: cert.validFromDate,
    notAfter,
    subject: (cert.subject ?? '').replace(/\n/g, ', '),
  };
}

function privateKeyFromPem(pem: string, what: string, extra: { notBefore?: Date; source?: string } = {}): BitnamiPrivateKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(pem) || /Proc-Type: 4,ENCRYPTED/.test(pem);
    throw new BadInputError(`${what} is not a readable private key${encrypted ? ' (it is encrypted; decrypt it first, e.g. openssl rsa -in KEY)' : ''}`, {
      cause: err,
    });
  }
  const modulusLength = rsaDetails(privateKey, what);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: bitnamiFingerprint(publicKey), modulusLength, ...extra };
}

/**
 * Reads RSA private keys from PEM text: PKCS#1 (`RSA PRIVATE KEY`, as the Bitnami controller
 * writes `tls.key`) or PKCS#8 (`PRIVATE KEY`), one or several blocks. Other blocks (certificates)
 * are skipped; a text without a private key is a BadInputError.
 */
export function decodeBitnamiPrivateKeysPem(pem: string | Uint8Array, what = 'private key file'): BitnamiPrivateKey[] {
  const text = toText(pem, what);
  const blocks = pemBlocks(text).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (blocks.length === 0) {
    if (pemBlocks(text).some((b) => b.label === 'CERTIFICATE' || b.label === 'PUBLIC KEY')) {
      throw new BadInputError(`${what} holds a certificate or public key; opening needs the private key (tls.key of the controller's key Secret)`);
    }
    throw new BadInputError(`${what} holds no PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)`);
  }
  return blocks.map((b, i) => privateKeyFromPem(b.pem, blocks.length > 1 ? `${what}, key ${i + 1}` : what));
}

// ---------------------------------------------------------------------------------------------
// key Secrets and backups

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** True for a Secret that looks like a Bitnami controller key (type kubernetes.io/tls + the key label). */
export function isBitnamiKeySecret(obj: unknown): boolean {
  if (!isPlainObject(obj) || obj.kind !== 'Secret' || !isPlainObject(obj.metadata)) return false;
  const labels = obj.metadata.labels;
  return obj.type === BITNAMI_KEY_SECRET_TYPE && isPlainObject(labels) && typeof labels[BITNAMI_KEY_LABEL] === 'string';
}

/**
 * The private key of one Bitnami key Secret (`data["tls.key"]`, base64 of PEM). Like
 * `kubeseal --recovery-private-key`, neither the type nor the label is required, only the key;
 * `tls.crt`, when present, gives the key's notBefore (the controller seals with the newest).
 */
export function bitnamiKeyFromSecret(secret: unknown): BitnamiPrivateKey {
  if (!isPlainObject(secret) || secret.kind !== 'Secret') {
    throw new BadInputError(`expected a key Secret (kind: Secret), got ${isPlainObject(secret) ? `kind ${JSON.stringify(secret.kind)}` : describeType(secret)}`);
  }
  const meta = isPlainObject(secret.metadata) ? secret.metadata : {};
  const source = [meta.namespace, meta.name].filter((x): x is string => typeof x === 'string' && x !== '').join('/') || undefined;
  const what = `key Secret${source ? ` ${source}` : ''}`;
  const data = isPlainObject(secret.data) ? secret.data : undefined;
  const stringData = isPlainObject(secret.stringData) ? secret.stringData : undefined;
  let keyPem: string;
  if (data && typeof data['tls.key'] === 'string') {
    keyPem = Buffer.from(fromBase64Kubernetes(data['tls.key'], `${what}: data["tls.key"]`)).toString('utf8');
  } else if (stringData && typeof stringData['tls.key'] === 'string') {
    keyPem = stringData['tls.key'];
  } else {
    throw new BadInputError(`${what} has no data["tls.key"]`);
  }
  let notBefore: Date | undefined;
  const crt = data && typeof data['tls.crt'] === 'string' ? data['tls.crt'] : undefined;
  if (crt !== undefined) {
    try {
      const first = pemBlocks(Buffer.from(fromBase64Kubernetes(crt, 'tls.crt')).toString('utf8')).find((b) => b.label === 'CERTIFICATE');
      if (first) notBefore = new X509Certificate(first.pem).validFromDate;
    } catch {
      notBefore = undefined; // an unreadable certificate does not stop the key from opening values
    }
  }
  const blocks = pemBlocks(keyPem).filter((b) => b.label.endsWith('PRIVATE KEY'));
  const block = blocks[0];
  if (block === undefined) throw new BadInputError(`${what}: data["tls.key"] holds no PEM private key`);
  return privateKeyFromPem(block.pem, `${what}: data["tls.key"]`, {
    ...(notBefore ? { notBefore } : {}),
    ...(source ? { source } : {}),
  });
}

/**
 * The keys of a parsed backup: a key Secret, a v1 List (or SecretList) of them, or an array
 * of either, i.e. what `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`
 * writes. Non-Secret items are an error (a backup file should hold keys only).
 */
export function decodeBitnamiKeyBackup(obj: unknown): BitnamiPrivateKey[] {
  const out: BitnamiPrivateKey[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4) throw new BadInputError('key backup: lists nested too deeply');
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (isPlainObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
      if (!Array.isArray(value.items)) throw new BadInputError(`key backup: ${value.kind} has no items`);
      for (const item of value.items) visit(item, depth + 1);
      return;
    }
    out.push(bitnamiKeyFromSecret(value));
  };
  visit(obj, 0);
  if (out.length === 0) throw new BadInputError('key backup: no key Secrets found');
  return out;
}

// ---------------------------------------------------------------------------------------------
// keyring

/**
 * Bitnami private keys by fingerprint. Values say nothing about their key, so an opener tries
 * keys in turn; the keyring keeps them in "most recently useful first" order (`touch`), so in
 * a cluster where almost everything was sealed with one key, the first try usually succeeds.
 */
export class BitnamiKeyring {
  private readonly byFingerprint = new Map<string, BitnamiPrivateKey>();
  /** Most recently useful first. */
  private order: BitnamiPrivateKey[] = [];

  constructor(keys: Iterable<BitnamiPrivateKey> = []) {
    for (const key of keys) this.add(key);
  }

  /** Adds a key (a duplicate fingerprint replaces nothing) and returns its fingerprint. */
  add(key: BitnamiPrivateKey): string {
    if (!isPlainObject(key) || !(key.privateKey instanceof Object) || typeof key.fingerprint !== 'string') {
      throw new BadInputError('key must be a BitnamiPrivateKey (from decodeBitnamiPrivateKeysPem or bitnamiKeyFromSecret)');
    }
    if (!this.byFingerprint.has(key.fingerprint)) {
      this.byFingerprint.set(key.fingerprint, key);
      this.order.push(key);
    }
    return key.fingerprint;
  }

  get(fingerprint: string): BitnamiPrivateKey | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /** Fingerprints, most recently useful first. */
  fingerprints(): string[] {
    return this.order.map((k) => k.fingerprint);
  }

  /** Keys, most recently useful first. */
  keys(): BitnamiPrivateKey[] {
    return [...this.order];
  }

  get size(): number {
    return this.order.length;
  }

  /** The newest key by certificate notBefore (what the Bitnami controller seals with), if known. */
  newest(): BitnamiPrivateKey | undefined {
    let best: BitnamiPrivateKey | undefined;
    for (const k of this.byFingerprint.values()) {
      if (k.notBefore && (!best?.notBefore || best.notBefore.getTime() < k.notBefore.getTime())) best = k;
    }
    return best;
  }

  /** @internal Moves a key to the front of the try order. */
  touch(key: BitnamiPrivateKey): void {
    if (this.order[0] === key) return;
    const i = this.order.indexOf(key);
    if (i > 0) {
      this.order.splice(i, 1);
      this.order.unshift(key);
    }
  }
}
