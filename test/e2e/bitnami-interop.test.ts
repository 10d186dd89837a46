// Bitnami interoperability offline, against the REAL kubeseal (built by test/infra): what kubeseal
// seals, sealkit opens (core and `sealkit unseal`); what `sealkit seal --format bitnami` writes,
// kubeseal --recovery-unseal opens, and it is what kubeseal writes. Keys: fresh RSA-2048 and
// RSA-4096 pairs per run (openssl), self-signed like the controller's, plus an expired certificate.
// Needs only SEALKIT_INFRA=bitnami (no cluster).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BitnamiKeyring, decodeBitnamiPrivateKeysPem, openBitnamiValue, unsealBitnamiSealedSecret, type Scope } from '@sealkit/core';
import { requireBitnami } from '../infra/env.js';
import { REPO } from './lib/kube.js';

const CLI = path.join(REPO, 'packages/cli/bin/sealkit.js');
interface Run { code: number; stdout: string; stderr: string }

function exec(cmd: string, args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
    });
    child.stdin!.end(input ?? '');
  });
}

const sealkit = (args: string[], input?: string | Buffer) => exec(process.execPath, [CLI, ...args], input);
let kubesealBin: string;
const kubeseal = (args: string[], input?: string | Buffer) => exec(kubesealBin, args, input);

let dir: string;
const keys: Record<number, { key: string; crt: string; keyPem: string }> = {};
let expiredCrt: string;

async function must(r: Promise<Run>, what: string): Promise<string> {
  const out = await r;
  if (out.code !== 0) throw new Error(`${what} failed (${out.code}): ${out.stderr}`);
  return out.stdout;
}

beforeAll(async () => {
  kubesealBin = requireBitnami().kubeseal;
  dir = mkdtempSync(path.join(tmpdir(), 'sealkit-bitnami-'));
  for (const bits of [2048, 4096]) {
    const key = path.join(dir, `rsa${bits}.key`);
    const crt = path.join(dir, `rsa${bits}.crt`);
    await must(exec('openssl', ['genrsa', '-traditional', '-out', key, String(bits)]), 'openssl genrsa');
    await must(exec('openssl', ['req', '-x509', '-new', '-key', key, '-out', crt, '-days', '3650', '-subj', `/CN=sealed-secret-${bits}`]), 'openssl req');
    keys[bits] = { key, crt, keyPem: readFileSync(key, 'utf8') };
  }
  const csr = await must(exec('openssl', ['req', '-new', '-key', keys[2048]!.key, '-subj', '/CN=expired']), 'openssl req -new');
  expiredCrt = path.join(dir, 'expired.crt');
  await must(exec('openssl', ['x509', '-req', '-signkey', keys[2048]!.key, '-days', '-1', '-out', expiredCrt], csr), 'openssl x509 -days -1');
}, 180_000);

const secretYaml = (ns = 'prod', name = 'db', annotations = '') => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app.kubernetes.io/name: db
  annotations:
    argocd.argoproj.io/sync-wave: "2"
${annotations}    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"password":"must-not-leak"}}'
type: Opaque
data:
  binary: AP/+gA==
stringData:
  password: correct horse battery staple
  user: admin
`;

/** The copied sync wave removed from the sealed object's own metadata in printed JSON or YAML (the template's stays). */
function withoutCopiedWave(text: string, fmt: 'json' | 'yaml'): string {
  if (fmt === 'json') {
    return text
      .replace(/,\n    "annotations": \{\n      "argocd\.argoproj\.io\/sync-wave": "2"\n    \}/, '')
      .replace(/,\n      "argocd\.argoproj\.io\/sync-wave": "2"(?=\n    \})/, '')
      .replace(/\n      "argocd\.argoproj\.io\/sync-wave": "2",(?=\n)/, '');
  }
  return text
    .replace(/^  annotations:\n    argocd\.argoproj\.io\/sync-wave: "?2"?\n(?! {4})/m, '')
    .replace(/^    argocd\.argoproj\.io\/sync-wave: "?2"?\n/m, '');
}

const SCOPES: Array<[kubesealScope: string, scope: Scope]> = [
  ['strict', 'strict'],
  ['namespace-wide', 'namespace'],
  ['cluster-wide', 'cluster'],
];

const cases = [2048, 4096].flatMap((bits) => SCOPES.map(([ks, scope]) => [bits, ks, scope] as const));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('sealed by kubeseal, opened by sealkit', () => {
  it.each(cases)('RSA-%i, %s: core and `sealkit unseal --key` give the Secret kubeseal --recovery-unseal gives', async (bits, ks, scope) => {
    const sealedJson = await must(kubeseal(['--cert', keys[bits]!.crt, '--scope', ks], secretYaml()), 'kubeseal');
    const sealed = JSON.parse(sealedJson);
    const ring = new BitnamiKeyring(decodeBitnamiPrivateKeysPem(keys[bits]!.keyPem));
    const secret = unsealBitnamiSealedSecret(sealed, ring);
    expect(secret.data).toEqual({ binary: 'AP/+gA==', password: b64('correct horse battery staple'), user: b64('admin') });
    expect(secret.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(secret.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('2');

    // The CLI, with the key as PEM and as a key Secret backup (v1 List), on YAML input.
    const sealedYaml = await must(kubeseal(['--cert', keys[bits]!.crt, '--scope', ks, '-o', 'yaml'], secretYaml()), 'kubeseal -o yaml');
    const backup = path.join(dir, `backup-${bits}.yaml`);
    writeFileSync(backup, JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [{
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
        metadata: { name: 'sealed-secrets-keyx', namespace: 'kube-system', labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } },
        data: { 'tls.key': b64(keys[bits]!.keyPem), 'tls.crt': b64(readFileSync(keys[bits]!.crt, 'utf8')) },
      }],
    }));
    for (const keyFile of [keys[bits]!.key, backup]) {
      const ours = parseYaml(await must(sealkit(['unseal', '--key', keyFile], sealedYaml), 'sealkit unseal'));
      const theirs = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[bits]!.key, '-o', 'yaml'], sealedYaml), 'kubeseal --recovery-unseal'));
      expect(ours.data).toEqual(theirs.data);
      expect(ours.type).toBe(theirs.type);
      expect(ours.metadata.labels).toEqual(theirs.metadata.labels);
      expect(ours.metadata.annotations).toEqual(theirs.metadata.annotations);
      expect(ours.metadata.name).toBe(theirs.metadata.name);
    }
    void scope;
  });

  it.each(cases)('RSA-%i, %s: kubeseal --raw values open only at their place', async (bits, ks, scope) => {
    const value = Buffer.from([0, 1, 2, 255, 0x80, 0x41]);
    const valueFile = path.join(dir, 'value.bin');
    writeFileSync(valueFile, value);
    const raw = await must(kubeseal(['--raw', '--cert', keys[bits]!.crt, '--scope', ks, '-n', 'prod', '--name', 'db', `--from-file=${valueFile}`]), 'kubeseal --raw');
    const ring = new BitnamiKeyring(decodeBitnamiPrivateKeysPem(keys[bits]!.keyPem));
    expect(Buffer.from(openBitnamiValue(raw, ring, { namespace: 'prod', name: 'db', scope }))).toEqual(value);
    if (scope !== 'cluster') expect(() => openBitnamiValue(raw, ring, { namespace: 'other', name: 'db', scope })).toThrow();
    if (scope === 'strict') expect(() => openBitnamiValue(raw, ring, { namespace: 'prod', name: 'db2', scope })).toThrow();
  });
});

describe('sealed by `sealkit seal --format bitnami`, opened by kubeseal', () => {
  it.each(cases)('RSA-%i, %s: kubeseal --recovery-unseal opens it; output equals kubeseal\'s but for the ciphertexts', async (bits, ks) => {
    for (const fmt of ['json', 'yaml'] as const) {
      const ours = await must(sealkit(['seal', '--format', 'bitnami', '--cert', keys[bits]!.crt, '--scope', ks, ...(fmt === 'yaml' ? ['-o', 'yaml'] : [])], secretYaml()), 'sealkit seal');
      const theirs = await must(kubeseal(['--cert', keys[bits]!.crt, '--scope', ks, '-o', fmt], secretYaml()), 'kubeseal');
      const blank = (t: string) => t.replace(/A[QgAw][A-Za-z0-9+/]{300,}={0,2}/g, '<sealed>');
      // The one deliberate difference: the Secret's Argo CD sync wave is also on the sealed object's
      // own metadata (kubeseal leaves it in the template only, Bitnami #1625). Without it, byte for byte.
      expect(parseYaml(ours).metadata.annotations).toEqual({ ...parseYaml(theirs).metadata.annotations, 'argocd.argoproj.io/sync-wave': '2' });
      expect(blank(withoutCopiedWave(ours, fmt))).toBe(blank(theirs));
      expect(ours).not.toContain('must-not-leak');
      const opened = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[bits]!.key, '-o', 'yaml'], ours), 'kubeseal --recovery-unseal'));
      expect(opened.data).toEqual({ binary: 'AP/+gA==', password: b64('correct horse battery staple'), user: b64('admin') });
    }
  });

  it('a Secret annotated cluster-wide is sealed cluster-wide without --scope, as kubeseal does', async () => {
    const input = secretYaml('prod', 'db', '    sealedsecrets.bitnami.com/cluster-wide: "true"\n');
    const ours = await must(sealkit(['seal', '--format', 'bitnami', '--cert', keys[2048]!.crt], input), 'sealkit seal');
    const theirs = await must(kubeseal(['--cert', keys[2048]!.crt], input), 'kubeseal');
    const { 'argocd.argoproj.io/sync-wave': wave, ...rest } = JSON.parse(ours).metadata.annotations;
    expect(wave).toBe('2');
    expect({ ...JSON.parse(ours).metadata, annotations: rest }).toEqual(JSON.parse(theirs).metadata);
    // Moved to another namespace, it still opens (cluster-wide).
    const moved = JSON.parse(ours);
    moved.metadata.namespace = 'elsewhere';
    const opened = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[2048]!.key, '-o', 'yaml'], JSON.stringify(moved)), 'kubeseal --recovery-unseal'));
    expect(opened.data.user).toBe(b64('admin'));
  });

  it('--raw prints what kubeseal --raw prints (bare, no newline); kubeseal opens it in a manifest', async () => {
    const raw = await must(sealkit(['seal', '--format', 'bitnami', '--raw', '--cert', keys[4096]!.crt, '-n', 'prod', '--name', 'api'], 'tok3n'), 'sealkit seal --raw');
    expect(raw).toMatch(/^Ag[A-Za-z0-9+/]+=*$/);
    const tokenFile = path.join(dir, 'token.txt');
    writeFileSync(tokenFile, 'tok3n');
    const theirsRaw = await must(kubeseal(['--raw', '--cert', keys[4096]!.crt, '-n', 'prod', '--name', 'api', `--from-file=${tokenFile}`]), 'kubeseal --raw');
    expect(raw.length).toBe(theirsRaw.length);
    const manifest = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'api', namespace: 'prod' }, spec: { encryptedData: { token: raw }, template: { metadata: { name: 'api', namespace: 'prod' } } } };
    const opened = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[4096]!.key, '-o', 'yaml'], JSON.stringify(manifest)), 'kubeseal --recovery-unseal'));
    expect(Buffer.from(opened.data.token, 'base64').toString()).toBe('tok3n');
  });

  it('builds the Secret from --from-literal and merges into a kubeseal file in place (kubeseal opens both values)', async () => {
    const file = path.join(dir, 'merge.yaml');
    writeFileSync(file, await must(kubeseal(['--cert', keys[2048]!.crt, '--scope', 'namespace-wide', '-o', 'yaml'], secretYaml()), 'kubeseal'));
    const before = readFileSync(file, 'utf8');
    await must(sealkit(['seal', '--format', 'bitnami', '--cert', keys[2048]!.crt, '--from-literal', 'api-key=k3y', '--merge-into', file]), 'sealkit seal --merge-into');
    const after = readFileSync(file, 'utf8');
    // Only one line was added; the other values are untouched.
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^ {4}api-key: AQ/);
    const opened = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[2048]!.key, '-o', 'yaml'], after), 'kubeseal --recovery-unseal'));
    expect(Buffer.from(opened.data['api-key'], 'base64').toString()).toBe('k3y');
    expect(Buffer.from(opened.data.user, 'base64').toString()).toBe('admin');

    const built = await must(sealkit(['seal', 'web', '-n', 'prod', '--format', 'bitnami', '--cert', keys[2048]!.crt, '--from-literal', 'a=1', '-o', 'yaml']), 'sealkit seal NAME');
    const openedBuilt = parseYaml(await must(kubeseal(['--recovery-unseal', '--recovery-private-key', keys[2048]!.key, '-o', 'yaml'], built), 'kubeseal --recovery-unseal'));
    expect(openedBuilt.metadata.name).toBe('web');
    expect(openedBuilt.data.a).toBe(b64('1'));
  });
});

describe('refusals, like kubeseal', () => {
  it('an expired certificate is refused by both, sealkit with the date and a hint', async () => {
    const theirs = await kubeseal(['--cert', expiredCrt], secretYaml());
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toMatch(/expired certificate/);
    const ours = await sealkit(['seal', '--format', 'bitnami', '--cert', expiredCrt], secretYaml());
    expect(ours.code).toBe(1);
    expect(ours.stdout).toBe('');
    expect(ours.stderr).toMatch(/^sealkit: error: --cert .*expired\.crt: the certificate expired on \d{4}-\d\d-\d\d.*fetch the current certificate/);
    expect(ours.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a --scope that contradicts the Secret annotation is a usage error; several --cert too', async () => {
    const input = secretYaml('prod', 'db', '    sealedsecrets.bitnami.com/namespace-wide: "true"\n');
    const r = await sealkit(['seal', '--format', 'bitnami', '--cert', keys[2048]!.crt, '--scope', 'cluster-wide'], input);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/conflicts with its annotation/);
    const two = await sealkit(['seal', '--format', 'bitnami', '--cert', keys[2048]!.crt, '--cert', keys[4096]!.crt], secretYaml());
    expect(two.code).toBe(2);
  });

  it('unseal explains a missing Bitnami key and never prints plaintext on failure', async () => {
    const sealed = await must(kubeseal(['--cert', keys[4096]!.crt], secretYaml()), 'kubeseal');
    const wrong = await sealkit(['unseal', '--key', keys[2048]!.key], sealed);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/no key opens this value: it was sealed with an RSA-4096 key/);
    const moved = JSON.parse(sealed);
    moved.metadata.name = 'db2';
    const r = await sealkit(['unseal', '--key', keys[4096]!.key], JSON.stringify(moved));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SealedSecret prod\/db2: spec.encryptedData.binary: no key opens this value at strict to "prod\/db2"/);
  });
});
