import { SealkitError } from '@sealkit/core';
import { ExitError } from './errors.js';

/**
 * Hints for core's typed errors, by `code`, where core's message does not already say what
 * to do (its scope-mismatch and authentication messages do).
 */
const CORE_HINTS: Readonly<Record<string, string>> = {
  unknown_version: 'upgrade sealkit if the value was sealed by a newer version',
  unknown_key: "pass the --key whose key id is listed; 'sealkit inspect' shows the key ids of every value",
};

/**
 * Turns anything thrown into an ExitError. `context` (for example `SealedSecret prod/db, key "password"`)
 * is prefixed to the message so the user knows which object failed; it must not contain values.
 */
export function toExitError(err: unknown, context?: string): ExitError {
  const prefix = context === undefined ? '' : `${context}: `;
  if (err instanceof ExitError) {
    if (context === undefined) return err;
    return new ExitError(prefix + err.message, { exitCode: err.exitCode, hint: err.hint, cause: err });
  }
  if (err instanceof SealkitError) {
    const hint = CORE_HINTS[err.code];
    return new ExitError(prefix + err.message, { hint, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ExitError(`${prefix}internal error: ${message}`, {
    hint: 'rerun with --debug and report this as a bug',
    cause: err,
  });
}

/** Runs `fn`, re-throwing any failure as an ExitError whose message starts with `context`. */
export function withContext<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toExitError(err, context);
  }
}

/** Async variant of withContext. */
export async function withContextAsync<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toExitError(err, context);
  }
}
