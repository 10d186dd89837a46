import { isatty } from 'node:tty';

/**
 * The process streams a command may touch, as a small interface so a command can be run
 * in-process by a unit test. Commands write to stdout only once all their work succeeded,
 * so a failing command never leaves half an output behind.
 */
export interface Io {
  readStdin(): Promise<Buffer>;
  readonly stdinIsTTY: boolean;
  /** Whether stderr is a terminal (progress bars are drawn only there), and its width. */
  readonly stderrIsTTY?: boolean;
  readonly stderrColumns?: number;
  writeOut(text: string): void;
  writeErr(text: string): void;
}

export function processIo(): Io {
  // `sealkit seal ... | head -1` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return {
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    // isatty(0), not process.stdin.isTTY: the getter builds the stdin stream (and loads net or the
    // fs streams) even for commands that never read stdin; that was several ms of every start.
    stdinIsTTY: isatty(0),
    stderrIsTTY: process.stderr.isTTY === true,
    stderrColumns: process.stderr.columns,
    writeOut: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
  };
}
