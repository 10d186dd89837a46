import { randomBytes } from 'node:crypto';
import { BadInputError } from './errors.js';

/**
 * Source of random bytes. Injected so the committed test vectors can be reproduced
 * with fixed "randomness"; production code uses the default (node:crypto CSPRNG).
 */
export type RandomSource = (length: number) => Uint8Array;

/** @internal */
export const defaultRandom: RandomSource = (length) => randomBytes(length);

/** @internal Draws `length` bytes and checks that the source honoured the length. */
export function draw(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new BadInputError(`random: the random source returned ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes}, expected ${length} bytes`);
  }
  return bytes;
}
