// `sealkit ref --check` against a real Vault dev server, with the user's own VAULT_ADDR/VAULT_TOKEN:
// the built binary, run as a user would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireVault } from '../infra/env.js';
import { REPO, run, suffix } from './lib/kube.js';
import { createToken, kv1Put, kv2Put, vault } from './remote-support.js';

const CLI = path.join(REPO, 'packages/cli/bin/sealkit.js');
let P: string;
let env: NodeJS.ProcessEnv;
const SECRET_VALUES = ['cli-pw-Hy7', 'cli-legacy-Hy8'];

function sealkit(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, allowFail: true });
}

beforeAll(async () => {
  const v = requireVault();
  P = `cli-${suffix()}`;
  await kv2Put('secret', `${P}/db`, { password: SECRET_VALUES[0], username: 'app' });
  await kv2Put('secret', `${P}/db`, { password: SECRET_VALUES[0], username: 'app2' });
  await kv1Put('kv1', `${P}/legacy`, { apikey: SECRET_VALUES[1] });
  const policy = `sealkit-cli-${P}`;
  await vault('PUT', `sys/policies/acl/${policy}`, { policy: `path "secret/data/${P}/*" { capabilities = ["read"] }\npath "kv1/${P}/*" { capabilities = ["read"] }` });
  // The user's own token, limited like a developer's would be.
  env = { ...process.env, VAULT_ADDR: v.addr, VAULT_TOKEN: await createToken([policy]) };
});

describe('sealkit ref --check', () => {
  it('all references resolve: the manifest on stdout, a report on stderr, no values anywhere', async () => {
    const r = await sealkit(['ref', 'db', '-n', 'prod', '--store', 'vault', '--key', `${P}/db`, '--property', 'password', '--property', 'username=user', '--check']);
    expect(r.code, r.stderr).toBe(0);
    expect(parse(r.stdout).kind).toBe('RemoteSecret');
    expect(r.stderr).toContain('mount secret, KV v2');
    expect(r.stderr).toContain(`prod/db: password: ok: secret/${P}/db property password (version 2)`);
    expect(r.stderr).toContain(`prod/db: user: ok: secret/${P}/db property username (version 2)`);
    for (const v of [...SECRET_VALUES, env.VAULT_TOKEN!]) expect(r.stdout + r.stderr).not.toContain(v);
  });

  it('a missing property or key fails (exit 1), lists the fields that exist, writes no manifest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-ref-'));
    const out = path.join(dir, 'db.remote.yaml');
    const r = await sealkit(['ref', 'db', '-n', 'prod', '--store', 'vault', '--key', `${P}/db`, '--property', 'passwd', '--key', `${P}/nope`, '--property', 'x', '--check', '-w', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`passwd: MISSING: property passwd in secret/${P}/db (version 2) (fields: password, username)`);
    expect(r.stderr).toContain(`x: MISSING: key "${P}/nope" not found in mount secret`);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(/^sealkit: error: some references do not resolve in Vault/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(out)).toBe(false);
    for (const v of SECRET_VALUES) expect(r.stderr).not.toContain(v);
  });

  it('checks an existing manifest (-f), KV v1 detected from the mount, --extract lists the keys it would give', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-ref-'));
    const file = path.join(dir, 'legacy.yaml');
    const built = await sealkit(['ref', 'legacy', '-n', 'prod', '--store', 'legacy', '--extract', `${P}/legacy`, '--key', `${P}/legacy`, '--property', 'apikey']);
    expect(built.code, built.stderr).toBe(0);
    writeFileSync(file, built.stdout);
    const r = await sealkit(['ref', '--check', '-f', file, '--mount', 'kv1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('mount kv1, KV v1');
    expect(r.stderr).toContain(`prod/legacy: extract: ok: kv1/${P}/legacy gives 1 key: apikey`);
    expect(r.stderr).toContain(`prod/legacy: apikey: ok: kv1/${P}/legacy property apikey`);
    expect(r.stderr).not.toContain(SECRET_VALUES[1]);
  });

  it('a deleted pinned version is reported as such', async () => {
    await vault('POST', `secret/delete/${P}/db`, { versions: [1] });
    const r = await sealkit(['ref', 'db', '-n', 'prod', '--store', 'vault', '--key', `${P}/db`, '--key-version', '1', '--property', 'password', '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`password: MISSING: version 1 of key "${P}/db" is deleted in mount secret`);
  });

  it('a bad token is a one-line error with a hint, never the token', async () => {
    const r = await sealkit(['ref', 'db', '-n', 'prod', '--store', 'vault', '--key', `${P}/db`, '--property', 'password', '--check'], { VAULT_TOKEN: 'hvs.bogus-token-Hy9' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sealkit: error: detecting the KV version of mount "secret": Vault returned HTTP 403/);
    expect(r.stderr).not.toContain('bogus-token');
  });
});
