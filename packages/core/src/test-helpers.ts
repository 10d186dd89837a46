// Shared by the *.test.ts files of this package (excluded from the build, never exported).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { SealkitError } from './errors.js';
import type { RandomSource } from './random.js';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** A RandomSource that replays `bytes` in order and fails the test if it runs out. */
export function replay(bytes: Uint8Array): RandomSource & { readonly used: () => number } {
  let pos = 0;
  const source = (n: number): Uint8Array => {
    if (pos + n > bytes.length) throw new Error(`replay: asked for ${n} bytes at ${pos}, only ${bytes.length} available`);
    const out = bytes.slice(pos, pos + n);
    pos += n;
    return out;
  };
  return Object.assign(source, { used: () => pos });
}

/** Deterministic, seedable bytes for tests that need many distinct key pairs quickly. */
export function counterRandom(seed = 1): RandomSource {
  let counter = seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      counter = (counter * 1103515245 + 12345) >>> 0;
      out[i] = counter >>> 24;
    }
    return out;
  };
}

/** Runs fn, expects it to throw a SealkitError of `Class`, and returns the error. */
export function expectError<E extends SealkitError>(fn: () => unknown, Class: abstract new (...args: never[]) => E): E {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an error to be thrown').toBeInstanceOf(Class);
  return thrown as E;
}

export interface VectorKey {
  secretKey: string;
  publicKey: string;
  keyId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}
export interface ValidVector {
  description: string;
  scope: 'strict' | 'namespace' | 'cluster';
  namespace?: string;
  name?: string;
  recipients: string[];
  randomHex: string;
  intermediate: {
    ephemeralSecretKey: string;
    ephemeralPublicKey: string;
    recipients: { key: string; keyId: string; x25519SharedSecret: string; boxKey: string }[];
  };
  values: {
    key: string;
    plaintextHex: string;
    plaintextUtf8?: string;
    sealed: string;
    intermediate: { dataKey: string; recipientNonces: string[]; headerLength: number; payloadKey: string; payloadNonce: string };
  }[];
}
export interface InvalidVector {
  description: string;
  sealed: string;
  keyring: string[];
  where: { namespace: string; name: string };
  error: string;
  keyIds?: string[];
}
export interface Vectors {
  formatVersion: number;
  keys: Record<string, VectorKey>;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

export function loadVectors(): Vectors {
  return JSON.parse(readFileSync(new URL('../vectors/sealed-values.json', import.meta.url), 'utf8')) as Vectors;
}
