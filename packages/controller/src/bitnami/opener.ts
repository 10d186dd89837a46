import { Worker } from 'node:worker_threads';
import { BitnamiKeyring, unsealBitnamiSealedSecret, type BitnamiPrivateKey } from '@sealkit/core';

/**
 * Opening Bitnami SealedSecrets: one RSA private-key operation per value (RSA-4096: several
 * milliseconds each), the whole cost of reconciling them. It runs off the main thread, on a small
 * pool of worker threads, so informers, the work queue and API writes never wait for it, and
 * every CPU is used. Each worker holds the keyring and tries the key that opened the object's
 * previous value first, then the key that last opened anything (core's keyring order), instead of
 * every key in turn as the Bitnami controller does.
 */

/** What opening one SealedSecret gives: the Secret's data (base64), or why it failed. */
export type OpenResult = { ok: true; data: Record<string, string> } | { ok: false; code: string; message: string };

export interface BitnamiOpener {
  open(sealed: object): Promise<OpenResult>;
  setKeys(keys: readonly BitnamiPrivateKey[]): void;
  close(): Promise<void>;
}

/** @internal The work itself, shared by the worker and the in-thread opener. */
export function openSealed(sealed: object, keyring: BitnamiKeyring): OpenResult {
  try {
    const secret = unsealBitnamiSealedSecret(sealed as never, keyring);
    return { ok: true, data: secret.data ?? {} };
  } catch (err) {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code, message };
  }
}

/** Opens on the calling thread (--bitnami-decrypt-workers 0, and unit tests). */
export class InlineOpener implements BitnamiOpener {
  private ring = new BitnamiKeyring();
  async open(sealed: object): Promise<OpenResult> {
    return openSealed(sealed, this.ring);
  }
  setKeys(keys: readonly BitnamiPrivateKey[]): void {
    this.ring = new BitnamiKeyring(keys);
  }
  async close(): Promise<void> {}
}

interface Job {
  id: number;
  sealed: object;
  resolve(r: OpenResult): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/** A fixed pool of worker threads; a crashed worker is replaced and its jobs fail (to be retried). */
export class WorkerOpener implements BitnamiOpener {
  private readonly slots: Slot[] = [];
  private keys: readonly BitnamiPrivateKey[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly onWorkerError: (err: unknown) => void = () => {},
    private readonly script: URL = new URL('./worker.js', import.meta.url),
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(this.script);
    const slot: Slot = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (msg: { id: number; result: OpenResult }) => {
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      slot.jobs.delete(msg.id);
      job.resolve(msg.result);
    });
    const fail = (err: unknown) => {
      for (const job of slot.jobs.values()) job.resolve({ ok: false, code: 'internal', message: 'the decrypt worker stopped; will retry' });
      slot.jobs.clear();
      if (this.closed) return;
      this.onWorkerError(err);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`decrypt worker exited with code ${code}`));
    });
    if (this.keys.length > 0) worker.postMessage({ type: 'keys', keys: this.keys });
    return slot;
  }

  setKeys(keys: readonly BitnamiPrivateKey[]): void {
    this.keys = [...keys];
    // KeyObjects are cloned into each worker's isolate; the messages stay in order with the jobs.
    for (const slot of this.slots) slot.worker.postMessage({ type: 'keys', keys: this.keys });
  }

  open(sealed: object): Promise<OpenResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: 'internal', message: 'shutting down' });
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.jobs.size < slot.jobs.size) slot = s;
    const id = this.nextId++;
    return new Promise((resolve) => {
      slot.jobs.set(id, { id, sealed, resolve });
      slot.worker.postMessage({ type: 'open', id, sealed });
    });
  }

  get inFlight(): number {
    return this.slots.reduce((n, s) => n + s.jobs.size, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) for (const job of s.jobs.values()) job.resolve({ ok: false, code: 'internal', message: 'shutting down' });
  }
}

export function createOpener(workers: number, onWorkerError?: (err: unknown) => void): BitnamiOpener {
  return workers > 0 ? new WorkerOpener(workers, onWorkerError) : new InlineOpener();
}
