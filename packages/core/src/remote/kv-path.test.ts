import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { kvReadPath, mountInfoPath, normalizeMount, notFoundHint, parseKvVersionPin, pathSegments } from './kv-path.js';

describe('kvReadPath', () => {
  it('puts /data/ after the mount for KV v2 and nothing for KV v1', () => {
    expect(kvReadPath('secret', 'prod/db', 'v2')).toBe('secret/data/prod/db');
    expect(kvReadPath('kv1', 'prod/db', 'v1')).toBe('kv1/prod/db');
  });

  // External Secrets Operator #3116/#1333: "data" in a mount or a key must not be stripped or doubled.
  it('never rewrites a mount or key that contains "data"', () => {
    expect(kvReadPath('data', 'prod/db', 'v2')).toBe('data/data/prod/db');
    expect(kvReadPath('team/data', 'db', 'v2')).toBe('team/data/data/db');
    expect(kvReadPath('secret', 'data/prod', 'v2')).toBe('secret/data/data/prod');
    expect(kvReadPath('secret', 'app/data', 'v2')).toBe('secret/data/app/data');
    expect(kvReadPath('data', 'data', 'v1')).toBe('data/data');
    expect(kvReadPath('kv/data', 'data/x', 'v1')).toBe('kv/data/data/x');
  });

  it('tolerates leading and trailing slashes, and encodes each segment', () => {
    expect(kvReadPath('/secret/', '/prod/db/', 'v2')).toBe('secret/data/prod/db');
    expect(kvReadPath('secret', 'team a/db%1', 'v2')).toBe('secret/data/team%20a/db%251');
  });

  it('rejects empty, dot and dot-dot segments and query characters', () => {
    for (const key of ['', '/', 'a//b', 'a/../b', './a', 'a/.', 'a?version=1', 'a#b', 'a\nb', 'a\u0000b']) {
      expect(() => kvReadPath('secret', key, 'v2'), key).toThrow(BadInputError);
    }
    expect(() => kvReadPath('se//cret', 'a', 'v2')).toThrow(/^mount /);
    expect(() => kvReadPath('secret', 'a/../b', 'v2')).toThrow(/^key /);
  });

  it('refuses a version pin on a KV v1 mount', () => {
    expect(() => kvReadPath('kv1', 'a', 'v1', 3)).toThrow(/needs KV v2/);
    expect(kvReadPath('secret', 'a', 'v2', 3)).toBe('secret/data/a');
  });
});

describe('pathSegments', () => {
  it('splits on slashes after trimming the outer ones, and names the field in errors', () => {
    expect(pathSegments('/team/kv/', 'spec.x')).toEqual(['team', 'kv']);
    expect(pathSegments('a', 'spec.x')).toEqual(['a']);
    // Dots inside a segment, spaces and percent signs are ordinary characters (encoded later).
    expect(pathSegments('a.b/..c/d e/%', 'spec.x')).toEqual(['a.b', '..c', 'd e', '%']);
    expect(() => pathSegments('//', '--mount')).toThrow('--mount is empty');
    expect(() => pathSegments('a/../b', '--key')).toThrow('--key "a/../b" has an empty, "." or ".." segment');
    // Control characters are escaped in the message, which stays one line.
    expect(() => pathSegments('a\nb', '--key')).toThrow('--key "a\\nb" contains a character not allowed in a Vault path');
  });
});

describe('parseKvVersionPin', () => {
  it('accepts positive integers only', () => {
    expect(parseKvVersionPin(undefined, 'v')).toBeUndefined();
    expect(parseKvVersionPin('', 'v')).toBeUndefined();
    expect(parseKvVersionPin('7', 'v')).toBe(7);
    expect(parseKvVersionPin('9999999999', 'v')).toBe(9_999_999_999);
    for (const bad of ['0', '-1', '1.5', 'latest', '01', ' 2', '2 ', '1e3', '99999999999']) {
      expect(() => parseKvVersionPin(bad, 'spec.x'), bad).toThrow(`spec.x must be a positive integer (a KV v2 version), got ${JSON.stringify(bad)}`);
    }
  });
});

describe('mount helpers', () => {
  it('builds the preflight path and the normal form Vault reports', () => {
    expect(mountInfoPath('/team/kv/')).toBe('sys/internal/ui/mounts/team/kv');
    expect(normalizeMount('/team/kv')).toBe('team/kv/');
  });

  it('hints at the usual confusions when a key is not found', () => {
    expect(notFoundHint('secret', 'secret/prod/db', 'v2')).toMatch(/relative to the mount "secret": did you mean "prod\/db"/);
    expect(notFoundHint('secret', 'data/prod/db', 'v2')).toMatch(/did you mean "prod\/db"/);
    expect(notFoundHint('kv1', 'data/prod/db', 'v1')).toBe('');
    expect(notFoundHint('secret', 'prod/db', 'v2')).toBe('');
  });
});
