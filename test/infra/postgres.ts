/**
 * psql against the harness's PostgreSQL (test/infra/up --with postgres), as a user would log in:
 * over TCP on 127.0.0.1 with a password (the password travels in PGPASSWORD, never in argv).
 *
 *   const pg = requirePostgres();
 *   await psql(superuserLogin(), 'select 1');
 *   expect(await canLogIn({ user, password })).toBe(true);
 */
import { execFile } from 'node:child_process';
import { requirePostgres } from './env.js';

export interface PgLogin {
  user: string;
  password: string;
  /** Default: postgres */
  database?: string;
}

/** The superuser the harness created (what Vault's database engine connects as). */
export function superuserLogin(): PgLogin {
  const pg = requirePostgres();
  return { user: pg.superuser, password: pg.password };
}

class PsqlError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs one SQL command as `login`; resolves with psql's unaligned, tuples-only output. */
export function psql(login: PgLogin, sql: string): Promise<string> {
  const pg = requirePostgres();
  const args = ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', pg.host, '-p', String(pg.port), '-U', login.user, '-d', login.database ?? 'postgres', '-c', sql];
  return new Promise((resolve, reject) => {
    execFile(
      pg.psql,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable' } },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const first = stderr.trim().split('\n')[0] ?? err.message;
        reject(new PsqlError(`psql as ${login.user}: ${first}`, stderr));
      },
    );
  });
}

/**
 * Whether `login` can open a session. false only for the server's own refusals (wrong password,
 * expired password, unknown role); anything else (server down, bad port) throws, so a test that
 * expects a refusal cannot pass because nothing answered.
 */
export async function canLogIn(login: PgLogin): Promise<boolean> {
  try {
    return (await psql(login, 'select current_user')) === login.user;
  } catch (err) {
    if (err instanceof PsqlError && /password authentication failed|role ".*" does not exist/.test(err.stderr)) return false;
    throw err;
  }
}

/** Whether a role of that name exists (asked as the superuser). */
export async function roleExists(name: string): Promise<boolean> {
  const n = await psql(superuserLogin(), `select count(*) from pg_roles where rolname = '${name.replace(/'/g, "''")}'`);
  return n === '1';
}

/** A Vault HTTP call: (method, path under /v1/, JSON body) -> parsed JSON; throws on an error status. */
export type VaultCall = (method: string, path: string, body?: unknown) => Promise<any>;

export interface DatabaseRoleOptions {
  /** Mount of the database secrets engine (enabled when missing). Default: database */
  mount?: string;
  /** Connection name under MOUNT/config/. Default: pg */
  connection?: string;
  /** Role name under MOUNT/roles/. Default: app */
  role?: string;
  /** Short on purpose, so renewals and re-issue happen within a test. Default: 10s / 40s */
  defaultTtl?: string;
  maxTtl?: string;
}

/**
 * Vault's database secrets engine against the harness's PostgreSQL: MOUNT/config/CONNECTION as the
 * superuser, MOUNT/roles/ROLE creating a login role whose password is valid until the lease ends
 * (Vault moves VALID UNTIL on each renewal) and dropping it on revocation. Returns the path that
 * issues credentials (MOUNT/creds/ROLE) and the role names' prefix Vault generates.
 */
export async function configureVaultDatabase(vault: VaultCall, opts: DatabaseRoleOptions = {}): Promise<{ credsPath: string; mount: string; role: string }> {
  const pg = requirePostgres();
  const mount = opts.mount ?? 'database';
  const connection = opts.connection ?? 'pg';
  const role = opts.role ?? 'app';
  const mounts = await vault('GET', 'sys/mounts');
  if (!(mounts.data ?? mounts)[`${mount}/`]) await vault('POST', `sys/mounts/${mount}`, { type: 'database' });
  await vault('POST', `${mount}/config/${connection}`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${pg.host}:${pg.port}/postgres?sslmode=disable`,
    username: pg.superuser,
    password: pg.password,
    allowed_roles: [role],
    verify_connection: true,
  });
  await vault('POST', `${mount}/roles/${role}`, {
    db_name: connection,
    creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
    revocation_statements: [
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';`,
      `DROP ROLE IF EXISTS "{{name}}";`,
    ],
    default_ttl: opts.defaultTtl ?? '10s',
    max_ttl: opts.maxTtl ?? '40s',
  });
  return { credsPath: `${mount}/creds/${role}`, mount, role };
}

/**
 * Lease ids Vault holds under a prefix (e.g. database/creds/app), from the sys/leases/lookup list
 * (GET ?list=true: Vault answers 404 when there are none, which `vault` must return as empty).
 */
export async function leasesUnder(vault: VaultCall, prefix: string): Promise<string[]> {
  const r = await vault('GET', `sys/leases/lookup/${prefix.replace(/\/$/, '')}/?list=true`);
  const keys: string[] = r?.data?.keys ?? [];
  return keys.map((k) => `${prefix.replace(/\/$/, '')}/${k}`);
}
