import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { BadInputError } from './errors.js';
import {
  Keyring,
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  decodePrivateKeysPem,
  decodePublicKeysPem,
  encodePrivateKeyPem,
  encodePublicKeyPem,
  generateKeyPair,
  keyId,
  keyPairFromSecretKey,
  privateKeyObjectOf,
} from './keys.js';
import { counterRandom, expectError, fromHex, hex, loadVectors, replay } from './test-helpers.js';

// OpenSSL-made X25519 test keys (a fixture: see its provenance field).
const openssl = JSON.parse(readFileSync(new URL('./testdata/openssl-x25519.json', import.meta.url), 'utf8')) as Record<string, string>;
const OPENSSL_PRIVATE_PEM = openssl.privatePem!;
const OPENSSL_PUBLIC_PEM = openssl.publicPem!;
const OPENSSL_SECRET = openssl.secretHex!;
const OPENSSL_PUBLIC = openssl.publicHex!;
const PKCS8_V2_PEM = openssl.pkcs8V2Pem!;
const CERTIFICATE_PEM = openssl.certificatePem!;

const vectors = loadVectors();

describe('key pairs', () => {
  it('constants', () => {
    expect(PUBLIC_KEY_LENGTH).toBe(32);
    expect(SECRET_KEY_LENGTH).toBe(32);
  });

  it('generateKeyPair draws 32 bytes from the random source and is deterministic with it', () => {
    const bytes = new Uint8Array(32).fill(7);
    const random = replay(bytes);
    const pair = generateKeyPair(random);
    expect(random.used()).toBe(32);
    expect(hex(pair.secretKey)).toBe(hex(bytes));
    expect(hex(pair.publicKey)).toBe(hex(nacl.box.keyPair.fromSecretKey(bytes).publicKey));
  });

  it('generateKeyPair without a source gives distinct keys', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.secretKey).toHaveLength(32);
    expect(hex(a.secretKey)).not.toBe(hex(b.secretKey));
  });

  it('a random source that returns the wrong length is a BadInputError', () => {
    expect(expectError(() => generateKeyPair(() => new Uint8Array(31)), BadInputError).message).toContain('expected 32 bytes');
  });

  it('keyPairFromSecretKey equals tweetnacl for any secret key, and copies its input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const pair = keyPairFromSecretKey(secret);
        expect(hex(pair.publicKey)).toBe(hex(nacl.box.keyPair.fromSecretKey(secret).publicKey));
        expect(pair.secretKey).not.toBe(secret);
        expect(hex(pair.secretKey)).toBe(hex(secret));
      }),
      { numRuns: 50 },
    );
  });

  it('keyPairFromSecretKey matches the OpenSSL-generated key', () => {
    expect(hex(keyPairFromSecretKey(fromHex(OPENSSL_SECRET)).publicKey)).toBe(OPENSSL_PUBLIC);
  });

  it('rejects wrong lengths and types naming the parameter', () => {
    expect(expectError(() => keyPairFromSecretKey(new Uint8Array(31)), BadInputError).message).toBe('secretKey must be 32 bytes, got 31');
    expect(expectError(() => keyPairFromSecretKey('x' as never), BadInputError).message).toContain('secretKey must be a Uint8Array');
    expect(expectError(() => keyId(new Uint8Array(33)), BadInputError).message).toContain('publicKey must be 32 bytes');
  });
});

describe('keyId', () => {
  it('is the hex of the first 8 bytes of SHA-256 over the raw public key', () => {
    const publicKey = fromHex(OPENSSL_PUBLIC);
    const expected = createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
    expect(keyId(publicKey)).toBe(expected);
    expect(keyId(publicKey)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('matches the committed vectors', () => {
    for (const key of Object.values(vectors.keys)) expect(keyId(fromHex(key.publicKey))).toBe(key.keyId);
  });
});

describe('PEM', () => {
  it('encodes SPKI and PKCS#8 exactly as OpenSSL does', () => {
    expect(encodePublicKeyPem(fromHex(OPENSSL_PUBLIC))).toBe(OPENSSL_PUBLIC_PEM);
    expect(encodePrivateKeyPem(fromHex(OPENSSL_SECRET))).toBe(OPENSSL_PRIVATE_PEM);
  });

  it('node:crypto (OpenSSL) reads what we write as an X25519 key with the same raw bytes', () => {
    const pair = generateKeyPair(counterRandom(3));
    const pub = createPublicKey(encodePublicKeyPem(pair.publicKey));
    expect(pub.asymmetricKeyType).toBe('x25519');
    expect(Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url').toString('hex')).toBe(hex(pair.publicKey));
    const priv = createPrivateKey(encodePrivateKeyPem(pair.secretKey));
    expect(Buffer.from(priv.export({ format: 'jwk' }).d as string, 'base64url').toString('hex')).toBe(hex(pair.secretKey));
  });

  it('round trips one or more keys, ignoring text around the blocks', () => {
    const a = generateKeyPair(counterRandom(1));
    const b = generateKeyPair(counterRandom(2));
    const text = `# cluster A\n${encodePublicKeyPem(a.publicKey)}\nrecovery key:\r\n${encodePublicKeyPem(b.publicKey).replaceAll('\n', '\r\n')}`;
    expect(decodePublicKeysPem(text).map(hex)).toEqual([hex(a.publicKey), hex(b.publicKey)]);
    const pairs = decodePrivateKeysPem(encodePrivateKeyPem(a.secretKey) + encodePrivateKeyPem(b.secretKey));
    expect(pairs.map((p) => hex(p.publicKey))).toEqual([hex(a.publicKey), hex(b.publicKey)]);
    expect(pairs.map((p) => hex(p.secretKey))).toEqual([hex(a.secretKey), hex(b.secretKey)]);
  });

  it('reads OpenSSL output and PKCS#8 v2 with an attached public key', () => {
    expect(decodePublicKeysPem(OPENSSL_PUBLIC_PEM).map(hex)).toEqual([OPENSSL_PUBLIC]);
    for (const pem of [OPENSSL_PRIVATE_PEM, PKCS8_V2_PEM]) {
      const [pair] = decodePrivateKeysPem(pem);
      expect(hex(pair!.secretKey)).toBe(OPENSSL_SECRET);
      expect(hex(pair!.publicKey)).toBe(OPENSSL_PUBLIC);
    }
  });

  it('refuses a private key where a public key is expected, saying it must stay in the cluster', () => {
    const error = expectError(() => decodePublicKeysPem(OPENSSL_PUBLIC_PEM + OPENSSL_PRIVATE_PEM), BadInputError);
    expect(error.message).toContain('PEM block 2 is a private key');
    expect(error.message).toContain('must stay in the cluster');
    expect(error.message).not.toContain('MC4CAQAwBQYDK2VuBCIEINDDO');
  });

  it('names RSA and EC public keys and certificates', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(expectError(() => decodePublicKeysPem(rsa), BadInputError).message).toContain('RSA-1024 public key; sealkit needs an X25519 key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(expectError(() => decodePublicKeysPem(ec), BadInputError).message).toContain('EC public key');
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(expectError(() => decodePublicKeysPem(ed), BadInputError).message).toContain('ED25519 public key');
    expect(expectError(() => decodePublicKeysPem(CERTIFICATE_PEM), BadInputError).message).toContain('certificate');
    const rsaPriv = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(expectError(() => decodePrivateKeysPem(rsaPriv), BadInputError).message).toContain('RSA-1024 private key');
    expect(expectError(() => decodePrivateKeysPem(OPENSSL_PUBLIC_PEM), BadInputError).message).toContain('expected "PRIVATE KEY"');
  });

  it('rejects garbage, empty input, broken blocks and encrypted keys', () => {
    expect(expectError(() => decodePublicKeysPem(''), BadInputError).message).toContain('no PEM block');
    expect(expectError(() => decodePublicKeysPem('not a key'), BadInputError).message).toContain('no PEM block');
    expect(expectError(() => decodePublicKeysPem(42 as never), BadInputError).message).toContain('must be a PEM string');
    expect(expectError(() => decodePublicKeysPem('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----'), BadInputError).message).toContain('not valid base64');
    expect(expectError(() => decodePublicKeysPem('-----BEGIN PUBLIC KEY-----\nMCowBQ==\n-----END PUBLIC KEY-----'), BadInputError).message).toContain('not a valid SubjectPublicKeyInfo');
    expect(expectError(() => decodePublicKeysPem('-----BEGIN PUBLIC KEY-----\nMCowBQ==\n-----END PRIVATE KEY-----'), BadInputError).message).toContain('ends with');
    expect(expectError(() => decodePrivateKeysPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMCowBQ==\n-----END ENCRYPTED PRIVATE KEY-----'), BadInputError).message).toContain('encrypted');
    const legacy = '-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMCowBQ==\n-----END PRIVATE KEY-----';
    expect(expectError(() => decodePrivateKeysPem(legacy), BadInputError).message).toContain('encrypted PEM keys are not supported');
  });

  it('decodes the committed vector PEMs to the vector keys', () => {
    for (const key of Object.values(vectors.keys)) {
      expect(hex(decodePublicKeysPem(key.publicKeyPem)[0]!)).toBe(key.publicKey);
      expect(hex(decodePrivateKeysPem(key.privateKeyPem)[0]!.secretKey)).toBe(key.secretKey);
      expect(encodePublicKeyPem(fromHex(key.publicKey))).toBe(key.publicKeyPem);
      expect(encodePrivateKeyPem(fromHex(key.secretKey))).toBe(key.privateKeyPem);
    }
  });
});

describe('Keyring', () => {
  it('indexes pairs by key id', () => {
    const a = generateKeyPair(counterRandom(1));
    const b = generateKeyPair(counterRandom(2));
    const ring = new Keyring([a]);
    expect(ring.size).toBe(1);
    const idB = ring.add(b);
    expect(idB).toBe(keyId(b.publicKey));
    expect(ring.ids()).toEqual([keyId(a.publicKey), idB]);
    expect(hex(ring.get(idB)!.secretKey)).toBe(hex(b.secretKey));
    expect(ring.get('0000000000000000')).toBeUndefined();
    expect(privateKeyObjectOf(ring, idB)?.asymmetricKeyType).toBe('x25519');
    expect(privateKeyObjectOf(ring, '0000000000000000')).toBeUndefined();
  });

  it('adding the same key twice keeps one entry', () => {
    const a = generateKeyPair(counterRandom(1));
    const ring = new Keyring([a, a]);
    expect(ring.add(keyPairFromSecretKey(a.secretKey))).toBe(keyId(a.publicKey));
    expect(ring.size).toBe(1);
  });

  it('stores copies, so later mutation of the caller\'s arrays does not change it', () => {
    const a = generateKeyPair(counterRandom(1));
    const ring = new Keyring();
    const id = ring.add(a);
    const before = hex(a.secretKey);
    a.secretKey.fill(0);
    expect(hex(ring.get(id)!.secretKey)).toBe(before);
  });

  it('rejects a pair whose public key does not belong to its secret key', () => {
    const a = generateKeyPair(counterRandom(1));
    const b = generateKeyPair(counterRandom(2));
    const error = expectError(() => new Keyring([{ publicKey: b.publicKey, secretKey: a.secretKey }]), BadInputError);
    expect(error.message).toBe('pair.publicKey does not belong to pair.secretKey');
    expectError(() => new Keyring().add({ publicKey: a.publicKey, secretKey: new Uint8Array(3) }), BadInputError);
    expectError(() => new Keyring().add(null as never), BadInputError);
  });
});
