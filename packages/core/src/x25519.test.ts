import { createHmac, diffieHellman } from 'node:crypto';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, BadInputError } from './errors.js';
import { sealValues } from './format.js';
import { generateKeyPair, keyIdBytes } from './keys.js';
import { counterRandom, expectError, fromHex, hex, replay } from './test-helpers.js';
import { boxBeforeNode, boxBeforeRecipient, hmacSha256, portableKeyCodec, privateKeyObject, rawKeyCodec, secretboxOpen, secretboxSeal } from './x25519.js';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

// Points of small order on Curve25519: X25519 with them gives an all-zero shared secret.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('X25519 via node:crypto + HSalsa20', () => {
  it('equals nacl.box.before (pure tweetnacl) for arbitrary keys', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (secret, otherSecret) => {
        const publicKey = nacl.box.keyPair.fromSecretKey(otherSecret).publicKey;
        expect(hex(boxBeforeNode(publicKey, privateKeyObject(secret)))).toBe(hex(nacl.box.before(publicKey, secret)));
      }),
      { numRuns: 100 },
    );
  });

  it('equals nacl.box.before for arbitrary 32-byte strings as the public key (non-canonical, high bit set)', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (secret, publicKey) => {
        const expected = nacl.box.before(publicKey, secret);
        if (expected.every((b) => b === 0)) return; // low order: covered below
        expect(hex(boxBeforeNode(publicKey, privateKeyObject(secret)))).toBe(hex(expected));
      }),
      { numRuns: 100 },
    );
  });

  it.each(LOW_ORDER)('refuses the low-order point %s (tweetnacl would return the all-zero-derived key)', (point) => {
    const secret = generateKeyPair(counterRandom(9)).secretKey;
    const publicKey = fromHex(point);
    expect(hex(nacl.scalarMult(secret, publicKey))).toBe('00'.repeat(32));
    expectError(() => boxBeforeNode(publicKey, privateKeyObject(secret)), AuthenticationError);
    const error = expectError(() => boxBeforeRecipient(publicKey, privateKeyObject(secret), 'options.recipients[0]'), BadInputError);
    expect(error.message).toMatch(/^options\.recipients\[0\]: X25519 failed/);
  });
});

/**
 * A second sealer written with tweetnacl only (nacl.box for the key wrap), following
 * docs/format.md; it must produce the same bytes as the node:crypto path.
 */
function sealWithTweetnacl(values: Record<string, Uint8Array>, recipients: Uint8Array[], label: string, scopeCode: number, random: (n: number) => Uint8Array): Record<string, string> {
  const ephemeral = nacl.box.keyPair.fromSecretKey(random(32));
  const labelBytes = new TextEncoder().encode(label);
  const out: Record<string, string> = {};
  for (const key of Object.keys(values).sort()) {
    const dataKey = random(32);
    const parts: number[] = [1, scopeCode, labelBytes.length >> 8, labelBytes.length & 0xff, ...labelBytes, ...ephemeral.publicKey, recipients.length];
    for (const recipient of recipients) {
      const nonce = random(24);
      parts.push(...keyIdBytes(recipient), ...nonce, ...nacl.box(dataKey, nonce, recipient, ephemeral.secretKey));
    }
    const header = Uint8Array.from(parts);
    const payloadKey = createHmac('sha256', dataKey).update('sealkit/v1/payload-key').update(header).digest();
    const nonce = random(24);
    const payload = nacl.secretbox(values[key]!, nonce, payloadKey);
    out[key] = Buffer.concat([header, nonce, payload]).toString('base64');
  }
  return out;
}

describe('key codecs', () => {
  it('raw (Node 24) and portable (DER/JWK) KeyObject conversions agree with each other and with tweetnacl', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (secret, peerSecret) => {
        const peer = nacl.box.keyPair.fromSecretKey(peerSecret).publicKey;
        const expected = hex(nacl.box.keyPair.fromSecretKey(secret).publicKey);
        for (const codec of [rawKeyCodec, portableKeyCodec]) {
          const privateKey = codec.privateKey(secret);
          expect(hex(codec.rawPublicKey(privateKey))).toBe(expected);
          expect(hex(diffieHellman({ privateKey, publicKey: codec.publicKey(peer) }))).toBe(hex(nacl.scalarMult(secret, peer)));
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('sealValues bytes equal the pure-tweetnacl construction', () => {
  it('for arbitrary keys, randomness, values and recipient counts', () => {
    fc.assert(
      fc.property(
        fc.array(bytes32, { minLength: 1, maxLength: 3 }),
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), fc.uint8Array({ maxLength: 100 }), { minKeys: 1, maxKeys: 3 }),
        fc.uint8Array({ minLength: 1024, maxLength: 1024 }),
        (secrets, values, randomness) => {
          const recipients = [...new Map(secrets.map((s) => [hex(s), nacl.box.keyPair.fromSecretKey(s).publicKey])).values()];
          const ours = sealValues(values, { recipients, scope: 'strict', namespace: 'ns', name: 'obj', random: replay(randomness) });
          const theirs = sealWithTweetnacl(values, recipients, 'ns/obj', 1, replay(randomness));
          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('symmetric helpers equal tweetnacl and node:crypto', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const nonce = fc.uint8Array({ minLength: 24, maxLength: 24 });
  const message = fc.uint8Array({ maxLength: 300 });

  it('secretboxSeal == nacl.secretbox, secretboxOpen == nacl.secretbox.open', () => {
    fc.assert(
      fc.property(message, nonce, key, (m, n, k) => {
        const box = secretboxSeal(m, n, k);
        expect(hex(box)).toBe(hex(nacl.secretbox(m, n, k)));
        expect(hex(secretboxOpen(box, n, k)!)).toBe(hex(m));
      }),
      { numRuns: 200 },
    );
  });

  it('secretboxOpen rejects exactly what nacl.secretbox.open rejects (any bit flip, wrong key or nonce, short input)', () => {
    fc.assert(
      fc.property(message, nonce, key, fc.nat(), (m, n, k, bit) => {
        const box = nacl.secretbox(m, n, k);
        const flipped = Uint8Array.from(box);
        flipped[(bit >> 3) % box.length]! ^= 1 << (bit & 7);
        expect(secretboxOpen(flipped, n, k)).toBeNull();
        expect(nacl.secretbox.open(flipped, n, k)).toBeNull();
        const otherKey = Uint8Array.from(k);
        otherKey[0]! ^= 1;
        expect(secretboxOpen(box, n, otherKey)).toBeNull();
        const otherNonce = Uint8Array.from(n);
        otherNonce[23]! ^= 0x80;
        expect(secretboxOpen(box, otherNonce, k)).toBeNull();
      }),
      { numRuns: 200 },
    );
    for (let length = 0; length < 16; length++) expect(secretboxOpen(new Uint8Array(length), new Uint8Array(24), new Uint8Array(32))).toBeNull();
  });

  it('hmacSha256 == createHmac for keys up to 64 bytes and any message parts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 3 }), (k, parts) => {
        const expected = createHmac('sha256', k);
        for (const part of parts) expected.update(part);
        expect(hex(hmacSha256(k, ...parts))).toBe(expected.digest('hex'));
      }),
      { numRuns: 200 },
    );
    expect(() => hmacSha256(new Uint8Array(65))).toThrow(/longer than a block/);
  });

  it('hmacSha256 matches RFC 4231 test case 2', () => {
    const mac = hmacSha256(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'));
    expect(hex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
