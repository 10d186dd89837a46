// The npm packages as users get them: packed the way they are published (pnpm pack, which turns
// workspace:^ into real version ranges), checked for what they ship, installed with npm on Node 24
// into an empty directory (third-party dependencies from the registry), and run from there.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../lib/kube.js';
import { exec } from './tools.js';

/** Node 24 (the one running this test, from the `node` devDependency) first on PATH, for npm and every bin's shebang. */
const NODE24 = { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };

function run24(cmd: string, args: string[], opts: { cwd?: string; input?: string; allowFail?: boolean } = {}) {
  return exec(cmd, args, { ...opts, env: NODE24 });
}

/** Every publishable workspace package (packages/*, not private): core, cli, controller, and kube once it exists. */
const PACKAGES = readdirSync(path.join(REPO, 'packages'))
  .filter((d) => existsSync(path.join(REPO, 'packages', d, 'package.json')))
  .map((d) => ({ dir: path.join(REPO, 'packages', d), pkg: JSON.parse(readFileSync(path.join(REPO, 'packages', d, 'package.json'), 'utf8')) }))
  .filter((p) => p.pkg.private !== true);

const work = mkdtempSync(path.join(tmpdir(), 'sealkit-packages-'));
const tarballs = new Map<string, string>();
const contents = new Map<string, string[]>();
let app: string;

beforeAll(async () => {
  expect(process.versions.node.split('.')[0]).toBe('24');
  for (const { dir, pkg } of PACKAGES) {
    const out = await run24('npx', ['-y', 'pnpm@10.34.8', 'pack', '--pack-destination', work], { cwd: dir });
    const tgz = path.join(work, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(tgz)) throw new Error(`pnpm pack in ${dir} did not write ${tgz}: ${out.stdout}`);
    tarballs.set(pkg.name, tgz);
    contents.set(pkg.name, (await run24('tar', ['-tzf', tgz])).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
  }
  app = path.join(work, 'app');
  mkdirSync(app);
  const npmCli = realpathSync((await run24('bash', ['-c', 'command -v npm'])).stdout.trim());
  await run24(process.execPath, [npmCli, 'install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.values()], { cwd: app });
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('what each package ships', () => {
  it('finds the packages to publish: core, cli and controller at least', () => {
    expect(PACKAGES.map((p) => p.pkg.name)).toEqual(expect.arrayContaining(['@sealkit/core', '@sealkit/cli', '@sealkit/controller']));
  });

  it.each(PACKAGES.map((p) => [p.pkg.name, p] as const))('%s: compiled JS, declarations, README, LICENSE; no maps, build info or test helpers', (name, { dir }) => {
    const files = contents.get(name)!;
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    const unwanted = files.filter((f) => /\.map$|tsbuildinfo|(^|\/)test-(support|helpers)\.|\.test\.|^src\/|^test\//.test(f));
    expect(unwanted).toEqual([]);
    // nothing besides what runs (JS, CommonJS, declarations, bins and the bin folder's module type) and the three documents
    expect(files.filter((f) => !/^(dist\/.*\.(c?js|d\.ts)|bin\/[^/]+\.js|bin\/package\.json|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
    expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe(readFileSync(path.join(REPO, 'LICENSE'), 'utf8'));
  });

  it.each(PACKAGES.map((p) => [p.pkg.name, p] as const))('%s: registry metadata, and real version ranges for workspace dependencies', async (name) => {
    const manifest = JSON.parse((await run24('tar', ['-xzOf', tarballs.get(name)!, 'package/package.json'])).stdout);
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/), directory: expect.stringMatching(/^packages\//) });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.keywords).toEqual(expect.arrayContaining(['kubernetes', 'secrets']));
    expect(manifest.engines.node).toBe('>=24');
    expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
  });

  it('the root LICENSE is the Apache License 2.0 text', () => {
    expect(readFileSync(path.join(REPO, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });
});

describe('installed from the tarballs with npm, run from an empty directory', () => {
  const bin = (name: string) => path.join(app, 'node_modules/.bin', name);

  it('sealkit --version is the package version', async () => {
    const cliVersion = PACKAGES.find((p) => p.pkg.name === '@sealkit/cli')!.pkg.version;
    expect((await run24(bin('sealkit'), ['--version'], { cwd: app })).stdout.trim()).toBe(cliVersion);
  });

  it('sealkit keygen, seal, unseal: the Secret comes back byte for byte', async () => {
    const keygen = await run24(bin('sealkit'), ['keygen', '--out', 'keys'], { cwd: app });
    expect(keygen.stdout).toMatch(/[0-9a-f]{16}/);
    expect(statSync(path.join(app, 'keys/sealkit.key')).mode & 0o777).toBe(0o600);
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\nstringData:\n  password: hunter2-from-npm\n';
    const sealed = await run24(bin('sealkit'), ['seal', '--cert', 'keys/sealkit.pub'], { cwd: app, input: secret });
    expect(sealed.stdout).toContain('kind: SealedSecret');
    expect(sealed.stdout).not.toContain('hunter2-from-npm');
    const unsealed = await run24(bin('sealkit'), ['unseal', '--key', 'keys/sealkit.key', '-o', 'json'], { cwd: app, input: sealed.stdout });
    const s = JSON.parse(unsealed.stdout);
    expect(s).toMatchObject({ kind: 'Secret', metadata: { name: 'db', namespace: 'prod' } });
    expect(Buffer.from(s.data.password, 'base64').toString('utf8')).toBe('hunter2-from-npm');
  });

  it('sealkit-controller --help prints its flags and exits 0', async () => {
    const r = await run24(bin('sealkit-controller'), ['--help'], { cwd: app });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Usage: sealkit-controller/);
    expect(r.stdout + r.stderr).toContain('--watch-namespaces');
  });

  it('a usage error is exit 2 with one line on stderr, as from the checkout', async () => {
    const r = await run24(bin('sealkit'), ['seal', '--scope', 'nowhere', '--cert', 'keys/sealkit.pub'], { cwd: app, input: '', allowFail: true });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
