import { AuthenticationError, BadInputError, ScopeMismatchError, UnknownKeyIdError } from '@sealkit/core';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, ExitError, formatError, UsageError } from './errors.js';
import { toExitError } from './to-exit-error.js';

describe('formatError', () => {
  it('prints one line with the hint, collapsing newlines', () => {
    const err = new ExitError('first\nsecond', { hint: 'do this' });
    expect(formatError(err, false)).toBe('sealkit: error: first second (hint: do this)\n');
  });
  it('adds stack traces of the error and its causes only with debug', () => {
    const err = new ExitError('outer', { cause: new Error('inner') });
    expect(formatError(err, false).split('\n')).toHaveLength(2);
    const debug = formatError(err, true);
    expect(debug).toMatch(/^sealkit: error: outer\nExitError: outer\n\s+at /);
    expect(debug).toContain('caused by: Error: inner');
  });
});

describe('toExitError', () => {
  it('maps core errors to exit 1 with their message and context', () => {
    const mapped = toExitError(new ScopeMismatchError('scope mismatch: x'), 'SealedSecret a/b');
    expect(mapped.exitCode).toBe(EXIT_FAILURE);
    expect(mapped.message).toBe('SealedSecret a/b: scope mismatch: x');
    expect(toExitError(new BadInputError('bad')).exitCode).toBe(EXIT_FAILURE);
    expect(toExitError(new AuthenticationError('auth')).message).toBe('auth');
    expect(toExitError(new UnknownKeyIdError(['00'])).hint).toMatch(/--key/);
  });
  it('keeps the exit code of ExitErrors (usage stays 2) and marks other errors internal', () => {
    expect(toExitError(new UsageError('u'), 'ctx')).toMatchObject({ exitCode: EXIT_USAGE, message: 'ctx: u' });
    const internal = toExitError(new TypeError('boom'));
    expect(internal.message).toBe('internal error: boom');
    expect(internal.hint).toMatch(/--debug/);
  });
});
