/**
 * Smoke suite of the harness's PostgreSQL: a real server that logs users in with passwords over TCP
 * the way Vault's database secrets engine and an application would, and that engine working
 * against it (issue, renew, revoke).
 */
import { describe, expect, it } from 'vitest';
import { requirePostgres, requireVault } from './env.js';
import { canLogIn, configureVaultDatabase, leasesUnder, psql, roleExists, superuserLogin, type VaultCall } from './postgres.js';

const vault: VaultCall = async (method, pathname, body) => {
  const v = requireVault();
  const res = await fetch(`${v.addr}/v1/${pathname}`, {
    method,
    headers: { 'x-vault-token': v.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`vault ${method} ${pathname}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
};

const suffix = Date.now().toString(36);

describe('postgres', () => {
  it('logs the superuser in with its password over TCP, and refuses a wrong one', async () => {
    const pg = requirePostgres();
    expect(pg.host).toBe('127.0.0.1');
    expect(await psql(superuserLogin(), 'show server_version_num')).toMatch(/^\d{6}$/);
    expect(await canLogIn(superuserLogin())).toBe(true);
    expect(await canLogIn({ user: pg.superuser, password: `${pg.password}x` })).toBe(false);
  });

  it('a role logs in while VALID UNTIL is in the future, not after (what lease expiry relies on)', async () => {
    const user = `smoke_${suffix}`;
    await psql(superuserLogin(), `create role "${user}" with login password 'pw-${suffix}' valid until 'infinity'`);
    expect(await canLogIn({ user, password: `pw-${suffix}` })).toBe(true);
    await psql(superuserLogin(), `alter role "${user}" valid until '2000-01-01'`);
    expect(await canLogIn({ user, password: `pw-${suffix}` })).toBe(false);
    await psql(superuserLogin(), `drop role "${user}"`);
    expect(await roleExists(user)).toBe(false);
  });
});

describe("vault's database secrets engine against it", () => {
  it('issues credentials that log in, renews them, and revoking drops the role', async () => {
    const { credsPath } = await configureVaultDatabase(vault, { mount: `db-smoke-${suffix}`, defaultTtl: '30s', maxTtl: '60s' });
    const creds = await vault('GET', credsPath);
    const login = { user: creds.data.username as string, password: creds.data.password as string };
    expect(creds.lease_duration).toBe(30);
    expect(creds.renewable).toBe(true);
    expect(await canLogIn(login)).toBe(true);
    expect(await leasesUnder(vault, credsPath)).toEqual([creds.lease_id]);

    const renewed = await vault('PUT', 'sys/leases/renew', { lease_id: creds.lease_id, increment: 30 });
    expect(renewed.lease_id).toBe(creds.lease_id);
    expect(renewed.lease_duration).toBeGreaterThan(0);

    await vault('PUT', 'sys/leases/revoke', { lease_id: creds.lease_id });
    expect(await canLogIn(login)).toBe(false);
    expect(await roleExists(login.user)).toBe(false);
    expect(await leasesUnder(vault, credsPath)).toEqual([]);
  });
});
