// `sealkit ref NAME --cluster ...` through the built binary: the ClusterRemoteSecret it writes and
// its usage errors (naming the flag); parseLabelSelector (kubectl's -l syntax) on its own.
// The controller side: test/e2e/cluster-remote-secret.test.ts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectError, expectOk, run } from '../../test/run.js';
import { parseLabelSelector } from './ref-cluster.js';

const refs = ['--store', 'vault', '--cluster-store', '--key', 'shared/db', '--property', 'password'];

describe('ref --cluster', () => {
  it('writes a ClusterRemoteSecret whose template is the RemoteSecret ref would write (no namespace, no defaults)', async () => {
    const r = await run(['ref', 'db', '--cluster', '--namespace-selector', 'team=payments', ...refs, '--refresh', '1h']);
    expectOk(r);
    expect(parse(r.stdout)).toEqual({
      apiVersion: 'sealkit.dev/v1alpha1',
      kind: 'ClusterRemoteSecret',
      metadata: { name: 'db' },
      spec: {
        namespaceSelector: { matchLabels: { team: 'payments' } },
        template: { spec: { storeRef: { name: 'vault', kind: 'ClusterRemoteStore' }, refreshInterval: '1h', data: [{ secretKey: 'password', remoteRef: { key: 'shared/db', property: 'password' } }] } },
      },
    });
  });

  it('selectors combine (all must hold), names are a list, --all-namespaces is {}', async () => {
    const r = await run(['ref', 'db', '--cluster', '--namespace-selector', 'team=payments,tier notin (dev)', '--namespace-selector', '!legacy', '--namespaces', 'ops,audit', '--namespaces', 'infra', ...refs, '-o', 'json']);
    expectOk(r);
    expect(JSON.parse(r.stdout).spec).toMatchObject({
      namespaceSelector: { matchLabels: { team: 'payments' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
      namespaces: ['ops', 'audit', 'infra'],
    });
    const all = await run(['ref', 'db', '--cluster', '--all-namespaces', ...refs, '-o', 'json']);
    expectOk(all);
    expect(JSON.parse(all.stdout).spec.namespaceSelector).toEqual({});
  });

  it.each([
    [['--cluster', ...refs], '--cluster needs --namespace-selector SELECTOR, --namespaces A,B or --all-namespaces'],
    [['--namespace-selector', 'team=a', '-n', 'prod', ...refs], '--namespace-selector, --namespaces and --all-namespaces need --cluster'],
    [['--cluster', '-n', 'prod', '--namespaces', 'a', ...refs], '-n/--namespace does not apply to --cluster'],
    [['--cluster', '--namespaces', 'Bad_NS', ...refs], '--namespaces "Bad_NS" is not a valid namespace'],
    [['--cluster', '--namespace-selector', 'team in ()', ...refs], '--namespace-selector "team in ()": an empty value'],
    [['--cluster', '--namespace-selector', 'a=b=c', ...refs], 'cannot read the requirement'],
    [['--cluster', '--all-namespaces', '--namespaces', 'a', ...refs], '--all-namespaces already picks every namespace'],
    [['--cluster', '--namespaces', 'a', '--store', 'vault', '--dynamic', 'database/creds/app'], 'cannot be combined with --dynamic'],
  ])('%j: usage error naming the flag, nothing on stdout', async (args, message) => {
    const r = await run(['ref', 'db', ...args]);
    expectError(r, 2, message);
    expect(r.stdout).toBe('');
  });

  it('a name too long for the label the RemoteSecrets carry is refused', async () => {
    const r = await run(['ref', 'x'.repeat(64), '--cluster', '--namespaces', 'a', ...refs]);
    expectError(r, 2, 'NAME must be at most 63 characters');
  });
});

describe('ref --check -f with a ClusterRemoteSecret', () => {
  const crs = (template: Record<string, unknown>) => JSON.stringify({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'ClusterRemoteSecret', metadata: { name: 'db' }, spec: { namespaces: ['a'], template } });
  const env = { VAULT_ADDR: '', VAULT_TOKEN: '' };

  it('checks it with the controller\'s rules, naming the template field', async () => {
    const r = await run(['ref', '--check', '-f', '-'], { input: crs({ spec: { storeRef: { name: 'vault' } } }), env });
    expectError(r, 1, /spec.template.spec.data or spec.dataFrom must list at least one entry/);
  });

  it('a valid one goes on to Vault (here: none configured, said so)', async () => {
    const r = await run(['ref', '--check', '-f', '-'], { input: crs({ spec: { storeRef: { name: 'vault' }, data: [{ secretKey: 'p', remoteRef: { key: 'k', property: 'p' } }] } }), env });
    expectError(r, 1, '--check needs VAULT_ADDR');
  });

  it('another kind is refused, naming both it accepts', async () => {
    const r = await run(['ref', '--check', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), env });
    expectError(r, 1, 'is not a RemoteSecret or ClusterRemoteSecret');
  });
});

describe('parseLabelSelector (kubectl -l syntax)', () => {
  it('reads every requirement form', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g')).toEqual({
      matchLabels: { a: '1', b: '2' },
      matchExpressions: [
        { key: 'c', operator: 'NotIn', values: ['3'] },
        { key: 'd', operator: 'In', values: ['x', 'y'] },
        { key: 'e', operator: 'NotIn', values: ['z'] },
        { key: 'f', operator: 'Exists' },
        { key: 'g', operator: 'DoesNotExist' },
      ],
    });
    expect(parseLabelSelector('example.com/team=a')).toEqual({ matchLabels: { 'example.com/team': 'a' } });
  });

  it('refuses what it cannot read, quoting the selector', () => {
    expect(() => parseLabelSelector('a=1,,b=2')).toThrow('--namespace-selector "a=1,,b=2": an empty requirement');
    expect(() => parseLabelSelector('a=1,a=2')).toThrow('two values for a');
    expect(() => parseLabelSelector('a in x')).toThrow('cannot read the requirement');
  });
});
