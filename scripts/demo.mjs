#!/usr/bin/env node
// sealkit demo: runs the built CLI exactly as a user would, step by step.
// Run with `pnpm demo` (builds first). Files are left in .sealkit-demo/ (gitignored) to look at.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages', 'cli', 'bin', 'sealkit.js');
const work = join(root, '.sealkit-demo');
const rel = (p) => relative(root, p) || '.';

if (!existsSync(join(root, 'packages', 'cli', 'dist', 'main.js'))) {
  console.error('demo: packages/cli is not built; run `npx -y pnpm@10.34.8 demo` (it runs tsc -b first)');
  process.exit(1);
}

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
let step = 0;
function heading(title) {
  step += 1;
  console.log(`\n${bold(`== ${step}. ${title}`)}`);
}

function fail(message) {
  console.error(`\ndemo: FAILED: ${message}`);
  process.exit(1);
}

/** Runs `sealkit ...args`, echoing the command line; returns the result. */
function sealkit(args, { input, expectCode = 0, show = true } = {}) {
  console.log(`$ sealkit ${args.join(' ')}${input === undefined ? '' : '   # (stdin from the previous step)'}`);
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, input: input ?? '', encoding: 'utf8' });
  if (result.error) fail(`could not start sealkit: ${result.error.message}`);
  if (result.status !== expectCode) {
    process.stderr.write(result.stderr);
    fail(`sealkit ${args[0]} exited ${result.status}, expected ${expectCode}`);
  }
  if (show && result.stdout) process.stdout.write(indent(result.stdout));
  return result;
}

const indent = (text) => text.replace(/^(?=.)/gm, '    ');

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const keys = join(work, 'keys');
const pub = join(keys, 'sealkit.pub');
const key = join(keys, 'sealkit.key');
const sealedFile = join(work, 'db.sealed.yaml');
const password = 'correct-horse-battery-staple';

heading('Generate a key pair (in a cluster, the controller holds the private key)');
const id = sealkit(['keygen', '--out', rel(keys)]).stdout.trim();
if (!/^[0-9a-f]{16}$/.test(id)) fail(`unexpected key id ${JSON.stringify(id)}`);
console.log(`key id ${id}; ${rel(pub)} is public (share, commit), ${rel(key)} is private (mode 0600)`);

heading('Seal a Secret built from literals: no plaintext file ever exists');
sealkit(['seal', 'db', '-n', 'prod', '--cert', rel(pub), '--from-literal', 'username=app', '--from-literal', `password=${password}`, '-w', rel(sealedFile)]);
const sealedText = readFileSync(sealedFile, 'utf8');
if (sealedText.includes(password) || sealedText.includes(Buffer.from(password).toString('base64'))) fail('the plaintext leaked into the sealed file');
console.log(`${rel(sealedFile)}: safe to commit`);
process.stdout.write(indent(sealedText));

heading('Seal kubectl output from a pipe, the kubeseal way');
const kubectlYaml = `apiVersion: v1
data:
  token: ${Buffer.from('api-token-123').toString('base64')}
kind: Secret
metadata:
  creationTimestamp: null
  name: api
  namespace: prod
`;
console.log('(kubectl create secret generic api -n prod --from-literal=token=... --dry-run=client -o yaml |)');
sealkit(['seal', '--cert', rel(pub)], { input: kubectlYaml });

heading('Inspect it without any key: format version, scope, key ids');
const table = sealkit(['inspect', '-f', rel(sealedFile)]).stdout;
if (!table.includes(id)) fail('inspect does not show the key id');

heading('Add a key in place: the other sealed values stay byte for byte (small Git diffs)');
sealkit(['seal', '--cert', rel(pub), '--from-literal', 'api-key=k-42', '--merge-into', rel(sealedFile)]);
const merged = readFileSync(sealedFile, 'utf8');
const before = new Set(sealedText.split('\n'));
for (const line of merged.split('\n')) if (!before.has(line)) console.log(`    + ${line.slice(0, 60)}...`);
const kept = sealedText.split('\n').filter((l) => !merged.split('\n').includes(l));
if (kept.length !== 0) fail(`merge changed existing lines: ${kept.length}`);
console.log('    (no other line changed)');

heading('Recover it offline with the private key (disaster recovery)');
const recovered = sealkit(['unseal', '--key', rel(key), '-f', rel(sealedFile)]).stdout;
const dataSection = recovered.slice(recovered.indexOf('\ndata:\n'));
const data = Object.fromEntries([...dataSection.matchAll(/^ {2}([\w.-]+): (\S+)$/gm)].map(([, k, v]) => [k, Buffer.from(v, 'base64').toString()]));
console.log(`decoded: ${Object.entries(data).map(([k, v]) => `${k}=${v}`).join(', ')}`);
if (data.password !== password || data.username !== 'app' || data['api-key'] !== 'k-42') fail('unsealed values do not match');

heading('A copy moved to another namespace does not open: scope mismatch');
const moved = join(work, 'moved.sealed.yaml');
writeFileSync(moved, merged.replace('namespace: prod', 'namespace: staging'));
const refused = sealkit(['unseal', '--key', rel(key), '-f', rel(moved)], { expectCode: 1 });
process.stdout.write(indent(refused.stderr));
if (!refused.stderr.includes('scope mismatch')) fail('expected a scope mismatch error');
if (refused.stdout !== '' || refused.stderr.includes(password)) fail('a failed unseal printed plaintext');

console.log(`\n${bold(`demo: all ${step} steps passed`)} (files in ${rel(work)}/)`);
