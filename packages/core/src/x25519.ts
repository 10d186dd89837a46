/**
 * @internal The X25519 + HSalsa20 step of NaCl's crypto_box_beforenm, with the scalar
 * multiplication done by node:crypto (OpenSSL) instead of tweetnacl's pure-JS code, which
 * is more than an order of magnitude slower. HSalsa20 still comes from tweetnacl, exactly
 * as nacl.box.before does it; x25519.test.ts checks that the bytes are identical.
 */
import { createPrivateKey, createPublicKey, diffieHellman, hash, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { AuthenticationError, BadInputError } from './errors.js';

/** @internal Length of an X25519 public key, private key, and shared secret. */
export const X25519_LENGTH = 32;

/** @internal DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.110 }, BIT STRING }. */
export const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
/** @internal DER prefix of an X25519 PKCS#8 PrivateKeyInfo v1 (RFC 8410): version 0, algorithm, OCTET STRING { OCTET STRING }. */
export const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

interface NaclLowlevel {
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
}
// tweetnacl's .d.ts does not declare `lowlevel`, although nacl-fast.js exports it.
const lowlevel = (nacl as unknown as { lowlevel: NaclLowlevel }).lowlevel;

/** "expand 32-byte k", the Salsa20 constant that crypto_box_beforenm feeds to HSalsa20. */
const SIGMA = new TextEncoder().encode('expand 32-byte k');
const ZERO_16 = new Uint8Array(16);

/** @internal */
export function spkiDer(publicKey: Uint8Array): Buffer {
  const der = Buffer.allocUnsafe(SPKI_PREFIX.length + X25519_LENGTH);
  der.set(SPKI_PREFIX, 0);
  der.set(publicKey, SPKI_PREFIX.length);
  return der;
}

/** @internal */
export function pkcs8Der(secretKey: Uint8Array): Buffer {
  const der = Buffer.allocUnsafe(PKCS8_PREFIX.length + X25519_LENGTH);
  der.set(PKCS8_PREFIX, 0);
  der.set(secretKey, PKCS8_PREFIX.length);
  return der;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal Conversions between raw X25519 keys and node:crypto KeyObjects. */
export interface KeyCodec {
  privateKey(secretKey: Uint8Array): KeyObject;
  publicKey(publicKey: Uint8Array): KeyObject;
  rawPublicKey(privateKey: KeyObject): Uint8Array;
}

/** @internal Raw key import/export ('raw-public', 'raw-private'): new in Node 24, about twice as fast as DER. */
export const rawKeyCodec: KeyCodec = {
  privateKey: (secretKey) => createPrivateKey({ key: asBuffer(secretKey), format: 'raw-private', asymmetricKeyType: 'x25519' }),
  publicKey: (publicKey) => createPublicKey({ key: asBuffer(publicKey), format: 'raw-public', asymmetricKeyType: 'x25519' }),
  rawPublicKey: (privateKey) => new Uint8Array(createPublicKey(privateKey).export({ format: 'raw-public' })),
};

/** @internal For Node versions without raw key formats: PKCS#8 DER for private keys, JWK (faster than DER) for public keys. */
export const portableKeyCodec: KeyCodec = {
  privateKey: (secretKey) => createPrivateKey({ key: pkcs8Der(secretKey), format: 'der', type: 'pkcs8' }),
  publicKey: (publicKey) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' }),
  rawPublicKey: (privateKey) => new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length)),
};

const codec: KeyCodec = (() => {
  try {
    const key = rawKeyCodec.privateKey(new Uint8Array(32).fill(1));
    return rawKeyCodec.publicKey(rawKeyCodec.rawPublicKey(key)).asymmetricKeyType === 'x25519' ? rawKeyCodec : portableKeyCodec;
  } catch {
    return portableKeyCodec;
  }
})();

/** @internal Builds a node:crypto private KeyObject from a raw 32-byte X25519 secret key. */
export function privateKeyObject(secretKey: Uint8Array): KeyObject {
  return codec.privateKey(secretKey);
}

/** @internal Builds a node:crypto public KeyObject from a raw 32-byte X25519 public key. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return codec.publicKey(publicKey);
}

/** @internal Raw public key of a private KeyObject. */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  return codec.rawPublicKey(privateKey);
}

/**
 * @internal X25519(secret, publicKey) followed by HSalsa20, i.e. the 32-byte key that
 * nacl.box.before(publicKey, secretKey) returns. Throws AuthenticationError (or the
 * error class given) when the public key is a low-order point and the shared secret
 * would be all zeros: OpenSSL refuses to derive it, and libsodium refuses it too.
 */
export function boxBeforeNode(
  publicKey: Uint8Array,
  privateKey: KeyObject,
  onLowOrder: (message: string) => Error = (m) => new AuthenticationError(m),
): Uint8Array {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: publicKeyObject(publicKey) });
  } catch {
    throw onLowOrder('X25519 failed: the public key is not usable (a low-order point, so the shared secret would be all zeros)');
  }
  let bits = 0;
  for (let i = 0; i < shared.length; i++) bits |= shared[i] as number;
  if (shared.length !== X25519_LENGTH || bits === 0) {
    throw onLowOrder('X25519 failed: the shared secret is all zeros (low-order public key)');
  }
  const key = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(key, ZERO_16, shared, SIGMA);
  shared.fill(0);
  return key;
}

/** @internal Same as boxBeforeNode but for seal-time recipients: a bad key is the caller's input error. */
export function boxBeforeRecipient(publicKey: Uint8Array, privateKey: KeyObject, what: string): Uint8Array {
  return boxBeforeNode(publicKey, privateKey, (m) => new BadInputError(`${what}: ${m}`));
}

// -----------------------------------------------------------------------------------------
// Symmetric helpers on the hot path of Unsealer.open. Same results as nacl.secretbox,
// nacl.secretbox.open and node's createHmac (tested), without their per-call overhead.

interface NaclSecretbox {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_stream_salsa20_xor(c: Uint8Array, cpos: number, m: Uint8Array, mpos: number, b: number, n: Uint8Array, k: Uint8Array): number;
  crypto_onetimeauth_verify(h: Uint8Array, hpos: number, m: Uint8Array, mpos: number, n: number, k: Uint8Array): number;
}
const secretboxLowlevel = lowlevel as unknown as NaclSecretbox;
const BOX_ZERO_BYTES = 16;
const ZERO_BYTES = 32;

/**
 * @internal crypto_secretbox_open_easy: box = tag(16) || ciphertext; null if it does not
 * authenticate. XSalsa20 = HSalsa20 subkey + Salsa20; unlike tweetnacl's
 * crypto_secretbox_open, derives the subkey once and runs the keystream once (the first 32
 * bytes of block 0 are the Poly1305 key). Nothing is returned before the tag verifies.
 */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (box.length < BOX_ZERO_BYTES) return null;
  const subkey = new Uint8Array(32);
  lowlevel.crypto_core_hsalsa20(subkey, nonce, key, SIGMA);
  const c = new Uint8Array(ZERO_BYTES + box.length - BOX_ZERO_BYTES);
  c.set(box.subarray(BOX_ZERO_BYTES), ZERO_BYTES);
  const m = new Uint8Array(c.length);
  secretboxLowlevel.crypto_stream_salsa20_xor(m, 0, c, 0, c.length, nonce.subarray(16, 24), subkey);
  subkey.fill(0);
  const ok = secretboxLowlevel.crypto_onetimeauth_verify(box, 0, box, BOX_ZERO_BYTES, box.length - BOX_ZERO_BYTES, m) === 0;
  m.fill(0, 0, ZERO_BYTES);
  if (!ok) {
    m.fill(0);
    return null;
  }
  return m.subarray(ZERO_BYTES);
}

/** @internal crypto_secretbox_easy: returns tag(16) || ciphertext. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const m = new Uint8Array(ZERO_BYTES + message.length);
  m.set(message, ZERO_BYTES);
  const c = new Uint8Array(m.length);
  secretboxLowlevel.crypto_secretbox(c, m, m.length, nonce, key);
  return c.subarray(BOX_ZERO_BYTES);
}

const SHA256_BLOCK = 64;

/**
 * @internal HMAC-SHA-256 (RFC 2104) for a key of at most 64 bytes, from two one-shot
 * hashes: node's createHmac costs several times more per call on OpenSSL 3.
 */
export function hmacSha256(key: Uint8Array, ...message: Uint8Array[]): Uint8Array {
  if (key.length > SHA256_BLOCK) throw new Error('hmacSha256: key longer than a block');
  const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
  const outer = Buffer.alloc(SHA256_BLOCK + 32, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] as number) ^ (key[i] as number);
    outer[i] = (outer[i] as number) ^ (key[i] as number);
  }
  outer.set(hash('sha256', Buffer.concat([inner, ...message]), 'buffer'), SHA256_BLOCK);
  inner.fill(0);
  const mac = hash('sha256', outer, 'buffer');
  outer.fill(0);
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.byteLength);
}
