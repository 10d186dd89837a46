import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadInputError,
  ScopeMismatchError,
  SealkitError,
  UnknownKeyIdError,
  UnknownVersionError,
} from './errors.js';

describe('errors', () => {
  it.each([
    [BadInputError, 'bad_input'],
    [UnknownVersionError, 'unknown_version'],
    [ScopeMismatchError, 'scope_mismatch'],
    [AuthenticationError, 'authentication_failed'],
  ] as const)('%o has code %s, its class name, and is a SealkitError', (Class, code) => {
    const error = new Class('boom', { cause: 'why' });
    expect(error).toBeInstanceOf(SealkitError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(Class.name);
    expect(error.message).toBe('boom');
    expect(error.cause).toBe('why');
  });

  it('classes are distinct', () => {
    expect(new ScopeMismatchError('x')).not.toBeInstanceOf(AuthenticationError);
    expect(new AuthenticationError('x')).not.toBeInstanceOf(BadInputError);
    expect(new UnknownKeyIdError(['a'])).not.toBeInstanceOf(ScopeMismatchError);
  });

  it('UnknownKeyIdError carries a copy of the key ids and lists them in its default message', () => {
    const ids = ['0011223344556677', '8899aabbccddeeff'];
    const error = new UnknownKeyIdError(ids);
    ids.push('changed');
    expect(error.code).toBe('unknown_key');
    expect(error.name).toBe('UnknownKeyIdError');
    expect(error.keyIds).toEqual(['0011223344556677', '8899aabbccddeeff']);
    expect(error.message).toContain('0011223344556677, 8899aabbccddeeff');
    expect(new UnknownKeyIdError(['x'], 'custom').message).toBe('custom');
  });
});
