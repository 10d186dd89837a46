import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, ExitError } from '../errors.js';
import { NoClusterError } from './kubeconfig.js';
import { clusterSpec, DEFAULT_REQUEST_TIMEOUT_MS, kubeSelection, kubectlNamespace, requestTimeoutMs } from './session.js';

const dir = mkdtempSync(join(tmpdir(), 'sealkit-session-'));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    'current-context': 'dev',
    contexts: [
      { name: 'dev', context: { cluster: 'c', namespace: 'team-a' } },
      { name: 'bare', context: { cluster: 'c' } },
    ],
    clusters: [{ name: 'c', cluster: { server: 'https://c.example' } }],
  }),
);
const nothing = { HOME: join(dir, 'no-home'), KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' };

describe('kubectlNamespace (the namespace kubectl would use)', () => {
  it('-n, else the context namespace, else "default"; with no cluster at all, "default"', () => {
    expect(kubectlNamespace({ kubeconfig }, 'explicit', nothing)).toBe('explicit');
    expect(kubectlNamespace({ kubeconfig }, undefined, nothing)).toBe('team-a');
    expect(kubectlNamespace({ kubeconfig, context: 'bare' }, undefined, nothing)).toBe('default');
    expect(kubectlNamespace({}, undefined, { ...nothing, KUBECONFIG: kubeconfig })).toBe('team-a');
    expect(kubectlNamespace({}, undefined, nothing)).toBe('default');
  });

  it('a kubeconfig that names a missing context is the usage error kubectl gives', () => {
    expect(() => kubectlNamespace({ kubeconfig, context: 'nope' }, undefined, nothing)).toThrow(expect.objectContaining({ exitCode: EXIT_USAGE }));
  });
});

describe('cluster flags to @sealkit/kube', () => {
  it('maps every flag', () => {
    expect(
      kubeSelection({ kubeconfig: 'k', context: 'c', server: 's', token: 't', as: 'u', asGroup: ['g'], insecureSkipTlsVerify: true, certificateAuthority: 'ca' }),
    ).toEqual({ kubeconfig: 'k', context: 'c', server: 's', token: 't', as: 'u', asGroups: ['g'], insecureSkipTlsVerify: true, certificateAuthority: 'ca' });
  });

  it('--request-timeout: kubectl syntax, a usage error otherwise; default 30s', () => {
    expect(requestTimeoutMs({})).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(requestTimeoutMs({ requestTimeout: '5' })).toBe(5000);
    expect(requestTimeoutMs({ requestTimeout: '1m30s' })).toBe(90_000);
    expect(requestTimeoutMs({ requestTimeout: '0' })).toBe(0);
    expect(() => requestTimeoutMs({ requestTimeout: '5 minutes' })).toThrow(expect.objectContaining({ exitCode: EXIT_USAGE }));
  });

  it('kubeconfig problems become ExitErrors: no cluster and wrong flags exit 2, a broken file exits 1', () => {
    expect(() => clusterSpec({}, nothing)).toThrow(NoClusterError);
    const broken = join(dir, 'broken');
    writeFileSync(broken, JSON.stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'none' } }] }));
    try {
      clusterSpec({ kubeconfig: broken }, nothing);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).exitCode).toBe(EXIT_FAILURE);
      expect((err as ExitError).message).toBe(`kubeconfig ${broken}: context "x" names cluster "none", which is not defined`);
    }
  });
});
