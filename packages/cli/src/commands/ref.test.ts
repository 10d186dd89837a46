// `sealkit ref` without Vault: the manifest it writes and its usage errors, through the built
// binary. --check against a real Vault is in test/e2e/remote-cli.test.ts.
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
    expectError(await run([...base, '--key', 'prod/db']), 2, /--key prod\/db has no --property.*--extract prod\/db/);
    expectError(await run([...base, '--key', 'a', '--property', 'x', '--key', 'b', '--property', 'x']), 2, 'given twice');
    expectError(await run([...base, '--key', 'a', '--property', 'bad key']), 2, 'not a valid Secret key');
    expectError(await run([...base, '--key', 'a/../b', '--property', 'p']), 2, 'not a valid Vault path');
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--key-version', 'latest']), 2, 'positive integer');
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--refresh', '1 hour']), 2, 'not a duration');
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--creation-policy', 'None']), 2, 'Owner, Orphan, Merge');
    expectError(await run(['ref', 'Bad_Name', '-n', 'p', '--store', 'v', '--key', 'a', '--property', 'p']), 2, 'not a valid object name');
    expectError(await run([...base, '--key', 'a', '--property', 'p', '--mount', 'kv']), 2, 'only apply with --check');
    expectError(await run(['ref']), 2, 'nothing to do');
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
