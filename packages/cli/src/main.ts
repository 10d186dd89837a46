import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { RegisterCommand } from './types.js';
import { EXIT_OK, EXIT_USAGE, ExitError, formatError } from './errors.js';
import { processIo, type Io } from './io.js';

/**
 * Every command, by name, in the order `sealkit --help` lists them. A command's module is imported
 * only when that command runs (or when the whole tree is needed: help, completion, an unknown
 * name), because loading every command's code was most of the CLI's start-up time.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ['seal', async () => (await import('./commands/seal.js')).registerSeal],
  ['unseal', async () => (await import('./commands/unseal.js')).registerUnseal],
  // Not in the bundle of the everyday commands (the bundler drops this branch and their code there).
  ...(typeof SEALKIT_EVERYDAY_BUNDLE === 'boolean' && SEALKIT_EVERYDAY_BUNDLE ? [] : otherCommands()),
];

/** The rest of the commands, in --help's order after the everyday ones. */
function otherCommands(): ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> {
  return [
    ['keygen', async () => (await import('./commands/keygen.js')).registerKeygen],
    ['inspect', async () => (await import('./commands/inspect.js')).registerInspect],
    ['cert', async () => (await import('./commands/cert.js')).registerCert],
    ['validate', async () => (await import('./commands/validate.js')).registerValidate],
    ['reseal', async () => (await import('./commands/reseal.js')).registerReseal],
    ['migrate', async () => (await import('./commands/migrate.js')).registerMigrate],
    ['ref', async () => (await import('./commands/ref.js')).registerRef],
    ['set', async () => (await import('./commands/set.js')).registerSet],
    ['edit', async () => (await import('./commands/edit.js')).registerEdit],
    ['scan', async () => (await import('./commands/scan.js')).registerScan],
    ['hook', async () => (await import('./commands/hook.js')).registerHook],
    ['completion', async () => (await import('./commands/completion.js')).registerCompletion],
  ];
}

/**
 * The everyday commands: scripts/bundle.mjs also builds a small bundle with only these (the first
 * entries of COMMANDS), which the launcher runs when the command line starts with one of them, so
 * their start does not pay for the code of the others (V8 creates every function of a file it
 * compiles, used or not). Set by the bundler to true in that bundle; undefined in tsc's output.
 */
export const EVERYDAY_COMMANDS = ['seal', 'unseal'] as const;
declare const SEALKIT_EVERYDAY_BUNDLE: boolean | undefined;

/** Commands that need the whole tree loaded (the completion script describes every command). */
const NEEDS_ALL = new Set(['completion']);

/**
 * kubeseal's flags for what sealkit does with a command of its own: a user typing them from habit
 * gets the command to use (exit 2), not commander's generic "unknown option".
 */
const KUBESEAL_FLAGS: Readonly<Record<string, string>> = {
  '--fetch-cert': "sealkit has no --fetch-cert: use 'sealkit cert' (e.g. sealkit cert -w sealkit.pub)",
  '--recovery-unseal': "sealkit has no --recovery-unseal: use 'sealkit unseal --key FILE'",
  '--re-encrypt': "sealkit has no --re-encrypt: use 'sealkit reseal'",
};

function kubesealHabit(argv: readonly string[]): ExitError | undefined {
  const end = argv.indexOf('--');
  for (const arg of end < 0 ? argv : argv.slice(0, end)) {
    const message = KUBESEAL_FLAGS[arg.split('=')[0] as string];
    if (message !== undefined) return new ExitError(message, { exitCode: EXIT_USAGE });
  }
  return undefined;
}

/** The global options that may come before the command name. */
const GLOBAL_FLAGS = new Set(['--debug']);

/** `sealkit --version` needs no command at all. */
const VERSION_FLAGS = new Set(['-V', '--version']);

/** The command named on the command line, when it is one we know and nothing else is asked of the program. */
function commandNamed(argv: readonly string[]): string | undefined {
  const first = argv.find((a) => !GLOBAL_FLAGS.has(a));
  return first !== undefined && !NEEDS_ALL.has(first) && COMMANDS.some(([name]) => name === first) ? first : undefined;
}

/** Set by the bundler (scripts/bundle.mjs); the unbundled build reads package.json. */
declare const SEALKIT_VERSION: string | undefined;

function version(): string {
  if (typeof SEALKIT_VERSION === 'string') return SEALKIT_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The program with the commands `argv` needs: only the named command when there is one, else all
 * of them (for help, completion and suggestions). Without `argv`, the whole tree.
 */
export async function buildProgram(io: Io, argv?: readonly string[], name = 'sealkit'): Promise<Command> {
  const program = new Command(name)
    .description('sealed Kubernetes Secrets for GitOps: seal offline, commit the ciphertext, the cluster opens it')
    .version(version(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces on errors')
    // Program options only before the subcommand: otherwise `sealkit ref ... --version 2` printed the
    // version and exited 0, writing nothing. --debug, the one option allowed anywhere, is added to
    // every subcommand below.
    .enablePositionalOptions()
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Help goes to our streams; error messages are printed once, by main()'s handler.
    .configureOutput({ writeOut: (s) => io.writeOut(s), writeErr: (s) => io.writeErr(s), outputError: () => undefined })
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 operational error, 2 usage error.

Examples:
  sealkit keygen --out ./keys
  kubectl create secret generic db -n prod --from-literal=password=s3cr3t --dry-run=client -o yaml \\
    | sealkit seal --cert keys/sealkit.pub > db.sealed.yaml
  sealkit inspect -f db.sealed.yaml
  sealkit unseal --key keys/sealkit.key -f db.sealed.yaml`,
    );
  const ctx = { io };
  const named = argv === undefined ? undefined : commandNamed(argv);
  const none = argv !== undefined && argv.length === 1 && VERSION_FLAGS.has(argv[0] as string);
  for (const [name, load] of none ? [] : COMMANDS) {
    if (named === undefined || named === name) (await load())(program, ctx);
  }
  for (const command of program.commands) command.addOption(new Option('--debug', 'print stack traces on errors').hideHelp());
  return program;
}

/** Commander messages, made safe: never echo an argument that may be a plaintext value. */
function commanderMessage(err: CommanderError): string {
  let message = err.message.replace(/^error: /, '');
  // `--from-literl=password=x`: keep the flag, drop what follows '='.
  message = message.replace(/'(--?[^'=\s]+)=[^']*'/g, "'$1=...'");
  // "Expected 1 argument but got 2: db, hunter2." -> drop the list.
  message = message.replace(/(got \d+):[^\n]*/, '$1.');
  return message;
}

/** The subcommand named on the command line, for the `--help` hint. */
function subcommandOf(program: Command, argv: readonly string[]): string | undefined {
  const names = new Set(program.commands.map((c) => c.name()));
  return argv.find((a) => names.has(a));
}

function fromCommander(err: CommanderError, program: Command, argv: readonly string[]): ExitError | number {
  switch (err.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT_OK;
    case 'commander.help':
      // `sealkit help seal` exits 0; `sealkit` alone printed help to stderr: a usage error.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    default: {
      const sub = subcommandOf(program, argv);
      return new ExitError(commanderMessage(err), {
        exitCode: EXIT_USAGE,
        hint: `see 'sealkit${sub === undefined ? '' : ` ${sub}`} --help'`,
        cause: err,
      });
    }
  }
}

/**
 * Runs the CLI and resolves to the exit code. Never throws, never calls process.exit: the one
 * place where every failure becomes a single `sealkit: error:` line.
 */
/** `name`: how the program is invoked, for its help (`kubectl sealkit` from the kubectl plugin). */
export async function main(argv: readonly string[], io: Io = processIo(), name = 'sealkit'): Promise<number> {
  const end = argv.indexOf('--');
  const debug = (end < 0 ? argv : argv.slice(0, end)).includes('--debug');
  let program: Command | undefined;
  try {
    const habit = kubesealHabit(argv);
    if (habit !== undefined) throw habit;
    program = await buildProgram(io, argv, name);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    let exitError: ExitError;
    if (err instanceof CommanderError && program !== undefined) {
      const mapped = fromCommander(err, program, argv);
      if (typeof mapped === 'number') return mapped;
      exitError = mapped;
    } else {
      // Loaded here: it imports @sealkit/core, which --version and --help never need.
      exitError = (await import('./to-exit-error.js')).toExitError(err);
    }
    try {
      io.writeErr(formatError(exitError, debug));
    } catch {
      // stderr is gone: nothing more we can do, the exit code still tells.
    }
    return exitError.exitCode;
  }
}
