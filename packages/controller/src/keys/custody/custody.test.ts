// Unit tests of the custody functions. The Transit custody runs here against a small in-memory
// stand-in for Vault's encrypt/decrypt (AES-GCM with associated data, like Transit's default key);
// test/e2e/custody*.test.ts runs it against the real Vault.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodePrivateKeyPem, generateKeyPair, keyId } from '@sealkit/core';
import { KEY_PRIVATE_FIELD } from '../../constants.js';
import { systemClock } from '../../remote/clock.js';
import { VaultRequestError } from '../../remote/errors.js';
import type { VaultApi } from '../../remote/vault-api.js';
import { KeyCustodyError, unwrapKeyPair, type KeyCustody } from './custody.js';
import { createKeyCustody } from './create.js';
import { KEY_CUSTODY_ANNOTATION, KEY_WRAPPED_FIELD, withoutNulls, wrappedKeyFields, wrappedKeyOfSecret } from './key-secret.js';
import { plaintextCustody } from './plaintext.js';
import { VaultTransitCustody } from './vault-transit.js';

/** Transit's encrypt/decrypt on one AES-256-GCM key; `down` makes every call unreachable. */
class TransitStandIn implements VaultApi {
  private readonly key = randomBytes(32);
  token: string | undefined;
  logins = 0;
  writes: { path: string; body: Record<string, unknown> }[] = [];
  down = false;
  setToken(t: string | undefined) {
    this.token = t;
  }
  async kubernetesLogin(mount: string, role: string, jwt: string) {
    if (this.down) throw new VaultRequestError(0, [], 'ECONNREFUSED');
    expect([mount, role, jwt]).toEqual(['kubernetes', 'sealkit-controller', 'sa-jwt']);
    this.logins++;
    return { token: `t${this.logins}`, ttlSeconds: 0, renewable: false };
  }
  async write(path: string, body: Record<string, unknown>) {
    if (this.down) throw new VaultRequestError(0, [], 'ECONNREFUSED');
    if (this.token !== `t${this.logins}`) throw new VaultRequestError(403, ['permission denied']);
    this.writes.push({ path, body });
    const aad = Buffer.from(String(body.associated_data ?? ''), 'base64');
    if (path === 'transit/encrypt/sealkit') {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', this.key, iv).setAAD(aad);
      const ct = Buffer.concat([iv, c.update(Buffer.from(String(body.plaintext), 'base64')), c.final(), c.getAuthTag()]);
      return { ciphertext: `vault:v1:${ct.toString('base64')}` };
    }
    if (path === 'transit/decrypt/sealkit') {
      const raw = Buffer.from(String(body.ciphertext).replace(/^vault:v1:/, ''), 'base64');
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12)).setAAD(aad);
      d.setAuthTag(raw.subarray(raw.length - 16));
      try {
        return { plaintext: Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('base64') };
      } catch {
        throw new VaultRequestError(400, ['cipher: message authentication failed']);
      }
    }
    throw new VaultRequestError(404, []);
  }
  read = async () => ({ status: 200 as const, data: null });
  appRoleLogin = async () => ({ token: 'x', ttlSeconds: 0, renewable: false });
  renewSelf = async () => ({ token: 'x', ttlSeconds: 0, renewable: false });
  lookupSelf = async () => {
    if (this.token !== `t${this.logins}`) throw new VaultRequestError(403, ['permission denied']);
    return { ttlSeconds: 0, renewable: false };
  };
  revokeSelf = async () => {};
  mountInfo = async () => ({ path: '', type: '', kvVersion: undefined });
}

/** Time that moves only when told (the session trusts a token for 30 s after checking it). */
const clock = { t: 1_700_000_000_000, now: () => clock.t, after: () => ({ cancel() {} }) };

function transit(api: VaultApi, over: Partial<{ transitKey: string; transitMount: string }> = {}): VaultTransitCustody {
  return new VaultTransitCustody({
    api,
    authMount: '/kubernetes/',
    role: 'sealkit-controller',
    jwt: async () => 'sa-jwt',
    transitMount: 'transit',
    transitKey: 'sealkit',
    clock,
    ...over,
  });
}

async function rejects(p: Promise<unknown>): Promise<KeyCustodyError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyCustodyError);
  return err as KeyCustodyError;
}

describe('plaintext custody', () => {
  it('stores the PKCS#8 PEM (the format before custody) and reads it back under its key id', async () => {
    const c = plaintextCustody();
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    const w = await c.wrap(pair.secretKey, id);
    expect(new TextDecoder().decode(w.blob)).toBe(encodePrivateKeyPem(pair.secretKey));
    const back = await unwrapKeyPair(c, w, id);
    expect(Buffer.from(back.secretKey)).toEqual(Buffer.from(pair.secretKey));
  });

  it('refuses a key under another id, and PEM that is not one key', async () => {
    const c = plaintextCustody();
    const [a, b] = [generateKeyPair(), generateKeyPair()];
    const w = await c.wrap(a.secretKey, keyId(a.publicKey));
    const wrongId = await rejects(unwrapKeyPair(c, w, keyId(b.publicKey)));
    expect(wrongId.message).toContain(`not ${keyId(b.publicKey)}`);
    expect(wrongId.retryable).toBe(false);
    const two = { ...w, blob: new TextEncoder().encode(encodePrivateKeyPem(a.secretKey) + encodePrivateKeyPem(b.secretKey)) };
    expect((await rejects(unwrapKeyPair(c, two, keyId(a.publicKey)))).message).toContain('exactly one key, not 2');
    expect((await rejects(unwrapKeyPair(c, { ...w, blob: new Uint8Array([1, 2]) }, keyId(a.publicKey)))).retryable).toBe(false);
  });
});

describe('vault-transit custody', () => {
  it('wraps through encrypt with the key id as associated data and context; the blob holds no key bytes', async () => {
    const api = new TransitStandIn();
    const c = transit(api);
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    const w = await c.wrap(pair.secretKey, id);
    expect(w.custody).toBe('vault-transit');
    expect(w.metadata).toEqual({ 'transit-mount': 'transit', 'transit-key': 'sealkit' });
    const text = new TextDecoder().decode(w.blob);
    expect(text).toMatch(/^vault:v1:/);
    expect(text).not.toContain(Buffer.from(pair.secretKey).toString('base64'));
    const enc = api.writes[0]!;
    expect(enc.path).toBe('transit/encrypt/sealkit');
    expect(Buffer.from(String(enc.body.associated_data), 'base64').toString()).toBe(`sealkit.dev/key-custody/v1 key-id=${id}`);
    expect(enc.body.context).toBe(enc.body.associated_data);
    const back = await unwrapKeyPair(c, w, id);
    expect(Buffer.from(back.secretKey)).toEqual(Buffer.from(pair.secretKey));
    expect(api.logins).toBe(1); // one login serves both calls
  });

  it('a blob moved to another key id does not decrypt (Vault refuses: not retryable)', async () => {
    const c = transit(new TransitStandIn());
    const [a, b] = [generateKeyPair(), generateKeyPair()];
    const w = await c.wrap(a.secretKey, keyId(a.publicKey));
    const err = await rejects(unwrapKeyPair(c, w, keyId(b.publicKey)));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('message authentication failed');
  });

  it('Vault unreachable is retryable and says so; a login lost later is redone', async () => {
    const api = new TransitStandIn();
    const c = transit(api);
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    const w = await c.wrap(pair.secretKey, id);
    api.down = true;
    const err = await rejects(unwrapKeyPair(c, w, id));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/unreachable \(ECONNREFUSED\)/);
    api.down = false;
    // The token was revoked meanwhile (the stand-in only honours the newest login): 403, re-login, retry.
    api.logins++;
    clock.t += 60_000;
    await unwrapKeyPair(c, w, id);
    expect(api.logins).toBe(3);
  });

  it('only the configured Transit key decrypts, and a plaintext blob is not its to open', async () => {
    const api = new TransitStandIn();
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    const w = await transit(api).wrap(pair.secretKey, id);
    const other = transit(api, { transitKey: 'other' });
    expect((await rejects(unwrapKeyPair(other, w, id))).message).toBe('wrapped with Transit key transit/keys/sealkit; the controller is configured with transit/keys/other');
    const plain = await plaintextCustody().wrap(pair.secretKey, id);
    expect((await rejects(unwrapKeyPair(transit(api), plain, id))).message).toContain('wrapped by plaintext custody; the controller runs with --key-custody vault-transit');
  });

  it('createKeyCustody names the missing flag', () => {
    const vault = { addr: undefined, role: 'r', authPath: 'kubernetes', transitMount: 'transit', transitKey: 'sealkit', caFile: undefined, tokenFile: '/x' };
    expect(createKeyCustody({ custody: 'plaintext', vault }, { clock: systemClock }).name).toBe('plaintext');
    expect(() => createKeyCustody({ custody: 'vault-transit', vault }, { clock: systemClock })).toThrow('needs --key-custody-vault-addr');
    expect(() => createKeyCustody({ custody: 'vault-transit', vault: { ...vault, addr: 'http://v', role: undefined } }, { clock: systemClock })).toThrow('needs --key-custody-vault-role');
    expect(() => createKeyCustody({ custody: 'vault-transit', vault: { ...vault, addr: 'http://v', caFile: '/nonexistent/ca.pem' } }, { clock: systemClock })).toThrow('cannot read /nonexistent/ca.pem (ENOENT)');
  });
});

describe('key Secret fields', () => {
  async function roundTrip(c: KeyCustody) {
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    const w = await c.wrap(pair.secretKey, id);
    const f = wrappedKeyFields(w);
    const secret = { metadata: { annotations: withoutNulls(f.annotations) }, data: withoutNulls(f.data) };
    return { pair, id, w, f, secret };
  }

  it('plaintext keeps private.pem and no custody annotation; transit keeps only private.wrapped', async () => {
    const p = await roundTrip(plaintextCustody());
    expect(Object.keys(p.secret.data)).toEqual([KEY_PRIVATE_FIELD]);
    expect(p.secret.metadata.annotations).toEqual({});
    expect(wrappedKeyOfSecret(p.secret)).toEqual(p.w);
    const t = await roundTrip(transit(new TransitStandIn()));
    expect(Object.keys(t.secret.data)).toEqual([KEY_WRAPPED_FIELD]);
    expect(t.secret.metadata.annotations).toEqual({
      [KEY_CUSTODY_ANNOTATION]: 'vault-transit',
      'sealkit.dev/key-custody-transit-mount': 'transit',
      'sealkit.dev/key-custody-transit-key': 'sealkit',
    });
    expect(wrappedKeyOfSecret(t.secret)).toEqual(t.w);
  });

  it('as a merge patch, converting back to plaintext removes the wrapped field and every custody annotation', async () => {
    const t = await roundTrip(transit(new TransitStandIn()));
    const back = wrappedKeyFields(await plaintextCustody().wrap(t.pair.secretKey, t.id), t.secret.metadata);
    expect(back.data[KEY_WRAPPED_FIELD]).toBeNull();
    expect(back.annotations).toEqual({
      [KEY_CUSTODY_ANNOTATION]: null,
      'sealkit.dev/key-custody-transit-mount': null,
      'sealkit.dev/key-custody-transit-key': null,
    });
  });

  it('a Secret without its custody field, or with an unknown custody, is a one-line error', () => {
    expect(() => wrappedKeyOfSecret({ metadata: {}, data: {} })).toThrow(`has no ${KEY_PRIVATE_FIELD} (custody plaintext)`);
    expect(() => wrappedKeyOfSecret({ metadata: { annotations: { [KEY_CUSTODY_ANNOTATION]: 'aws-kms' } }, data: {} })).toThrow('unknown key custody "aws-kms"');
  });
});
