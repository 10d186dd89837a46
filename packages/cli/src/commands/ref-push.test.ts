// `sealkit ref NAME --push SECRET --key PATH` through the built binary: the PushSecret it writes
// and its usage errors (naming the flag). The controller side: test/e2e/push-secret.test.ts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectError, expectOk, run } from '../../test/run.js';

const base = ['ref', 'db-push', '-n', 'prod', '--store', 'vault'];

describe('ref --push', () => {
  it('writes a PushSecret with only what was asked for (every key of the Secret; no defaults: no GitOps diff)', async () => {
    const r = await run([...base, '--push', 'db', '--key', 'prod/db']);
    expectOk(r);
    expect(parse(r.stdout)).toEqual({
      apiVersion: 'sealkit.dev/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'db-push', namespace: 'prod' },
      spec: { storeRef: { name: 'vault' }, secretRef: { name: 'db' }, remoteRef: { key: 'prod/db' } },
    });
  });

  it('selected keys (--property VAULT_FIELD=SECRET_KEY), cluster store, refresh and deletion policy', async () => {
    const r = await run([...base, '--cluster-store', '--push', 'db', '--key', 'prod/db', '--property', 'db_password=password', '--property', 'username', '--refresh', '30m', '--deletion-policy', 'Delete', '-o', 'json']);
    expectOk(r);
    expect(JSON.parse(r.stdout).spec).toEqual({
      storeRef: { name: 'vault', kind: 'ClusterRemoteStore' },
      secretRef: { name: 'db' },
      remoteRef: { key: 'prod/db' },
      data: [{ secretKey: 'password', property: 'db_password' }, { secretKey: 'username' }],
      refreshInterval: '30m',
      deletionPolicy: 'Delete',
    });
  });

  it.each([
    [['--push', 'db'], 'give exactly one --key PATH'],
    [['--push', 'db', '--key', 'a', '--key', 'b'], 'give exactly one --key PATH'],
    [['--push', 'db', '--extract', 'a'], 'give exactly one --key PATH'],
    [['--push', 'db', '--key', 'a', '--key-version', '2'], '--key-version does not apply to --push'],
    [['--push', 'db', '--key', 'a/../b'], '--key'],
    [['--push', 'Bad_Name', '--key', 'a'], '--push'],
    [['--push', 'db', '--key', 'a', '--property', 'x=one', '--property', 'x=two'], "--property: property \"x\" is written twice"],
    [['--push', 'db', '--key', 'a', '--deletion-policy', 'Orphan'], '--deletion-policy must be one of Retain, Delete'],
    [['--push', 'db', '--key', 'a', '--refresh', '5ms'], '--refresh must be 0'],
    [['--push', 'db', '--key', 'a', '--target', 'x'], '--target does not apply to --push'],
    [['--push', 'db', '--key', 'a', '--check'], '--check does not apply to --push'],
    [['--push', 'db', '--key', 'a', '--dynamic', 'database/creds/app'], '--dynamic does not apply to --push'],
  ])('%j: usage error naming the flag, nothing on stdout', async (args, message) => {
    const r = await run([...base, ...args]);
    expectError(r, 2, message);
    expect(r.stdout).toBe('');
  });
});
