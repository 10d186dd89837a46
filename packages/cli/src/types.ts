import type { Command } from 'commander';
import type { Io } from './io.js';

/** What a command gets besides its parsed options. */
export interface CommandContext {
  readonly io: Io;
}

/** Each command module exports one of these; main.ts registers them all on the program. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
