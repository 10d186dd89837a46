import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, BadInputError } from './errors.js';
import { sealValues } from './format.js';
import { generateKeyPair, keyIdBytes } from './keys.js';
import { counterRandom, expectError, fromHex, hex, replay } from './test-helpers.js';
import { boxBeforeNode, boxBeforeRecipient, privateKeyObject } from './x25519.js';

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
