import { describe, expect, it } from 'vitest';
import { RemoteError, Reason } from './errors.js';
import { extractAll, extractProperty, interpretKvRead } from './extract.js';

describe('interpretKvRead', () => {
  it('reads KV v1 data as the secret', () => {
    const o = interpretKvRead({ status: 200, data: { a: '1' } }, 'v1', 'k');
    expect(o).toEqual({ found: true, secret: { data: { a: '1' }, version: undefined } });
  });

  it('reads KV v2 data.data and the version from metadata', () => {
    const o = interpretKvRead({ status: 200, data: { data: { a: '1' }, metadata: { version: 4, deletion_time: '', destroyed: false } } }, 'v2', 'k');
    expect(o).toEqual({ found: true, secret: { data: { a: '1' }, version: 4 } });
  });

  it('tells a missing key from a deleted or destroyed version', () => {
    expect(interpretKvRead({ status: 404, data: null }, 'v2', 'prod/db')).toMatchObject({ found: false, reason: Reason.KeyNotFound, detail: 'key "prod/db" not found' });
    expect(interpretKvRead({ status: 404, data: null }, 'v1', 'prod/db')).toMatchObject({ found: false, reason: Reason.KeyNotFound });
    const deleted = interpretKvRead({ status: 404, data: { data: null, metadata: { version: 3, deletion_time: '2026-01-01T00:00:00Z', destroyed: false } } }, 'v2', 'k', 3);
    expect(deleted).toMatchObject({ found: false, reason: Reason.VersionNotFound, detail: 'version 3 of key "k" is deleted' });
    const destroyed = interpretKvRead({ status: 404, data: { data: null, metadata: { version: 2, deletion_time: '', destroyed: true } } }, 'v2', 'k');
    expect(destroyed).toMatchObject({ found: false, reason: Reason.VersionNotFound, detail: 'the current version (2) of key "k" is destroyed' });
  });
});

describe('extractProperty', () => {
  const secret = { data: { password: 's3cret', port: 5432, on: true, nested: { user: 'u' }, 'a.b': 'dotted', empty: null }, version: 1 };

  it('returns strings as is and other values as JSON', () => {
    expect(extractProperty(secret, 'k', 'password').toString()).toBe('s3cret');
    expect(extractProperty(secret, 'k', 'port').toString()).toBe('5432');
    expect(extractProperty(secret, 'k', 'on').toString()).toBe('true');
    expect(extractProperty(secret, 'k', 'nested').toString()).toBe('{"user":"u"}');
    expect(extractProperty(secret, 'k', 'empty').toString()).toBe('');
  });

  it('prefers an exact field name, else walks dotted names', () => {
    expect(extractProperty(secret, 'k', 'a.b').toString()).toBe('dotted');
    expect(extractProperty(secret, 'k', 'nested.user').toString()).toBe('u');
  });

  it('without a property returns the whole secret as JSON', () => {
    expect(JSON.parse(extractProperty({ data: { a: '1' }, version: undefined }, 'k', undefined).toString())).toEqual({ a: '1' });
  });

  it('a missing property is PropertyNotFound naming the fields, never a value', () => {
    try {
      extractProperty(secret, 'prod/db', 'passwd');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RemoteError);
      expect((e as RemoteError).reason).toBe(Reason.PropertyNotFound);
      expect((e as RemoteError).message).toContain('property "passwd" not found in key "prod/db"');
      expect((e as RemoteError).message).toContain('password');
      expect((e as RemoteError).message).not.toContain('s3cret');
    }
    expect(() => extractProperty(secret, 'k', 'nested.nope')).toThrow(/nested.nope/);
  });
});

describe('extractAll', () => {
  it('maps every top-level field to a Secret key', () => {
    const all = extractAll({ data: { user: 'u', port: 1 }, version: 1 }, 'k');
    expect(Object.fromEntries(Object.entries(all).map(([k, b]) => [k, b.toString()]))).toEqual({ user: 'u', port: '1' });
  });
  it('rejects fields that cannot be Secret keys', () => {
    expect(() => extractAll({ data: { 'has space': 'x' }, version: 1 }, 'k')).toThrow(/not a valid Secret key/);
  });
});
