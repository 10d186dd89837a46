// The built binary with Bitnami keys, offline: the kubeseal-made vectors of core (no kubeseal needed
// here; test/e2e/bitnami-interop.test.ts runs the real kubeseal both ways).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { b64, expectError, expectOk, keygen, kubectlSecretYaml, removeDir, run, tempDir } from '../../test/run.js';

interface Vectors {
  keys: Record<string, { privateKeyPem: string; certificatePem: string }>;
  manifests: { key: string; scope: string; format: 'json' | 'yaml'; text: string }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../core/src/bitnami/testdata/vectors.json', import.meta.url), 'utf8'),
) as Vectors;

let dir: string;
let key4096: string;
let cert4096: string;
let backup: string;

beforeAll(async () => {
  dir = await tempDir();
  key4096 = join(dir, 'rsa4096.key');
  cert4096 = join(dir, 'rsa4096.crt');
  backup = join(dir, 'keys.yaml');
  await writeFile(key4096, vectors.keys.rsa4096!.privateKeyPem);
  await writeFile(cert4096, vectors.keys.rsa4096!.certificatePem);
  await writeFile(
    backup,
    `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  type: kubernetes.io/tls
  metadata:
    name: sealed-secrets-keyabcde
    namespace: kube-system
    labels:
      sealedsecrets.bitnami.com/sealed-secrets-key: active
  data:
    tls.key: ${b64(vectors.keys.rsa4096!.privateKeyPem)}
    tls.crt: ${b64(vectors.keys.rsa4096!.certificatePem)}
`,
  );
});
afterAll(() => removeDir(dir));

describe('sealkit unseal with Bitnami keys', () => {
  it.each(['strict', 'namespace-wide', 'cluster-wide'])('opens kubeseal output (%s) with the PEM key and with a v1 List backup', async (scope) => {
    const sealed = vectors.manifests.find((m) => m.key === 'rsa4096' && m.scope === scope && m.format === 'yaml')!.text;
    for (const keyFile of [key4096, backup]) {
      const result = await run(['unseal', '--key', keyFile], { input: sealed });
      expectOk(result);
      const secret = parse(result.stdout);
      expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('correct horse battery staple');
      expect(secret.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    }
  });

  it('mixes sealkit and Bitnami SealedSecrets and keys in one run', async () => {
    const k = await keygen(join(dir, 'sk'));
    const ours = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod', name: 'web' }) });
    expectOk(ours);
    const theirs = vectors.manifests.find((m) => m.key === 'rsa4096' && m.scope === 'strict' && m.format === 'yaml')!.text;
    const result = await run(['unseal', '--key', k.key, '--key', key4096], { input: `${ours.stdout}---\n${theirs}` });
    expectOk(result);
    expect(result.stdout.match(/kind: Secret/g)).toHaveLength(2);
  });

  it('says which key is missing, without plaintext', async () => {
    const theirs = vectors.manifests.find((m) => m.key === 'rsa2048' && m.scope === 'strict' && m.format === 'json')!.text;
    const result = await run(['unseal', '--key', key4096], { input: theirs });
    expectError(result, 1, /no key opens this value: it was sealed with an RSA-2048 key/);
    expect(result.stdout).toBe('');
    const k = await keygen(join(dir, 'sk2'));
    expectError(await run(['unseal', '--key', k.key], { input: theirs }), 1, /is a Bitnami SealedSecret \(bitnami.com\/v1alpha1\) but no Bitnami key was given/);
  });
});

describe('sealkit seal --format bitnami', () => {
  it('round-trips through sealkit unseal; JSON by default as kubeseal, YAML with -o yaml', async () => {
    const json = await run(['seal', '--format', 'bitnami', '--cert', cert4096], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(json);
    expect(json.stdout.startsWith('{\n  "kind": "SealedSecret",\n  "apiVersion": "bitnami.com/v1alpha1"')).toBe(true);
    const yaml = await run(['seal', '--format', 'bitnami', '--cert', cert4096, '-o', 'yaml', '--scope', 'namespace-wide'], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(yaml);
    expect(yaml.stdout.startsWith('---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: "true"\n')).toBe(true);
    for (const sealed of [json.stdout, yaml.stdout]) {
      const opened = await run(['unseal', '--key', key4096], { input: sealed });
      expectOk(opened);
      expect(parse(opened.stdout).data.password).toBe(b64('hunter2-plaintext'));
    }
  });

  it('refuses a private key, a sealkit public key, and a missing namespace (exit 2 from a manifest as from --from-*, like the sealkit format)', async () => {
    expectError(await run(['seal', '--format', 'bitnami', '--cert', key4096], { input: kubectlSecretYaml({ namespace: 'prod' }) }), 1, /private key/);
    const k = await keygen(join(dir, 'sk3'));
    expectError(await run(['seal', '--format', 'bitnami', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) }), 1, /bare public key/);
    expectError(await run(['seal', '--format', 'bitnami', '--cert', cert4096], { input: kubectlSecretYaml({}) }), 2, /has no namespace/);
    expectError(await run(['seal', 'db', '--format', 'bitnami', '--cert', cert4096, '--from-literal', 'a=b']), 2, /has no namespace/);
  });
});
