import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { planDynamicSecret } from './validate.js';

const ds = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'sealkit.dev/v1alpha1',
  kind: 'DynamicSecret',
  metadata: { name: 'app-db', namespace: 'prod', uid: 'u1', generation: 3, ...meta },
  spec: { storeRef: { name: 'vault' }, path: 'database/creds/app', ...spec },
});

describe('planDynamicSecret', () => {
  it('applies every default in code (the CRD has none)', () => {
    expect(planDynamicSecret(ds({}))).toEqual({
      namespace: 'prod',
      name: 'app-db',
      uid: 'u1',
      generation: 3,
      storeRef: { name: 'vault', kind: 'RemoteStore' },
      path: 'database/creds/app',
      method: 'GET',
      parameters: {},
      renewFraction: 0.67,
      targetName: 'app-db',
      template: undefined,
      rolloutRestartTargets: [],
      source: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });

  it('source: changes with what decides the credentials, not with renewalPercent or rolloutRestartTargets', () => {
    const base = planDynamicSecret(ds({ method: 'POST', parameters: { a: '1', b: '2' } })).source;
    expect(planDynamicSecret(ds({ method: 'POST', parameters: { b: '2', a: '1' } })).source).toBe(base);
    expect(planDynamicSecret(ds({ method: 'POST', parameters: { a: '1', b: '2' }, renewalPercent: 50, rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] }, { generation: 4 })).source).toBe(base);
    for (const spec of [
      { method: 'POST', parameters: { a: '1', b: '3' } },
      { method: 'POST', parameters: { a: '1', b: '2' }, path: 'database/creds/other' },
      { method: 'POST', parameters: { a: '1', b: '2' }, storeRef: { name: 'vault', kind: 'ClusterRemoteStore' } },
      { method: 'POST', parameters: { a: '1', b: '2' }, target: { name: 'other' } },
      { method: 'POST', parameters: { a: '1', b: '2' }, target: { template: { data: { url: '{{ .username }}' } } } },
    ]) {
      expect(planDynamicSecret(ds(spec)).source, JSON.stringify(spec)).not.toBe(base);
    }
  });

  it('takes rolloutRestartTargets, checked as on the other kinds', () => {
    expect(planDynamicSecret(ds({ rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }, { kind: 'StatefulSet', name: 'worker' }] })).rolloutRestartTargets).toEqual([
      { kind: 'Deployment', name: 'api' },
      { kind: 'StatefulSet', name: 'worker' },
    ]);
    expect(planDynamicSecret(ds({ rolloutRestartTargets: null })).rolloutRestartTargets).toEqual([]);
  });

  it('takes method POST with parameters, a renewal percent, a target name and a template', () => {
    const p = planDynamicSecret(ds({ path: '/pki/issue/web/', method: 'POST', parameters: { common_name: 'a.example' }, renewalPercent: 50, target: { name: 'web-tls', template: { type: 'kubernetes.io/tls', data: { 'tls.crt': '{{ .certificate }}' } } } }));
    expect(p).toMatchObject({ path: 'pki/issue/web', method: 'POST', parameters: { common_name: 'a.example' }, renewFraction: 0.5, targetName: 'web-tls' });
    expect(p.template?.type).toBe('kubernetes.io/tls');
    expect(Object.keys(p.template?.data ?? {})).toEqual(['tls.crt']);
  });

  it.each([
    [{ path: '' }, 'spec.path is required'],
    [{ path: 'database/../sys/raw' }, 'spec.path'],
    [{ method: 'PUT' }, 'spec.method must be one of GET, POST'],
    [{ parameters: { a: 'b' } }, 'spec.parameters needs spec.method POST'],
    [{ renewalPercent: 95 }, 'spec.renewalPercent must be an integer from 10 to 90'],
    [{ renewalPercent: 66.5 }, 'spec.renewalPercent'],
    [{ storeRef: { name: 'vault', kind: 'Other' } }, 'spec.storeRef.kind'],
    [{ target: { template: { data: { k: '{{ .a' } } } }, 'spec.target.template.data.k'],
    [{ rolloutRestartTargets: [{ kind: 'Pod', name: 'api' }] }, 'spec.rolloutRestartTargets[0].kind must be one of Deployment, StatefulSet, DaemonSet'],
    [{ rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }, { kind: 'Deployment', name: 'api' }] }, 'spec.rolloutRestartTargets[1]: Deployment/api is listed twice'],
  ])('refuses %j naming the field', (spec, field) => {
    expect(() => planDynamicSecret(ds(spec))).toThrow(BadInputError);
    expect(() => planDynamicSecret(ds(spec))).toThrow(field);
  });
});
