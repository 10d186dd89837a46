import { describe, expect, it } from 'vitest';
import { ExitError, UsageError } from '../errors.js';
import { buildSecret, parseEnvFile, parseLiteral } from './secret-builder.js';

describe('parseLiteral', () => {
  it('splits on the first "="', () => {
    expect(parseLiteral('k=v=w')).toEqual(['k', 'v=w']);
    expect(parseLiteral('k=')).toEqual(['k', '']);
  });
  it('refuses a missing "=" or key without echoing the argument', () => {
    expect(() => parseLiteral('plaintext')).toThrow(UsageError);
    try {
      parseLiteral('plaintext');
    } catch (err) {
      expect((err as Error).message).not.toContain('plaintext');
    }
    expect(() => parseLiteral('=value')).toThrow(/key before "=" is empty/);
  });
});

describe('parseEnvFile', () => {
  it('parses KEY=VALUE lines, skipping comments and blanks, keeping values verbatim', () => {
    const text = '\uFEFF# comment\n\nA=1\r\n  B= spaced value \nC="quoted" # not a comment\nD=x=y\n   # indented comment\n';
    expect(parseEnvFile(text, 'f')).toEqual([['A', '1'], ['B', ' spaced value '], ['C', '"quoted" # not a comment'], ['D', 'x=y']]);
  });
  it('rejects an invalid variable name', () => {
    // kubectl validates names: a trailing space is not allowed.
    expect(() => parseEnvFile('B =x\n', 'f')).toThrow(/line 1: "B " is not a valid variable name/);
    expect(() => parseEnvFile('1A=x\n', 'f')).toThrow(/not a valid variable name/);
  });
  it('reports a line without "=" by number only', () => {
    expect(() => parseEnvFile('A=1\nsecret-ish\n', 'app.env')).toThrow(ExitError);
    expect(() => parseEnvFile('A=1\nsecret-ish\n', 'app.env')).toThrow(/^--from-env-file app\.env, line 2: expected KEY=VALUE$/);
  });
});

describe('buildSecret', () => {
  it('builds a v1 Secret with sorted base64 data, namespace and type', async () => {
    const secret = await buildSecret({ name: 'db', namespace: 'prod', type: 'Opaque', literals: ['z=1', 'a=2'], files: [], envFiles: [] });
    expect(secret).toEqual({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' }, type: 'Opaque',
      data: { a: Buffer.from('2').toString('base64'), z: Buffer.from('1').toString('base64') },
    });
    expect(Object.keys(secret.data ?? {})).toEqual(['a', 'z']);
  });
  it('refuses duplicate keys', async () => {
    await expect(buildSecret({ name: 'db', literals: ['a=1', 'a=2'], files: [], envFiles: [] })).rejects.toThrow(/"a" is given more than once/);
  });
});
