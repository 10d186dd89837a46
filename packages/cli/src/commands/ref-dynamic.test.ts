// `sealkit ref NAME --dynamic PATH` through the built binary: the DynamicSecret it writes and its
// usage errors (naming the flag). The controller side: test/e2e/dynamic-secrets.test.ts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectError, expectOk, run } from '../../test/run.js';

const base = ['ref', 'app-db', '-n', 'prod', '--store', 'vault'];

describe('ref --dynamic', () => {
  it('writes a DynamicSecret with only what was asked for (no defaults: no GitOps diff)', async () => {
    const r = await run([...base, '--dynamic', 'database/creds/app']);
    expectOk(r);
    expect(parse(r.stdout)).toEqual({
      apiVersion: 'sealkit.dev/v1alpha1',
      kind: 'DynamicSecret',
      metadata: { name: 'app-db', namespace: 'prod' },
      spec: { storeRef: { name: 'vault' }, path: 'database/creds/app' },
    });
  });

  it('POST with parameters, renewal percent, cluster store, target and type', async () => {
    const r = await run([...base, '--cluster-store', '--dynamic', 'pki/issue/web', '--method', 'post', '--param', 'common_name=web.example', '--param', 'ttl=24h', '--renewal-percent', '50', '--target', 'web-tls', '--type', 'kubernetes.io/tls', '-o', 'json']);
    expectOk(r);
    expect(JSON.parse(r.stdout).spec).toEqual({
      storeRef: { name: 'vault', kind: 'ClusterRemoteStore' },
      path: 'pki/issue/web',
      method: 'POST',
      parameters: { common_name: 'web.example', ttl: '24h' },
      renewalPercent: 50,
      target: { name: 'web-tls', template: { type: 'kubernetes.io/tls' } },
    });
  });

  it.each([
    [['--dynamic', 'pki/issue/web', '--param', 'cn=x'], '--param needs --method POST'],
    [['--dynamic', 'database/creds/app', '--renewal-percent', '95'], '--renewal-percent must be an integer from 10 to 90'],
    [['--dynamic', 'database/../sys'], '--dynamic'],
    [['--dynamic', 'database/creds/app', '--method', 'PUT'], '--method must be one of GET, POST'],
    [['--dynamic', 'database/creds/app', '--refresh', '1h'], '--refresh does not apply to --dynamic'],
    [['--dynamic', 'database/creds/app', '--check'], '--check does not apply to --dynamic'],
    [['--dynamic', 'database/creds/app', '--key', 'a', '--property', 'b'], 'it takes no --key or --extract'],
    [['--key', 'prod/db', '--property', 'password', '--method', 'POST'], '--method applies to --dynamic PATH only'],
    [['--dynamic', 'database/creds/app', '--param', 'novalue', '--method', 'POST'], '--param "novalue" must be NAME=VALUE'],
  ])('%j: usage error naming the flag, nothing on stdout', async (args, message) => {
    const r = await run([...base, ...args]);
    expectError(r, 2, message);
    expect(r.stdout).toBe('');
  });
});
