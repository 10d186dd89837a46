// `sealkit ref` without Vault: the manifest it writes and its usage errors, through the built
// binary. --check against a real Vault is in test/e2e/remote-cli.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectError, expectOk, listDir, readText, removeDir, run, tempDir } from '../../test/run.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('sealkit-ref-');
});
afterAll(() => removeDir(dir));

const base = ['ref', 'db', '-n', 'prod', '--store', 'vault'];

describe('ref', () => {
  it('writes a RemoteSecret; each --property belongs to the --key before it', async () => {
    const r = await run([...base, '--key', 'prod/db', '--property', 'password', '--property', 'username=user', '--key-version', '3', '--key', 'prod/api', '--property', 'token', '--refresh', '1h']);
    expectOk(r);
    expect(r.stderr).toBe('');
    expect(parse(r.stdout)).toEqual({
      apiVersion: 'sealkit.dev/v1alpha1',
      kind: 'RemoteSecret',
      metadata: { name: 'db', namespace: 'prod' },
      spec: {
        storeRef: { name: 'vault' },
        refreshInterval: '1h',
        data: [
          { secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password', version: '3' } },
          { secretKey: 'user', remoteRef: { key: 'prod/db', property: 'username', version: '3' } },
          { secretKey: 'token', remoteRef: { key: 'prod/api', property: 'token' } },
        ],
      },
    });
  });

  it('writes only what was asked for: no defaults that would make a GitOps diff', async () => {
    const r = await run([...base, '--key', 'prod/db', '--property', 'password']);
    expectOk(r);
    const m = parse(r.stdout);
    expect(Object.keys(m.spec)).toEqual(['storeRef', 'data']);
    expect(m.spec.storeRef).toEqual({ name: 'vault' });
  });

  it('--extract, --cluster-store, target and policies, JSON output', async () => {
    const r = await run([...base, '--cluster-store', '--extract', 'prod/common', '--key-version', '2', '--target', 'db-creds', '--creation-policy', 'Merge', '--deletion-policy', 'Delete', '--type', 'kubernetes.io/basic-auth', '-o', 'json']);
    expectOk(r);
    expect(JSON.parse(r.stdout).spec).toEqual({
      storeRef: { name: 'vault', kind: 'ClusterRemoteStore' },
      target: { name: 'db-creds', creationPolicy: 'Merge', deletionPolicy: 'Delete', template: { type: 'kubernetes.io/basic-auth' } },
      dataFrom: [{ extract: { key: 'prod/common', version: '2' } }],
    });
  });

  it('-w writes the file atomically and nothing on stdout', async () => {
    const sub = join(dir, 'w');
    await run(['ref', 'x', '-n', 'a', '--store', 's', '--key', 'k', '--property', 'p', '-w', join(dir, 'nope', 'f.yaml')]).then((r) => expectError(r, 1, 'f.yaml'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    const r = await run([...base, '--key', 'prod/db', '--property', 'password', '-w', join(sub, 'db.remote.yaml')]);
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(parse(await readText(join(sub, 'db.remote.yaml'))).kind).toBe('RemoteSecret');
    expect(await listDir(sub)).toEqual(['db.remote.yaml']);
  });

  it('usage errors exit 2 with one line and a hint', async () => {
    expectError(await run(['ref', 'db', '--store', 'v', '--key', 'k', '--property', 'p']), 2, '-n/--namespace is required');
    expectError(await run(['ref', 'db', '-n', 'p', '--key', 'k', '--property', 'p']), 2, '--store is required');
    expectError(await run([...base]), 2, 'no data');
    expectError(await run([...base, '--property', 'p']), 2, '--property must follow a --key');
    expectError(await run([...base, '--key-version', '2']), 2, '--key-version must follow a --key or --extract');
    expectError(await run([...base, '--extract', 'a', '--property', 'p']), 2, '--property must follow a --key (an --extract takes every field)');
    expectError(await run([...base, '--key', 'a', '--key-version', '1', '--key-version', '2', '--property', 'p']), 2, '--key-version given twice for a');
    expectError(await run([...base, '--key', 'prod/db']), 2, /--key prod\/db has no --property.*--extract prod\/db/);
    expectError(await run([...base, '--key', 'a', '--property', '=x']), 2, '--property "=x": the property name is empty');
    expectError(await run([...base, '--key', 'a', '--property', 'bad key']), 2, /"bad key" is not a valid Secret key.*--property bad key=KEY/);
    expectError(await run(['ref']), 2, 'nothing to do');
  });

  // Every rule of the manifest is core's planRemoteSecret, the controller's own check; its message
  // names the flag the field came from.
  it('checks the manifest with the controller\'s rules, naming the flag', async () => {
    const cases: [string[], string][] = [
      [['ref', 'Bad_Name', '-n', 'p', '--store', 'v', '--key', 'a', '--property', 'p'], 'NAME "Bad_Name" is not a valid object name'],
      [['ref', 'db', '-n', 'Prod', '--store', 'v', '--key', 'a', '--property', 'p'], '-n/--namespace "Prod" is not a valid namespace'],
      [['ref', 'db', '-n', 'p', '--store', 'My_Store', '--key', 'a', '--property', 'p'], '--store "My_Store" is not a valid object name'],
      [[...base, '--key', 'a', '--property', 'x', '--key', 'b', '--property', 'x'], '--property "x" appears twice'],
      [[...base, '--key', 'a/../b', '--property', 'p'], '--key "a/../b" has an empty, "." or ".." segment'],
      [[...base, '--key', 'a?version=2', '--property', 'p'], '--key "a?version=2" contains a character not allowed in a Vault path'],
      [[...base, '--extract', '//'], '--extract is empty'],
      [[...base, '--key', 'a', '--property', 'p', '--key-version', 'latest'], '--key-version must be a positive integer (a KV v2 version), got "latest"'],
      [[...base, '--extract', 'a', '--key-version', '0'], '--key-version must be a positive integer (a KV v2 version), got "0"'],
      [[...base, '--key', 'a', '--property', 'p', '--refresh', '1 hour'], '--refresh: "1 hour" is not a duration (e.g. 1h30m, 90s, 500ms, 30d; 0 for none)'],
      [[...base, '--key', 'a', '--property', 'p', '--refresh', '500ms'], '--refresh must be 0 (fetch once) or at least 1s, got "500ms"'],
      [[...base, '--key', 'a', '--property', 'p', '--creation-policy', 'None'], '--creation-policy must be one of Owner, Merge, Orphan (got "None")'],
      [[...base, '--key', 'a', '--property', 'p', '--deletion-policy', 'Orphan'], '--deletion-policy must be one of Retain, Delete (got "Orphan")'],
      [[...base, '--key', 'a', '--property', 'p', '--target', 'Db'], '--target "Db" is not a valid object name'],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expectError(r, 2, message);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  it('takes every duration the controller takes, days included', async () => {
    for (const refresh of ['0', '1s', '1h30m', '1.5h', '2d']) {
      const r = await run([...base, '--key', 'a', '--property', 'p', '--refresh', refresh, '-o', 'json']);
      expectOk(r);
      expect(JSON.parse(r.stdout).spec.refreshInterval).toBe(refresh);
    }
  });

  it('--version is not a flag of ref: a usage error that points at --key-version, nothing written', async () => {
    const out = join(dir, 'version.yaml');
    const r = await run([...base, '--key', 'prod/db', '--property', 'password', '--version', '2', '-w', out]);
    expectError(r, 2, 'ref has no --version: pin a KV v2 version with --key-version N');
    expect(r.stdout).toBe('');
    expect(await listDir(dir)).not.toContain('version.yaml');
    // The top-level flag still prints the version; other subcommands reject it as unknown.
    const top = await run(['--version']);
    expectOk(top);
    expect(top.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expectError(await run(['seal', '--version']), 2, "unknown option '--version'");
  });

  it('--help names --key-version and how groups work', async () => {
    const r = await run(['ref', '--help']);
    expectOk(r);
    expect(r.stdout).toContain('--key-version <n>');
    expect(r.stdout).toContain('--property/--key-version');
    // The hidden --version of ref (there only to point at --key-version) is not advertised.
    expect(r.stdout.replace(/--(key|kv)-version/g, '')).not.toContain('--version');
  });

  it('--mount and --kv-version without --check are usage errors', async () => {
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--mount', 'kv']), 2, 'only apply with --check');
  });

  it('--check -f checks each manifest with the controller\'s rules before asking Vault', async () => {
    const file = join(dir, 'bad.remote.yaml');
    const manifest = (refresh: string) =>
      `apiVersion: sealkit.dev/v1alpha1\nkind: RemoteSecret\nmetadata: {name: db}\nspec:\n  storeRef: {name: vault}\n  refreshInterval: ${refresh}\n  data: [{secretKey: password, remoteRef: {key: prod/db, property: password}}]\n`;
    await writeFile(file, manifest('1 hour'));
    // Vault is unreachable here: the manifest error comes first, naming the object and the field.
    const env = { VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.x' };
    expectError(await run(['ref', '--check', '-f', file], { env }), 1, 'RemoteSecret db: spec.refreshInterval: "1 hour" is not a duration');
    await writeFile(file, manifest('1h').replace('key: prod/db', 'key: prod/../db'));
    expectError(await run(['ref', '--check', '-f', file], { env }), 1, 'RemoteSecret db: spec.data[0].remoteRef.key "prod/../db" has an empty');
    // A valid manifest without a namespace gets past the check and on to Vault.
    await writeFile(file, manifest('1h'));
    expectError(await run(['ref', '--check', '-f', file], { env }), 1, 'cannot reach Vault (ECONNREFUSED)');
  });

  it('--check needs VAULT_ADDR and VAULT_TOKEN and prints nothing else without them', async () => {
    const env = { VAULT_ADDR: '', VAULT_TOKEN: '' };
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--check'], { env }), 1, 'VAULT_ADDR');
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--check'], { env: { VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: '' } }), 1, 'VAULT_TOKEN');
  });

  it('--check reports an unreachable Vault without leaking the token', async () => {
    const r = await run([...base, '--key', 'a', '--property', 'p', '--check'], { env: { VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'hvs.do-not-print-me' } });
    const line = expectError(r, 1, 'cannot reach Vault (ECONNREFUSED)');
    expect(line).not.toContain('do-not-print-me');
  });
});
