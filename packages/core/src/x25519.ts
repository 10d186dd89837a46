/**
 * @internal The X25519 + HSalsa20 step of NaCl's crypto_box_beforenm, with the scalar
 * multiplication done by node:crypto (OpenSSL) instead of tweetnacl's pure-JS code, which
 * is more than an order of magnitude slower. HSalsa20 still comes from tweetnacl, exactly
 * as nacl.box.before does it; x25519.test.ts checks that the bytes are identical.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
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

/** @internal Builds a node:crypto private KeyObject from a raw 32-byte X25519 secret key. */
export function privateKeyObject(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: pkcs8Der(secretKey), format: 'der', type: 'pkcs8' });
}

/** @internal Raw public key of a private KeyObject. */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
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
    const publicKeyObject = createPublicKey({ key: spkiDer(publicKey), format: 'der', type: 'spki' });
    shared = diffieHellman({ privateKey, publicKey: publicKeyObject });
  } catch {
    throw onLowOrder('X25519 failed: the public key is not usable (a low-order point, so the shared secret would be all zeros)');
  }
  if (shared.length !== X25519_LENGTH || shared.every((b) => b === 0)) {
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
