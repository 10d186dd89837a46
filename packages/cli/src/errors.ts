/**
 * The errors the CLI prints, and its exit codes. No import of @sealkit/core here: main.ts loads this
 * for every command, `--version` and `--help` included; turning core's errors into ExitErrors is
 * to-exit-error.ts, loaded by the commands (which load core anyway).
 */

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
