// The committed vectors (packages/core/vectors/sealed-values.json), checked both ways:
// sealing with the vector's randomness gives the vector's bytes, and opening the vector's
// bytes gives its plaintext. A second, minimal opener written from docs/format.md with
// tweetnacl's box/secretbox only must agree, so the vectors do not just mirror this code.
import { createHash, createHmac } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { SealkitError, UnknownKeyIdError } from './errors.js';
import { Unsealer, sealValue, sealValues } from './format.js';
import { Keyring, keyPairFromSecretKey } from './keys.js';
import { fromHex, hex, loadVectors, replay } from './test-helpers.js';

const vectors = loadVectors();
const pairs = Object.fromEntries(Object.entries(vectors.keys).map(([name, key]) => [name, keyPairFromSecretKey(fromHex(key.secretKey))]));
const pair = (name: string) => {
  const found = pairs[name];
  if (!found) throw new Error(`vector key ${name} missing`);
  return found;
};

/** Independent opener: docs/format.md section "Opening", with tweetnacl primitives only. */
function referenceOpen(sealed: string, secretKey: Uint8Array): { label: string; scopeCode: number; plaintext: Uint8Array } {
  const v = new Uint8Array(Buffer.from(sealed, 'base64'));
  if (v[0] !== 1) throw new Error('version');
  const scopeCode = v[1]!;
  const labelLength = (v[2]! << 8) | v[3]!;
  let o = 4;
  const label = new TextDecoder().decode(v.subarray(o, o + labelLength));
  o += labelLength;
  const ephemeral = v.subarray(o, o + 32);
  o += 32;
  const count = v[o]!;
  o += 1;
  const publicKey = nacl.box.keyPair.fromSecretKey(secretKey).publicKey;
  const myId = createHash('sha256').update(publicKey).digest().subarray(0, 8);
  let dataKey: Uint8Array | null = null;
  for (let i = 0; i < count; i++, o += 80) {
    if (Buffer.compare(v.subarray(o, o + 8), myId) === 0) dataKey = nacl.box.open(v.subarray(o + 32, o + 80), v.subarray(o + 8, o + 32), ephemeral, secretKey);
  }
  if (!dataKey) throw new Error('no recipient entry for this key, or the wrapped key did not open');
  const header = v.subarray(0, o);
  const payloadKey = createHmac('sha256', dataKey).update('sealkit/v1/payload-key').update(header).digest();
  const plaintext = nacl.secretbox.open(v.subarray(o + 24), v.subarray(o, o + 24), payloadKey);
  if (!plaintext) throw new Error('payload authentication');
  return { label, scopeCode, plaintext };
}

describe('committed vectors', () => {
  it('are present and cover every scope, several recipients and several values per Secret', () => {
    expect(vectors.formatVersion).toBe(1);
    expect(new Set(vectors.valid.map((v) => v.scope))).toEqual(new Set(['strict', 'namespace', 'cluster']));
    expect(Math.max(...vectors.valid.map((v) => v.recipients.length))).toBeGreaterThanOrEqual(3);
    expect(Math.max(...vectors.valid.map((v) => v.values.length))).toBeGreaterThanOrEqual(3);
    expect(new Set(vectors.invalid.map((v) => v.error))).toEqual(new Set(['scope_mismatch', 'unknown_key', 'authentication_failed', 'unknown_version', 'bad_input']));
  });

  describe.each(vectors.valid)('$description', (vector) => {
    const recipients = vector.recipients.map((name) => pair(name).publicKey);
    const options = { recipients, scope: vector.scope, namespace: vector.namespace, name: vector.name };
    const values = Object.fromEntries(vector.values.map((v) => [v.key, fromHex(v.plaintextHex)]));
    const where = { namespace: vector.namespace ?? 'elsewhere', name: vector.name ?? 'anything' };

    it('seal with the vector randomness == the vector bytes, consuming all of it', () => {
      const random = replay(fromHex(vector.randomHex));
      const sealed = sealValues(values, { ...options, random });
      expect(random.used()).toBe(vector.randomHex.length / 2);
      expect(sealed).toEqual(Object.fromEntries(vector.values.map((v) => [v.key, v.sealed])));
      if (vector.values.length === 1) {
        expect(sealValue(values[vector.values[0]!.key]!, { ...options, random: replay(fromHex(vector.randomHex)) })).toBe(vector.values[0]!.sealed);
      }
    });

    it('open the vector bytes == the plaintext, with each recipient key alone', () => {
      for (const name of vector.recipients) {
        const unsealer = new Unsealer(new Keyring([pair(name)]));
        for (const v of vector.values) {
          expect(hex(unsealer.open(v.sealed, where))).toBe(v.plaintextHex);
          if (v.plaintextUtf8 !== undefined) expect(new TextDecoder().decode(fromHex(v.plaintextHex))).toBe(v.plaintextUtf8);
        }
      }
    });

    it('the independent opener (tweetnacl only) agrees, and the intermediates match', () => {
      expect(hex(keyPairFromSecretKey(fromHex(vector.intermediate.ephemeralSecretKey)).publicKey)).toBe(vector.intermediate.ephemeralPublicKey);
      for (const r of vector.intermediate.recipients) {
        expect(r.keyId).toBe(vectors.keys[r.key]!.keyId);
        const shared = nacl.scalarMult(fromHex(vector.intermediate.ephemeralSecretKey), pair(r.key).publicKey);
        expect(hex(shared)).toBe(r.x25519SharedSecret);
        expect(hex(nacl.box.before(pair(r.key).publicKey, fromHex(vector.intermediate.ephemeralSecretKey)))).toBe(r.boxKey);
      }
      for (const v of vector.values) {
        const bytes = Buffer.from(v.sealed, 'base64');
        const recipientsStart = 4 + Buffer.byteLength(labelOf(vector)) + 32 + 1;
        v.intermediate.recipientNonces.forEach((nonce, i) => {
          const entry = bytes.subarray(recipientsStart + 80 * i, recipientsStart + 80 * (i + 1));
          expect(hex(entry.subarray(8, 32))).toBe(nonce);
          expect(hex(nacl.secretbox.open(entry.subarray(32), fromHex(nonce), fromHex(vector.intermediate.recipients[i]!.boxKey))!)).toBe(v.intermediate.dataKey);
        });
        expect(recipientsStart + 80 * vector.recipients.length).toBe(v.intermediate.headerLength);
        const header = bytes.subarray(0, v.intermediate.headerLength);
        expect(hex(createHmac('sha256', fromHex(v.intermediate.dataKey)).update('sealkit/v1/payload-key').update(header).digest())).toBe(v.intermediate.payloadKey);
        expect(hex(bytes.subarray(v.intermediate.headerLength, v.intermediate.headerLength + 24))).toBe(v.intermediate.payloadNonce);
        for (const name of vector.recipients) {
          const opened = referenceOpen(v.sealed, pair(name).secretKey);
          expect(hex(opened.plaintext)).toBe(v.plaintextHex);
          expect(opened.label).toBe(labelOf(vector));
          expect(opened.scopeCode).toBe({ strict: 1, namespace: 2, cluster: 3 }[vector.scope]);
        }
      }
    });
  });

  it('pin the rules an implementation could guess at (docs/format.md)', () => {
    // A name part longer than 63 characters is a valid Kubernetes object name, so it seals and opens.
    const long = vectors.valid.find((v) => v.scope === 'strict' && v.name!.split('.').some((part) => part.length > 63));
    expect(long).toBeDefined();
    // The first entry that unwraps decides: the crafted value fails with both keys, but it is well
    // formed and opens through its second entry when only that key is held.
    const two = vectors.invalid.find((v) => v.description.startsWith('two entries wrapping different data keys'))!;
    expect(two.error).toBe('authentication_failed');
    const opened = new Unsealer(new Keyring([pair('recovery')])).open(two.sealed, two.where);
    expect(new TextDecoder().decode(opened)).toBe('opened through the second entry');
    // Base64 that a lenient decoder would accept (line breaks, spaces) is rejected.
    const lenient = vectors.invalid.filter((v) => /\s/.test(v.sealed));
    expect(lenient.length).toBeGreaterThanOrEqual(4);
    for (const v of lenient) expect(v.error, v.description).toBe('bad_input');
  });

  describe.each(vectors.invalid)('invalid: $description', (vector) => {
    it(`fails with ${vector.error}`, () => {
      const unsealer = new Unsealer(new Keyring(vector.keyring.map(pair)));
      let error: unknown;
      try {
        unsealer.open(vector.sealed, vector.where);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SealkitError);
      expect((error as SealkitError).code).toBe(vector.error);
      if (vector.keyIds) expect((error as UnknownKeyIdError).keyIds).toEqual(vector.keyIds);
    });
  });
});

function labelOf(vector: { scope: string; namespace?: string; name?: string }): string {
  if (vector.scope === 'strict') return `${vector.namespace}/${vector.name}`;
  if (vector.scope === 'namespace') return vector.namespace!;
  return '';
}
