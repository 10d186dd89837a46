/**
 * X25519 key pairs, their PEM encodings, and key ids.
 *
 * Key id: the first 8 bytes of SHA-256 over the raw 32-byte public key, written as 16
 * lowercase hex characters. Every sealed value carries the key id of each recipient, so
 * the controller finds the right private key with one map lookup, and a human can see
 * which key sealed what (`sealkit inspect`).
 */
import { createHash, createPublicKey, createPrivateKey, type KeyObject } from 'node:crypto';
import { checkBytes, fromBase64Strict, toHex } from './bytes.js';
import { BadInputError } from './errors.js';
import { defaultRandom, draw, type RandomSource } from './random.js';
import { PKCS8_PREFIX, SPKI_PREFIX, X25519_LENGTH, pkcs8Der, privateKeyObject, rawPublicKey, spkiDer } from './x25519.js';

export const PUBLIC_KEY_LENGTH = 32;
export const SECRET_KEY_LENGTH = 32;
/** @internal Length in bytes of a key id inside a sealed value (16 hex characters as a string). */
export const KEY_ID_LENGTH = 8;

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Generates a fresh X25519 key pair (the secret key is 32 bytes from `random`). */
export function generateKeyPair(random: RandomSource = defaultRandom): KeyPair {
  return keyPairFromSecretKey(draw(random, SECRET_KEY_LENGTH));
}

/** Recomputes the public key of a 32-byte X25519 secret key. The result holds copies. */
export function keyPairFromSecretKey(secretKey: Uint8Array): KeyPair {
  checkBytes(secretKey, SECRET_KEY_LENGTH, 'secretKey');
  const secret = Uint8Array.from(secretKey);
  return { publicKey: rawPublicKey(privateKeyObject(secret)), secretKey: secret };
}

/** @internal Raw key id bytes: SHA-256(publicKey)[0..8]. */
export function keyIdBytes(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, KEY_ID_LENGTH));
}

/** Key id of a public key: hex of the first 8 bytes of SHA-256(publicKey), 16 lowercase hex chars. */
export function keyId(publicKey: Uint8Array): string {
  checkBytes(publicKey, PUBLIC_KEY_LENGTH, 'publicKey');
  return toHex(keyIdBytes(publicKey));
}

function pemBlock(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** SPKI PEM ("BEGIN PUBLIC KEY", RFC 8410), readable by `openssl pkey -pubin`. */
export function encodePublicKeyPem(publicKey: Uint8Array): string {
  checkBytes(publicKey, PUBLIC_KEY_LENGTH, 'publicKey');
  return pemBlock('PUBLIC KEY', spkiDer(publicKey));
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY", RFC 8410), readable by `openssl pkey`. */
export function encodePrivateKeyPem(secretKey: Uint8Array): string {
  checkBytes(secretKey, SECRET_KEY_LENGTH, 'secretKey');
  return pemBlock('PRIVATE KEY', pkcs8Der(secretKey));
}

interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  readonly index: number;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/** Text outside the blocks is ignored, as openssl does (comments, `openssl x509 -text` output). */
function parsePem(pem: unknown, what: string): PemBlock[] {
  if (typeof pem !== 'string') throw new BadInputError(`${what} must be a PEM string, got ${pem === null ? 'null' : typeof pem}`);
  const blocks: PemBlock[] = [];
  for (const match of pem.matchAll(PEM_RE)) {
    const [, label = '', body = '', endLabel] = match;
    const index = blocks.length + 1;
    if (label !== endLabel) throw new BadInputError(`${what}: PEM block ${index} begins with "${label}" but ends with "${endLabel}"`);
    if (/^\s*[A-Za-z-]+:/m.test(body)) {
      throw new BadInputError(`${what}: PEM block ${index} ("${label}") has headers; encrypted PEM keys are not supported`);
    }
    const der = fromBase64Strict(body.replace(/\s+/g, ''), `${what}: PEM block ${index} ("${label}")`);
    blocks.push({ label, der, index });
  }
  if (blocks.length === 0) throw new BadInputError(`${what} contains no PEM block ("-----BEGIN ...-----")`);
  return blocks;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function describeKeyObject(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return bits ? `${type.toUpperCase()}-${bits}` : type.toUpperCase();
}

function rawFromJwk(key: KeyObject, field: 'x' | 'd'): Uint8Array {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const value = jwk[field];
  if (typeof value !== 'string') throw new BadInputError('key export failed');
  return new Uint8Array(Buffer.from(value, 'base64url'));
}

/**
 * Public keys from PEM text holding one or more SPKI X25519 blocks (several clusters, or a
 * recovery key, in one file). Private keys are refused, because a private key must
 * stay in the cluster; RSA keys and certificates (Bitnami's format) are refused by name.
 */
export function decodePublicKeysPem(pem: string): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const block of parsePem(pem, 'public key PEM')) {
    const where = `public key PEM block ${block.index}`;
    if (block.label.includes('PRIVATE KEY')) {
      throw new BadInputError(
        `${where} is a private key ("${block.label}"); a private key must stay in the cluster. Use the public key (sealkit cert) to seal`,
      );
    }
    if (block.label === 'CERTIFICATE') {
      throw new BadInputError(`${where} is an X.509 certificate (a Bitnami sealed-secrets certificate?); sealkit needs an X25519 "PUBLIC KEY" (sealkit cert)`);
    }
    if (block.label !== 'PUBLIC KEY') {
      throw new BadInputError(`${where} is a "${block.label}" block; expected "PUBLIC KEY" (X25519, SPKI)`);
    }
    if (block.der.length === SPKI_PREFIX.length + X25519_LENGTH && startsWith(block.der, SPKI_PREFIX)) {
      keys.push(block.der.slice(SPKI_PREFIX.length));
      continue;
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(block.der), format: 'der', type: 'spki' });
    } catch {
      throw new BadInputError(`${where} is not a valid SubjectPublicKeyInfo structure`);
    }
    if (key.asymmetricKeyType !== 'x25519') {
      throw new BadInputError(`${where} is an ${describeKeyObject(key)} public key; sealkit needs an X25519 key`);
    }
    keys.push(rawFromJwk(key, 'x'));
  }
  return keys;
}

/** Key pairs from PEM text holding one or more unencrypted PKCS#8 X25519 private keys. */
export function decodePrivateKeysPem(pem: string): KeyPair[] {
  const pairs: KeyPair[] = [];
  for (const block of parsePem(pem, 'private key PEM')) {
    const where = `private key PEM block ${block.index}`;
    if (block.label === 'ENCRYPTED PRIVATE KEY') {
      throw new BadInputError(`${where} is an encrypted private key; sealkit needs an unencrypted PKCS#8 "PRIVATE KEY"`);
    }
    if (block.label !== 'PRIVATE KEY') {
      throw new BadInputError(`${where} is a "${block.label}" block; expected "PRIVATE KEY" (X25519, PKCS#8)`);
    }
    if (block.der.length === PKCS8_PREFIX.length + X25519_LENGTH && startsWith(block.der, PKCS8_PREFIX)) {
      pairs.push(keyPairFromSecretKey(block.der.subarray(PKCS8_PREFIX.length)));
      continue;
    }
    // Other valid encodings, e.g. PKCS#8 v2 (RFC 5958) with the public key attached.
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.from(block.der), format: 'der', type: 'pkcs8' });
    } catch {
      throw new BadInputError(`${where} is not a valid PKCS#8 PrivateKeyInfo structure`);
    }
    if (key.asymmetricKeyType !== 'x25519') {
      throw new BadInputError(`${where} is an ${describeKeyObject(key)} private key; sealkit needs an X25519 key`);
    }
    pairs.push(keyPairFromSecretKey(rawFromJwk(key, 'd')));
  }
  return pairs;
}

/** node:crypto KeyObjects of each keyring's private keys, built once per key (see privateKeyObjectOf). */
const keyObjects = new WeakMap<Keyring, Map<string, KeyObject>>();

/** Private keys indexed by key id, so opening a value finds its key in O(1). */
export class Keyring {
  readonly #pairs = new Map<string, KeyPair>();

  constructor(pairs?: Iterable<KeyPair>) {
    keyObjects.set(this, new Map());
    if (pairs !== undefined) for (const pair of pairs) this.add(pair);
  }

  /** Adds a key pair (copied; its public key is checked against the secret key) and returns its key id. */
  add(pair: KeyPair): string {
    if (typeof pair !== 'object' || pair === null) throw new BadInputError('pair must be a KeyPair { publicKey, secretKey }');
    checkBytes(pair.secretKey, SECRET_KEY_LENGTH, 'pair.secretKey');
    checkBytes(pair.publicKey, PUBLIC_KEY_LENGTH, 'pair.publicKey');
    const secretKey = Uint8Array.from(pair.secretKey);
    const keyObject = privateKeyObject(secretKey);
    const publicKey = rawPublicKey(keyObject);
    if (!Buffer.from(publicKey).equals(pair.publicKey)) {
      throw new BadInputError('pair.publicKey does not belong to pair.secretKey');
    }
    const id = keyId(publicKey);
    if (!this.#pairs.has(id)) {
      this.#pairs.set(id, { publicKey, secretKey });
      keyObjects.get(this)?.set(id, keyObject);
    }
    return id;
  }

  get(keyId: string): KeyPair | undefined {
    return this.#pairs.get(keyId);
  }

  /** Key ids in the order the keys were added. */
  ids(): string[] {
    return [...this.#pairs.keys()];
  }

  get size(): number {
    return this.#pairs.size;
  }
}

/** @internal The node:crypto KeyObject for a key id of a keyring (not exported from index.ts). */
export function privateKeyObjectOf(keyring: Keyring, id: string): KeyObject | undefined {
  return keyObjects.get(keyring)?.get(id);
}
