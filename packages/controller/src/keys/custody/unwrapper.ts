// The asynchronous step between a key Secret (from the informer) and a key pair in memory.
//
// Unwrapping can need Vault, so it cannot happen inside the informer's transform. The keyring store
// asks `get` for each key Secret at every rebuild: a key unwrapped once is answered from memory
// (so a Vault outage later changes nothing for the keys already held, and a relist does not call
// Vault again), a new one starts an unwrap, and `onSettled` tells the store to rebuild when it ends.
// A retryable failure (Vault unreachable, login refused) is retried with capped exponential backoff;
// a permanent one (tampered blob, another custody) is kept as the reason the key is ignored.

import { backoffDelay, type Clock, type Timer } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/log.js';
import type { KeyPair } from '@sealkit/core';
import { KeyCustodyError, unwrapKeyPair, type KeyCustody, type WrappedKey } from './custody.js';

export interface KeyToUnwrap {
  /** The Secret's name (for messages). */
  name: string;
  keyId: string;
  wrapped: WrappedKey;
}

export interface UnwrapProblem {
  name: string;
  keyId: string;
  message: string;
  /** True while it is being retried (the controller is not Ready meanwhile). */
  retryable: boolean;
}

interface Slot {
  pair?: KeyPair;
  problem?: UnwrapProblem;
  inflight: boolean;
  attempts: number;
  retry?: Timer;
}

const slotKey = (k: KeyToUnwrap) => `${k.keyId}|${k.wrapped.custody}|${Buffer.from(k.wrapped.blob).toString('base64')}`;

export class KeyUnwrapper {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private readonly o: {
      custody: KeyCustody;
      clock: Clock;
      log: Logger;
      /** Called after an unwrap succeeds or fails, so the caller rebuilds from `get`. */
      onSettled: () => void;
      minBackoffMs?: number;
      maxBackoffMs?: number;
    },
  ) {}

  get custody(): KeyCustody {
    return this.o.custody;
  }

  /** The key pair when already unwrapped; otherwise starts (or waits for) the unwrap and returns undefined. */
  get(key: KeyToUnwrap): KeyPair | undefined {
    const id = slotKey(key);
    let slot = this.slots.get(id);
    if (!slot) {
      slot = { inflight: false, attempts: 0 };
      this.slots.set(id, slot);
      this.start(key, slot);
    }
    return slot.pair;
  }

  /** Records a key this process made itself (it holds the plaintext already), so its Secret needs no unwrap. */
  seed(key: KeyToUnwrap, pair: KeyPair): void {
    const id = slotKey(key);
    this.slots.get(id)?.retry?.cancel();
    this.slots.set(id, { pair, inflight: false, attempts: 0 });
  }

  /** Why a key is not (yet) loaded, for the keys asked for in the last rebuild. */
  problem(key: KeyToUnwrap): UnwrapProblem | undefined {
    return this.slots.get(slotKey(key))?.problem;
  }

  /** Whether the key's unwrap has not finished at least once (it is neither loaded nor failed). */
  pending(key: KeyToUnwrap): boolean {
    const s = this.slots.get(slotKey(key));
    return !s || (!s.pair && (!s.problem || s.problem.retryable));
  }

  /** Drops what is not among `keep` (Secrets deleted or rewritten), so memory follows the Secrets. */
  retain(keep: readonly KeyToUnwrap[]): void {
    const ids = new Set(keep.map(slotKey));
    for (const [id, slot] of this.slots) {
      if (ids.has(id)) continue;
      slot.retry?.cancel();
      this.slots.delete(id);
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) s.retry?.cancel();
  }

  private start(key: KeyToUnwrap, slot: Slot): void {
    if (this.closed || slot.inflight) return;
    slot.inflight = true;
    slot.attempts++;
    unwrapKeyPair(this.o.custody, key.wrapped, key.keyId).then(
      (pair) => {
        slot.inflight = false;
        slot.pair = pair;
        if (slot.problem) this.o.log.info('key unwrapped after retries', { secret: key.name, keyId: key.keyId, custody: this.o.custody.name, attempts: slot.attempts });
        delete slot.problem;
        this.settled(key, slot);
      },
      (err: unknown) => {
        slot.inflight = false;
        const e = err instanceof KeyCustodyError ? err : new KeyCustodyError(`${this.o.custody.name} unwrap failed`, { retryable: true });
        slot.problem = { name: key.name, keyId: key.keyId, message: e.message, retryable: e.retryable };
        if (e.retryable) {
          const delay = backoffDelay(slot.attempts, this.o.minBackoffMs ?? 1000, this.o.maxBackoffMs ?? 60_000);
          this.o.log.warn('cannot unwrap key; will retry', { secret: key.name, keyId: key.keyId, custody: this.o.custody.name, reason: e.message, retryInMs: delay });
          slot.retry = this.o.clock.after(delay, () => {
            if (this.slots.get(slotKey(key)) === slot) this.start(key, slot);
          });
        } else {
          this.o.log.error('ignoring key secret: cannot unwrap', { secret: key.name, keyId: key.keyId, custody: this.o.custody.name, reason: e.message });
        }
        this.settled(key, slot);
      },
    );
  }

  private settled(key: KeyToUnwrap, slot: Slot): void {
    if (this.closed || this.slots.get(slotKey(key)) !== slot) return;
    this.o.onSettled();
  }
}
