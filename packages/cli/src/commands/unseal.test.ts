import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { b64, expectError, expectOk, keygen, kubectlSecretYaml, listDir, readText, removeDir, run, tempDir, type TestKey } from '../../test/run.js';

let dir: string;
let k: TestKey;
let k2: TestKey;
let sealedDb: string; // prod/db sealed to k: password=hunter2-plaintext, username=admin

type Obj = Record<string, any>;

beforeAll(async () => {
  dir = await tempDir();
  [k, k2] = await Promise.all([keygen(join(dir, 'k')), keygen(join(dir, 'k2'))]);
  const result = await run(['seal', '--cert', k.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
  expectOk(result);
  sealedDb = result.stdout;
});
afterAll(() => removeDir(dir));

describe('unseal', () => {
  it('recovers the Secret (YAML) with the private key', async () => {
    const result = await run(['unseal', '--key', k.key], { input: sealedDb });
    expectOk(result);
    const secret = parse(result.stdout) as Obj;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'prod' } });
    expect(secret.data).toEqual({ password: b64('hunter2-plaintext'), username: b64('admin') });
  });

  it('-o json, and -f FILE', async () => {
    const file = join(dir, 'db.sealed.yaml');
    await writeFile(file, sealedDb);
    const result = await run(['unseal', '--key', k.key, '-f', file, '-o', 'json']);
    expectOk(result);
    expect((JSON.parse(result.stdout) as Obj).data.username).toBe(b64('admin'));
  });

  it('several documents give several Secrets', async () => {
    const other = await run(['seal', 'api', '-n', 'prod', '--cert', k.pub, '--from-literal', 'token=t']);
    const result = await run(['unseal', '--key', k.key], { input: `${sealedDb}---\n${other.stdout}` });
    expectOk(result);
    expect(parseAllDocuments(result.stdout).map((d) => (d.toJS() as Obj).metadata.name)).toEqual(['db', 'api']);
  });

  it('-w writes the plaintext Secret atomically with mode 0600 (whatever the umask)', async () => {
    const out = join(dir, 'recovered.yaml');
    const result = await run(['unseal', '--key', k.key, '-w', out], { input: sealedDb, umask000: true });
    expectOk(result);
    expect(result.stdout).toBe('');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect((parse(await readText(out)) as Obj).data.password).toBe(b64('hunter2-plaintext'));
  });

  it('tries every --key: a value sealed to k2 opens with --key k --key k2', async () => {
    const sealed = await run(['seal', '--cert', k2.pub], { input: kubectlSecretYaml({ namespace: 'prod' }) });
    const result = await run(['unseal', '--key', k.key, '--key', k2.key], { input: sealed.stdout });
    expectOk(result);
    expect((parse(result.stdout) as Obj).data.username).toBe(b64('admin'));
  });

  it('the wrong key: names the object, the key and the key id needed, never the value', async () => {
    const line = expectError(await run(['unseal', '--key', k2.key], { input: sealedDb }), 1, /SealedSecret prod\/db: spec\.encryptedData\.password: no private key/);
    expect(line).toContain(k.id);
    expect(line).not.toContain('hunter2');
  });

  it('a copy moved to another namespace fails with a scope mismatch, and nothing is printed', async () => {
    const moved = sealedDb.replace('namespace: prod', 'namespace: staging');
    const line = expectError(await run(['unseal', '--key', k.key], { input: `${sealedDb}---\n${moved}` }), 1, /SealedSecret staging\/db: spec\.encryptedData\.password: scope mismatch/);
    expect(line).not.toContain('hunter2');
  });

  it('a tampered value fails authentication; -w then creates no file', async () => {
    const sealed = parse(sealedDb) as Obj;
    const bytes = Buffer.from(sealed.spec.encryptedData.username as string, 'base64');
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 1;
    const tampered = sealedDb.replace(sealed.spec.encryptedData.username, bytes.toString('base64'));
    const sub = join(dir, 'tamper');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    const line = expectError(await run(['unseal', '--key', k.key, '-w', join(sub, 'out.yaml')], { input: tampered }), 1, /spec\.encryptedData\.username: .*authentication/);
    expect(line).not.toContain('admin');
    expect(await listDir(sub)).toEqual([]);
  });

  it('a value that is not base64 / truncated is a one-line error naming the key', async () => {
    const broken = sealedDb.replace(/(    username: )\S+/, '$1AQEAB3Byb2Q=');
    expectError(await run(['unseal', '--key', k.key], { input: broken }), 1, /SealedSecret prod\/db: spec\.encryptedData\.username: .*truncated/);
  });

  it('--key is required (usage error); a public key as --key is refused', async () => {
    expectError(await run(['unseal'], { input: sealedDb }), 2, /--key is required/);
    expectError(await run(['unseal', '--key', k.pub], { input: sealedDb }), 1, /this is a public key/);
    expectError(await run(['unseal', '--key', join(dir, 'none.key')], { input: sealedDb }), 1, /none\.key: cannot read/);
  });

  it('refuses a Secret (not a SealedSecret) and empty input', async () => {
    expectError(await run(['unseal', '--key', k.key], { input: kubectlSecretYaml({ namespace: 'p' }) }), 1, /kind must be "SealedSecret"/);
    expectError(await run(['unseal', '--key', k.key], { input: '' }), 1, /input is empty/);
  });
});
