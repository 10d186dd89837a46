import { describe, expect, it } from 'vitest';
import { BadInputError, ScopeMismatchError } from './errors.js';
import { SCOPES, checkScope, parseScope, scopeLabel } from './scope.js';
import { expectError } from './test-helpers.js';

describe('parseScope', () => {
  it.each([
    ['strict', 'strict'],
    ['namespace', 'namespace'],
    ['namespace-wide', 'namespace'],
    ['cluster', 'cluster'],
    ['cluster-wide', 'cluster'],
  ])('%s -> %s', (input, scope) => {
    expect(parseScope(input)).toBe(scope);
  });

  it.each(['', 'Strict', 'global', 'toString', '__proto__'])('rejects %j with BadInputError listing the choices', (input) => {
    const error = expectError(() => parseScope(input), BadInputError);
    expect(error.message).toContain('strict, namespace');
  });

  it('SCOPES lists the three scopes and is frozen', () => {
    expect(SCOPES).toEqual(['strict', 'namespace', 'cluster']);
    expect(Object.isFrozen(SCOPES)).toBe(true);
  });
});

describe('scopeLabel', () => {
  it('builds the labels bound into values', () => {
    expect(scopeLabel('strict', 'prod', 'db')).toBe('prod/db');
    expect(scopeLabel('namespace', 'prod', 'ignored')).toBe('prod');
    expect(scopeLabel('cluster', undefined, undefined)).toBe('');
  });

  it('requires a valid namespace and name where the scope needs them', () => {
    expect(expectError(() => scopeLabel('strict', undefined, 'db', 'options.'), BadInputError).message).toMatch(/^options\.namespace is required/);
    expect(expectError(() => scopeLabel('strict', 'prod', '', 'options.'), BadInputError).message).toMatch(/^options\.name is required/);
    expect(expectError(() => scopeLabel('namespace', 'Prod', undefined), BadInputError).message).toContain('not a valid Kubernetes namespace');
    expect(expectError(() => scopeLabel('strict', 'prod', 'a/b'), BadInputError).message).toContain('not a valid Kubernetes object name');
    expect(expectError(() => scopeLabel('namespace', 'a'.repeat(64), undefined), BadInputError).message).toContain('namespace');
  });
});

describe('checkScope', () => {
  it('strict matches namespace and name only', () => {
    expect(() => checkScope('strict', 'prod/db', { namespace: 'prod', name: 'db' })).not.toThrow();
    const moved = expectError(() => checkScope('strict', 'prod/db', { namespace: 'prod', name: 'db2' }), ScopeMismatchError);
    expect(moved.message).toContain('"prod/db"');
    expect(moved.message).toContain('"prod/db2"');
    expectError(() => checkScope('strict', 'prod/db', { namespace: 'staging', name: 'db' }), ScopeMismatchError);
  });

  it('namespace matches any name in the namespace', () => {
    expect(() => checkScope('namespace', 'prod', { namespace: 'prod', name: 'anything' })).not.toThrow();
    const moved = expectError(() => checkScope('namespace', 'prod', { namespace: 'prod2', name: 'x' }), ScopeMismatchError);
    expect(moved.message).toMatch(/namespace-wide to namespace "prod" but was found at namespace "prod2"/);
  });

  it('cluster matches anywhere', () => {
    expect(() => checkScope('cluster', '', { namespace: 'a', name: 'b' })).not.toThrow();
    expect(() => checkScope('cluster', '', { namespace: '', name: 'b' })).not.toThrow();
  });

  it('a SealedSecret without a namespace opens only cluster-wide values, and says what is missing', () => {
    for (const [scope, label] of [['strict', 'prod/db'], ['namespace', 'prod']] as const) {
      const e = expectError(() => checkScope(scope, label, { namespace: '', name: 'db' }), ScopeMismatchError);
      expect(e.message).toContain('its SealedSecret has no namespace; set metadata.namespace');
    }
  });

  it('rejects a malformed location with BadInputError', () => {
    expectError(() => checkScope('cluster', '', null as never), BadInputError);
    expectError(() => checkScope('strict', 'a/b', { namespace: 'a' } as never), BadInputError);
  });
});
