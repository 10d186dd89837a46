/** @sealkit/cli: the `sealkit` binary. The package exports the entry point for embedding and tests. */
export { main, buildProgram } from './main.js';
export { ExitError, UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export type { Io } from './io.js';
export { resolveRecipients, type RecipientOptions } from './keys/load-keys.js';
