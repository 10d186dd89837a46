// Property-based tests (fast-check): round trips, and hostile input of every shape always
// ends in a typed SealkitError, never a crash and never a wrong plaintext.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, BadInputError, ScopeMismatchError, SealkitError, UnknownKeyIdError, UnknownVersionError } from './errors.js';
import { Unsealer, inspectValue, parseValue, sealValue, sealValues } from './format.js';
import { Keyring, generateKeyPair, keyId } from './keys.js';
import type { Scope } from './scope.js';
import { counterRandom, hex } from './test-helpers.js';

const keys = [1, 2, 3, 4].map((seed) => generateKeyPair(counterRandom(seed)));
const [a, b, c, outsider] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
const unsealer = new Unsealer(new Keyring([a, b, c]));

const namespaceArb = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const nameArb = fc
  .stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?){0,3}$/)
  .filter((s) => s.length <= 253);
const scopeArb = fc.constantFrom<Scope>('strict', 'namespace', 'cluster');
const plaintextArb = fc.uint8Array({ maxLength: 300 });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Opens and returns either the plaintext or the error; anything but a SealkitError fails the test. */
function attempt(sealed: string, where: { namespace: string; name: string }, with_: Unsealer = unsealer): Uint8Array | SealkitError {
  try {
    return with_.open(sealed, where);
  } catch (error) {
    if (!(error instanceof SealkitError)) throw error;
    return error;
  }
}

// A fixed corpus of values to mutate: the three scopes, one and three recipients.
const corpus = [
  { sealed: sealValue(new TextEncoder().encode('secret-1'), { recipients: [a.publicKey], scope: 'strict', namespace: 'prod', name: 'db' }), where: { namespace: 'prod', name: 'db' } },
  { sealed: sealValue(new Uint8Array(0), { recipients: [a.publicKey, b.publicKey, c.publicKey], scope: 'namespace', namespace: 'team-a' }), where: { namespace: 'team-a', name: 'x' } },
  { sealed: sealValue(Uint8Array.from({ length: 200 }, (_, i) => i), { recipients: [b.publicKey], scope: 'cluster' }), where: { namespace: 'x', name: 'y' } },
].map((v) => ({ ...v, bytes: new Uint8Array(Buffer.from(v.sealed, 'base64')), plaintext: hex(unsealer.open(v.sealed, v.where)) }));
const corpusArb = fc.constantFrom(...corpus);

describe('round trip', () => {
  it('any bytes, any valid namespace/name, any scope, 1-3 recipients: opens at its location, each recipient alone', () => {
    fc.assert(
      fc.property(plaintextArb, namespaceArb, nameArb, scopeArb, fc.subarray([a, b, c], { minLength: 1 }), (plaintext, namespace, name, scope, recipients) => {
        const sealed = sealValue(plaintext, { recipients: recipients.map((r) => r.publicKey), scope, namespace, name });
        const info = inspectValue(sealed);
        expect(info.scope).toBe(scope);
        expect(info.keyIds).toEqual(recipients.map((r) => keyId(r.publicKey)));
        for (const r of recipients) expect(hex(new Unsealer(new Keyring([r])).open(sealed, { namespace, name }))).toBe(hex(plaintext));
      }),
      { numRuns: 150 },
    );
  });

  it('sealValues: any record of values opens key by key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), plaintextArb, { maxKeys: 5 }), namespaceArb, nameArb, (values, namespace, name) => {
        const sealed = sealValues(values, { recipients: [a.publicKey], scope: 'strict', namespace, name });
        // Sorted insertion; JS itself lists array-index keys ("0", "12") first, in numeric order.
        expect(Object.keys(sealed)).toEqual(Object.keys(Object.fromEntries(Object.keys(values).sort().map((k) => [k, 0]))));
        for (const key of Object.keys(values)) expect(hex(unsealer.open(sealed[key]!, { namespace, name }))).toBe(hex(values[key]!));
      }),
      { numRuns: 80 },
    );
  });
});

describe('moved values', () => {
  it('strict: any other namespace or name -> ScopeMismatchError', () => {
    fc.assert(
      fc.property(namespaceArb, nameArb, namespaceArb, nameArb, (ns, name, ns2, name2) => {
        fc.pre(ns !== ns2 || name !== name2);
        const sealed = sealValue(Uint8Array.of(1), { recipients: [a.publicKey], scope: 'strict', namespace: ns, name });
        expect(attempt(sealed, { namespace: ns2, name: name2 })).toBeInstanceOf(ScopeMismatchError);
      }),
      { numRuns: 100 },
    );
  });

  it('namespace: any other namespace -> ScopeMismatchError, any name in the namespace opens', () => {
    fc.assert(
      fc.property(namespaceArb, namespaceArb, nameArb, (ns, ns2, name) => {
        fc.pre(ns !== ns2);
        const sealed = sealValue(Uint8Array.of(1), { recipients: [a.publicKey], scope: 'namespace', namespace: ns });
        expect(attempt(sealed, { namespace: ns2, name })).toBeInstanceOf(ScopeMismatchError);
        expect(attempt(sealed, { namespace: ns, name })).toEqual(Uint8Array.of(1));
      }),
      { numRuns: 100 },
    );
  });
});

describe('wrong key', () => {
  it('a keyring without any recipient -> UnknownKeyIdError listing the recipients', () => {
    fc.assert(
      fc.property(fc.subarray([a, b, c], { minLength: 1 }), scopeArb, (recipients, scope) => {
        const sealed = sealValue(Uint8Array.of(1), { recipients: recipients.map((r) => r.publicKey), scope, namespace: 'n', name: 'm' });
        const error = attempt(sealed, { namespace: 'n', name: 'm' }, new Unsealer(new Keyring([outsider])));
        expect(error).toBeInstanceOf(UnknownKeyIdError);
        expect((error as UnknownKeyIdError).keyIds).toEqual(recipients.map((r) => keyId(r.publicKey)));
      }),
      { numRuns: 30 },
    );
  });
});

describe('hostile input', () => {
  it('any truncation -> BadInputError (header) or AuthenticationError (payload)', () => {
    fc.assert(
      fc.property(corpusArb, fc.nat(), (value, cut) => {
        const length = cut % value.bytes.length;
        const result = attempt(b64(value.bytes.subarray(0, length)), value.where);
        expect(result).toBeInstanceOf(SealkitError);
        const headerLength = parseValue(value.sealed).header.length;
        expect(result).toBeInstanceOf(length < headerLength + 24 + 16 ? BadInputError : AuthenticationError);
      }),
      { numRuns: 300 },
    );
  });

  it('every truncation of every corpus value (exhaustive)', () => {
    for (const value of corpus) {
      for (let length = 0; length < value.bytes.length; length++) {
        expect(attempt(b64(value.bytes.subarray(0, length)), value.where)).toBeInstanceOf(SealkitError);
      }
    }
  });

  it('any single-bit flip anywhere -> a typed error, never a plaintext', () => {
    fc.assert(
      fc.property(corpusArb, fc.nat(), (value, bit) => {
        const position = bit % (value.bytes.length * 8);
        const copy = Uint8Array.from(value.bytes);
        copy[position >> 3]! ^= 1 << (position & 7);
        expect(attempt(b64(copy), value.where)).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 500 },
    );
  });

  it('every single-bit flip of the strict corpus value (exhaustive), with the expected class per field', () => {
    const value = corpus[0]!; // label "prod/db" (7 bytes), one recipient
    const label = [4, 11];
    const ephemeral = [11, 43];
    const count = 43;
    const keyIdField = [44, 52];
    const expected = (index: number): (abstract new (...args: never[]) => SealkitError)[] => {
      if (index === 0) return [UnknownVersionError];
      if (index === 1) return [BadInputError]; // unknown scope code, or cluster with a non-empty label
      if (index < label[0]!) return [BadInputError, AuthenticationError, UnknownKeyIdError]; // label length: re-parses
      if (index < label[1]!) return [BadInputError, ScopeMismatchError]; // an invalid label, or another place
      if (index < ephemeral[1]!) return [AuthenticationError];
      if (index === count) return [BadInputError, AuthenticationError];
      if (index < keyIdField[1]!) return [UnknownKeyIdError];
      return [AuthenticationError]; // nonce, wrapped key, payload nonce, payload
    };
    for (let position = 0; position < value.bytes.length * 8; position++) {
      const index = position >> 3;
      const copy = Uint8Array.from(value.bytes);
      copy[index]! ^= 1 << (position & 7);
      const result = attempt(b64(copy), value.where);
      expect(result).toBeInstanceOf(SealkitError);
      expect(expected(index).some((Class) => result instanceof Class), `bit ${position} (byte ${index}): ${(result as Error).name}`).toBe(true);
    }
  });

  it('any change of header bytes (one or more bytes replaced) -> a typed error, never a plaintext', () => {
    fc.assert(
      fc.property(corpusArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (value, edits) => {
        const header = parseValue(value.sealed).header.length;
        const copy = Uint8Array.from(value.bytes);
        for (const [at, delta] of edits) copy[at % header] = (copy[at % header]! + delta) & 0xff;
        fc.pre(hex(copy) !== hex(value.bytes));
        const result = attempt(b64(copy), value.where);
        expect(result).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 300 },
    );
  });

  it('inserted or deleted bytes anywhere -> a typed error', () => {
    fc.assert(
      fc.property(corpusArb, fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 40 }), (value, at, insert, remove) => {
        const i = at % value.bytes.length;
        const copy = Uint8Array.from([...value.bytes.subarray(0, i), ...insert, ...value.bytes.subarray(i + remove)]);
        fc.pre(hex(copy) !== hex(value.bytes));
        expect(attempt(b64(copy), value.where)).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 300 },
    );
  });

  it('recipient entries swapped, dropped or duplicated -> a typed error', () => {
    const value = corpus[1]!; // three recipients
    const bytes = value.bytes;
    const start = 4 + 6 + 32 + 1;
    const entry = (i: number) => bytes.subarray(start + 80 * i, start + 80 * (i + 1));
    const rest = bytes.subarray(start + 240);
    const build = (count: number, entries: Uint8Array[]) => b64(Uint8Array.from([...bytes.subarray(0, start - 1), count, ...entries.flatMap((e) => [...e]), ...rest]));
    for (const sealed of [
      build(3, [entry(1), entry(0), entry(2)]),
      build(2, [entry(0), entry(1)]),
      build(1, [entry(2)]),
      build(4, [entry(0), entry(1), entry(2), entry(2)]),
    ]) {
      expect(attempt(sealed, value.where)).toBeInstanceOf(AuthenticationError);
    }
  });

  it('arbitrary strings -> a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.uint8Array({ maxLength: 400 }).map(b64)), (text) => {
        expect(attempt(text, { namespace: 'prod', name: 'db' })).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes after a valid version byte and scope -> a typed error', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 400 }), (scope, tail) => {
        expect(attempt(b64(Uint8Array.from([1, scope, ...tail])), { namespace: 'prod', name: 'db' })).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 300 },
    );
  });

  it('a base64 character changed -> a typed error', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n';
    fc.assert(
      fc.property(corpusArb, fc.nat(), fc.constantFrom(...alphabet), (value, at, ch) => {
        const i = at % value.sealed.length;
        const text = value.sealed.slice(0, i) + ch + value.sealed.slice(i + 1);
        fc.pre(text !== value.sealed);
        expect(attempt(text, value.where)).toBeInstanceOf(SealkitError);
      }),
      { numRuns: 300 },
    );
  });
});
