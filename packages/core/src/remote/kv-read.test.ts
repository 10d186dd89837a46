import { describe, expect, it } from 'vitest';
import { interpretKvRead, lookupProperty } from './kv-read.js';

describe('interpretKvRead', () => {
  it('reads a KV v1 secret (the data itself) and a KV v2 one (data.data, with its version)', () => {
    expect(interpretKvRead({ status: 200, data: { a: '1' } }, 'v1', 'k')).toEqual({ found: true, secret: { data: { a: '1' }, version: undefined } });
    const v2 = interpretKvRead({ status: 200, data: { data: { a: '1' }, metadata: { version: 4, deletion_time: '', destroyed: false } } }, 'v2', 'k');
    expect(v2).toEqual({ found: true, secret: { data: { a: '1' }, version: 4 } });
  });

  it('never mistakes a KV v2 envelope for a v1 secret or the reverse', () => {
    // A v1 secret that happens to have a field "data" is the secret, not an envelope.
    expect(interpretKvRead({ status: 200, data: { data: 'x' } }, 'v1', 'k')).toEqual({ found: true, secret: { data: { data: 'x' }, version: undefined } });
    // A v2 answer without data.data has no secret.
    expect(interpretKvRead({ status: 200, data: { a: '1' } }, 'v2', 'k')).toEqual({ found: false, reason: 'KeyNotFound', detail: 'key "k" not found' });
  });

  it('says why a key has no value: missing, deleted, destroyed, or a missing pinned version', () => {
    expect(interpretKvRead({ status: 404, data: null }, 'v2', 'prod/db')).toEqual({ found: false, reason: 'KeyNotFound', detail: 'key "prod/db" not found' });
    expect(interpretKvRead({ status: 404, data: null }, 'v1', 'prod/db')).toEqual({ found: false, reason: 'KeyNotFound', detail: 'key "prod/db" not found' });
    expect(interpretKvRead({ status: 200, data: null }, 'v1', 'k')).toMatchObject({ found: false, reason: 'KeyNotFound' });
    const deleted = interpretKvRead({ status: 404, data: { data: null, metadata: { version: 3, deletion_time: '2026-01-01T00:00:00Z', destroyed: false } } }, 'v2', 'k', 3);
    expect(deleted).toEqual({ found: false, reason: 'VersionNotFound', detail: 'version 3 of key "k" is deleted' });
    const destroyed = interpretKvRead({ status: 404, data: { data: null, metadata: { version: 2, deletion_time: '', destroyed: true } } }, 'v2', 'k');
    expect(destroyed).toEqual({ found: false, reason: 'VersionNotFound', detail: 'the current version (2) of key "k" is destroyed' });
    expect(interpretKvRead({ status: 404, data: null }, 'v2', 'k', 9)).toEqual({ found: false, reason: 'KeyNotFound', detail: 'key "k" (version 9) not found' });
  });
});

describe('lookupProperty', () => {
  const data = { password: 's3cret', 'a.b': 'dotted', a: { b: 'nested' }, nested: { user: 'u', deep: { x: 1 } }, list: ['x'], nil: null };

  it('prefers an exact field name, then walks dotted names into objects', () => {
    expect(lookupProperty(data, 'password')).toEqual({ found: true, value: 's3cret' });
    expect(lookupProperty(data, 'a.b')).toEqual({ found: true, value: 'dotted' });
    expect(lookupProperty(data, 'nested.user')).toEqual({ found: true, value: 'u' });
    expect(lookupProperty(data, 'nested.deep.x')).toEqual({ found: true, value: 1 });
    expect(lookupProperty(data, 'nested')).toEqual({ found: true, value: { user: 'u', deep: { x: 1 } } });
    expect(lookupProperty(data, 'nil')).toEqual({ found: true, value: null });
  });

  it('finds nothing through arrays, scalars, inherited names or missing fields', () => {
    for (const p of ['passwd', 'nested.nope', 'password.length', 'list.0', 'nil.x', 'toString', 'nested.constructor', '']) {
      expect(lookupProperty(data, p), p).toEqual({ found: false });
    }
  });
});
