/**
 * Vault's database secrets engine against a PostgreSQL server, over Vault's HTTP API. No
 * dependencies (not even the harness's env), so bench/remote.mjs imports it too (Node strips the
 * types); tests use the wrapper in postgres.ts, which passes the harness's server.
 */

/** Where PostgreSQL listens and its superuser (what Vault's connection logs in as). */
export interface PgServer {
  host: string;
  port: number;
  superuser: string;
  password: string;
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
 * Vault's database secrets engine against `pg`: MOUNT/config/CONNECTION as the
 * superuser, MOUNT/roles/ROLE creating a login role whose password is valid until the lease ends
 * (Vault moves VALID UNTIL on each renewal) and dropping it on revocation. Returns the path that
 * issues credentials (MOUNT/creds/ROLE).
 */
export async function configureDatabaseEngine(vault: VaultCall, pg: PgServer, opts: DatabaseRoleOptions = {}): Promise<{ credsPath: string; mount: string; role: string }> {
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
