import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory for plaintext that must not outlive the command (`sealkit edit`): mode 0700, on a
 * RAM-backed tmpfs (/dev/shm) when the machine has one so the plaintext never reaches a disk,
 * and removed on every way out: normal return, thrown error, process exit, SIGINT, SIGTERM, SIGHUP.
 */

const SHM = '/dev/shm';
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

export interface PrivateDir {
  readonly path: string;
  /** Removes the directory and its content (idempotent) and the exit/signal hooks. */
  remove(): void;
}

function tmpfsBase(): string {
  try {
    if (statSync(SHM).isDirectory()) {
      accessSync(SHM, constants.W_OK | constants.X_OK);
      return SHM;
    }
  } catch {
    // no tmpfs we may write to: fall back to the user's temp dir
  }
  return tmpdir();
}

/**
 * Creates the directory. `onSignal` runs after the directory is removed when a signal arrives
 * (e.g. to stop the editor); the process then exits with 128 + the signal number.
 */
export function createPrivateDir(prefix: string, onSignal: () => void = () => undefined): PrivateDir {
  // mkdtemp creates the directory with mode 0700 whatever the umask.
  const path = mkdtempSync(join(tmpfsBase(), prefix));
  const handlers = new Map<NodeJS.Signals, () => void>();
  const removeNow = () => rmSync(path, { recursive: true, force: true });
  const remove = () => {
    removeNow();
    process.off('exit', removeNow);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
  process.on('exit', removeNow);
  for (const [signal, number] of Object.entries(SIGNALS) as Array<[NodeJS.Signals, number]>) {
    const handler = () => {
      remove();
      onSignal();
      process.exit(128 + number);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return { path, remove };
}
