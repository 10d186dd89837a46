/**
 * GitOps annotations of a Secret (Argo CD, Flux, Helm hooks) land on the sealed object Argo CD /
 * Flux / Helm applies, not only on its template: both seal formats, and seal -R.
 * SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-gitops-annotations.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expectOk, keygen, removeDir, run, tempDir, type TestKey } from '../../packages/cli/test/run.js';
import { REPO } from './lib/kube.js';

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
    argocd.argoproj.io/sync-options: Prune=false
    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    team: payments
stringData:
  password: s3cr3t
`;
const GITOPS = {
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'argocd.argoproj.io/sync-wave': '-1',
  'helm.sh/hook': 'pre-install,pre-upgrade',
  'helm.sh/hook-weight': '-5',
  'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent',
};

interface Sealed {
  metadata: { annotations: Record<string, string> };
  spec: { template: { metadata: { annotations: Record<string, string> } } };
}

let dir: string;
let key: TestKey;
beforeAll(async () => {
  dir = await tempDir('sealkit-gitops-');
  key = await keygen(dir);
});
afterAll(async () => {
  await removeDir(dir);
});

describe('GitOps annotations', () => {
  it('sealkit format: on the SealedSecret itself and in its template; other annotations only in the template', async () => {
    const result = await run(['seal', '--cert', key.pub], { input: SECRET });
    expectOk(result);
    const sealed = parseYaml(result.stdout) as Sealed;
    expect(sealed.metadata.annotations).toEqual({ 'sealkit.dev/scope': 'strict', ...GITOPS });
    expect(sealed.spec.template.metadata.annotations).toEqual({ ...GITOPS, team: 'payments' });
  });

  it('Bitnami format: the same', async () => {
    const vectors = JSON.parse(readFileSync(path.join(REPO, 'packages/core/src/bitnami/testdata/vectors.json'), 'utf8')) as { keys: Record<string, { certificatePem: string }> };
    const cert = path.join(dir, 'bitnami.crt');
    writeFileSync(cert, (vectors.keys.rsa4096 as { certificatePem: string }).certificatePem);
    const result = await run(['seal', '--format', 'bitnami', '--cert', cert], { input: SECRET });
    expectOk(result);
    const sealed = JSON.parse(result.stdout) as Sealed;
    expect(sealed.metadata.annotations).toEqual(GITOPS);
    expect(sealed.spec.template.metadata.annotations).toMatchObject({ ...GITOPS, team: 'payments' });
  });

  it('seal -R: the same in the sealed files', async () => {
    const tree = path.join(dir, 'tree');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'db.yaml'), SECRET);
    expectOk(await run(['seal', '-R', tree, '--cert', key.pub]));
    const sealed = parseYaml(readFileSync(path.join(tree, 'db.sealed.yaml'), 'utf8')) as Sealed;
    expect(sealed.metadata.annotations).toEqual({ 'sealkit.dev/scope': 'strict', ...GITOPS });
  });
});
