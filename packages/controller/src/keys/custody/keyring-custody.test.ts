// The keyring store with a custody that can be away: the wiring of issue 14's "Vault unreachable at
// start" rules, over the in-memory API server. The real Vault runs in test/e2e/custody.test.ts.
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyId } from '@sealkit/core';
import { silentLogger } from '../../runtime/log.js';
import { FakeClock, flush } from '../../testing/fake-clock.js';
import { FakeKube } from '../../testing/fake-kube.js';
import { KeyringStore, keySecretManifest } from '../keyring-store.js';
import { custodyStatusText } from '../publisher.js';
import { KeyCustodyError, type KeyCustody } from './custody.js';
import { plaintextCustody } from './plaintext.js';

const NS = 'sealkit';

/** The plaintext custody behind a switch: `down` makes every call fail as an unreachable Vault does. */
function switchable(): KeyCustody & { down: boolean } {
  const inner = plaintextCustody();
  const unavailable = () => new KeyCustodyError('Vault unreachable (ECONNREFUSED)', { retryable: true });
  const c = {
    ...inner,
    down: false,
    async wrap(secretKey: Uint8Array, id: string) {
      if (c.down) throw unavailable();
      return inner.wrap(secretKey, id);
    },
    async unwrap(w: Parameters<KeyCustody['unwrap']>[0], id: string) {
      if (c.down) throw unavailable();
      return inner.unwrap(w, id);
    },
  };
  return c;
}

async function storedKey(api: FakeKube, custody: KeyCustody, createdAt: Date): Promise<string> {
  const pair = generateKeyPair();
  const id = keyId(pair.publicKey);
  api.put(keySecretManifest(NS, pair.publicKey, await custody.wrap(pair.secretKey, id), createdAt));
  return id;
}

describe('KeyringStore with a key custody', () => {
  it('custody away at start: not synced, says why, creates no key; loads everything once it answers', async () => {
    const api = new FakeKube();
    const custody = switchable();
    const id = await storedKey(api, custody, new Date(0));
    custody.down = true;
    const clock = new FakeClock(1_000_000);
    const store = new KeyringStore({ client: api, namespace: NS, clock, log: silentLogger, custody });
    let synced = false;
    void store.waitForSync().then(() => (synced = true));
    store.start();
    await flush();
    expect(store.hasSynced).toBe(false);
    expect(synced).toBe(false);
    expect(store.notReady()).toEqual(['key custody plaintext: 1 key Secret waiting: Vault unreachable (ECONNREFUSED)']);
    expect(custodyStatusText(store.custodyStatus())).toBe('Unavailable: Vault unreachable (ECONNREFUSED); 1 key Secret waiting');
    // The leader's check sees a key Secret, unwrapped or not: no replacement key.
    await store.ensureKeys(0);
    expect(api.writes().filter((w) => w.startsWith('POST'))).toEqual([]);

    custody.down = false;
    await clock.advance(1000); // the first retry
    await flush();
    expect(synced).toBe(true);
    expect(store.hasSynced).toBe(true);
    expect(store.active()?.keyId).toBe(id);
    expect(store.notReady()).toEqual([]);
    expect(custodyStatusText(store.custodyStatus())).toBe('Ready: 1 key (plaintext)');

    // Lost later: the key stays loaded and the replica stays synced.
    custody.down = true;
    await storedKey(api, plaintextCustody(), new Date(1)); // written by another replica
    await flush();
    expect(store.hasSynced).toBe(true);
    expect(store.active()?.keyId).toBe(id);
    expect(store.notReady()).toEqual([]);
    await store.stop();
  });

  it('a new key cannot be written while the custody is away: nothing half-written, and the reason is shown until a key is made', async () => {
    const api = new FakeKube();
    const custody = switchable();
    const store = new KeyringStore({ client: api, namespace: NS, clock: new FakeClock(0), log: silentLogger, custody });
    custody.down = true;
    await expect(store.createKey('test')).rejects.toThrow('Vault unreachable');
    expect(api.writes()).toEqual([]);
    expect(store.notReady()).toEqual(['key custody plaintext: cannot create a key: Vault unreachable (ECONNREFUSED)']);
    expect(custodyStatusText(store.custodyStatus())).toBe('Unavailable: cannot create a key: Vault unreachable (ECONNREFUSED)');
    custody.down = false;
    await store.createKey('test');
    expect(store.notReady()).toEqual([]);
  });

  it('only keys that cannot load at all: synced, and not ready with the reason', async () => {
    const api = new FakeKube();
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    // A Secret that says vault-transit, read by a plaintext store.
    const wrapped = { custody: 'vault-transit' as const, blob: new TextEncoder().encode('vault:v1:abc'), metadata: { 'transit-mount': 'transit', 'transit-key': 'sealkit' } };
    api.put(keySecretManifest(NS, pair.publicKey, wrapped, new Date(0)));
    const store = new KeyringStore({ client: api, namespace: NS, clock: new FakeClock(0), log: silentLogger });
    store.start();
    await store.waitForSync();
    await flush();
    expect(store.active()).toBeUndefined();
    expect(store.notReady()).toEqual(['key custody plaintext: no usable key: wrapped by vault-transit custody; the controller runs with --key-custody plaintext']);
    expect(custodyStatusText(store.custodyStatus())).toBe('Unavailable: no usable key: wrapped by vault-transit custody; the controller runs with --key-custody plaintext; 1 key Secret ignored');
    expect(store.custodyStatus().ignored.map((p) => p.keyId)).toEqual([id]);
    await store.stop();
  });
});
