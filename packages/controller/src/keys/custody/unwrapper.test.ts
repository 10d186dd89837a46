// KeyUnwrapper with a custody that fails on demand and a clock driven by hand.
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyId } from '@sealkit/core';
import { FakeClock, flush } from '../../testing/fake-clock.js';
import { KeyCustodyError, type KeyCustody } from './custody.js';
import { plaintextCustody } from './plaintext.js';
import { KeyUnwrapper, type KeyToUnwrap } from './unwrapper.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** The plaintext custody, made unreachable or refusing while `mode` says so. */
function flaky(): KeyCustody & { mode: 'ok' | 'down' | 'bad'; calls: number } {
  const inner = plaintextCustody();
  const c = {
    ...inner,
    mode: 'ok' as 'ok' | 'down' | 'bad',
    calls: 0,
    async unwrap(w: Parameters<KeyCustody['unwrap']>[0], id: string) {
      c.calls++;
      if (c.mode === 'down') throw new KeyCustodyError('Vault unreachable (ECONNREFUSED)', { retryable: true });
      if (c.mode === 'bad') throw new KeyCustodyError('cipher: message authentication failed', { retryable: false });
      return inner.unwrap(w, id);
    },
  };
  return c;
}

async function key(name = 'sealkit-key-a'): Promise<KeyToUnwrap> {
  const pair = generateKeyPair();
  const id = keyId(pair.publicKey);
  return { name, keyId: id, wrapped: await plaintextCustody().wrap(pair.secretKey, id) };
}

describe('KeyUnwrapper', () => {
  it('unwraps once, then answers from memory even when the custody is gone', async () => {
    const custody = flaky();
    const clock = new FakeClock();
    let settled = 0;
    const u = new KeyUnwrapper({ custody, clock, log: silent, onSettled: () => settled++ });
    const k = await key();
    expect(u.get(k)).toBeUndefined();
    expect(u.pending(k)).toBe(true);
    await flush();
    expect(settled).toBe(1);
    expect(keyId(u.get(k)!.publicKey)).toBe(k.keyId);
    custody.mode = 'down';
    expect(u.get(k)).toBeDefined();
    expect(custody.calls).toBe(1);
  });

  it('retries a retryable failure with growing delays and reports it meanwhile', async () => {
    const custody = flaky();
    custody.mode = 'down';
    const clock = new FakeClock();
    const u = new KeyUnwrapper({ custody, clock, log: silent, onSettled: () => {}, minBackoffMs: 1000, maxBackoffMs: 4000 });
    const k = await key();
    u.get(k);
    await flush();
    expect(u.problem(k)).toEqual({ name: k.name, keyId: k.keyId, message: 'Vault unreachable (ECONNREFUSED)', retryable: true });
    expect(u.pending(k)).toBe(true);
    await clock.advance(999);
    expect(custody.calls).toBe(1);
    await clock.advance(1);
    expect(custody.calls).toBe(2);
    await clock.advance(1999);
    expect(custody.calls).toBe(2); // second delay is 2 s
    custody.mode = 'ok';
    await clock.advance(1);
    expect(custody.calls).toBe(3);
    expect(u.get(k)).toBeDefined();
    expect(u.problem(k)).toBeUndefined();
    expect(u.pending(k)).toBe(false);
  });

  it('a permanent failure is kept, not retried; a rewritten Secret (new blob) is tried afresh', async () => {
    const custody = flaky();
    custody.mode = 'bad';
    const clock = new FakeClock();
    const u = new KeyUnwrapper({ custody, clock, log: silent, onSettled: () => {} });
    const k = await key();
    u.get(k);
    await flush();
    await clock.advance(600_000);
    expect(custody.calls).toBe(1);
    expect(u.problem(k)?.retryable).toBe(false);
    expect(u.pending(k)).toBe(false);
    custody.mode = 'ok';
    const fixed = await key(k.name);
    u.retain([fixed]);
    expect(u.problem(k)).toBeUndefined();
    u.get(fixed);
    await flush();
    expect(u.get(fixed)).toBeDefined();
  });
});
