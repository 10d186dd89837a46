// The CLI's cluster commands end to end: the built `sealkit` binary against the real
// kube-apiserver, the real sealkit-controller (child process, deploy/ RBAC, its own service
// account), the CRD from deploy/, and the API server's real service proxy. kubectl applies
// what the CLI wrote, as a user would.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { inspectValue } from '@sealkit/core';
import { requireKube, saKubeconfig } from '../infra/env.js';
import { ControllerProcess, CONTROLLER_BIN } from './lib/controller-process.js';
import { errorLines, exposeController, grantProxy, sealkit, startProxyEndpoint, type ProxyEndpoint } from './lib/cli-cluster.js';
import {
  apply,
  controllerIdentity,
  createNamespace,
  decoded,
  ensureCrd,
  getJson,
  kubectl,
  run,
  waitFor,
  waitReady,
} from './lib/kube.js';

const PASSWORD = 'cli-e2e-pw-Zq81';
const BINARY = Buffer.from([0, 1, 2, 250, 251, 255, 10, 13]);

let ctlNs: string;
let appNs: string;
let otherNs: string;
let ctlKubeconfig: string;
let controller: ControllerProcess;
/** The controller's endpoint for the API server's service proxy (our own network namespace). */
let endpoint: ProxyEndpoint | undefined;
let admin: string;
/** A developer: may read the public-key ConfigMap (deploy/rbac.yaml: all authenticated users) and use the proxy. */
let dev: string;
/** Authenticated, nothing else granted. */
let nobody: string;
let dir: string;
let firstKeyId: string;
let secretsToHide: string[];

const flags = () => ['--controller-namespace', ctlNs];
const as = (kubeconfig: string) => ({ env: { KUBECONFIG: kubeconfig } });

beforeAll(async () => {
  const kube = requireKube();
  admin = kube.kubeconfig;
  await ensureCrd();
  [ctlNs, appNs, otherNs] = await Promise.all([createNamespace('cli-ctl'), createNamespace('cli-app'), createNamespace('cli-other')]);
  ctlKubeconfig = await controllerIdentity(ctlNs);
  controller = await ControllerProcess.start({
    kubeconfig: ctlKubeconfig,
    namespace: ctlNs,
    watchNamespaces: [appNs, otherNs],
    identity: 'cli-e2e',
    // listens on 127.0.0.1 (ControllerProcess's default); the proxy reaches it through `endpoint`
  });
  endpoint = await startProxyEndpoint(Number(new URL(controller.url).port));
  await exposeController(ctlNs, endpoint.url);
  dev = await saKubeconfig(appNs, 'dev', { create: true });
  nobody = await saKubeconfig(appNs, 'nobody', { create: true });
  await grantProxy(ctlNs, { namespace: appNs, name: 'dev' }, ['get', 'create']);
  const cm = await waitFor('ConfigMap sealkit-cert', () => getJson(['configmap', 'sealkit-cert', '-n', ctlNs]));
  firstKeyId = cm.data['key-id'];
  dir = mkdtempSync(path.join(tmpdir(), 'sealkit-cli-cluster-'));
  secretsToHide = [PASSWORD, kube.adminToken, readFileSync(dev, 'utf8').match(/token: (\S+)/)?.[1] ?? 'no-token'];
}, 180_000);

afterAll(async () => {
  try {
    await controller?.stop();
  } finally {
    await endpoint?.stop();
  }
});

function expectNoSecrets(...outputs: string[]): void {
  for (const out of outputs) for (const s of secretsToHide) expect(out).not.toContain(s);
}

describe('sealkit cert', () => {
  it('prints the active public key from the ConfigMap, for any authenticated user (no proxy rights needed)', async () => {
    const cm = await getJson(['configmap', 'sealkit-cert', '-n', ctlNs]);
    const r = await sealkit(['cert', ...flags()], as(nobody));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(cm.data['cert.pem']);
    expect(r.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(r.stderr).toBe('');
    // openssl reads it, as the brief promises
    const o = await run('openssl', ['pkey', '-pubin', '-noout', '-text'], { input: r.stdout, allowFail: true });
    if (o.code === 0) expect(o.stdout).toContain('X25519');
  });

  it('-w writes the file atomically; SEALKIT_CONTROLLER_NAMESPACE and --kubeconfig/--context are honoured', async () => {
    const out = path.join(dir, 'cluster.pem');
    // KUBECONFIG names nothing useful: --kubeconfig wins, as with kubectl
    const r = await sealkit(['cert', '-w', out, '--kubeconfig', dev, '--context', 'sealkit-test'], { env: { SEALKIT_CONTROLLER_NAMESPACE: ctlNs, KUBECONFIG: '/nonexistent' } });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
    expect(r.stdout).toBe('');
  });

  it('falls back to the controller through the service proxy when the ConfigMap is forbidden', async () => {
    const binding = await getJson(['rolebinding', 'sealkit-public-keys-reader', '-n', ctlNs]);
    await kubectl(['delete', 'rolebinding', 'sealkit-public-keys-reader', '-n', ctlNs]);
    try {
      const expected = (await getJson(['configmap', 'sealkit-cert', '-n', ctlNs])).data['cert.pem'];
      // dev may use the proxy: the key comes from GET .../proxy/v1/cert.pem
      const ok = await waitFor('proxy fallback', async () => {
        const r = await sealkit(['cert', ...flags()], as(dev));
        return r.code === 0 ? r : undefined;
      }, 15_000);
      expect(ok.stdout).toBe(expected);

      // nobody may do neither: one line that names both failures, with an RBAC hint
      const r = await sealkit(['cert', ...flags()], as(nobody));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const [line, ...rest] = errorLines(r);
      expect(rest).toEqual([]);
      expect(line).toContain(`ConfigMap ${ctlNs}/sealkit-cert: HTTP 403 Forbidden`);
      expect(line).toContain(`service ${ctlNs}/sealkit-controller:http (API server proxy): HTTP 403 Forbidden: your user may not get services/proxy "http:sealkit-controller:http"`);
      expect(line).toMatch(/\(hint: ask for "get" on configmaps\/sealkit-cert/);
    } finally {
      const { metadata, roleRef, subjects } = binding;
      await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: metadata.name, namespace: ctlNs, labels: metadata.labels }, roleRef, subjects });
    }
  });

  it('falls back to the proxy when the ConfigMap is missing; with no controller either, says both and hints', async () => {
    await kubectl(['delete', 'configmap', 'sealkit-cert', '-n', ctlNs]);
    const viaProxy = await sealkit(['cert', ...flags()], as(admin));
    expect(viaProxy.code, viaProxy.stderr).toBe(0);
    expect(viaProxy.stdout).toContain('-----BEGIN PUBLIC KEY-----');

    const r = await sealkit(['cert', ...flags(), '--controller-name', 'no-such-controller'], as(admin));
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([
      `sealkit: error: cannot get the cluster's public key: ConfigMap ${ctlNs}/sealkit-cert not found; ` +
        `service ${ctlNs}/no-such-controller:http (API server proxy): no Service ${ctlNs}/no-such-controller (HTTP 503 Service Unavailable) ` +
        `(hint: is the sealkit controller installed in namespace ${ctlNs}? Point at it with --controller-namespace/--controller-name, or pass --cert FILE to work offline)`,
    ]);
    // The controller puts the ConfigMap back at its next resync (default 10 min; see controller-keys.test.ts); until then the proxy serves the key.
  });

  it('a cluster that cannot be reached, bad credentials, and no kubeconfig: one line each, no token shown', async () => {
    const kube = requireKube();
    const doc = parse(readFileSync(admin, 'utf8'));
    // A port nothing listens on
    const closed = structuredClone(doc);
    closed.clusters[0].cluster.server = 'https://127.0.0.1:9';
    const closedFile = path.join(dir, 'closed.kubeconfig');
    writeFileSync(closedFile, JSON.stringify(closed));
    let r = await sealkit(['cert', ...flags(), '--kubeconfig', closedFile]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the API server https:\/\/127\.0\.0\.1:9 \(context "[^"]+"\): connection refused \(hint: /);

    const badToken = structuredClone(doc);
    for (const u of badToken.users) if (u.user.token) u.user.token = 'not-a-valid-token-Xy7';
    const badFile = path.join(dir, 'bad.kubeconfig');
    writeFileSync(badFile, JSON.stringify(badToken));
    r = await sealkit(['cert', ...flags(), '--kubeconfig', badFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rejected our credentials \(HTTP 401 Unauthorized\)/);
    expect(r.stderr).not.toContain('not-a-valid-token-Xy7');

    r = await sealkit(['cert', ...flags(), '--kubeconfig', path.join(dir, 'missing.kubeconfig')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sealkit: error: --kubeconfig .*missing\.kubeconfig: cannot read: no such file\n$/);

    r = await sealkit(['cert', ...flags()], { env: { KUBECONFIG: '', HOME: dir, KUBERNETES_SERVICE_HOST: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sealkit: error: no cluster configured: .* \(hint: pass --kubeconfig FILE or set KUBECONFIG\)\n$/);

    r = await sealkit(['cert', ...flags(), '--context', 'nope'], as(admin));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no context named "nope"');
    expectNoSecrets(r.stdout, r.stderr);
    expect(r.stderr).not.toContain(kube.adminToken);
  });
});

let sealedFile: string;

describe('sealkit seal without --cert', () => {
  it('fetches the key from the cluster; kubectl apply; the controller writes a Secret with exactly the bytes', async () => {
    const bin = path.join(dir, 'blob.bin');
    writeFileSync(bin, BINARY);
    sealedFile = path.join(dir, 'db.sealed.yaml');
    const r = await sealkit(['seal', 'db', '-n', appNs, ...flags(), '--from-literal', `password=${PASSWORD}`, '--from-file', `blob=${bin}`, '-w', sealedFile], as(dev));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
    const sealed = parse(readFileSync(sealedFile, 'utf8'));
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['blob', 'password']);
    for (const v of Object.values<string>(sealed.spec.encryptedData)) expect(inspectValue(v).keyIds).toEqual([firstKeyId]);
    expectNoSecrets(readFileSync(sealedFile, 'utf8'));

    await kubectl(['apply', '-f', sealedFile]);
    await waitReady(appNs, 'db');
    const secret = await getJson(['secret', 'db', '-n', appNs]);
    expect(decoded(secret).password).toBe(PASSWORD);
    expect(Buffer.from(secret.data.blob, 'base64').equals(BINARY)).toBe(true);
  });

  it('pipes like kubeseal: kubectl create secret --dry-run | sealkit seal > file', async () => {
    const manifest = await kubectl(['create', 'secret', 'generic', 'piped', '-n', appNs, `--from-literal=token=${PASSWORD}`, '--dry-run=client', '-o', 'yaml']);
    const r = await sealkit(['seal', ...flags()], { ...as(admin), input: manifest.stdout });
    expect(r.code, r.stderr).toBe(0);
    await kubectl(['apply', '-f', '-'], { input: r.stdout });
    await waitReady(appNs, 'piped');
    expect(decoded(await getJson(['secret', 'piped', '-n', appNs])).token).toBe(PASSWORD);
  });

  it('--cert keeps working offline and never touches the cluster', async () => {
    const pem = path.join(dir, 'offline.pem');
    writeFileSync(pem, (await sealkit(['cert', ...flags()], as(admin))).stdout);
    const r = await sealkit(['seal', 'x', '-n', appNs, '--cert', pem, '--from-literal', 'a=b'], { env: { KUBECONFIG: '/nonexistent', HOME: dir } });
    expect(r.code, r.stderr).toBe(0);
    expect(parse(r.stdout).kind).toBe('SealedSecret');
  });
});

describe('sealkit validate', () => {
  it('ok: every value opens here (exit 0)', async () => {
    const r = await sealkit(['validate', '-f', sealedFile, ...flags()], as(dev));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`SealedSecret ${appNs}/db: ok (2 values open here)\n`);
    expect(r.stderr).toBe('');
  });

  it('moved to another namespace, tampered, or sealed for another key: says which and why (exit 1)', async () => {
    const text = readFileSync(sealedFile, 'utf8');
    const moved = text.replace(`namespace: ${appNs}`, `namespace: ${otherNs}`);
    const sealed = parse(text);
    const pw: string = sealed.spec.encryptedData.password;
    const flipped = pw.slice(0, 60) + (pw[60] === 'A' ? 'B' : 'A') + pw.slice(61);
    const tampered = text.replace(pw, flipped);
    // sealed offline for a key this cluster does not hold
    const keys = path.join(dir, 'foreign');
    expect((await sealkit(['keygen', '--out', keys])).code).toBe(0);
    const foreign = await sealkit(['seal', 'foreign', '-n', appNs, '--cert', path.join(keys, 'sealkit.pub'), '--from-literal', 'k=v']);
    const input = [moved, tampered, foreign.stdout].join('---\n');

    const r = await sealkit(['validate', ...flags()], { ...as(dev), input });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`SealedSecret ${otherNs}/db: CANNOT be opened here\n`);
    expect(r.stdout).toMatch(new RegExp(`  password: scope mismatch: the value is sealed strict to "${appNs}/db" but was found at "${otherNs}/db".*\\[ScopeMismatch\\]`));
    expect(r.stdout).toMatch(/  password: sealed value failed authentication: .*\[AuthenticationFailed\]/);
    expect(r.stdout).toMatch(/  k: no private key for this value: .*\[UnknownKey\]/);
    expect(errorLines(r)).toEqual([
      'sealkit: error: 3 of 3 SealedSecrets cannot be opened by the cluster (hint: a moved or renamed object must be sealed again for its new place (or sealed with a wider --scope))',
    ]);
    expectNoSecrets(r.stdout, r.stderr);

    const json = await sealkit(['validate', '-o', 'json', ...flags()], { ...as(dev), input: moved });
    expect(json.code).toBe(1);
    const [report] = JSON.parse(json.stdout);
    expect(report).toMatchObject({ namespace: otherNs, name: 'db', ok: false, values: { password: { ok: false, reason: 'ScopeMismatch', scope: 'strict' }, blob: { ok: false } } });
  });

  it('objects without a namespace are checked where kubectl apply would put them (-n)', async () => {
    const sealed = parse(readFileSync(sealedFile, 'utf8'));
    delete sealed.metadata.namespace;
    const input = JSON.stringify(sealed);
    const here = await sealkit(['validate', '-n', appNs, ...flags()], { ...as(dev), input });
    expect(here.code, here.stdout + here.stderr).toBe(0);
    const there = await sealkit(['validate', '-n', otherNs, ...flags()], { ...as(dev), input });
    expect(there.code).toBe(1);
  });

  it('without rights on the service proxy: one line, HTTP 403, which permission, a hint', async () => {
    const r = await sealkit(['validate', '-f', sealedFile, ...flags()], as(nobody));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r)).toEqual([
      `sealkit: error: SealedSecret ${appNs}/db: the controller could not check it: POST /v1/verify via service ${ctlNs}/sealkit-controller: ` +
        `HTTP 403 Forbidden: your user may not create services/proxy "http:sealkit-controller:http" in namespace ${ctlNs} ` +
        `(hint: ask for "create" on services/proxy (resourceNames: http:sealkit-controller:http) in namespace ${ctlNs}; see "Permissions" in docs/cli.md)`,
    ]);
  });

  it('a Bitnami SealedSecret sent to a controller without --bitnami: it says it does not open those (exit 1)', async () => {
    // A kubeseal-made object from core's committed vectors.
    const vectors = JSON.parse(readFileSync(new URL('../../packages/core/src/bitnami/testdata/vectors.json', import.meta.url), 'utf8'));
    const bitnami = vectors.manifests.find((m: any) => m.format === 'yaml' && m.scope === 'strict').text as string;
    const r = await sealkit(['validate', ...flags()], { ...as(dev), input: bitnami });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'SealedSecret prod/db: CANNOT be opened here\n' +
        '  (manifest): a bitnami.com/v1alpha1 SealedSecret: this controller opens those only when started with --bitnami [InvalidSpec]\n',
    );
    expect(errorLines(r)).toHaveLength(1);
  });

  it('a controller Service that does not exist: the error says so', async () => {
    const r = await sealkit(['validate', '-f', sealedFile, ...flags(), '--controller-name', 'no-such-controller'], as(admin));
    expect(r.code).toBe(1);
    expect(errorLines(r)[0]).toContain(`no Service ${ctlNs}/no-such-controller (HTTP 503 Service Unavailable)`);
  });
});

describe('rotation, then sealkit reseal', () => {
  let newKeyId: string;
  let recoveryPub: string;

  it('rotate: the new key is published and sealkit cert returns it', async () => {
    const rot = await run(process.execPath, [CONTROLLER_BIN, 'rotate', '--kubeconfig', ctlKubeconfig, '--namespace', ctlNs]);
    newKeyId = rot.stdout.trim();
    expect(newKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(newKeyId).not.toBe(firstKeyId);
    // ConfigMap was deleted above: the rotation republishes it
    const cm = await waitFor('ConfigMap with the new key', async () => {
      const c = await getJson(['configmap', 'sealkit-cert', '-n', ctlNs]);
      return c?.data?.['key-id'] === newKeyId ? c : undefined;
    }, 30_000);
    const r = await sealkit(['cert', ...flags()], as(dev));
    expect(r.stdout).toBe(cm.data['cert.pem']);
  });

  it('--in-place re-seals only the values, keeps every other byte, and the result applies and opens with the new key', async () => {
    const original = readFileSync(sealedFile, 'utf8');
    const commented = `# committed by CI\n${original.replace('kind: SealedSecret', 'kind: SealedSecret # keep me')}`;
    writeFileSync(sealedFile, commented);
    chmodSync(sealedFile, 0o640);
    const r = await sealkit(['reseal', '-f', sealedFile, '--in-place', ...flags()], as(dev));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`sealkit: SealedSecret ${appNs}/db: re-sealed blob, password to key ${newKeyId}\n`);
    const after = readFileSync(sealedFile, 'utf8');
    expect(statSync(sealedFile).mode & 0o777).toBe(0o640);
    // Line for line the same, except the two value lines
    const a = commented.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    const changed = a.map((line, i) => (line === b[i] ? undefined : line.trim().split(':')[0])).filter(Boolean);
    expect(changed).toEqual(['blob', 'password']);
    const sealed = parse(after);
    for (const v of Object.values<string>(sealed.spec.encryptedData)) {
      expect(inspectValue(v)).toMatchObject({ scope: 'strict', namespace: appNs, name: 'db', keyIds: [newKeyId] });
    }
    expectNoSecrets(after, r.stderr);

    await kubectl(['apply', '-f', sealedFile]);
    // New generation Ready: the controller opened values that only the new key can open.
    const ss = await waitReady(appNs, 'db');
    expect(ss.metadata.generation).toBeGreaterThan(1);
    const secret = await getJson(['secret', 'db', '-n', appNs]);
    expect(decoded(secret).password).toBe(PASSWORD);
    expect(Buffer.from(secret.data.blob, 'base64').equals(BINARY)).toBe(true);

    // Running it again changes nothing and does not rewrite the file
    const before = statSync(sealedFile).mtimeMs;
    const again = await sealkit(['reseal', '-f', sealedFile, '--in-place', ...flags()], as(dev));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(`sealkit: SealedSecret ${appNs}/db: already sealed to key ${newKeyId}, unchanged\n`);
    expect(statSync(sealedFile).mtimeMs).toBe(before);
  });

  it('several documents, -w: non-SealedSecrets pass through untouched; stdout stays empty', async () => {
    const oldPem = path.join(dir, 'old.pem');
    const keys = (await getJson(['configmap', 'sealkit-cert', '-n', ctlNs])).data['public-keys.pem'] as string;
    const blocks = keys.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/g)!;
    writeFileSync(oldPem, blocks[blocks.length - 1]!); // the oldest key
    const s1 = await sealkit(['seal', 'one', '-n', appNs, '--cert', oldPem, '--from-literal', 'a=1', '--scope', 'namespace']);
    const s2 = await sealkit(['seal', 'two', '-n', appNs, '--cert', oldPem, '--from-literal', 'b=2', '--scope', 'cluster']);
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  x: "1"\n';
    const input = [s1.stdout, cm, s2.stdout].join('---\n');
    const out = path.join(dir, 'multi.yaml');
    const r = await sealkit(['reseal', '-w', out, ...flags()], { ...as(admin), input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS());
    expect(docs[1]).toEqual(parse(cm));
    expect(inspectValue(docs[0].spec.encryptedData.a)).toMatchObject({ scope: 'namespace', namespace: appNs, keyIds: [newKeyId] });
    expect(inspectValue(docs[2].spec.encryptedData.b)).toMatchObject({ scope: 'cluster', keyIds: [newKeyId] });
    expect(r.stderr).toContain('object 2 is not a sealkit.dev/v1alpha1 SealedSecret, left as it is');
  });

  it('a recovery-key recipient is not dropped silently: refused without --drop-recipients', async () => {
    const keys = path.join(dir, 'recovery');
    await sealkit(['keygen', '--out', keys]);
    recoveryPub = path.join(keys, 'sealkit.pub');
    const oldPem = path.join(dir, 'old.pem');
    const s = await sealkit(['seal', 'dr', '-n', appNs, '--cert', oldPem, '--cert', recoveryPub, '--from-literal', 'k=v']);
    const file = path.join(dir, 'dr.yaml');
    writeFileSync(file, s.stdout);
    const r = await sealkit(['reseal', '-f', file, '--in-place', ...flags()], as(admin));
    expect(r.code).toBe(1);
    expect(errorLines(r)[0]).toMatch(/re-sealing would drop recipient key [0-9a-f]{16} \(not this cluster's, e\.g\. a recovery key\); nothing was written \(hint: pass --drop-recipients/);
    expect(readFileSync(file, 'utf8')).toBe(s.stdout);
    const ok = await sealkit(['reseal', '-f', file, '--in-place', '--drop-recipients', ...flags()], as(admin));
    expect(ok.code, ok.stderr).toBe(0);
    expect(inspectValue(parse(readFileSync(file, 'utf8')).spec.encryptedData.k).keyIds).toEqual([newKeyId]);
  });

  it('a value the cluster cannot open: nothing is written, and the reason is given (exit 1)', async () => {
    // sealed to the old key (so it goes to the controller), then moved to another namespace
    const before = await sealkit(['seal', 'db', '-n', appNs, '--cert', path.join(dir, 'old.pem'), '--from-literal', 'p=q']);
    const input = before.stdout.replace(`namespace: ${appNs}`, `namespace: ${otherNs}`);
    const out = path.join(dir, 'never.yaml');
    const r = await sealkit(['reseal', '-w', out, ...flags()], { ...as(admin), input });
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`sealkit: SealedSecret ${otherNs}/db: cannot be opened by the cluster: p: scope mismatch`);
    expect(errorLines(r)).toEqual([
      "sealkit: error: 1 SealedSecret cannot be re-sealed by this cluster; nothing was written (hint: 'sealkit validate' explains each value; values the cluster cannot open must be sealed again from the original Secret)",
    ]);
  });

  it('usage errors: --in-place needs -f and excludes -w (exit 2)', async () => {
    let r = await sealkit(['reseal', '--in-place', ...flags()], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--in-place needs -f FILE/);
    r = await sealkit(['reseal', '-f', sealedFile, '--in-place', '-w', 'x.yaml', ...flags()]);
    expect(r.code).toBe(2);
  });
});

describe('with the controller stopped', () => {
  it('cert still works from the ConfigMap; validate says the API server cannot reach the controller', async () => {
    await controller.stop();
    const cert = await sealkit(['cert', ...flags()], as(nobody));
    expect(cert.code, cert.stderr).toBe(0);
    const r = await sealkit(['validate', '-f', sealedFile, ...flags()], as(admin));
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(
      /the API server cannot reach the controller: the Service has no ready endpoint \(is the controller running\?\), or the controller does not answer \(HTTP 50[23] [A-Za-z ]+\)/,
    );
    expectNoSecrets(r.stdout, r.stderr);
  });
});
