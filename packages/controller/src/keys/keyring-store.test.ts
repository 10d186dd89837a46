// The keyring store over an in-memory API server (its informer lists the key Secrets; watches hang).
// Rotation against the real apiserver is in test/e2e/controller*.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { generateKeyPair, keyId, sealValues, type KeyPair } from '@sealkit/core';
import { silentLogger } from '../runtime/log.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKube } from '../testing/fake-kube.js';
import { KEY_LABEL } from '../constants.js';
import { plaintextCustody } from './custody/plaintext.js';
import { KeyringStore, keySecretManifest, keySecretName } from './keyring-store.js';

/** A key Secret as the plaintext custody writes it. */
async function plainKeySecret(namespace: string, pair: KeyPair, createdAt: Date): Promise<object> {
  return keySecretManifest(namespace, pair.publicKey, await plaintextCustody().wrap(pair.secretKey, keyId(pair.publicKey)), createdAt);
}

const DAY = 86_400_000;
const NS = 'sealkit';

/** A store over `api`, started and synced. */
async function startedStore(api: FakeKube, clock = new FakeClock(100 * DAY)): Promise<KeyringStore> {
  const store = new KeyringStore({ client: api, namespace: NS, clock, log: silentLogger });
  store.start();
  await store.waitForSync();
  return store;
}

describe('KeyringStore', () => {
  it('loads the key Secrets newest first, ignores a broken one, and opens what they sealed', async () => {
    const api = new FakeKube();
    const old = generateKeyPair();
    const fresh = generateKeyPair();
    api.put(await plainKeySecret(NS, old, new Date(10 * DAY)));
    api.put(await plainKeySecret(NS, fresh, new Date(20 * DAY)));
    api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: NS, name: 'sealkit-key-broken', labels: { [KEY_LABEL]: 'true' } }, data: { 'private.pem': 'bm90IGEga2V5' } });
    const store = await startedStore(api);
    expect(store.active()?.keyId).toBe(keyId(fresh.publicKey));
    expect(store.entries().map((e) => e.keyId)).toEqual([keyId(fresh.publicKey), keyId(old.publicKey)]);
    expect(store.publicKeys().map((k) => k.active)).toEqual([true, false]);
    expect(JSON.stringify(store.publicKeys())).not.toContain('PRIVATE KEY');
    const sealed = sealValues({ v: new TextEncoder().encode('x') }, { recipients: [old.publicKey], scope: 'cluster' });
    expect(new TextDecoder().decode(store.unsealer()!.open(sealed.v!, { namespace: 'a', name: 'b' }))).toBe('x');
    expect(store.nextRotation(30 * DAY)).toBe(50 * DAY);
    expect(store.nextRotation(0)).toBeUndefined();
    await store.stop();
  });

  it('ensureKeys: a first key when there is none, a new one when the newest is older than the period, none otherwise', async () => {
    const api = new FakeKube();
    const clock = new FakeClock(100 * DAY);
    const store = await startedStore(api, clock);
    expect(store.unsealer()).toBeUndefined();
    await store.ensureKeys(30 * DAY);
    const keys = () => api.writes().filter((w) => w === `POST /api/v1/namespaces/${NS}/secrets`).length;
    expect(keys()).toBe(1);
    await store.ensureKeys(30 * DAY); // fresh: nothing
    expect(keys()).toBe(1);
    await clock.advance(30 * DAY);
    await store.ensureKeys(30 * DAY); // due
    expect(keys()).toBe(2);
    await store.ensureKeys(0); // rotation disabled, keys exist
    expect(keys()).toBe(2);
    await store.stop();
  });

  it('createKey stores the key in a Secret named after its id (a repeated create is harmless), with the private key as PKCS#8 PEM', async () => {
    const api = new FakeKube();
    const store = await startedStore(api);
    const pair = generateKeyPair();
    const id = await store.createKey('test', pair);
    expect(await store.createKey('test again', pair)).toBe(id);
    const stored = api.get(`/api/v1/namespaces/${NS}/secrets/${keySecretName(id)}`);
    expect(stored.type).toBe('sealkit.dev/x25519-key');
    expect(stored.metadata.labels[KEY_LABEL]).toBe('true');
    expect(Buffer.from(stored.data['private.pem'], 'base64').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    await store.stop();
  });

  describe('a key once loaded is never lost with its Secret', () => {
    const secretPath = (id: string) => `/api/v1/namespaces/${NS}/secrets/${keySecretName(id)}`;
    const del = (api: FakeKube, id: string) => api.request({ method: 'DELETE', path: secretPath(id) });

    it('deleted: still opens, marked for repair, written back byte for byte, and ensureKeys makes no replacement', async () => {
      const api = new FakeKube({ liveWatches: true });
      const pair = generateKeyPair();
      const id = keyId(pair.publicKey);
      api.put(await plainKeySecret(NS, pair, new Date(10 * DAY)));
      const original = api.get(secretPath(id)).data;
      const store = await startedStore(api);
      await del(api, id);
      await vi.waitFor(() => expect(store.keySecretsToRepair().map((e) => [e.keyId, e.repair?.why])).toEqual([[id, 'deleted']]));
      expect(store.active()?.keyId).toBe(id);
      const sealed = sealValues({ v: new TextEncoder().encode('x') }, { recipients: [pair.publicKey], scope: 'cluster' });
      expect(new TextDecoder().decode(store.unsealer()!.open(sealed.v!, { namespace: 'a', name: 'b' }))).toBe('x');
      await store.ensureKeys(0); // no key Secret left: without the held key this would make a 'first start' key
      expect(api.writes().filter((w) => w.startsWith('POST'))).toEqual([]);
      await store.repairKeySecret(store.keySecretsToRepair()[0]!);
      expect(api.get(secretPath(id)).data).toEqual(original);
      await vi.waitFor(() => expect(store.keySecretsToRepair()).toEqual([]));
      await store.stop();
    });

    it('garbled by an edit: kept and marked unreadable, then rewritten over the edit', async () => {
      const api = new FakeKube({ liveWatches: true });
      const pair = generateKeyPair();
      const id = keyId(pair.publicKey);
      api.put(await plainKeySecret(NS, pair, new Date(10 * DAY)));
      const original = api.get(secretPath(id)).data;
      const store = await startedStore(api);
      await api.request({ method: 'PATCH', path: secretPath(id), contentType: 'application/merge-patch+json', body: { data: { 'private.pem': Buffer.from('garbage').toString('base64') } } });
      await vi.waitFor(() => expect(store.keySecretsToRepair().map((e) => e.repair?.why)).toEqual(['unreadable']));
      expect(store.active()?.keyId).toBe(id);
      await store.repairKeySecret(store.keySecretsToRepair()[0]!);
      expect(api.get(secretPath(id)).data).toEqual(original);
      await vi.waitFor(() => expect(store.keySecretsToRepair()).toEqual([]));
      await store.stop();
    });

    it('retired: an old key nothing is sealed to, deleted on purpose, is let go; a used one is kept', async () => {
      const api = new FakeKube({ liveWatches: true });
      const [old, used, active] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      for (const [i, p] of [old, used, active].entries()) api.put(await plainKeySecret(NS, p, new Date((10 + i) * DAY)));
      const store = await startedStore(api);
      store.trackKeyUsage(() => new Map([[keyId(used.publicKey), ['app/db']]]));
      await del(api, keyId(old.publicKey));
      await del(api, keyId(used.publicKey));
      await vi.waitFor(() => expect(store.entries().map((e) => e.keyId)).toEqual([keyId(active.publicKey), keyId(used.publicKey)]));
      expect(store.keySecretsToRepair().map((e) => e.keyId)).toEqual([keyId(used.publicKey)]);
      expect(store.heldKeyIds()).not.toContain(keyId(old.publicKey));
      await store.stop();
    });
  });
});
