// Token lifecycle with a fake VaultApi and a manual clock (single-function unit tests; the real
// Vault behaviour is covered by test/e2e/remote*.test.ts).
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { RemoteError, Reason, VaultRequestError } from './errors.js';
import { VaultSession, type Authenticator } from './session.js';
import type { VaultApi, VaultAuthResult } from './vault-api.js';

class FakeVault implements VaultApi {
  token: string | undefined;
  valid = new Set<string>();
  calls: string[] = [];
  n = 0;
  ttl = 90;
  renewTtl: number | undefined;
  denyPaths = new Set<string>();
  loginFails: VaultRequestError | undefined;
  down = false;
  setToken(t: string | undefined) {
    this.token = t;
  }
  private check(op: string) {
    this.calls.push(op);
    if (this.down) throw new VaultRequestError(0, [], 'ECONNREFUSED');
    if (op !== 'login' && !(this.token && this.valid.has(this.token))) throw new VaultRequestError(403, ['permission denied']);
  }
  async read(path: string) {
    this.check('read');
    if (this.denyPaths.has(path)) throw new VaultRequestError(403, ['permission denied']);
    return { status: 200 as const, data: { a: path } };
  }
  async login(): Promise<VaultAuthResult> {
    this.check('login');
    if (this.loginFails) throw this.loginFails;
    const token = `t${++this.n}`;
    this.valid.add(token);
    return { token, ttlSeconds: this.ttl, renewable: true };
  }
  async write(path: string) {
    this.check('write');
    return { a: path };
  }
  kubernetesLogin = () => this.login();
  appRoleLogin = () => this.login();
  async renewSelf(): Promise<VaultAuthResult> {
    this.check('renew');
    return { token: this.token!, ttlSeconds: this.renewTtl ?? this.ttl, renewable: true };
  }
  async lookupSelf() {
    this.check('lookup');
    return { ttlSeconds: this.ttl, renewable: true };
  }
  async revokeSelf() {
    this.check('revoke');
    this.valid.delete(this.token!);
  }
  async mountInfo() {
    this.check('mountinfo');
    return { path: 'secret/', type: 'kv', kvVersion: 'v2' as const };
  }
}

const loginAuth: Authenticator = {
  method: 'appRole',
  createsTokens: true,
  async authenticate(api) {
    const r = await api.appRoleLogin('approle', 'r', 's');
    api.setToken(r.token);
    return r;
  },
};

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const api = new FakeVault();
  const events = { logins: 0, renewals: 0 };
  const s = new VaultSession(api, loginAuth, { clock, events: { login: () => events.logins++, renew: () => events.renewals++ } });
  return { clock, api, s, events };
}
const count = (api: FakeVault, op: string) => api.calls.filter((c) => c === op).length;

describe('VaultSession', () => {
  it('logs in once for many concurrent and later calls', async () => {
    const { api, s } = setup();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.run((a) => a.read(`p${i}`))));
    await s.run((a) => a.read('again'));
    expect(count(api, 'login')).toBe(1);
    expect(count(api, 'read')).toBe(21);
  });

  it('renews at 2/3 of the TTL on a timer, keeping the same token', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    await clock.advance(59_000);
    expect(count(api, 'renew')).toBe(0);
    await clock.advance(2_000);
    expect(count(api, 'renew')).toBe(1);
    await clock.advance(60_000);
    expect(count(api, 'renew')).toBe(2);
    await s.run((a) => a.read('x'));
    expect(count(api, 'login')).toBe(1);
  });

  it('logs in again on next use when renewal is capped by max_ttl', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    api.renewTtl = 20; // max_ttl reached: Vault grants less than asked
    await clock.advance(61_000);
    expect(count(api, 'renew')).toBe(1);
    await clock.advance(5_000);
    await s.run((a) => a.read('x'));
    expect(count(api, 'login')).toBe(1); // still inside 2/3 of the remaining 20 s
    await clock.advance(10_000);
    await s.run((a) => a.read('x'));
    expect(count(api, 'login')).toBe(2);
  });

  it('on a 403 from a dead token: one re-login, one retry', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    api.valid.clear(); // revoked behind our back
    await clock.advance(31_000); // past the lookup-self vouching window
    const r = await Promise.all([s.run((a) => a.read('a')), s.run((a) => a.read('b'))]);
    expect(r.map((x) => x.data)).toEqual([{ a: 'a' }, { a: 'b' }]);
    expect(count(api, 'login')).toBe(2);
  });

  it('on a 403 from policy: no re-login, the error is reported', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    api.denyPaths.add('denied');
    for (let i = 0; i < 5; i++) {
      await expect(s.run((a) => a.read('denied'))).rejects.toMatchObject({ status: 403 });
      await clock.advance(40_000);
    }
    expect(count(api, 'login')).toBe(1);
    // lookup-self at most once per 30 s window to tell policy from a dead token
    expect(count(api, 'lookup')).toBeLessThanOrEqual(5);
  });

  it('backs off failed logins instead of logging in per call', async () => {
    const { api, s, clock } = setup();
    api.loginFails = new VaultRequestError(400, ['invalid role or secret ID']);
    const errs: unknown[] = [];
    for (let i = 0; i < 10; i++) errs.push(await s.ensure().catch((e) => e));
    expect(count(api, 'login')).toBe(1);
    expect(errs[0]).toBeInstanceOf(RemoteError);
    expect((errs[9] as RemoteError).reason).toBe(Reason.AuthFailed);
    expect((errs[9] as RemoteError).message).toContain('invalid role or secret ID');
    await clock.advance(1_100);
    await s.ensure().catch(() => undefined);
    expect(count(api, 'login')).toBe(2);
    await clock.advance(1_100); // second backoff is 2 s
    await s.ensure().catch(() => undefined);
    expect(count(api, 'login')).toBe(2);
    api.loginFails = undefined;
    await clock.advance(1_000);
    await s.ensure();
    expect(count(api, 'login')).toBe(3);
  });

  it('classifies an unreachable Vault as VaultUnavailable', async () => {
    const { api, s } = setup();
    api.down = true;
    await expect(s.ensure()).rejects.toMatchObject({ reason: Reason.VaultUnavailable, retryable: true });
  });

  it('keeps renewing through a short outage; re-logs in if the token died', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    api.down = true;
    await clock.advance(61_000); // renewal fails (transient): retried every 10 s
    api.down = false;
    await clock.advance(10_000);
    expect(count(api, 'renew')).toBeGreaterThanOrEqual(2);
    await s.run((a) => a.read('x'));
    expect(count(api, 'login')).toBe(1);
  });

  it('close() revokes a token it created and stops renewing', async () => {
    const { api, s, clock } = setup();
    await s.ensure();
    await s.close();
    expect(count(api, 'revoke')).toBe(1);
    expect(api.token).toBeUndefined();
    await clock.advance(600_000);
    expect(count(api, 'renew')).toBe(0);
    await expect(s.ensure()).rejects.toBeInstanceOf(RemoteError);
  });

  it('a static token is never revoked and is checked with lookup-self', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const api = new FakeVault();
    api.valid.add('static');
    const auth: Authenticator = {
      method: 'token',
      createsTokens: false,
      async authenticate(a) {
        a.setToken('static');
        return a.lookupSelf();
      },
    };
    const s = new VaultSession(api, auth, { clock });
    await s.run((a) => a.read('x'));
    await s.close();
    expect(count(api, 'lookup')).toBe(1);
    expect(count(api, 'revoke')).toBe(0);
  });
});
