import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, describeType, fromBase64Kubernetes, fromBase64Strict, setOwn, toBase64 } from './bytes.js';
import { BadInputError } from './errors.js';
import { expectError, hex } from './test-helpers.js';

const REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Reference for strict base64: the RFC 4648 grammar, and re-encoding gives the same text. */
const referenceAccepts = (text: string) => REFERENCE.test(text) && Buffer.from(text, 'base64').toString('base64') === text;

describe('fromBase64Strict', () => {
  it('round trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(hex(fromBase64Strict(toBase64(bytes), 'x'))).toBe(hex(bytes));
      }),
    );
  });

  it('accepts exactly what the reference accepts, for mutated and arbitrary strings', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\u00e9';
    const mutated = fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.constantFrom(...alphabet))
      .map(([bytes, at, ch]) => {
        const text = toBase64(bytes);
        const i = at % text.length;
        return text.slice(0, i) + ch + text.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 12 }), fc.base64String({ maxLength: 12 })), (text) => {
        let accepted = true;
        try {
          fromBase64Strict(text, 'x');
        } catch (error) {
          expect(error).toBeInstanceOf(BadInputError);
          accepted = false;
        }
        expect(accepted).toBe(text.length > 0 ? referenceAccepts(text) : true);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the field and the problem', () => {
    expect(expectError(() => fromBase64Strict('ab c', 'spec.encryptedData.x'), BadInputError).message).toBe(
      'spec.encryptedData.x is not valid base64 (standard alphabet, padded, no whitespace)',
    );
    expect(expectError(() => fromBase64Strict('AB==', 'v'), BadInputError).message).toContain('not canonical');
    expect(expectError(() => fromBase64Strict('AAB=', 'v'), BadInputError).message).toContain('not canonical');
    expect(hex(fromBase64Strict('AAA=', 'v'))).toBe('0000');
    expect(expectError(() => fromBase64Strict(7 as never, 'v'), BadInputError).message).toBe('v must be a base64 string, got a number');
  });
});

describe('fromBase64Kubernetes', () => {
  it('ignores line breaks like the API server, requires padding, rejects other characters', () => {
    expect(new TextDecoder().decode(fromBase64Kubernetes('aGVs\r\nbG8=\n', 'data.k'))).toBe('hello');
    expect(expectError(() => fromBase64Kubernetes('aGVsbG8', 'data.k'), BadInputError).message).toContain('data.k is not valid base64');
    expect(expectError(() => fromBase64Kubernetes('aGVs bG8=', 'data.k'), BadInputError).message).toContain('use stringData for plain text');
  });
});

describe('small helpers', () => {
  it('concatBytes, describeType, setOwn', () => {
    expect(hex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe('010203');
    expect([null, undefined, [], {}, 1, 'x', Uint8Array.of(1)].map(describeType)).toEqual(['null', 'nothing', 'an array', 'an object', 'a number', 'a string', '1 bytes']);
    const record: Record<string, number> = {};
    setOwn(record, '__proto__', 1);
    expect(Object.keys(record)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });
});
