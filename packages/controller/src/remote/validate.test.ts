import { describe, expect, it } from 'vitest';
import { parseDuration, formatDuration } from './duration.js';
import { RemoteError, Reason } from './errors.js';
import { planRemoteSecret, planStore, selectorMatches } from './validate.js';

const rs = (spec: Record<string, unknown>) => ({ metadata: { name: 'db', namespace: 'prod', uid: 'u1', generation: 2 }, spec });
const base = { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } }] };

function specError(o: unknown, fn = planRemoteSecret as (o: unknown) => unknown): string {
  try {
    fn(o);
  } catch (e) {
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).reason).toBe(Reason.InvalidSpec);
    return (e as RemoteError).message;
  }
  throw new Error('expected an InvalidSpec error');
}

describe('durations', () => {
  it('parses Go-style durations and 0', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
    for (const bad of ['', '1', 'h', '1d', '1h 30m', '-1h']) expect(parseDuration(bad), bad).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0');
  });
});

describe('planRemoteSecret', () => {
  it('applies the defaults in code (nothing defaulted by the CRD)', () => {
    const p = planRemoteSecret(rs(base));
    expect(p).toMatchObject({
      namespace: 'prod',
      name: 'db',
      uid: 'u1',
      generation: 2,
      storeRef: { name: 'vault', kind: 'RemoteStore' },
      refreshIntervalMs: 3_600_000,
      targetName: 'db',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
      template: undefined,
      data: [{ secretKey: 'password', key: 'prod/db', property: 'password', version: undefined }],
      dataFrom: [],
    });
  });

  it('reads every field', () => {
    const p = planRemoteSecret(
      rs({
        storeRef: { name: 'shared', kind: 'ClusterRemoteStore' },
        refreshInterval: '0',
        target: { name: 'db-creds', creationPolicy: 'Merge', deletionPolicy: 'Delete', template: { type: 'kubernetes.io/basic-auth', metadata: { labels: { a: 'b' } }, data: { url: 'x{{ .password }}' }, mergePolicy: 'Merge' } },
        data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password', version: '3' } }],
        dataFrom: [{ extract: { key: 'prod/common' } }],
      }),
    );
    expect(p.storeRef.kind).toBe('ClusterRemoteStore');
    expect(p.refreshIntervalMs).toBe(0);
    expect(p.targetName).toBe('db-creds');
    expect(p.creationPolicy).toBe('Merge');
    expect(p.deletionPolicy).toBe('Delete');
    expect(p.data[0]!.version).toBe(3);
    expect(p.dataFrom).toEqual([{ key: 'prod/common', version: undefined }]);
    expect(p.template).toMatchObject({ type: 'kubernetes.io/basic-auth', labels: { a: 'b' }, mergePolicy: 'Merge' });
  });

  it('names the field of every mistake', () => {
    expect(specError(rs({ ...base, storeRef: undefined }))).toContain('spec.storeRef is required');
    expect(specError(rs({ ...base, storeRef: { name: 'v', kind: 'SecretStore' } }))).toContain('spec.storeRef.kind must be one of');
    expect(specError(rs({ ...base, refreshInterval: '1 hour' }))).toContain('spec.refreshInterval');
    expect(specError(rs({ ...base, refreshInterval: '10ms' }))).toContain('at least 1s');
    expect(specError(rs({ storeRef: { name: 'v' } }))).toContain('at least one entry');
    expect(specError(rs({ ...base, data: [{ secretKey: 'bad key', remoteRef: { key: 'a' } }] }))).toContain('spec.data[0].secretKey');
    expect(specError(rs({ ...base, data: [base.data[0], base.data[0]] }))).toContain('appears twice');
    expect(specError(rs({ ...base, data: [{ secretKey: 'a', remoteRef: { key: 'a/../b' } }] }))).toContain('spec.data[0].remoteRef.key');
    expect(specError(rs({ ...base, data: [{ secretKey: 'a', remoteRef: { key: 'a', version: 'latest' } }] }))).toContain('spec.data[0].remoteRef.version');
    expect(specError(rs({ ...base, target: { creationPolicy: 'None' } }))).toContain('spec.target.creationPolicy');
    expect(specError(rs({ ...base, target: { template: { data: { url: '{{ .pasword }}' } } } }))).toContain('.pasword is not a secretKey of spec.data');
    expect(specError(rs({ ...base, target: { template: { data: { url: '{{ .password | nope }}' } } } }))).toContain('spec.target.template.data.url');
  });

  it('defers template key checks to render time when dataFrom is used', () => {
    expect(() => planRemoteSecret(rs({ ...base, dataFrom: [{ extract: { key: 'x' } }], target: { template: { data: { u: '{{ .user }}' } } } }))).not.toThrow();
  });
});

const store = (spec: Record<string, unknown>, ns?: string) => ({ metadata: { name: 'vault', ...(ns ? { namespace: ns } : {}), uid: 's1', generation: 1 }, spec });
const vault = (v: Record<string, unknown>) => ({ provider: { vault: { server: 'https://vault.example:8200', mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } }, ...v } } });

describe('planStore', () => {
  it('plans a namespaced store; secret refs default to its namespace', () => {
    const p = planStore(store(vault({}), 'prod'), 'RemoteStore');
    expect(p).toMatchObject({ kind: 'RemoteStore', namespace: 'prod', server: 'https://vault.example:8200', mount: 'secret', kvVersion: undefined });
    expect(p.auth).toEqual({ method: 'token', secretRef: { namespace: 'prod', name: 'vault-token', key: 'token' } });
    expect(p.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('plans kubernetes and appRole auth with default mounts', () => {
    const k = planStore(store(vault({ auth: { kubernetes: { role: 'app', serviceAccountRef: { name: 'sa' } } } }), 'prod'), 'RemoteStore');
    expect(k.auth).toEqual({ method: 'kubernetes', mount: 'kubernetes', role: 'app', serviceAccount: { namespace: 'prod', name: 'sa', audiences: [] } });
    const a = planStore(store(vault({ auth: { appRole: { roleId: 'rid', secretIdSecretRef: { name: 's', key: 'id', namespace: 'ops' } } } })), 'ClusterRemoteStore');
    expect(a.auth).toMatchObject({ method: 'appRole', mount: 'approle', roleId: 'rid', secretIdRef: { namespace: 'ops', name: 's', key: 'id' } });
  });

  it('changes the fingerprint when anything about the client changes', () => {
    const a = planStore(store(vault({}), 'prod'), 'RemoteStore').fingerprint;
    expect(planStore(store(vault({ mount: 'kv' }), 'prod'), 'RemoteStore').fingerprint).not.toBe(a);
    expect(planStore(store(vault({ namespace: 'team' }), 'prod'), 'RemoteStore').fingerprint).not.toBe(a);
    expect(planStore(store(vault({}), 'prod'), 'RemoteStore').fingerprint).toBe(a);
  });

  it('names the field of every mistake', () => {
    const e = (o: unknown, kind: 'RemoteStore' | 'ClusterRemoteStore' = 'RemoteStore') => specError(o, (x) => planStore(x, kind));
    expect(e(store(vault({ server: 'vault:8200' }), 'p'))).toContain('spec.provider.vault.server');
    expect(e(store(vault({ server: 'https://u:p@vault' }), 'p'))).toContain('credentials');
    expect(e(store(vault({ kvVersion: 'v3' }), 'p'))).toContain('spec.provider.vault.kvVersion');
    expect(e(store(vault({ auth: {} }), 'p'))).toContain('exactly one of token, kubernetes, appRole');
    expect(e(store(vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'other' } } } }), 'p'))).toContain('must be omitted in a RemoteStore');
    expect(e(store(vault({})), 'ClusterRemoteStore')).toContain('namespace is required in a ClusterRemoteStore');
    expect(e(store(vault({ caBundle: 'bm90IGEgY2VydA==' }), 'p'))).toContain('caBundle');
    expect(e(store({ ...vault({}), namespaceSelector: {} }, 'p'))).toContain('only for a ClusterRemoteStore');
  });
});

describe('selectorMatches', () => {
  it('follows Kubernetes label selector semantics', () => {
    const l = { team: 'a', env: 'prod' };
    expect(selectorMatches(undefined, l)).toBe(true);
    expect(selectorMatches({}, l)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'a' } }, l)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'b' } }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, l)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: 'a' } }, undefined)).toBe(false);
  });
});
