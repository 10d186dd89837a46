import { fstatSync, readSync, writeSync } from 'node:fs';

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

/**
 * Whether `fd` is a terminal. Only a character device can be one, so the files and pipes of a
 * pipeline are answered by one fstat; node:tty (which loads net and the stream machinery) is
 * loaded only for a character device.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * Reads all of stdin. Synchronous reads of fd 0, because building process.stdin (an fs or net
 * stream) cost every piped command a few ms; a stdin in non-blocking mode (EAGAIN, possible when
 * a parent shares its own pipe) continues through process.stdin, keeping what was read.
 */
export async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      if (isErrno(err, 'EAGAIN')) {
        for await (const rest of process.stdin) chunks.push(rest as Buffer);
        break;
      }
      if (isErrno(err, 'EOF')) break; // Windows: a closed pipe
      throw err;
    }
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks);
}

/**
 * A writer to fd 1 or 2: synchronous writes (no stream to build), until the descriptor turns out
 * to be non-blocking (EAGAIN): from then on, in order, through the process stream, which waits.
 * A closed pipe (EPIPE: `sealkit seal ... | head -1`) is not an error worth a stack trace: the
 * rest of the output is dropped, as the stream's error handler did before.
 */
function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => void {
  let mode: 'sync' | 'stream' | 'closed' = 'sync';
  return (text) => {
    if (mode === 'closed') return;
    if (mode === 'stream') {
      stream().write(text);
      return;
    }
    let bytes = Buffer.from(text, 'utf8');
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (err) {
        if (isErrno(err, 'EAGAIN')) {
          mode = 'stream';
          const out = stream();
          out.on('error', (e: NodeJS.ErrnoException) => {
            if (e.code !== 'EPIPE') throw e;
          });
          out.write(bytes);
          return;
        }
        if (isErrno(err, 'EPIPE')) {
          mode = 'closed';
          return;
        }
        throw err;
      }
    }
  };
}

export function processIo(): Io {
  let stdinIsTTY: boolean | undefined;
  return {
    readStdin: readAllStdin,
    // Asked only by the commands that read stdin, and answered without node:tty for a pipe or file.
    get stdinIsTTY() {
      return (stdinIsTTY ??= isTerminal(0));
    },
    get stderrIsTTY() {
      return isTerminal(2);
    },
    get stderrColumns() {
      return process.stderr.columns;
    },
    writeOut: fdWriter(1, () => process.stdout),
    writeErr: fdWriter(2, () => process.stderr),
  };
}
