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
import { configureDatabaseEngine, type DatabaseRoleOptions, type VaultCall } from './vault-database.js';

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

export type { VaultCall, DatabaseRoleOptions } from './vault-database.js';
export { leasesUnder } from './vault-database.js';

/** configureVaultDatabase (vault-database.ts) against the harness's PostgreSQL. */
export function configureVaultDatabase(vault: VaultCall, opts: DatabaseRoleOptions = {}): Promise<{ credsPath: string; mount: string; role: string }> {
  return configureDatabaseEngine(vault, requirePostgres(), opts);
}
