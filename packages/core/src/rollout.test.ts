import { describe, expect, it } from 'vitest';
import { BadInputError } from './errors.js';
import { parseRolloutRestartTargets } from './rollout.js';
import { planRemoteSecret } from './remote/validate.js';

describe('parseRolloutRestartTargets', () => {
  it('absent or null means none; valid entries come back as written', () => {
    expect(parseRolloutRestartTargets(undefined)).toEqual([]);
    expect(parseRolloutRestartTargets(null)).toEqual([]);
    expect(parseRolloutRestartTargets([{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'db' }, { kind: 'DaemonSet', name: 'agent' }])).toEqual([
      { kind: 'Deployment', name: 'web' },
      { kind: 'StatefulSet', name: 'db' },
      { kind: 'DaemonSet', name: 'agent' },
    ]);
  });

  it.each([
    ['not a list', { kind: 'Deployment' }, 'spec.rolloutRestartTargets must be a list'],
    ['an entry not an object', ['web'], 'spec.rolloutRestartTargets[0] must be an object'],
    ['an unknown kind', [{ kind: 'Pod', name: 'web' }], 'spec.rolloutRestartTargets[0].kind must be one of Deployment, StatefulSet, DaemonSet'],
    ['a kind in the wrong case', [{ kind: 'deployment', name: 'web' }], '.kind must be one of'],
    ['a bad name', [{ kind: 'Deployment', name: 'Web_1' }], 'spec.rolloutRestartTargets[0].name must be an object name'],
    ['no name', [{ kind: 'Deployment' }], '.name must be an object name'],
    ['a duplicate', [{ kind: 'Deployment', name: 'web' }, { kind: 'Deployment', name: 'web' }], 'spec.rolloutRestartTargets[1]: Deployment/web is listed twice'],
  ])('refuses %s', (_, v, message) => {
    expect(() => parseRolloutRestartTargets(v)).toThrow(BadInputError);
    expect(() => parseRolloutRestartTargets(v)).toThrow(message);
  });

  it('is part of the RemoteSecret plan', () => {
    const rs = {
      metadata: { name: 'db', namespace: 'prod' },
      spec: { storeRef: { name: 'vault' }, data: [{ secretKey: 'p', remoteRef: { key: 'db' } }], rolloutRestartTargets: [{ kind: 'Deployment', name: 'api' }] },
    };
    expect(planRemoteSecret(rs).rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'api' }]);
    expect(() => planRemoteSecret({ ...rs, spec: { ...rs.spec, rolloutRestartTargets: [{ kind: 'Job', name: 'x' }] } })).toThrow('spec.rolloutRestartTargets[0].kind');
  });
});
