import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../config.js';
import { loadConnection } from '../main.js';

// The controller finds its cluster as controller-runtime does, with kubectl's merging of KUBECONFIG
// (the loader itself is @sealkit/kube's, tested there; this is the controller's use of it).
const dir = mkdtempSync(join(tmpdir(), 'sealkit-ctl-kc-'));
const write = (name: string, doc: object) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
};
// a.yaml only names the current context; b.yaml defines it (a list kubectl reads as one config)
const a = write('a.yaml', { 'current-context': 'prod' });
const b = write('b.yaml', {
  'current-context': 'other',
  contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'u', namespace: 'team' } }],
  clusters: [{ name: 'prod', cluster: { server: 'https://prod.example:6443' } }],
  users: [{ name: 'u', user: { token: 't' } }],
});
const c = write('c.yaml', { 'current-context': 'solo', contexts: [{ name: 'solo', context: { cluster: 's' } }], clusters: [{ name: 's', cluster: { server: 'https://solo.example' } }] });
const noPod = { HOME: join(dir, 'home'), KUBERNETES_SERVICE_HOST: '' };

describe('loadConnection', () => {
  it('KUBECONFIG is a list merged by kubectl rules, even though the flag table hands over only its first entry', async () => {
    const env = { ...noPod, KUBECONFIG: [a, b].join(delimiter) };
    const conn = await loadConnection({ kubeconfig: a, context: undefined }, env);
    expect(conn.server).toBe('https://prod.example:6443');
    expect(conn.namespace).toBe('team');
    expect(await conn.authHeaders()).toEqual({ Authorization: 'Bearer t' });
  });

  it('--kubeconfig (or SEALKIT_KUBECONFIG) is one file, read alone', async () => {
    expect((await loadConnection({ kubeconfig: c, context: undefined }, { ...noPod, KUBECONFIG: [a, b].join(delimiter) })).server).toBe('https://solo.example');
    await expect(loadConnection({ kubeconfig: a, context: undefined }, { ...noPod, KUBECONFIG: [a, b].join(delimiter), SEALKIT_KUBECONFIG: a })).rejects.toBeInstanceOf(UsageError);
  });

  it('no kubeconfig and not in a pod, or an unknown --context: usage errors (exit 2)', async () => {
    await expect(loadConnection({ kubeconfig: undefined, context: undefined }, noPod)).rejects.toThrow(/^no kubeconfig: pass --kubeconfig FILE/);
    await expect(loadConnection({ kubeconfig: c, context: 'nope' }, noPod)).rejects.toThrow(UsageError);
  });
});
