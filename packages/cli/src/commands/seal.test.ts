import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { b64, expectError, expectOk, keygen, kubectlSecretYaml, listDir, readText, removeDir, run, tempDir, type TestKey } from '../../test/run.js';

let dir: string;
let k: TestKey;
let k2: TestKey;

beforeAll(async () => {
  dir = await tempDir();
  [k, k2] = await Promise.all([keygen(join(dir, 'k')), keygen(join(dir, 'k2'))]);
});
afterAll(() => removeDir(dir));

type Obj = Record<string, any>;

async function unseal(sealedText: string, keys: TestKey[] = [k], extra: string[] = []): Promise<Obj[]> {
  const result = await run(['unseal', ...keys.flatMap((key) => ['--key', key.key]), ...extra], { input: sealedText });
  expectOk(result);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
}

const decode = (data: Record<string, string>) => Object.fromEntries(Object.entries(data).map(([key, v]) => [key, Buffer.from(v, 'base64').toString('utf8')]));

describe('seal: manifests from stdin / -f', () => {
  it('seals kubectl --dry-run output and drops the last-applied-configuration annotation', async () => {
    const input = kubectlSecretYaml({ namespace: 'prod', lastApplied: true });
    const result = await run(['seal', '--cert', k.pub], { input });
    expectOk(result);
    expect(result.stderr).toBe('');
    const sealed = parse(result.stdout) as Obj;
    expect(sealed.apiVersion).toBe('sealkit.dev/v1alpha1');
    expect(sealed.kind).toBe('SealedSecret');
    expect(sealed.metadata).toMatchObject({ name: 'db', namespace: 'prod' });
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['password', 'username']);
    expect(result.stdout).not.toContain('last-applied-configuration');
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toContain(b64('hunter2-plaintext'));
    const [secret] = await unseal(result.stdout);
    expect(decode(secret!.data)).toEqual({ password: 'hunter2-plaintext', username: 'admin' });
  });

  it('reads -f FILE and keeps labels, annotations and type in the template', async () => {
    const file = join(dir, 'labelled.yaml');
    await writeFile(file, `apiVersion: v1
kind: Secret
metadata:
  name: tls
  namespace: web
  labels: {app: web}
  annotations: {argocd.argoproj.io/sync-wave: "-1"}
type: kubernetes.io/basic-auth
stringData:
  username: u
  password: p
`);
    const result = await run(['seal', '--cert', k.pub, '-f', file]);
    expectOk(result);
    const sealed = parse(result.stdout) as Obj;
    expect(sealed.spec.template).toEqual({
      metadata: { labels: { app: 'web' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      type: 'kubernetes.io/basic-auth',
    });
    const [secret] = await unseal(result.stdout);
    expect(secret!.type).toBe('kubernetes.io/basic-auth');
    expect(secret!.metadata.labels).toEqual({ app: 'web' });
  });

  it('seals both data (base64) and stringData; stringData wins on a shared key', async () => {
    const input = `apiVersion: v1
kind: Secret
metadata: {name: mixed, namespace: prod}
data:
  a: ${b64('from-data')}
  shared: ${b64('loser')}
stringData:
  b: from-stringData
  shared: winner
`;
    const result = await run(['seal', '--cert', k.pub], { input });
    expectOk(result);
    expect(Object.keys((parse(result.stdout) as Obj).spec.encryptedData)).toEqual(['a', 'b', 'shared']);
    const [secret] = await unseal(result.stdout);
    expect(decode(secret!.data)).toEqual({ a: 'from-data', b: 'from-stringData', shared: 'winner' });
  });

  it('handles multi-document YAML (empty documents skipped) and a v1 List', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'two', namespace: 'prod' }, stringData: { x: '2' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'three', namespace: 'prod' }, stringData: { x: '3' } },
    ] };
    const input = `---\n${kubectlSecretYaml({ name: 'one', namespace: 'prod' })}---\n---\n# just a comment\n---\n${JSON.stringify(list)}\n`;
    const result = await run(['seal', '--cert', k.pub], { input });
    expectOk(result);
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
    expect(docs.map((d) => d.metadata.name)).toEqual(['one', 'two', 'three']);
    expect(result.stdout.split('\n').filter((l) => l === '---')).toHaveLength(2);
    const secrets = await unseal(result.stdout);
    expect(secrets.map((s) => s.metadata.name)).toEqual(['one', 'two', 'three']);
  });

  it('reads JSON (kubectl -o json) and writes JSON: one object, or a v1 List for several', async () => {
    const one = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j', namespace: 'prod' }, data: { k: b64('v') } };
    const single = await run(['seal', '--cert', k.pub, '-o', 'json'], { input: JSON.stringify(one, null, 2) });
    expectOk(single);
    const obj = JSON.parse(single.stdout) as Obj;
    expect(obj.kind).toBe('SealedSecret');
    expect(obj.metadata.name).toBe('j');

    const two = { apiVersion: 'v1', kind: 'List', items: [one, { ...one, metadata: { name: 'j2', namespace: 'prod' } }] };
    const several = await run(['seal', '--cert', k.pub, '--output', 'json'], { input: JSON.stringify(two) });
    expectOk(several);
    const list = JSON.parse(several.stdout) as Obj;
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items.map((i: Obj) => i.metadata.name)).toEqual(['j', 'j2']);
    // The JSON output is itself valid unseal input.
    const secrets = await unseal(several.stdout);
    expect(secrets.map((s) => decode(s.data).k)).toEqual(['v', 'v']);
  });

  it('rejects an unknown -o format as a usage error', async () => {
    expectError(await run(['seal', '--cert', k.pub, '-o', 'xml'], { input: kubectlSecretYaml({ namespace: 'p' }) }), 2, /xml/);
  });
});

describe('seal: scopes', () => {
  const moved = (text: string, from: string, to: string) => text.replace(new RegExp(`namespace: ${from}\\b`), `namespace: ${to}`);

  it('strict (default) binds namespace and name: a copy in another namespace fails with a scope mismatch', async () => {
    const result = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(result);
    expect((parse(result.stdout) as Obj).metadata.annotations['sealkit.dev/scope']).toBe('strict');
    const failed = await run(['unseal', '--key', k.key], { input: moved(result.stdout, 'prod', 'staging') });
    const line = expectError(failed, 1, /scope mismatch/);
    expect(line).toContain('staging/db');
    expect(line).not.toContain('hunter2');
    const renamed = await run(['unseal', '--key', k.key], { input: result.stdout.replace('name: db', 'name: db2') });
    expectError(renamed, 1, /scope mismatch/);
  });

  it.each([['namespace'], ['namespace-wide']])('--scope %s survives a rename, not a namespace move', async (scope) => {
    const result = await run(['seal', '--cert', k.pub, '--scope', scope], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(result);
    expect((parse(result.stdout) as Obj).metadata.annotations['sealkit.dev/scope']).toBe('namespace');
    const [secret] = await unseal(result.stdout.replace('name: db', 'name: other'));
    expect(decode(secret!.data).password).toBe('hunter2-plaintext');
    expectError(await run(['unseal', '--key', k.key], { input: moved(result.stdout, 'prod', 'dev') }), 1, /scope mismatch/);
  });

  it.each([['cluster'], ['cluster-wide']])('--scope %s opens anywhere and needs no namespace', async (scope) => {
    const result = await run(['seal', '--cert', k.pub, '--scope', scope], { input: kubectlSecretYaml() });
    expectOk(result);
    const sealedText = result.stdout.replace('name: db', 'name: db\n  namespace: elsewhere');
    const [secret] = await unseal(sealedText);
    expect(decode(secret!.data).username).toBe('admin');
  });

  it('an unknown scope is a usage error', async () => {
    expectError(await run(['seal', '--cert', k.pub, '--scope', 'global']), 2, /--scope/);
  });

  it('strict scope without a namespace anywhere is a usage error that points at -n, from a manifest as from --from-*', async () => {
    const result = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml() });
    expectError(result, 2, /no namespace.*-n NAMESPACE/);
  });
});

describe('seal: -n / --name overrides', () => {
  it('-n and --name fill in what the manifest lacks', async () => {
    const input = 'apiVersion: v1\nkind: Secret\nmetadata: {}\nstringData: {a: b}\n';
    const result = await run(['seal', '--cert', k.pub, '-n', 'prod', '--name', 'api'], { input });
    expectOk(result);
    expect((parse(result.stdout) as Obj).metadata).toMatchObject({ name: 'api', namespace: 'prod' });
  });

  it('-n equal to the manifest namespace is fine', async () => {
    expectOk(await run(['seal', '--cert', k.pub, '--namespace', 'prod'], { input: kubectlSecretYaml({ namespace: 'prod' }) }));
  });

  it('-n conflicting with the manifest namespace is a usage error', async () => {
    const result = await run(['seal', '--cert', k.pub, '-n', 'staging'], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectError(result, 2, /"staging" conflicts with the manifest's namespace "prod"/);
  });

  it('--name conflicting with the manifest name is a usage error', async () => {
    const result = await run(['seal', '--cert', k.pub, '--name', 'other'], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectError(result, 2, /--name "other" conflicts with the manifest's name "db"/);
  });

  it('--name with several Secrets is a usage error', async () => {
    const input = `${kubectlSecretYaml({ name: 'a', namespace: 'p' })}---\n${kubectlSecretYaml({ name: 'b', namespace: 'p' })}`;
    expectError(await run(['seal', '--cert', k.pub, '--name', 'a'], { input }), 2, /--name applies to one Secret/);
  });
});

describe('seal: recipients (--cert)', () => {
  it('several --cert seal to several keys; each private key opens the result alone', async () => {
    const result = await run(['seal', '--cert', k.pub, '--cert', k2.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(result);
    const info = await run(['inspect', '-o', 'json'], { input: result.stdout });
    expectOk(info);
    const report = JSON.parse(info.stdout) as Obj[];
    expect(report[0]!.values[0].keyIds.sort()).toEqual([k.id, k2.id].sort());
    expect(decode((await unseal(result.stdout, [k]))[0]!.data).password).toBe('hunter2-plaintext');
    expect(decode((await unseal(result.stdout, [k2]))[0]!.data).password).toBe('hunter2-plaintext');
  });

  it('a cert file may hold several public keys; the same key twice counts once', async () => {
    const both = join(dir, 'both.pub');
    await writeFile(both, (await readText(k.pub)) + (await readText(k2.pub)));
    const result = await run(['seal', '--cert', both, '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(result);
    const info = JSON.parse((await run(['inspect', '-o', 'json'], { input: result.stdout })).stdout) as Obj[];
    expect(info[0]!.values[0].keyIds.sort()).toEqual([k.id, k2.id].sort());
  });

  it('without --cert and without any cluster configured: a usage error saying --cert is required', async () => {
    const noCluster = { KUBECONFIG: '', HOME: dir, KUBERNETES_SERVICE_HOST: '' };
    expectError(await run(['seal'], { input: kubectlSecretYaml({ namespace: 'prod' }), env: noCluster }), 2, /--cert is required/);
  });

  it('refuses a private key as --cert without printing any of it', async () => {
    const result = await run(['seal', '--cert', k.key], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const line = expectError(result, 1, /this is a private key; it must stay in the cluster.*pass the public key,? \(?sealkit\.pub/);
    const body = (await readText(k.key)).split('\n')[1] as string;
    expect(line).not.toContain(body.slice(0, 20));
  });

  it('refuses an RSA public key, a certificate-less garbage file and a missing file', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = join(dir, 'rsa.pub');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    expectError(await run(['seal', '--cert', rsa], { input: kubectlSecretYaml({ namespace: 'p' }) }), 1, /X25519/);
    const garbage = join(dir, 'garbage.pub');
    await writeFile(garbage, 'not a pem\n');
    expectError(await run(['seal', '--cert', garbage], { input: kubectlSecretYaml({ namespace: 'p' }) }), 1, /--cert .*garbage\.pub/);
    expectError(await run(['seal', '--cert', join(dir, 'missing.pub')], { input: kubectlSecretYaml({ namespace: 'p' }) }), 1, /missing\.pub: cannot read: no such file/);
  });
});

describe('seal: -w (atomic output file)', () => {
  it('writes the file and nothing to stdout', async () => {
    const out = join(dir, 'w-ok', 'db.sealed.yaml');
    await mkdir(join(dir, 'w-ok'));
    const result = await run(['seal', '--cert', k.pub, '-w', out], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    expectOk(result);
    expect(result.stdout).toBe('');
    expect((parse(await readText(out)) as Obj).kind).toBe('SealedSecret');
    expect(await listDir(join(dir, 'w-ok'))).toEqual(['db.sealed.yaml']);
  });

  it('on failure leaves a pre-existing file untouched and creates no file', async () => {
    const sub = join(dir, 'w-fail');
    await mkdir(sub);
    const existing = join(sub, 'existing.yaml');
    await writeFile(existing, 'previous content\n');
    const bad = `${kubectlSecretYaml({ name: 'good', namespace: 'prod' })}---\napiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: prod}\ndata: {k: "!!notbase64"}\n`;
    expectError(await run(['seal', '--cert', k.pub, '-w', existing], { input: bad }), 1, /data\.k/);
    expect(await readText(existing)).toBe('previous content\n');
    expectError(await run(['seal', '--cert', k.pub, '-w', join(sub, 'new.yaml')], { input: bad }), 1);
    expect(await listDir(sub)).toEqual(['existing.yaml']);
  });

  it('a -w path in a missing directory is an error, and nothing is created', async () => {
    const result = await run(['seal', '--cert', k.pub, '-w', join(dir, 'nope', 'x.yaml')], { input: kubectlSecretYaml({ namespace: 'p' }) });
    expectError(result, 1, /cannot write .*nope.*no such file or directory/);
  });
});

describe('seal NAME --from-*: building the Secret', () => {
  it('--from-literal builds and seals (sorted keys, --type kept)', async () => {
    const result = await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'user=admin', '--from-literal', 'password=a=b=c', '--type', 'kubernetes.io/basic-auth']);
    expectOk(result);
    const sealed = parse(result.stdout) as Obj;
    expect(sealed.metadata).toMatchObject({ name: 'db', namespace: 'prod' });
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['password', 'user']);
    expect(sealed.spec.template.type).toBe('kubernetes.io/basic-auth');
    const [secret] = await unseal(result.stdout);
    expect(decode(secret!.data)).toEqual({ password: 'a=b=c', user: 'admin' });
  });

  it('--from-file: key defaults to the basename; KEY=path renames; a directory adds each file', async () => {
    const files = join(dir, 'files');
    await mkdir(join(files, 'certs', 'sub'), { recursive: true });
    await writeFile(join(files, 'token.txt'), 'tok\n');
    await writeFile(join(files, 'bin'), Buffer.from([0, 255, 1, 2]));
    await writeFile(join(files, 'certs', 'ca.crt'), 'CA');
    await writeFile(join(files, 'certs', 'tls.key'), 'KEY');
    const result = await run(['seal', 'app', '-n', 'prod', '--cert', k.pub,
      '--from-file', join(files, 'token.txt'), '--from-file', `blob=${join(files, 'bin')}`, '--from-file', join(files, 'certs')]);
    expectOk(result);
    const [secret] = await unseal(result.stdout);
    expect(Object.keys(secret!.data)).toEqual(['blob', 'ca.crt', 'tls.key', 'token.txt']);
    expect(secret!.data.blob).toBe(Buffer.from([0, 255, 1, 2]).toString('base64'));
    expect(decode(secret!.data)['token.txt']).toBe('tok\n');
  });

  it('--from-env-file: KEY=VALUE lines, comments and blanks skipped, values verbatim', async () => {
    const env = join(dir, 'app.env');
    await writeFile(env, '# database\nDB_USER=admin\n\n  DB_PASS=p@ss=word\r\nQUOTED="kept quotes"\nEMPTY=\n');
    const result = await run(['seal', 'app', '-n', 'prod', '--cert', k.pub, '--from-env-file', env]);
    expectOk(result);
    const [secret] = await unseal(result.stdout);
    expect(decode(secret!.data)).toEqual({ DB_PASS: 'p@ss=word', DB_USER: 'admin', EMPTY: '', QUOTED: '"kept quotes"' });
  });

  it('a key given twice (across sources) is an error', async () => {
    const env = join(dir, 'dup.env');
    await writeFile(env, 'password=from-env\n');
    const result = await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'password=from-literal', '--from-env-file', env]);
    const line = expectError(result, 2, /key "password" is given more than once/);
    expect(line).not.toContain('from-literal=');
    expect(line).not.toContain('from-env\'');
  });

  it('a duplicate key inside one env file is an error', async () => {
    const env = join(dir, 'dup2.env');
    await writeFile(env, 'A=1\nA=2\n');
    expectError(await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-env-file', env]), 2, /"A" is given more than once/);
  });

  it('a malformed env file line is reported by number, without its content', async () => {
    const env = join(dir, 'bad.env');
    await writeFile(env, 'OK=1\nthisisthesecretvalue\n');
    const line = expectError(await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-env-file', env]), 1, /line 2: expected KEY=VALUE/);
    expect(line).not.toContain('thisisthesecretvalue');
  });

  it('--from-literal without "=" does not echo the argument (it may be the secret)', async () => {
    const line = expectError(await run(['seal', 'db', '-n', 'prod', '--cert', k.pub, '--from-literal', 'SuperSecretValue']), 2, /KEY=VALUE/);
    expect(line).not.toContain('SuperSecretValue');
  });

  it('building needs a namespace for strict scope (usage error), not for cluster scope', async () => {
    expectError(await run(['seal', 'db', '--cert', k.pub, '--from-literal', 'a=b']), 2, /no namespace/);
    expectOk(await run(['seal', 'db', '--cert', k.pub, '--from-literal', 'a=b', '--scope', 'cluster']));
  });

  it('usage errors: NAME with -f, NAME without data, NAME vs --name, --from-* without a name, --type on a manifest', async () => {
    expectError(await run(['seal', 'db', '-n', 'p', '--cert', k.pub, '-f', k.pub, '--from-literal', 'a=b']), 2, /-f/);
    expectError(await run(['seal', 'db', '-n', 'p', '--cert', k.pub]), 2, /no data/);
    expectError(await run(['seal', 'db', '--name', 'other', '-n', 'p', '--cert', k.pub, '--from-literal', 'a=b']), 2, /conflicts with --name/);
    expectError(await run(['seal', '-n', 'p', '--cert', k.pub, '--from-literal', 'a=b']), 2, /a name is required/);
    expectError(await run(['seal', '--cert', k.pub, '--type', 'Opaque'], { input: kubectlSecretYaml({ namespace: 'p' }) }), 2, /--type/);
  });

  it('a missing --from-file is an operational error', async () => {
    expectError(await run(['seal', 'db', '-n', 'p', '--cert', k.pub, '--from-file', join(dir, 'absent.txt')]), 1, /--from-file .*absent\.txt: cannot read/);
  });

  it('an invalid key name is refused', async () => {
    expectError(await run(['seal', 'db', '-n', 'p', '--cert', k.pub, '--from-literal', 'bad key=v']), 2, /"bad key" is not a valid Secret key/);
  });
});

describe('seal --raw', () => {
  it('seals one value from stdin and prints only the sealed string', async () => {
    const result = await run(['seal', '--raw', '--cert', k.pub, '-n', 'prod', '--name', 'db'], { input: 'raw-plaintext' });
    expectOk(result);
    expect(result.stdout).toMatch(/^[A-Za-z0-9+/]+={0,2}\n$/);
    const info = JSON.parse((await run(['inspect', '-o', 'json'], { input: result.stdout })).stdout) as Obj[];
    expect(info[0]!.values[0]).toMatchObject({ scope: 'strict', label: 'prod/db', keyIds: [k.id] });
    // Pasted into a SealedSecret at prod/db, it opens to the exact bytes.
    const manifest = `apiVersion: sealkit.dev/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: prod}\nspec:\n  encryptedData:\n    token: ${result.stdout.trim()}\n`;
    expect(decode((await unseal(manifest))[0]!.data).token).toBe('raw-plaintext');
  });

  it('--from-file, --scope cluster (no name needed) and -w', async () => {
    const value = join(dir, 'raw.txt');
    await writeFile(value, 'file-value');
    const out = join(dir, 'raw.sealed');
    const result = await run(['seal', '--raw', '--cert', k.pub, '--scope', 'cluster', '--from-file', value, '-w', out]);
    expectOk(result);
    expect(result.stdout).toBe('');
    const manifest = `apiVersion: sealkit.dev/v1alpha1\nkind: SealedSecret\nmetadata: {name: any, namespace: where}\nspec:\n  encryptedData:\n    v: ${(await readText(out)).trim()}\n`;
    expect(decode((await unseal(manifest))[0]!.data).v).toBe('file-value');
  });

  it('usage errors: missing --name for strict, -n for namespace, -o, -f, --from-literal', async () => {
    expectError(await run(['seal', '--raw', '--cert', k.pub, '-n', 'prod'], { input: 'x' }), 2, /--name/);
    expectError(await run(['seal', '--raw', '--cert', k.pub, '--scope', 'namespace'], { input: 'x' }), 2, /-n\/--namespace/);
    expectError(await run(['seal', '--raw', '--cert', k.pub, '--scope', 'cluster', '-o', 'json'], { input: 'x' }), 2, /-o/);
    expectError(await run(['seal', '--raw', '--cert', k.pub, '--scope', 'cluster', '-f', 'x'], { input: 'x' }), 2, /-f/);
    expectError(await run(['seal', '--raw', '--cert', k.pub, '--scope', 'cluster', '--from-literal', 'a=b']), 2, /--from-literal/);
  });

  it('an empty value is refused', async () => {
    expectError(await run(['seal', '--raw', '--cert', k.pub, '--scope', 'cluster'], { input: '' }), 1, /empty/);
  });
});

describe('seal: bad input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty input', '', /input is empty/],
    ['whitespace and comments only', '\n# nothing\n---\n', /input is empty/],
    ['a ConfigMap', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: p}\ndata: {a: b}\n', /ConfigMap p\/c: kind must be "Secret"/],
    ['a Secret without a name', 'apiVersion: v1\nkind: Secret\nmetadata: {namespace: p}\nstringData: {a: b}\n', /metadata\.name is required/],
    ['invalid base64 in data', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: p}\ndata: {pw: "plain text!"}\n', /Secret p\/s: data\.pw is not valid base64/],
    ['a scalar document', 'just-a-string\n', /expected a Secret object/],
  ];
  it.each(cases)('%s: one error line, exit 1, nothing on stdout', async (_name, input, message) => {
    const line = expectError(await run(['seal', '--cert', k.pub], { input }), 1, message);
    expect(line).not.toContain('plain text!');
  });

  it('invalid YAML reports a position, never the offending text', async () => {
    const input = 'apiVersion: v1\nkind: Secret\nstringData:\n  password: "unterminated-secret-value\n';
    const line = expectError(await run(['seal', '--cert', k.pub], { input }), 1, /invalid YAML at line \d+, column \d+/);
    expect(line).not.toContain('unterminated-secret-value');
  });

  it('invalid JSON is reported without the text either', async () => {
    const line = expectError(await run(['seal', '--cert', k.pub], { input: '{"stringData": {"password": "json-secret-value"' }), 1, /invalid YAML at line/);
    expect(line).not.toContain('json-secret-value');
  });

  it('a missing -f file', async () => {
    expectError(await run(['seal', '--cert', k.pub, '-f', join(dir, 'nope.yaml')]), 1, /-f .*nope\.yaml: cannot read: no such file or directory/);
  });

  it('an unknown flag is a usage error that does not echo its value', async () => {
    const line = expectError(await run(['seal', '--cert', k.pub, '--from-literl=password=hunter2']), 2, /unknown option '--from-literl=\.\.\.'/);
    expect(line).not.toContain('hunter2');
    expect(line).toContain("--help");
  });

  it('excess arguments are a usage error that does not list them', async () => {
    const line = expectError(await run(['seal', 'db', 'hunter2-extra', '--cert', k.pub]), 2, /too many arguments/);
    expect(line).not.toContain('hunter2-extra');
  });

  it('--help shows examples and exits 0', async () => {
    const result = await run(['seal', '--help']);
    expectOk(result);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--from-env-file');
    expect(result.stdout).toContain('--merge-into');
  });
});
