// Counts X25519 operations by wrapping the internal boxBeforeNode, to check the Unsealer
// does one per (key id, ephemeral key), i.e. one per Secret sealed with sealValues.
import { describe, expect, it, vi } from 'vitest';
import { Unsealer, sealValue, sealValues } from './format.js';
import { Keyring, generateKeyPair } from './keys.js';
import { counterRandom, utf8 } from './test-helpers.js';
import * as x25519 from './x25519.js';

vi.mock('./x25519.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./x25519.js')>();
  return { ...original, boxBeforeNode: vi.fn(original.boxBeforeNode) };
});
const boxBeforeNode = vi.mocked(x25519.boxBeforeNode);

const pair = generateKeyPair(counterRandom(1));
const options = { recipients: [pair.publicKey], scope: 'strict', namespace: 'ns', name: 'obj' } as const;
const at = { namespace: 'ns', name: 'obj' };

describe('Unsealer cache', () => {
  it('does one X25519 per Secret sealed with sealValues', () => {
    const secrets = Array.from({ length: 4 }, (_, i) => sealValues({ a: utf8(`a${i}`), b: utf8('b'), c: utf8('c') }, options));
    const unsealer = new Unsealer(new Keyring([pair]));
    boxBeforeNode.mockClear();
    for (const s of secrets) for (const value of Object.values(s)) unsealer.open(value, at);
    expect(boxBeforeNode).toHaveBeenCalledTimes(4);
    // Opening them all again hits the cache.
    for (const s of secrets) for (const value of Object.values(s)) unsealer.open(value, at);
    expect(boxBeforeNode).toHaveBeenCalledTimes(4);
  });

  it('does one X25519 per value sealed with sealValue, and none is cached with cacheSize 0', () => {
    const values = Array.from({ length: 3 }, (_, i) => sealValue(utf8(`v${i}`), options));
    const unsealer = new Unsealer(new Keyring([pair]));
    boxBeforeNode.mockClear();
    for (const v of values) unsealer.open(v, at);
    expect(boxBeforeNode).toHaveBeenCalledTimes(3);
    const uncached = new Unsealer(new Keyring([pair]), { cacheSize: 0 });
    const secret = sealValues({ a: utf8('a'), b: utf8('b') }, options);
    boxBeforeNode.mockClear();
    uncached.open(secret.a!, at);
    uncached.open(secret.b!, at);
    expect(boxBeforeNode).toHaveBeenCalledTimes(2);
  });

  it('evicts the least recently used entry', () => {
    const [s1, s2, s3] = Array.from({ length: 3 }, () => sealValues({ a: utf8('a'), b: utf8('b') }, options)) as [Record<string, string>, Record<string, string>, Record<string, string>];
    const unsealer = new Unsealer(new Keyring([pair]), { cacheSize: 2 });
    boxBeforeNode.mockClear();
    unsealer.open(s1.a!, at); // miss: [1]
    unsealer.open(s2.a!, at); // miss: [1, 2]
    unsealer.open(s1.b!, at); // hit:  [2, 1]
    unsealer.open(s3.a!, at); // miss, evicts 2: [1, 3]
    expect(boxBeforeNode).toHaveBeenCalledTimes(3);
    unsealer.open(s1.a!, at); // hit
    expect(boxBeforeNode).toHaveBeenCalledTimes(3);
    unsealer.open(s2.b!, at); // miss (evicted)
    expect(boxBeforeNode).toHaveBeenCalledTimes(4);
  });

  it('does not cache a key that failed to unwrap the data key', () => {
    const secret = sealValues({ a: utf8('a') }, options);
    const bytes = Buffer.from(secret.a!, 'base64');
    bytes[4 + 6 + 32 + 1 + 8 + 24 + 1]! ^= 1; // wrapped data key
    const unsealer = new Unsealer(new Keyring([pair]));
    boxBeforeNode.mockClear();
    expect(() => unsealer.open(bytes.toString('base64'), at)).toThrow(/modified or corrupted/);
    expect(unsealer.open(secret.a!, at)).toEqual(utf8('a'));
    expect(boxBeforeNode).toHaveBeenCalledTimes(2);
  });
});

describe('hostile values', () => {
  it('a value listing our key id many times costs one X25519', () => {
    const sealed = sealValues({ a: utf8('a') }, options).a!;
    const bytes = Buffer.from(sealed, 'base64');
    const start = 4 + 6 + 32 + 1; // label "ns/obj"
    const entry = bytes.subarray(start, start + 80);
    const broken = Buffer.from(entry);
    broken[40]! ^= 1; // wrapped key no longer opens
    const hostile = Buffer.concat([bytes.subarray(0, start - 1), Buffer.of(200), ...Array.from({ length: 200 }, () => broken), bytes.subarray(start + 80)]);
    const unsealer = new Unsealer(new Keyring([pair]));
    boxBeforeNode.mockClear();
    expect(() => unsealer.open(hostile.toString('base64'), at)).toThrow(/modified or corrupted/);
    expect(boxBeforeNode).toHaveBeenCalledTimes(1);
    // Nothing was cached from the failed attempt.
    unsealer.open(sealed, at);
    expect(boxBeforeNode).toHaveBeenCalledTimes(2);
  });
});
