import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { parseRefreshInterval, planRemoteSecret, planStore, selectorMatches, storeKey } from './validate.js';

const rs = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'db', namespace: 'prod', uid: 'u1', generation: 2 }) => ({ metadata, spec });
const base = { storeRef: { name: 'vault' }, data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } }] };

/** The message of the BadInputError that `fn(o)` throws (fails the test when it does not throw one). */
function specError(o: unknown, fn = (x: unknown) => planRemoteSecret(x) as unknown): string {
  try {
    fn(o);
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return (e as Error).message;
  }
  throw new Error('expected a BadInputError');
}

describe('parseRefreshInterval', () => {
  it('takes 0 or a duration of at least 1s, and names the field', () => {
    expect(parseRefreshInterval('0', '--refresh')).toBe(0);
    expect(parseRefreshInterval('1s', '--refresh')).toBe(1000);
    expect(parseRefreshInterval('1h30m', '--refresh')).toBe(5_400_000);
    expect(parseRefreshInterval('2d', '--refresh')).toBe(172_800_000);
    expect(() => parseRefreshInterval('999ms', '--refresh')).toThrow('--refresh must be 0 (fetch once) or at least 1s, got "999ms"');
    expect(() => parseRefreshInterval('1 hour', '--refresh')).toThrow(/^--refresh: "1 hour" is not a duration/);
  });
});

describe('planRemoteSecret', () => {
  it('applies the defaults in code (nothing defaulted by the CRD)', () => {
    const p = planRemoteSecret(rs(base));
    expect(p).toEqual({
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
      rolloutRestartTargets: [],
    });
    const bare = planRemoteSecret(rs(base, { name: 'db', namespace: 'prod' }));
    expect(bare.uid).toBe('');
    expect(bare.generation).toBe(0);
  });

  it('reads every field', () => {
    const p = planRemoteSecret(
      rs({
        storeRef: { name: 'shared', kind: 'ClusterRemoteStore' },
        refreshInterval: '0',
        target: {
          name: 'db-creds',
          creationPolicy: 'Merge',
          deletionPolicy: 'Delete',
          template: { type: 'kubernetes.io/basic-auth', metadata: { labels: { a: 'b' }, annotations: { c: 'd' } }, data: { url: 'x{{ .password }}' }, mergePolicy: 'Merge' },
        },
        data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password', version: '3' } }],
        dataFrom: [{ extract: { key: 'prod/common', version: '7' } }],
      }),
    );
    expect(p.storeRef.kind).toBe('ClusterRemoteStore');
    expect(p.refreshIntervalMs).toBe(0);
    expect(p.targetName).toBe('db-creds');
    expect(p.creationPolicy).toBe('Merge');
    expect(p.deletionPolicy).toBe('Delete');
    expect(p.data[0]!.version).toBe(3);
    expect(p.dataFrom).toEqual([{ key: 'prod/common', version: 7 }]);
    expect(p.template).toMatchObject({ type: 'kubernetes.io/basic-auth', labels: { a: 'b' }, annotations: { c: 'd' }, mergePolicy: 'Merge' });
    expect(p.template!.data!.url!.refs).toEqual(['password']);
  });

  it('defaults the template merge policy to Replace and keeps a property-less ref', () => {
    const p = planRemoteSecret(rs({ ...base, data: [{ secretKey: 'all', remoteRef: { key: 'prod/db' } }], target: { template: { type: 'Opaque' } } }));
    expect(p.template).toEqual({ type: 'Opaque', labels: {}, annotations: {}, data: undefined, mergePolicy: 'Replace' });
    expect(p.data[0]!.property).toBeUndefined();
  });

  it('takes the namespace from the options when the manifest has none, never over the manifest', () => {
    expect(planRemoteSecret(rs(base, { name: 'db' }), { namespace: 'team-a' }).namespace).toBe('team-a');
    expect(planRemoteSecret(rs(base), { namespace: 'team-a' }).namespace).toBe('prod');
    expect(specError(rs(base, { name: 'db' }))).toBe('metadata.namespace is required');
  });

  it('names the field of every mistake', () => {
    const cases: [unknown, string][] = [
      ['not an object', 'object must be an object'],
      [{ spec: base }, 'metadata is required'],
      [{ metadata: { name: 'db', namespace: 'prod' } }, 'spec is required'],
      [rs(base, { name: 'db', namespace: 'Prod' }), 'metadata.namespace "Prod" is not a valid namespace'],
      [rs(base, { name: 'db', namespace: 'a.b' }), 'metadata.namespace "a.b" is not a valid namespace'],
      [rs(base, { name: 'db', namespace: 'x'.repeat(64) }), 'is not a valid namespace'],
      [rs(base, { namespace: 'prod' }), 'metadata.name is required'],
      [rs(base, { name: 'DB', namespace: 'prod' }), 'metadata.name "DB" is not a valid object name'],
      [rs({ ...base, storeRef: undefined }), 'spec.storeRef is required'],
      [rs({ ...base, storeRef: ['vault'] }), 'spec.storeRef must be an object'],
      [rs({ ...base, storeRef: {} }), 'spec.storeRef.name is required'],
      [rs({ ...base, storeRef: { name: 'my_store' } }), 'spec.storeRef.name "my_store" is not a valid object name'],
      [rs({ ...base, storeRef: { name: 'v', kind: 'SecretStore' } }), 'spec.storeRef.kind must be one of RemoteStore, ClusterRemoteStore (got "SecretStore")'],
      [rs({ ...base, refreshInterval: 3600 }), 'spec.refreshInterval must be a string'],
      [rs({ ...base, refreshInterval: '1 hour' }), 'spec.refreshInterval: "1 hour" is not a duration'],
      [rs({ ...base, refreshInterval: '10ms' }), 'spec.refreshInterval must be 0 (fetch once) or at least 1s'],
      [rs({ storeRef: { name: 'v' } }), 'spec.data or spec.dataFrom must list at least one entry'],
      [rs({ storeRef: { name: 'v' }, data: [] }), 'spec.data or spec.dataFrom must list at least one entry'],
      [rs({ ...base, data: { secretKey: 'a' } }), 'spec.data must be a list'],
      [rs({ ...base, data: ['a'] }), 'spec.data[0] must be an object'],
      [rs({ ...base, data: [{ remoteRef: { key: 'a' } }] }), 'spec.data[0].secretKey is required'],
      [rs({ ...base, data: [{ secretKey: 'bad key', remoteRef: { key: 'a' } }] }), 'spec.data[0].secretKey "bad key" is not a valid Secret key'],
      [rs({ ...base, data: [{ secretKey: '..', remoteRef: { key: 'a' } }] }), 'spec.data[0].secretKey ".." is not a valid Secret key'],
      [rs({ ...base, data: [base.data[0], base.data[0]] }), 'spec.data[1].secretKey "password" appears twice'],
      [rs({ ...base, data: [{ secretKey: 'a' }] }), 'spec.data[0].remoteRef is required'],
      [rs({ ...base, data: [{ secretKey: 'a', remoteRef: {} }] }), 'spec.data[0].remoteRef.key is required'],
      [rs({ ...base, data: [{ secretKey: 'a', remoteRef: { key: 'a/../b' } }] }), 'spec.data[0].remoteRef.key "a/../b" has an empty'],
      [rs({ ...base, data: [{ secretKey: 'a', remoteRef: { key: 'a', property: 5 } }] }), 'spec.data[0].remoteRef.property must be a string'],
      [rs({ ...base, data: [{ secretKey: 'a', remoteRef: { key: 'a', version: 'latest' } }] }), 'spec.data[0].remoteRef.version must be a positive integer'],
      [rs({ ...base, dataFrom: [{}] }), 'spec.dataFrom[0].extract is required'],
      [rs({ ...base, dataFrom: [{ extract: { key: '/' } }] }), 'spec.dataFrom[0].extract.key is empty'],
      [rs({ ...base, dataFrom: [{ extract: { key: 'a', version: '0' } }] }), 'spec.dataFrom[0].extract.version must be a positive integer'],
      [rs({ ...base, target: 'db' }), 'spec.target must be an object'],
      [rs({ ...base, target: { name: 'Db' } }), 'spec.target.name "Db" is not a valid object name'],
      [rs({ ...base, target: { creationPolicy: 'None' } }), 'spec.target.creationPolicy must be one of Owner, Merge, Orphan (got "None")'],
      [rs({ ...base, target: { deletionPolicy: 'Orphan' } }), 'spec.target.deletionPolicy must be one of Retain, Delete (got "Orphan")'],
      [rs({ ...base, target: { template: { mergePolicy: 'Append' } } }), 'spec.target.template.mergePolicy must be one of Replace, Merge'],
      [rs({ ...base, target: { template: { type: 1 } } }), 'spec.target.template.type must be a string'],
      [rs({ ...base, target: { template: { metadata: { labels: { a: 1 } } } } }), 'spec.target.template.metadata.labels.a must be a string'],
      [rs({ ...base, target: { template: { metadata: { annotations: ['a'] } } } }), 'spec.target.template.metadata.annotations must be an object'],
      [rs({ ...base, target: { template: { data: { 'a b': 'x' } } } }), 'spec.target.template.data key "a b" is not a valid Secret key'],
      [rs({ ...base, target: { template: { data: { url: 1 } } } }), 'spec.target.template.data.url must be a string'],
      [rs({ ...base, target: { template: { data: { url: '{{ .pasword }}' } } } }), 'spec.target.template.data.url: .pasword is not a secretKey of spec.data (password)'],
      [rs({ ...base, target: { template: { data: { url: '{{ .password | nope }}' } } } }), 'spec.target.template.data.url: template uses unknown filter "nope"'],
    ];
    for (const [o, message] of cases) expect(specError(o), message).toContain(message);
  });

  it('defers template key checks to render time when dataFrom is used', () => {
    expect(() => planRemoteSecret(rs({ ...base, dataFrom: [{ extract: { key: 'x' } }], target: { template: { data: { u: '{{ .user }}' } } } }))).not.toThrow();
  });
});

const store = (spec: Record<string, unknown>, ns?: string) => ({ metadata: { name: 'vault', ...(ns ? { namespace: ns } : {}), uid: 's1', generation: 1 }, spec });
const vault = (v: Record<string, unknown>) => ({ provider: { vault: { server: 'https://vault.example:8200', mount: 'secret', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } }, ...v } } });
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('planStore', () => {
  it('plans a namespaced store; secret refs default to its namespace', () => {
    const p = planStore(store(vault({ server: 'https://vault.example:8200/' }), 'prod'), 'RemoteStore');
    expect(p).toMatchObject({ kind: 'RemoteStore', namespace: 'prod', name: 'vault', uid: 's1', generation: 1, server: 'https://vault.example:8200', mount: 'secret', kvVersion: undefined, vaultNamespace: undefined, caPem: undefined, caSecretRef: undefined, namespaceSelector: undefined });
    expect(p.auth).toEqual({ method: 'token', secretRef: { namespace: 'prod', name: 'vault-token', key: 'token' } });
    expect(p.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('plans a cluster store with its namespace selector, KV version and Vault namespace', () => {
    const p = planStore(
      store({
        ...vault({ kvVersion: 'v1', namespace: 'team', auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'ops' } } } }),
        namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'x', operator: 'Exists' }] },
      }),
      'ClusterRemoteStore',
    );
    expect(p).toMatchObject({ kind: 'ClusterRemoteStore', namespace: undefined, kvVersion: 'v1', vaultNamespace: 'team' });
    expect(p.namespaceSelector).toEqual({ matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }, { key: 'x', operator: 'Exists', values: [] }] });
    expect(p.auth).toEqual({ method: 'token', secretRef: { namespace: 'ops', name: 't', key: 'k' } });
  });

  it('plans kubernetes and appRole auth with default mounts', () => {
    const k = planStore(store(vault({ auth: { kubernetes: { role: 'app', serviceAccountRef: { name: 'sa' } } } }), 'prod'), 'RemoteStore');
    expect(k.auth).toEqual({ method: 'kubernetes', mount: 'kubernetes', role: 'app', serviceAccount: { namespace: 'prod', name: 'sa', audiences: [] } });
    const k2 = planStore(store(vault({ auth: { kubernetes: { mount: 'k8s/prod', role: 'app', serviceAccountRef: { name: 'sa', namespace: 'ops', audiences: ['vault'] } } } })), 'ClusterRemoteStore');
    expect(k2.auth).toEqual({ method: 'kubernetes', mount: 'k8s/prod', role: 'app', serviceAccount: { namespace: 'ops', name: 'sa', audiences: ['vault'] } });
    const a = planStore(store(vault({ auth: { appRole: { roleId: 'rid', secretIdSecretRef: { name: 's', key: 'id', namespace: 'ops' } } } })), 'ClusterRemoteStore');
    expect(a.auth).toEqual({ method: 'appRole', mount: 'approle', roleId: 'rid', roleIdRef: undefined, secretIdRef: { namespace: 'ops', name: 's', key: 'id' } });
    const a2 = planStore(store(vault({ auth: { appRole: { roleIdSecretRef: { name: 'r', key: 'id' }, secretIdSecretRef: { name: 's', key: 'id' } } } }), 'prod'), 'RemoteStore');
    expect(a2.auth).toMatchObject({ roleId: undefined, roleIdRef: { namespace: 'prod', name: 'r', key: 'id' } });
  });

  it('takes a CA bundle as base64 of PEM (line breaks ignored, as Kubernetes does) or as PEM', () => {
    const b64 = Buffer.from(CERT).toString('base64');
    expect(planStore(store(vault({ caBundle: b64 }), 'p'), 'RemoteStore').caPem).toBe(CERT);
    expect(planStore(store(vault({ caBundle: b64.replace(/(.{20})/g, '$1\n') }), 'p'), 'RemoteStore').caPem).toBe(CERT);
    expect(planStore(store(vault({ caBundle: CERT }), 'p'), 'RemoteStore').caPem).toBe(CERT);
    expect(planStore(store(vault({ caSecretRef: { name: 'ca', key: 'ca.crt' } }), 'p'), 'RemoteStore').caSecretRef).toEqual({ namespace: 'p', name: 'ca', key: 'ca.crt' });
  });

  it('changes the fingerprint when anything about the client changes', () => {
    const a = planStore(store(vault({}), 'prod'), 'RemoteStore').fingerprint;
    expect(planStore(store(vault({}), 'prod'), 'RemoteStore').fingerprint).toBe(a);
    for (const change of [{ mount: 'kv' }, { namespace: 'team' }, { server: 'https://other:8200' }, { kvVersion: 'v2' }, { caBundle: CERT }, { auth: { token: { secretRef: { name: 'vault-token', key: 'other' } } } }]) {
      expect(planStore(store(vault(change), 'prod'), 'RemoteStore').fingerprint, JSON.stringify(change)).not.toBe(a);
    }
  });

  it('names the field of every mistake', () => {
    const e = (o: unknown, kind: 'RemoteStore' | 'ClusterRemoteStore' = 'RemoteStore') => specError(o, (x) => planStore(x, kind));
    const sa = (ref: Record<string, unknown>) => vault({ auth: { kubernetes: { role: 'r', serviceAccountRef: ref } } });
    const cases: [unknown, string, ('RemoteStore' | 'ClusterRemoteStore')?][] = [
      [store(vault({})), 'metadata.namespace is required'],
      [{ metadata: { namespace: 'p' }, spec: vault({}) }, 'metadata.name is required'],
      [store({}, 'p'), 'spec.provider is required'],
      [store({ provider: {} }, 'p'), 'spec.provider.vault is required'],
      [store(vault({ server: undefined }), 'p'), 'spec.provider.vault.server is required'],
      [store(vault({ server: 'vault:8200' }), 'p'), 'spec.provider.vault.server must be an http or https URL'],
      [store(vault({ server: 'not a url' }), 'p'), 'spec.provider.vault.server "not a url" is not a URL'],
      [store(vault({ server: 'https://u:p@vault' }), 'p'), 'spec.provider.vault.server must not contain credentials'],
      [store(vault({ mount: undefined }), 'p'), 'spec.provider.vault.mount is required'],
      [store(vault({ mount: 'a//b' }), 'p'), 'spec.provider.vault.mount "a//b" has an empty'],
      [store(vault({ kvVersion: 'v3' }), 'p'), 'spec.provider.vault.kvVersion must be one of v1, v2'],
      [store(vault({ caBundle: 'bm90IGEgY2VydA==' }), 'p'), 'spec.provider.vault.caBundle must be base64 of PEM certificates'],
      [store(vault({ caBundle: '%%%' }), 'p'), 'spec.provider.vault.caBundle must be base64 of PEM certificates'],
      [store(vault({ caBundle: CERT, caSecretRef: { name: 'ca', key: 'ca.crt' } }), 'p'), 'set caBundle or caSecretRef, not both'],
      [store(vault({ auth: undefined }), 'p'), 'spec.provider.vault.auth is required'],
      [store(vault({ auth: {} }), 'p'), 'spec.provider.vault.auth must set exactly one of token, kubernetes, appRole'],
      [store(vault({ auth: { token: { secretRef: { name: 't', key: 'k' } }, appRole: {} } }), 'p'), 'must set exactly one of token, kubernetes, appRole'],
      [store(vault({ auth: { token: {} } }), 'p'), 'spec.provider.vault.auth.token.secretRef is required'],
      [store(vault({ auth: { token: { secretRef: { name: 't' } } } }), 'p'), 'spec.provider.vault.auth.token.secretRef.key is required'],
      [store(vault({ auth: { token: { secretRef: { name: 't', key: 'a/b' } } } }), 'p'), 'spec.provider.vault.auth.token.secretRef.key "a/b" is not a valid Secret key'],
      [store(vault({ auth: { token: { secretRef: { name: 'T', key: 'k' } } } }), 'p'), 'spec.provider.vault.auth.token.secretRef.name "T" is not a valid object name'],
      [store(vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'other' } } } }), 'p'), 'spec.provider.vault.auth.token.secretRef.namespace must be omitted in a RemoteStore'],
      [store(vault({})), 'spec.provider.vault.auth.token.secretRef.namespace is required in a ClusterRemoteStore', 'ClusterRemoteStore'],
      [store(vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'Ops' } } } })), 'spec.provider.vault.auth.token.secretRef.namespace "Ops" is not a valid namespace', 'ClusterRemoteStore'],
      [store(sa({ name: 'sa' }), 'p'), '', 'RemoteStore'],
      [store(vault({ auth: { kubernetes: { serviceAccountRef: { name: 'sa' } } } }), 'p'), 'spec.provider.vault.auth.kubernetes.role is required'],
      [store(vault({ auth: { kubernetes: { role: 'r' } } }), 'p'), 'spec.provider.vault.auth.kubernetes.serviceAccountRef is required'],
      [store(sa({ name: 'sa', namespace: 'other' }), 'p'), 'spec.provider.vault.auth.kubernetes.serviceAccountRef.namespace must be omitted in a RemoteStore'],
      [store(sa({ name: 'sa' })), 'spec.provider.vault.auth.kubernetes.serviceAccountRef.namespace is required in a ClusterRemoteStore', 'ClusterRemoteStore'],
      [store(sa({ name: 'SA' }), 'p'), 'spec.provider.vault.auth.kubernetes.serviceAccountRef.name "SA" is not a valid object name'],
      [store(sa({ name: 'sa', audiences: [1] }), 'p'), 'spec.provider.vault.auth.kubernetes.serviceAccountRef.audiences[0] must be a string'],
      [store(vault({ auth: { kubernetes: { mount: '..', role: 'r', serviceAccountRef: { name: 'sa' } } } }), 'p'), 'spec.provider.vault.auth.kubernetes.mount ".." has an empty'],
      [store(vault({ auth: { appRole: { secretIdSecretRef: { name: 's', key: 'k' } } } }), 'p'), 'spec.provider.vault.auth.appRole: set exactly one of roleId, roleIdSecretRef'],
      [store(vault({ auth: { appRole: { roleId: 'r', roleIdSecretRef: { name: 's', key: 'k' }, secretIdSecretRef: { name: 's', key: 'k' } } } }), 'p'), 'set exactly one of roleId, roleIdSecretRef'],
      [store(vault({ auth: { appRole: { roleId: 'r' } } }), 'p'), 'spec.provider.vault.auth.appRole.secretIdSecretRef is required'],
      [store(vault({ auth: { appRole: { mount: 'a?b', roleId: 'r', secretIdSecretRef: { name: 's', key: 'k' } } } }), 'p'), 'spec.provider.vault.auth.appRole.mount "a?b" contains a character not allowed'],
      [store({ ...vault({}), namespaceSelector: {} }, 'p'), 'spec.namespaceSelector is only for a ClusterRemoteStore'],
      [store({ ...vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'o' } } } }), namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }), 'spec.namespaceSelector.matchExpressions[0].values must not be empty for In', 'ClusterRemoteStore'],
      [store({ ...vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'o' } } } }), namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } }), 'spec.namespaceSelector.matchExpressions[0].operator must be one of In, NotIn, Exists, DoesNotExist', 'ClusterRemoteStore'],
      [store({ ...vault({ auth: { token: { secretRef: { name: 't', key: 'k', namespace: 'o' } } } }), namespaceSelector: { matchLabels: { a: true } } }), 'spec.namespaceSelector.matchLabels.a must be a string', 'ClusterRemoteStore'],
    ];
    for (const [o, message, kind] of cases) {
      if (message === '') expect(() => planStore(o, kind ?? 'RemoteStore')).not.toThrow();
      else expect(e(o, kind), message).toContain(message);
    }
  });
});

describe('storeKey', () => {
  it('names a store by kind, namespace (RemoteStore only) and name', () => {
    expect(storeKey('RemoteStore', 'vault', 'prod')).toBe('RemoteStore/prod/vault');
    expect(storeKey('ClusterRemoteStore', 'vault', 'prod')).toBe('ClusterRemoteStore/vault');
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
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['stage'] }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['prod'] }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, l)).toBe(false);
    expect(selectorMatches({ matchLabels: { team: 'a' } }, undefined)).toBe(false);
    // Every requirement must hold.
    expect(selectorMatches({ matchLabels: { team: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['stage'] }] }, l)).toBe(false);
  });
});
