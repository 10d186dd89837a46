// The throughput part of bench/cli.mjs: `sealkit unseal` run as a user runs it (one process over a multi-document
// YAML file of 5,000 values, so process start, YAML parsing and output count), against the
// Bitnami Sealed Secrets baseline measured in this same run: RSA-4096-OAEP-SHA256 unwrap +
// AES-256-GCM decrypt per value with node:crypto (bench/lib.mjs). Prints µs/value and the
// ratio; goal: the sealkit CLI costs at most 1/50 of the baseline per value. Measured for Secrets of
// 3 values (the goal), 1 and 10, with the floor any unseal CLI on this Node has: Node's start plus one
// X25519 per Secret.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/cli.mjs [--quick]   (runs it after the kubeseal table)
import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bitnamiGenerateKey, bitnamiOpen, bitnamiSeal, fmt, measure, randomPasswords, table } from './lib.mjs';

const GOAL = 50;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages', 'cli', 'bin', 'sealkit.js');

function sealkit(args, { stdout = 'pipe' } = {}) {
  const fd = stdout === 'null' ? openSync(devNull, 'w') : undefined;
  const start = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], {
    stdio: ['ignore', fd ?? 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (fd !== undefined) closeSync(fd);
  if (result.status !== 0) throw new Error(`sealkit ${args[0]} failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Fixtures: kubectl-style Secrets of `perSecret` values each, across 20 namespaces, as one YAML file. */
function secretsFile(passwords, perSecret) {
  const secrets = [];
  for (let i = 0; i * perSecret < passwords.length; i++) {
    const data = {};
    for (let j = 0; j < perSecret && i * perSecret + j < passwords.length; j++) data[`key-${j}`] = passwords[i * perSecret + j];
    secrets.push({ namespace: `team-${i % 20}`, name: `app-${i}`, data });
  }
  const yaml = secrets
    .map((s) => [
      'apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${s.name}`, `  namespace: ${s.namespace}`, 'type: Opaque', 'data:',
      ...Object.entries(s.data).map(([k, v]) => `  ${k}: ${Buffer.from(v).toString('base64')}`),
    ].join('\n'))
    .join('\n---\n');
  return { secrets, yaml: `${yaml}\n` };
}

/** Seals the file, checks every value comes back, then times `sealkit unseal` over it (median of `runs`). */
function measureShape(dir, keys, passwords, perSecret, runs) {
  const { secrets, yaml } = secretsFile(passwords, perSecret);
  const plain = join(dir, `secrets-${perSecret}.yaml`);
  const sealed = join(dir, `sealed-${perSecret}.yaml`);
  writeFileSync(plain, yaml);
  const seal = sealkit(['seal', '--cert', keys.pub, '-f', plain, '-w', sealed]);

  // correctness first: every value comes back
  const check = JSON.parse(sealkit(['unseal', '--key', keys.key, '-f', sealed, '-o', 'json']).stdout);
  const items = check.items ?? [check];
  const opened = items.reduce((n, s) => n + Object.keys(s.data).length, 0);
  if (items.length !== secrets.length || opened !== passwords.length) throw new Error(`unseal returned ${items.length} Secrets / ${opened} values`);
  for (const [i, s] of [[0, secrets[0]], [secrets.length - 1, secrets.at(-1)]]) {
    for (const [k, v] of Object.entries(s.data)) {
      if (Buffer.from(items[i].data[k], 'base64').compare(Buffer.from(v)) !== 0) throw new Error(`value ${s.name}/${k} differs`);
    }
  }
  // the whole file, one process per run, output to /dev/null
  const times = [];
  for (let r = 0; r < runs; r++) times.push(sealkit(['unseal', '--key', keys.key, '-f', sealed], { stdout: 'null' }).ms);
  return { perSecret, secrets: secrets.length, cliUs: (median(times) * 1000) / passwords.length, sealUs: (seal.ms * 1000) / passwords.length };
}

/** Median wall time of a child process, in ms. */
function spawnMs(argv, runs) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, argv, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status})`);
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * The least any unseal CLI on this Node can cost per Secret, whatever its code: one X25519 per
 * Secret through node:crypto (importing the Secret's ephemeral public key, then diffieHellman).
 */
function x25519PerSecretUs() {
  const { privateKey } = generateKeyPairSync('x25519');
  const ephemeral = Array.from({ length: 256 }, () => generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return measure(() => {
    for (const raw of ephemeral) diffieHellman({ privateKey, publicKey: importRawX25519(raw) });
  }, { opsPerBatch: ephemeral.length, rounds: 5, minMs: 100 });
}
const importRawX25519 = (() => {
  try {
    createPublicKey({ key: Buffer.alloc(32, 9), format: 'raw-public', asymmetricKeyType: 'x25519' });
    return (raw) => createPublicKey({ key: raw, format: 'raw-public', asymmetricKeyType: 'x25519' });
  } catch {
    const spki = Buffer.from('302a300506032b656e032100', 'hex');
    return (raw) => createPublicKey({ key: Buffer.concat([spki, raw]), format: 'der', type: 'spki' });
  }
})();

/**
 * `shapes`: values per Secret to measure; the goal is judged on the first one (3, as in the
 * controller benchmark); the others show how the cost moves with the shape of the input.
 */
export function runCliBench({ values = 5000, shapes = [3, 1, 10], runs = 5, baselineSample = 200, log = console.log } = {}) {
  if (!existsSync(join(root, 'packages', 'cli', 'dist', 'bundle', 'sealkit.cjs'))) {
    throw new Error('packages/cli is not built: run `npx -y pnpm@10.34.8 build` first');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-bench-cli-'));
  try {
    sealkit(['keygen', '--out', join(dir, 'keys')]);
    const keys = { pub: join(dir, 'keys', 'sealkit.pub'), key: join(dir, 'keys', 'sealkit.key') };
    const passwords = randomPasswords(values, 24);
    const results = shapes.map((perSecret) => measureShape(dir, keys, passwords, perSecret, runs));

    // The fixed parts: starting Node with nothing to do, and starting the CLI with nothing to do.
    const nodeStartMs = spawnMs(['-e', '0'], runs * 2);
    const cliStartMs = spawnMs([bin, '--version'], runs * 2);
    const x25519Us = x25519PerSecretUs();

    // --- baseline: Bitnami format, RSA-4096 unwrap + AES-GCM per value, in-process ------------
    const rsa = bitnamiGenerateKey(4096);
    const sample = Array.from({ length: baselineSample }, (_, i) => {
      const label = `team-${i % 20}/app-${i}`;
      return { label, sealed: bitnamiSeal(passwords[i], rsa.publicKey, label) };
    });
    const baselineUs = measure(() => {
      for (const v of sample) bitnamiOpen(v.sealed, rsa.privateKey, v.label);
    }, { opsPerBatch: sample.length, rounds: 3, minMs: 0 });

    log(`sealkit CLI benchmark: ${values} values per file, multi-document YAML, one \`sealkit unseal\` process per run, median of ${runs} runs`);
    log(`Bitnami baseline: RSA-4096-OAEP-SHA256 + AES-256-GCM per value, node:crypto, in-process (${baselineSample} values): ${fmt.us(baselineUs)} µs/value`);
    log(`fixed costs per run: node start ${nodeStartMs.toFixed(1)} ms, node start + CLI load ${cliStartMs.toFixed(1)} ms; one X25519 (import + derive, node:crypto) ${fmt.us(x25519Us)} µs per Secret`);
    const rows = results.map((r) => {
      // The floor no unseal CLI on this Node gets under: start Node, one X25519 per Secret.
      const floorUs = (nodeStartMs * 1000) / values + (x25519Us * r.secrets) / values;
      return [
        `${r.perSecret} value${r.perSecret === 1 ? '' : 's'}/Secret (${r.secrets} Secrets)`,
        fmt.us(r.cliUs),
        fmt.us((cliStartMs * 1000) / values),
        fmt.ratio(baselineUs / r.cliUs),
        fmt.us(floorUs),
        fmt.ratio(baselineUs / floorUs),
        fmt.us(r.sealUs),
      ];
    });
    log(table(['input', 'unseal µs/value', 'of which start+load', 'baseline/unseal', 'floor µs/value', 'baseline/floor', 'seal µs/value'], rows));
    log('floor = node start + one X25519 per Secret, spread over the values: what any unseal CLI on this Node costs before it parses or decrypts anything.');
    const [first] = results;
    const ratio = baselineUs / first.cliUs;
    log(`ratio baseline / sealkit CLI unseal (${first.perSecret} values/Secret): ${fmt.ratio(ratio)} (goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
    return { baselineUs, cliUs: first.cliUs, ratio, goalMet: ratio >= GOAL, shapes: results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

