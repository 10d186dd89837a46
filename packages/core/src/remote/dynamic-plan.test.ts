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
    });
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
  ])('refuses %j naming the field', (spec, field) => {
    expect(() => planDynamicSecret(ds(spec))).toThrow(BadInputError);
    expect(() => planDynamicSecret(ds(spec))).toThrow(field);
  });
});
