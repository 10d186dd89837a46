/**
 * kubeseal's rule for a Secret that names no namespace: without -n, the namespace of the
 * kubeconfig context (only the file is read; no cluster is contacted). Without one anywhere, a
 * usage error in both seal forms.
 * SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-context-namespace.test.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { inspectValue } from '@sealkit/core';
import { REPO } from './lib/kube.js';
import { expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';

let dir: string;
let key: TestKey;
let withNs: NodeJS.ProcessEnv;
let withoutNs: NodeJS.ProcessEnv;

function kubeconfig(file: string, namespace?: string): string {
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: not-used}
contexts:
- name: ctx
  context: {cluster: c, user: u${namespace === undefined ? '' : `, namespace: ${namespace}`}}
current-context: ctx
`,
  );
  return file;
}

interface Sealed {
  metadata: { name: string; namespace?: string };
  spec: { encryptedData: Record<string, string> };
}

beforeAll(async () => {
  dir = await tempDir('sealkit-ctx-ns-');
  key = await keygen(path.join(dir, 'keys'));
  withNs = { KUBECONFIG: kubeconfig(path.join(dir, 'with-ns'), 'team-a'), HOME: dir };
  withoutNs = { KUBECONFIG: kubeconfig(path.join(dir, 'without-ns')), HOME: dir };
});
afterAll(async () => {
  await removeDir(dir);
});

describe('the kubeconfig context namespace', () => {
  it('fills in a Secret without a namespace; -n and the manifest win over it', async () => {
    const result = await run(['seal', '--cert', key.pub], { input: kubectlSecretYaml(), env: withNs });
    expectOk(result);
    const sealed = parseYaml(result.stdout) as Sealed;
    expect(sealed.metadata.namespace).toBe('team-a');
    expect(inspectValue(sealed.spec.encryptedData.password as string)).toMatchObject({ scope: 'strict', namespace: 'team-a', name: 'db' });
    expect((parseYaml((await run(['seal', '--cert', key.pub, '-n', 'other'], { input: kubectlSecretYaml(), env: withNs })).stdout) as Sealed).metadata.namespace).toBe('other');
    expect((parseYaml((await run(['seal', '--cert', key.pub], { input: kubectlSecretYaml({ namespace: 'prod' }), env: withNs })).stdout) as Sealed).metadata.namespace).toBe('prod');
    const built = await run(['seal', 'api', '--cert', key.pub, '--from-literal', 'k=v'], { env: withNs });
    expect((parseYaml(built.stdout) as Sealed).metadata.namespace).toBe('team-a');
  });

  it('--raw, --format bitnami and -R use it too', async () => {
    const raw = await run(['seal', '--raw', '--cert', key.pub, '--name', 'db'], { input: 'v', env: withNs });
    expectOk(raw);
    expect(inspectValue(raw.stdout.trim())).toMatchObject({ namespace: 'team-a', name: 'db' });

    const vectors = JSON.parse(readFileSync(path.join(REPO, 'packages/core/src/bitnami/testdata/vectors.json'), 'utf8')) as { keys: Record<string, { certificatePem: string }> };
    const cert = path.join(dir, 'bitnami.crt');
    writeFileSync(cert, (vectors.keys.rsa4096 as { certificatePem: string }).certificatePem);
    const bitnami = await run(['seal', '--format', 'bitnami', '--cert', cert], { input: kubectlSecretYaml(), env: withNs });
    expectOk(bitnami);
    expect((JSON.parse(bitnami.stdout) as Sealed).metadata.namespace).toBe('team-a');

    const tree = path.join(dir, 'tree');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'db.yaml'), kubectlSecretYaml());
    expectOk(await run(['seal', '-R', tree, '--cert', key.pub], { env: withNs }));
    expect((parseYaml(readFileSync(path.join(tree, 'db.sealed.yaml'), 'utf8')) as Sealed).metadata.namespace).toBe('team-a');
  });

  it('a context without a namespace gives none: a usage error in both seal forms', async () => {
    expectError(await run(['seal', '--cert', key.pub], { input: kubectlSecretYaml(), env: withoutNs }), 2, 'has no namespace');
    expectError(await run(['seal', 'db', '--cert', key.pub, '--from-literal', 'a=b'], { env: withoutNs }), 2, 'has no namespace');
  });
});
