import { SealkitError } from '@sealkit/core';

/** Exit codes of the `sealkit` binary: the contract scripts depend on. */
export const EXIT_OK = 0;
/** An operational error: bad input data, a missing file, a value that does not open. */
export const EXIT_FAILURE = 1;
/** A usage error: the command line itself is wrong (unknown flag, missing argument, conflicting flags). */
export const EXIT_USAGE = 2;

export interface ExitErrorOptions {
  exitCode?: number;
  /** One short sentence telling the user what to do next; printed on the same line. */
  hint?: string;
  cause?: unknown;
}

/**
 * The only error type the top-level handler prints as-is. Its message must be safe to show:
 * it never contains a plaintext value or a private key.
 */
export class ExitError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: ExitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExitError';
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
    this.hint = options.hint;
  }
}

/** The command line is wrong: exit 2. */
export class UsageError extends ExitError {
  constructor(message: string, options: Omit<ExitErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}

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

/** Collapses a message onto one line: the error output is exactly one line, whatever the cause. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/**
 * The single line printed for an error: `sealkit: error: <message> (hint: <hint>)`.
 * With `debug`, the stack traces of the error and its causes follow on later lines.
 */
export function formatError(err: ExitError, debug: boolean): string {
  let line = `sealkit: error: ${oneLine(err.message)}`;
  if (err.hint !== undefined) line += ` (hint: ${oneLine(err.hint)})`;
  line += '\n';
  if (debug) {
    let cause: unknown = err;
    while (cause instanceof Error) {
      line += `${cause.stack ?? `${cause.name}: ${cause.message}`}\n`;
      cause = cause.cause;
      if (cause !== undefined) line += 'caused by: ';
    }
  }
  return line;
}
