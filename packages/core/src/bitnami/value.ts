/**
 * The Bitnami Sealed Secrets value format (bitnami-labs/sealed-secrets, pkg/crypto: HybridEncrypt).
 * docs/format.md, section "Bitnami values", is the description users read; this is the summary.
 *
 *   rsa length       2 bytes   unsigned, big-endian: length of the RSA ciphertext (= modulus size,
 *                              256 for RSA-2048, 512 for RSA-4096, which is why values start "AQA"/"AgA")
 *   rsa ciphertext   k bytes   RSA-OAEP(SHA-256, MGF1-SHA-256, label) of a random 32-byte session key
 *   payload       n+16 bytes   AES-256-GCM(session key, nonce = 12 zero bytes, no AAD): ciphertext || tag
 *
 *   label: "namespace/name" (strict), "namespace" (namespace-wide), "" (cluster-wide)
 *
 * The zero nonce is safe only because every value draws a fresh session key. Values carry no key id
 * and no scope: the scope comes from the SealedSecret's annotations, and only the OAEP label binds a
 * value to where it may be opened. An opener can therefore not tell "wrong key" from "wrong label";
 * it can only try keys (and, to explain a failure, other labels).
 */
import { createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, constants as cryptoConstants, type KeyObject } from 'node:crypto';
import { fromBase64Kubernetes, toBase64 } from '../bytes.js';
import { AuthenticationError, BadInputError, ScopeMismatchError, UnknownKeyIdError } from '../errors.js';
import { defaultRandom, draw, type RandomSource } from '../random.js';
import { describeScope, scopeLabel, type Location, type Scope } from '../scope.js';
import { BitnamiKeyring, type BitnamiPrivateKey } from './keys.js';

/** @internal */ export const SESSION_KEY_LENGTH = 32;
/** @internal */ export const GCM_NONCE_LENGTH = 12;
/** @internal */ export const GCM_TAG_LENGTH = 16;
/** @internal */ export const LENGTH_PREFIX = 2;

const ZERO_NONCE = new Uint8Array(GCM_NONCE_LENGTH);
const utf8 = new TextEncoder();

/** Where a Bitnami value is opened: the SealedSecret's namespace and name, and the scope its annotations give. */
export interface BitnamiLocation extends Location {
  readonly scope: Scope;
}

export interface BitnamiSealOptions {
  /** RSA public key, e.g. `parseBitnamiCertificate(pem).publicKey`. */
  publicKey: KeyObject;
  scope: Scope;
  /** Required for scopes strict and namespace. */
  namespace?: string;
  /** Required for scope strict. */
  name?: string;
  /** Source of the session key (OAEP's own randomness always comes from node:crypto). */
  random?: RandomSource;
}

export interface BitnamiValueInfo {
  /** Length of the RSA ciphertext, i.e. the modulus size of the key it was sealed with, in bits. */
  keyBits: number;
  /** Length of the sealed plaintext in bytes. */
  plaintextLength: number;
}

export interface BitnamiOpenOptions {
  /** Fingerprint of the key to try first (e.g. the one that opened the object's other values). */
  preferKey?: string;
  /**
   * On failure, also try the other two scope labels, so a value whose annotations say the wrong
   * scope is reported as a scope mismatch rather than as "no key opens it". Costs up to two more
   * RSA operations per key, on the failure path only. Default true.
   */
  diagnose?: boolean;
}

export interface BitnamiOpened {
  plaintext: Uint8Array;
  /** The key that opened the value. */
  key: BitnamiPrivateKey;
}

/** The OAEP label of a scope: "namespace/name", "namespace" or "" (namespace and name are validated). */
export function bitnamiLabel(scope: Scope, namespace?: string, name?: string): string {
  return scopeLabel(scope, namespace, name);
}

/**
 * Seals one value in the Bitnami format (what `kubeseal --raw` prints): base64 (standard, padded)
 * of `uint16 len || RSA-OAEP(session key) || AES-256-GCM(plaintext)`.
 */
export function sealBitnamiValue(plaintext: Uint8Array, options: BitnamiSealOptions): string {
  if (!(plaintext instanceof Uint8Array)) throw new BadInputError('plaintext must be a Uint8Array');
  if (typeof options !== 'object' || options === null) throw new BadInputError('options must be an object { publicKey, scope }');
  const { publicKey } = options;
  if (!isKeyObject(publicKey) || publicKey.asymmetricKeyType !== 'rsa') {
    throw new BadInputError('options.publicKey must be an RSA public KeyObject (from parseBitnamiCertificate)');
  }
  const label = bitnamiLabel(options.scope, options.namespace, options.name);
  const sessionKey = draw(options.random ?? defaultRandom, SESSION_KEY_LENGTH);
  try {
    const wrapped = publicEncrypt(
      { key: publicKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: utf8.encode(label) },
      sessionKey,
    );
    const cipher = createCipheriv('aes-256-gcm', sessionKey, ZERO_NONCE);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const prefix = Buffer.alloc(LENGTH_PREFIX);
    prefix.writeUInt16BE(wrapped.length);
    return toBase64(Buffer.concat([prefix, wrapped, body]));
  } finally {
    sessionKey.fill(0);
  }
}

/** Seals several values for one location (kubeseal seals each value with its own session key). */
export function sealBitnamiValues(values: Readonly<Record<string, Uint8Array>>, options: BitnamiSealOptions): Record<string, string> {
  if (typeof values !== 'object' || values === null) throw new BadInputError('values must be a map of key to bytes');
  // Validate the location once, before any RSA work.
  bitnamiLabel(options.scope, options.namespace, options.name);
  const out: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    const value = values[key];
    if (!(value instanceof Uint8Array)) throw new BadInputError(`values[${JSON.stringify(key)}] must be a Uint8Array`);
    Object.defineProperty(out, key, { value: sealBitnamiValue(value, options), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

interface Parsed {
  rsa: Uint8Array;
  body: Uint8Array;
}

function parse(sealed: string | Uint8Array): Parsed {
  // Go's base64.StdEncoding, which the Bitnami controller uses, skips CR and LF.
  const bytes = typeof sealed === 'string' ? fromBase64Kubernetes(sealed, 'sealed value') : sealed;
  if (!(bytes instanceof Uint8Array)) throw new BadInputError('sealed value must be a base64 string');
  if (bytes.length < LENGTH_PREFIX) throw new BadInputError('sealed value is too short to be a Bitnami value (truncated?)');
  const rsaLength = (bytes[0]! << 8) | bytes[1]!;
  if (rsaLength === 0 || bytes.length < LENGTH_PREFIX + rsaLength + GCM_TAG_LENGTH) {
    throw new BadInputError(`sealed value is truncated: it announces a ${rsaLength}-byte RSA ciphertext but holds ${bytes.length} bytes in all`);
  }
  return { rsa: bytes.subarray(LENGTH_PREFIX, LENGTH_PREFIX + rsaLength), body: bytes.subarray(LENGTH_PREFIX + rsaLength) };
}

/** What can be read from a Bitnami value without a key: the key size and plaintext length. */
export function inspectBitnamiValue(sealed: string): BitnamiValueInfo {
  const { rsa, body } = parse(sealed);
  return { keyBits: rsa.length * 8, plaintextLength: body.length - GCM_TAG_LENGTH };
}

/**
 * True when the bytes look like a Bitnami value rather than a sealkit value. A sealkit value
 * starts with version 0x01 and a scope code 0x01..0x03; a Bitnami value with the big-endian RSA
 * ciphertext length, which is a multiple of 8 for every real key (0x0100, 0x0180, 0x0200, ...).
 */
export function isBitnamiValue(sealed: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Kubernetes(sealed, 'sealed value');
  } catch {
    return false;
  }
  if (bytes.length < LENGTH_PREFIX) return false;
  const rsaLength = (bytes[0]! << 8) | bytes[1]!;
  return rsaLength >= 128 && rsaLength % 8 === 0 && bytes.length >= LENGTH_PREFIX + rsaLength + GCM_TAG_LENGTH;
}

function unwrap(key: BitnamiPrivateKey, rsa: Uint8Array, label: Uint8Array): Buffer | undefined {
  try {
    return privateDecrypt(
      { key: key.privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
      rsa,
    );
  } catch {
    return undefined;
  }
}

function decryptBody(sessionKey: Buffer, body: Uint8Array): Uint8Array {
  if (sessionKey.length !== SESSION_KEY_LENGTH) {
    throw new AuthenticationError(`the value's session key is ${sessionKey.length} bytes, not ${SESSION_KEY_LENGTH}: not a Bitnami value, or corrupt`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', sessionKey, ZERO_NONCE);
    decipher.setAuthTag(body.subarray(body.length - GCM_TAG_LENGTH));
    const out = Buffer.concat([decipher.update(body.subarray(0, body.length - GCM_TAG_LENGTH)), decipher.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    throw new AuthenticationError('the value was modified or corrupted: its key opened but the payload does not authenticate');
  } finally {
    sessionKey.fill(0);
  }
}

/** Keys worth trying, in order: the preferred one, then most recently useful; only those whose modulus fits. */
function candidates(keyring: BitnamiKeyring, rsaLength: number, prefer: string | undefined): BitnamiPrivateKey[] {
  const fits = keyring.keys().filter((k) => k.modulusLength === rsaLength * 8);
  if (prefer === undefined) return fits;
  const i = fits.findIndex((k) => k.fingerprint === prefer);
  if (i > 0) fits.unshift(...fits.splice(i, 1));
  return fits;
}

function checkKeyring(keyring: unknown): asserts keyring is BitnamiKeyring {
  if (!(keyring instanceof BitnamiKeyring)) throw new BadInputError('keyring must be a BitnamiKeyring');
}

function checkLocation(where: BitnamiLocation): string {
  if (typeof where !== 'object' || where === null) throw new BadInputError('where must be { namespace, name, scope }');
  // Opening is lenient about names (whatever the API server accepted), strict about the scope.
  switch (where.scope) {
    case 'cluster':
      return '';
    case 'namespace':
      return String(where.namespace);
    case 'strict':
      return `${String(where.namespace)}/${String(where.name)}`;
    default:
      throw new BadInputError(`where.scope must be strict, namespace or cluster, got ${JSON.stringify(String(where.scope))}`);
  }
}

/**
 * Opens one Bitnami value found at `where` (the SealedSecret's namespace, name, and the scope its
 * annotations give) and tells which key opened it. Errors: BadInputError (not base64, truncated),
 * UnknownKeyIdError with no key ids (no key opens it: another key, or another place),
 * ScopeMismatchError (opens only under another scope than the annotated one: only with diagnose),
 * AuthenticationError (a key opened but the payload was modified).
 */
export function openBitnamiValueWithKey(sealed: string, keyring: BitnamiKeyring, where: BitnamiLocation, options: BitnamiOpenOptions = {}): BitnamiOpened {
  checkKeyring(keyring);
  const label = checkLocation(where);
  const { rsa, body } = parse(sealed);
  const keys = candidates(keyring, rsa.length, options.preferKey);
  const labelBytes = utf8.encode(label);
  for (const key of keys) {
    const sessionKey = unwrap(key, rsa, labelBytes);
    if (sessionKey === undefined) continue;
    const plaintext = decryptBody(sessionKey, body);
    keyring.touch(key);
    return { plaintext, key };
  }
  if (keys.length === 0) {
    const sizes = [...new Set(keyring.keys().map((k) => k.modulusLength))].sort((a, b) => a - b);
    throw new UnknownKeyIdError(
      [],
      `no key opens this value: it was sealed with an RSA-${rsa.length * 8} key and the keyring holds ${
        sizes.length === 0 ? 'no keys' : `only RSA-${sizes.join('/')} keys`
      } (sealed for another cluster, or with a key that is not loaded?)`,
    );
  }
  if (options.diagnose !== false) {
    for (const other of ['strict', 'namespace', 'cluster'] as const) {
      if (other === where.scope) continue;
      const otherLabel = other === 'cluster' ? '' : other === 'namespace' ? String(where.namespace) : `${String(where.namespace)}/${String(where.name)}`;
      const otherBytes = utf8.encode(otherLabel);
      for (const key of keys) {
        const sessionKey = unwrap(key, rsa, otherBytes);
        if (sessionKey === undefined) continue;
        sessionKey.fill(0);
        throw new ScopeMismatchError(
          `scope mismatch: the value is sealed ${describeScope(other, otherLabel)} but the SealedSecret's annotations make it ` +
            `${where.scope === 'strict' ? 'strict' : `${where.scope}-wide`}; fix the annotations (sealedsecrets.bitnami.com/cluster-wide, ` +
            'sealedsecrets.bitnami.com/namespace-wide) or seal the value again',
        );
      }
    }
  }
  throw new UnknownKeyIdError(
    [],
    `no key opens this value at ${where.scope === 'cluster' ? 'cluster-wide scope' : describeScope(where.scope, label)}: ` +
      `it was sealed with a key the keyring does not hold (${keys.length} RSA-${rsa.length * 8} key${keys.length === 1 ? '' : 's'} tried), ` +
      'or for another namespace/name (Bitnami values cannot tell which)',
  );
}

/** Opens one Bitnami value; see openBitnamiValueWithKey. */
export function openBitnamiValue(sealed: string, keyring: BitnamiKeyring, where: BitnamiLocation, options: BitnamiOpenOptions = {}): Uint8Array {
  return openBitnamiValueWithKey(sealed, keyring, where, options).plaintext;
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && typeof (value as KeyObject).asymmetricKeyType !== 'undefined';
}

