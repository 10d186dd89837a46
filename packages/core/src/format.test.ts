import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadInputError,
  ScopeMismatchError,
  SealkitError,
  UnknownKeyIdError,
  UnknownVersionError,
} from './errors.js';
import { MIN_SEALED_LENGTH, Unsealer, inspectValue, openValue, parseValue, sealValue, sealValues } from './format.js';
import { Keyring, generateKeyPair, keyId } from './keys.js';
import { counterRandom, expectError, hex, replay, utf8 } from './test-helpers.js';

const a = generateKeyPair(counterRandom(1));
const b = generateKeyPair(counterRandom(2));
const recovery = generateKeyPair(counterRandom(3));
const outsider = generateKeyPair(counterRandom(4));
const ring = new Keyring([a]);
const at = { namespace: 'prod', name: 'db' };
const strict = { recipients: [a.publicKey], scope: 'strict', namespace: 'prod', name: 'db' } as const;
const secret = utf8('hunter2-not-a-real-password');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const raw = (sealed: string) => new Uint8Array(Buffer.from(sealed, 'base64'));

describe('sealValue / openValue', () => {
  it('round trips, and the value is standard padded base64 of the documented size', () => {
    const sealed = sealValue(secret, strict);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    // version, scope, label length, "prod/db", E, count, one recipient, nonce, tag + plaintext
    expect(raw(sealed)).toHaveLength(1 + 1 + 2 + 7 + 32 + 1 + 80 + 24 + 16 + secret.length);
    expect(hex(openValue(sealed, ring, at))).toBe(hex(secret));
  });

  it('opens empty and 1 MiB plaintexts', () => {
    expect(openValue(sealValue(new Uint8Array(0), strict), ring, at)).toHaveLength(0);
    const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
    expect(hex(openValue(sealValue(big, strict), ring, at))).toBe(hex(big));
  });

  it('is randomized: sealing twice gives different values', () => {
    expect(sealValue(secret, strict)).not.toBe(sealValue(secret, strict));
  });

  it('is deterministic with a fixed random source, and draws exactly E, data key, one nonce per recipient, payload nonce', () => {
    const randomness = new Uint8Array(32 + 32 + 24 * 2 + 24).map((_, i) => i);
    const r1 = replay(randomness);
    const one = sealValue(secret, { ...strict, recipients: [a.publicKey, b.publicKey], random: r1 });
    expect(r1.used()).toBe(randomness.length);
    expect(sealValue(secret, { ...strict, recipients: [a.publicKey, b.publicKey], random: replay(randomness) })).toBe(one);
    expect(sealValues({ k: secret }, { ...strict, recipients: [a.publicKey, b.publicKey], random: replay(randomness) })).toEqual({ k: one });
  });

  it('a value never contains its plaintext', () => {
    const text = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const bytes = raw(sealValue(utf8(text), strict));
    expect(Buffer.from(bytes).includes(Buffer.from(text))).toBe(false);
  });
});

describe('scopes', () => {
  it('strict opens only at the same namespace and name', () => {
    const sealed = sealValue(secret, strict);
    const other = expectError(() => openValue(sealed, ring, { namespace: 'prod', name: 'db-copy' }), ScopeMismatchError);
    expect(other.code).toBe('scope_mismatch');
    expect(other.message).toBe(
      'scope mismatch: the value is sealed strict to "prod/db" but was found at "prod/db-copy"; seal it again for this namespace and name (or seal with a wider scope)',
    );
    expectError(() => openValue(sealed, ring, { namespace: 'staging', name: 'db' }), ScopeMismatchError);
  });

  it('namespace opens under any name of that namespace only', () => {
    const sealed = sealValue(secret, { recipients: [a.publicKey], scope: 'namespace', namespace: 'prod' });
    expect(hex(openValue(sealed, ring, { namespace: 'prod', name: 'anything' }))).toBe(hex(secret));
    const error = expectError(() => openValue(sealed, ring, { namespace: 'dev', name: 'db' }), ScopeMismatchError);
    expect(error.message).toContain('namespace-wide to namespace "prod" but was found at namespace "dev"');
  });

  it('cluster opens anywhere, and ignores a namespace or name given at seal time', () => {
    const sealed = sealValue(secret, { recipients: [a.publicKey], scope: 'cluster', namespace: 'prod', name: 'db' });
    expect(inspectValue(sealed)).toEqual({ version: 1, scope: 'cluster', keyIds: [keyId(a.publicKey)] });
    expect(hex(openValue(sealed, ring, { namespace: 'x', name: 'y' }))).toBe(hex(secret));
  });

  it('the scope check comes before the key lookup: a moved value for an unknown key reports the scope', () => {
    const sealed = sealValue(secret, { ...strict, recipients: [outsider.publicKey] });
    expectError(() => openValue(sealed, ring, { namespace: 'prod', name: 'other' }), ScopeMismatchError);
    expectError(() => openValue(sealed, ring, at), UnknownKeyIdError);
  });
});

describe('keys and recipients', () => {
  it('a keyring without the recipient key raises UnknownKeyIdError listing the value\'s key ids', () => {
    const sealed = sealValue(secret, { ...strict, recipients: [a.publicKey, b.publicKey] });
    const error = expectError(() => openValue(sealed, new Keyring([outsider]), at), UnknownKeyIdError);
    expect(error.keyIds).toEqual([keyId(a.publicKey), keyId(b.publicKey)]);
    expect(error.message).toContain(keyId(a.publicKey));
    expect(error.message).not.toContain(Buffer.from(secret).toString());
  });

  it('an empty keyring raises UnknownKeyIdError', () => {
    expectError(() => openValue(sealValue(secret, strict), new Keyring(), at), UnknownKeyIdError);
  });

  it('each of several recipients opens the value alone', () => {
    const sealed = sealValue(secret, { ...strict, recipients: [a.publicKey, b.publicKey, recovery.publicKey] });
    for (const pair of [a, b, recovery]) expect(hex(openValue(sealed, new Keyring([pair]), at))).toBe(hex(secret));
    expect(inspectValue(sealed).keyIds).toEqual([a, b, recovery].map((p) => keyId(p.publicKey)));
  });

  it('a keyring with several keys picks the matching one', () => {
    const sealed = sealValue(secret, { ...strict, recipients: [b.publicKey] });
    expect(hex(openValue(sealed, new Keyring([outsider, a, b]), at))).toBe(hex(secret));
  });
});

describe('sealValues (one ephemeral key per Secret)', () => {
  const values = { 'z-last': utf8('3'), password: utf8('1'), 'a.first': utf8('2'), empty: new Uint8Array(0) };

  it('returns sorted keys and every value opens to its own plaintext', () => {
    const sealed = sealValues(values, strict);
    expect(Object.keys(sealed)).toEqual(['a.first', 'empty', 'password', 'z-last']);
    const unsealer = new Unsealer(ring);
    for (const [key, plaintext] of Object.entries(values)) expect(hex(unsealer.open(sealed[key]!, at))).toBe(hex(plaintext));
  });

  it('shares the ephemeral key but not the data keys or nonces', () => {
    const sealed = Object.values(sealValues(values, { ...strict, recipients: [a.publicKey, b.publicKey] })).map((v) => parseValue(v));
    expect(new Set(sealed.map((p) => hex(p.ephemeralPublicKey))).size).toBe(1);
    const nonces = sealed.flatMap((p) => [hex(p.payloadNonce), ...p.recipients.map((r) => hex(r.nonce))]);
    expect(new Set(nonces).size).toBe(nonces.length);
    const wrapped = sealed.flatMap((p) => p.recipients.map((r) => hex(r.wrappedKey)));
    expect(new Set(wrapped).size).toBe(wrapped.length);
  });

  it('separate calls use separate ephemeral keys', () => {
    const x = parseValue(sealValues({ k: secret }, strict).k!);
    const y = parseValue(sealValues({ k: secret }, strict).k!);
    expect(hex(x.ephemeralPublicKey)).not.toBe(hex(y.ephemeralPublicKey));
  });

  it('swapping two values of the same Secret still opens (key names are not bound; see docs/threat-model.md)', () => {
    const sealed = sealValues({ user: utf8('admin'), password: secret }, strict);
    expect(hex(openValue(sealed.password!, ring, at))).toBe(hex(secret));
    expect(new TextDecoder().decode(openValue(sealed.user!, ring, at))).toBe('admin');
  });

  it('an empty record needs no randomness and returns {}, but bad options are still reported', () => {
    expect(sealValues({}, { ...strict, random: () => { throw new Error('must not draw'); } })).toEqual({});
    expectError(() => sealValues({}, { ...strict, recipients: [] }), BadInputError);
    expectError(() => sealValues({}, { ...strict, namespace: undefined }), BadInputError);
  });

  it('handles a key named __proto__ as a plain key', () => {
    const input = JSON.parse('{"__proto__": "x"}') as Record<string, unknown>;
    input['__proto__'] = secret;
    Object.defineProperty(input, '__proto__', { value: secret, enumerable: true });
    const sealed = sealValues(input as Record<string, Uint8Array>, strict);
    expect(Object.keys(sealed)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype);
    expect(hex(openValue(Object.getOwnPropertyDescriptor(sealed, '__proto__')!.value as string, ring, at))).toBe(hex(secret));
  });
});

describe('bad input to seal', () => {
  const cases: [string, () => unknown, string][] = [
    ['plaintext not bytes', () => sealValue('text' as never, strict), 'plaintext must be a Uint8Array'],
    ['values not an object', () => sealValues(null as never, strict), 'values must be an object'],
    ['a value not bytes', () => sealValues({ password: 'x' } as never, strict), 'values["password"] must be a Uint8Array'],
    ['options missing', () => sealValue(secret, undefined as never), 'options must be an object'],
    ['no recipients', () => sealValue(secret, { ...strict, recipients: [] }), 'options.recipients is empty'],
    ['recipients not an array', () => sealValue(secret, { ...strict, recipients: a.publicKey as never }), 'options.recipients must be an array'],
    ['short recipient', () => sealValue(secret, { ...strict, recipients: [a.publicKey, new Uint8Array(31)] }), 'options.recipients[1] must be 32 bytes, got 31'],
    ['duplicate recipient', () => sealValue(secret, { ...strict, recipients: [a.publicKey, b.publicKey, a.publicKey] }), 'options.recipients[2] is the same key as options.recipients[0]'],
    ['too many recipients', () => sealValue(secret, { ...strict, recipients: Array.from({ length: 256 }, (_, i) => new Uint8Array(32).fill(i)) }), 'at most 255'],
    ['low-order recipient', () => sealValue(secret, { ...strict, recipients: [new Uint8Array(32)] }), 'options.recipients[0]: X25519 failed'],
    ['bad scope', () => sealValue(secret, { ...strict, scope: 'global' as never }), 'options.scope must be one of strict, namespace, cluster'],
    ['strict without namespace', () => sealValue(secret, { recipients: [a.publicKey], scope: 'strict', name: 'db' }), 'options.namespace is required for scope strict'],
    ['strict without name', () => sealValue(secret, { recipients: [a.publicKey], scope: 'strict', namespace: 'prod' }), 'options.name is required for scope strict'],
    ['namespace without namespace', () => sealValue(secret, { recipients: [a.publicKey], scope: 'namespace' }), 'options.namespace is required for scope namespace'],
    ['invalid namespace', () => sealValue(secret, { ...strict, namespace: 'Prod_1' }), 'not a valid Kubernetes namespace'],
    ['invalid name', () => sealValue(secret, { ...strict, name: 'db/x' }), 'not a valid Kubernetes object name'],
    ['random not a function', () => sealValue(secret, { ...strict, random: 3 as never }), 'options.random must be a function'],
    ['random short', () => sealValue(secret, { ...strict, random: () => new Uint8Array(1) }), 'the random source returned 1 bytes, expected 32 bytes'],
  ];
  it.each(cases)('%s -> BadInputError', (_name, fn, message) => {
    expect(expectError(fn, BadInputError).message).toContain(message);
  });
});

describe('malformed and tampered values', () => {
  const sealed = sealValue(secret, strict);
  const bytes = raw(sealed);

  it('not base64, empty, not a string -> BadInputError', () => {
    expectError(() => openValue('', ring, at), BadInputError);
    expectError(() => openValue('###', ring, at), BadInputError);
    expectError(() => openValue(sealed.replace(/=+$/, '') + ' ', ring, at), BadInputError);
    expectError(() => openValue(`${sealed.slice(0, 40)}\n${sealed.slice(40)}`, ring, at), BadInputError);
    expectError(() => openValue(42 as never, ring, at), BadInputError);
    expectError(() => inspectValue('AQ'), BadInputError); // non-canonical padding bits
  });

  it('unknown version -> UnknownVersionError naming both versions', () => {
    for (const version of [0, 2, 255]) {
      const copy = Uint8Array.from(bytes);
      copy[0] = version;
      const error = expectError(() => openValue(b64(copy), ring, at), UnknownVersionError);
      expect(error.message).toContain(`format version ${version}`);
      expect(error.message).toContain('version 1');
    }
    expectError(() => inspectValue(b64(Uint8Array.of(7))), UnknownVersionError);
  });

  it('truncated header -> BadInputError; truncated payload -> AuthenticationError', () => {
    const headerEnd = 4 + 7 + 32 + 1 + 80;
    for (const length of [1, 3, 4, 10, 11, 43, 44, headerEnd - 1, headerEnd, headerEnd + 24 + 15]) {
      const error = expectError(() => openValue(b64(bytes.subarray(0, length)), ring, at), BadInputError);
      expect(error.message).toContain('truncated');
    }
    expectError(() => openValue(b64(bytes.subarray(0, bytes.length - 1)), ring, at), AuthenticationError);
    expectError(() => openValue(b64(bytes.subarray(0, headerEnd + 24 + 16)), ring, at), AuthenticationError);
  });

  it('trailing bytes -> AuthenticationError', () => {
    expectError(() => openValue(b64(Uint8Array.from([...bytes, 0])), ring, at), AuthenticationError);
  });

  it('the smallest well-formed value has MIN_SEALED_LENGTH bytes', () => {
    const cluster = raw(sealValue(new Uint8Array(0), { recipients: [a.publicKey], scope: 'cluster' }));
    expect(cluster).toHaveLength(MIN_SEALED_LENGTH);
    expectError(() => inspectValue(b64(cluster.subarray(0, MIN_SEALED_LENGTH - 1))), BadInputError);
  });

  it('structural header errors are BadInputError with a reason', () => {
    const edit = (f: (b: Uint8Array) => void) => {
      const copy = Uint8Array.from(bytes);
      f(copy);
      return expectError(() => openValue(b64(copy), ring, at), BadInputError).message;
    };
    expect(edit((c) => (c[1] = 0))).toContain('unknown scope code 0');
    expect(edit((c) => (c[1] = 3))).toContain('malformed scope label for scope cluster');
    expect(edit((c) => (c[4 + 4] = 0x5f))).toContain('malformed scope label'); // "prod_db"
    expect(edit((c) => (c[4] = 0xff))).toContain('not valid UTF-8');
    expect(edit((c) => (c[3] = 0xff))).toContain('truncated');
    expect(edit((c) => (c[4 + 7 + 32] = 0))).toContain('no recipients');
    expect(edit((c) => (c[4 + 7 + 32] = 2))).toContain('truncated');
  });

  it('a changed header or payload never opens: AuthenticationError for crypto fields', () => {
    const offsets = {
      ephemeralKey: 4 + 7 + 3,
      nonce: 4 + 7 + 32 + 1 + 8 + 3,
      wrappedKey: 4 + 7 + 32 + 1 + 8 + 24 + 3,
      payloadNonce: 4 + 7 + 32 + 1 + 80 + 3,
      payload: bytes.length - 3,
    };
    for (const offset of Object.values(offsets)) {
      const copy = Uint8Array.from(bytes);
      copy[offset]! ^= 0x10;
      const error = expectError(() => openValue(b64(copy), ring, at), AuthenticationError);
      expect(error.code).toBe('authentication_failed');
      expect(error.message).toContain('modified or corrupted');
    }
  });

  it('a changed key id -> UnknownKeyIdError with the changed id', () => {
    const copy = Uint8Array.from(bytes);
    copy[4 + 7 + 32 + 1]! ^= 0xff;
    const error = expectError(() => openValue(b64(copy), ring, at), UnknownKeyIdError);
    expect(error.keyIds[0]).not.toBe(keyId(a.publicKey));
  });

  it('a low-order ephemeral key in a hostile value -> AuthenticationError, not a crash', () => {
    const copy = Uint8Array.from(bytes);
    copy.fill(0, 4 + 7, 4 + 7 + 32);
    expectError(() => openValue(b64(copy), ring, at), AuthenticationError);
  });

  it('the scope label cannot be rewritten to the new location', () => {
    // prod/db -> prod/dc keeps the length; the scope check passes, the header authentication does not.
    const copy = Uint8Array.from(bytes);
    copy[4 + 6] = 'c'.charCodeAt(0);
    expectError(() => openValue(b64(copy), ring, { namespace: 'prod', name: 'dc' }), AuthenticationError);
  });

  it('error messages never contain the plaintext', () => {
    const text = 'plaintext-marker-6d1f';
    const value = raw(sealValue(utf8(text), strict));
    for (let i = 0; i < value.length; i++) {
      const copy = Uint8Array.from(value);
      copy[i]! ^= 1;
      try {
        openValue(b64(copy), ring, at);
      } catch (error) {
        expect(error).toBeInstanceOf(SealkitError);
        expect((error as Error).message).not.toContain(text);
      }
    }
  });
});

describe('inspectValue', () => {
  it('reports version, scope, location and key ids without a key', () => {
    const sealed = sealValue(secret, { ...strict, recipients: [a.publicKey, recovery.publicKey] });
    expect(inspectValue(sealed)).toEqual({ version: 1, scope: 'strict', namespace: 'prod', name: 'db', keyIds: [keyId(a.publicKey), keyId(recovery.publicKey)] });
    const ns = sealValue(secret, { recipients: [a.publicKey], scope: 'namespace', namespace: 'prod' });
    expect(inspectValue(ns)).toEqual({ version: 1, scope: 'namespace', namespace: 'prod', keyIds: [keyId(a.publicKey)] });
  });
});

describe('Unsealer', () => {
  it('validates its arguments', () => {
    expectError(() => new Unsealer({} as never), BadInputError);
    expectError(() => new Unsealer(ring, { cacheSize: -1 }), BadInputError);
    expectError(() => new Unsealer(ring, { cacheSize: 1.5 }), BadInputError);
  });

  it('opens correctly with any cache size, including 0 and 1, across many Secrets', () => {
    const secrets = Array.from({ length: 6 }, (_, i) => sealValues({ a: utf8(`a${i}`), b: utf8(`b${i}`) }, { ...strict, recipients: [a.publicKey, b.publicKey] }));
    for (const cacheSize of [0, 1, 2, 100]) {
      const unsealer = new Unsealer(new Keyring([b, a]), { cacheSize });
      for (let round = 0; round < 2; round++) {
        secrets.forEach((s, i) => {
          expect(new TextDecoder().decode(unsealer.open(s.b!, at))).toBe(`b${i}`);
          expect(new TextDecoder().decode(unsealer.open(s.a!, at))).toBe(`a${i}`);
        });
      }
    }
  });

  it('a cached key does not let a tampered value of the same Secret open', () => {
    const values = sealValues({ a: utf8('one'), b: utf8('two') }, strict);
    const unsealer = new Unsealer(ring);
    unsealer.open(values.a!, at);
    const copy = raw(values.b!);
    copy[copy.length - 1]! ^= 1;
    expectError(() => unsealer.open(b64(copy), at), AuthenticationError);
    expect(new TextDecoder().decode(unsealer.open(values.b!, at))).toBe('two');
  });

  it('property: values sealed in random batches open through one Unsealer', () => {
    const unsealer = new Unsealer(new Keyring([a, b]), { cacheSize: 3 });
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (plaintexts, toB) => {
        const record = Object.fromEntries(plaintexts.map((p, i) => [`k${i}`, p]));
        const sealed = sealValues(record, { ...strict, recipients: [toB ? b.publicKey : a.publicKey] });
        for (const [key, value] of Object.entries(sealed)) expect(hex(unsealer.open(value, at))).toBe(hex(record[key]!));
      }),
      { numRuns: 60 },
    );
  });
});
