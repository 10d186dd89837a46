// CLI benchmark: `sealkit unseal` run as a user runs it (one process over a multi-document
// YAML file of 5,000 values, so process start, YAML parsing and output count), against the
// Bitnami Sealed Secrets baseline measured in this same run: RSA-4096-OAEP-SHA256 unwrap +
// AES-256-GCM decrypt per value with node:crypto (bench/lib.mjs). Prints µs/value and the
// ratio; goal: the sealkit CLI costs at most 1/50 of the baseline per value.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/cli.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export function runCliBench({ values = 5000, perSecret = 3, runs = 5, baselineSample = 200, log = console.log } = {}) {
  if (!existsSync(join(root, 'packages', 'cli', 'dist', 'main.js'))) {
    throw new Error('packages/cli is not built: run `npx -y pnpm@10.34.8 build` first');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-bench-cli-'));
  try {
    // --- fixtures: kubectl-style Secrets, 3 values each, across 20 namespaces ------------------
    const passwords = randomPasswords(values, 24);
    const secrets = [];
    for (let i = 0; i * perSecret < values; i++) {
      const data = {};
      for (let j = 0; j < perSecret && i * perSecret + j < values; j++) data[`key-${j}`] = passwords[i * perSecret + j];
      secrets.push({ namespace: `team-${i % 20}`, name: `app-${i}`, data });
    }
    const input = secrets
      .map((s) => [
        'apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${s.name}`, `  namespace: ${s.namespace}`, 'type: Opaque', 'data:',
        ...Object.entries(s.data).map(([k, v]) => `  ${k}: ${Buffer.from(v).toString('base64')}`),
      ].join('\n'))
      .join('\n---\n');
    writeFileSync(join(dir, 'secrets.yaml'), `${input}\n`);
    sealkit(['keygen', '--out', join(dir, 'keys')]);
    const key = join(dir, 'keys', 'sealkit.key');

    const seal = sealkit(['seal', '--cert', join(dir, 'keys', 'sealkit.pub'), '-f', join(dir, 'secrets.yaml'), '-w', join(dir, 'sealed.yaml')]);

    // --- correctness first: every value comes back --------------------------------------------
    const check = JSON.parse(sealkit(['unseal', '--key', key, '-f', join(dir, 'sealed.yaml'), '-o', 'json']).stdout);
    const items = check.items ?? [check];
    const opened = items.reduce((n, s) => n + Object.keys(s.data).length, 0);
    if (items.length !== secrets.length || opened !== values) throw new Error(`unseal returned ${items.length} Secrets / ${opened} values`);
    for (const [i, s] of [[0, secrets[0]], [secrets.length - 1, secrets.at(-1)]]) {
      for (const [k, v] of Object.entries(s.data)) {
        if (Buffer.from(items[i].data[k], 'base64').compare(Buffer.from(v)) !== 0) throw new Error(`value ${s.name}/${k} differs`);
      }
    }

    // --- sealkit CLI unseal: the whole file, one process per run, output to /dev/null ---------
    const times = [];
    for (let r = 0; r < runs; r++) times.push(sealkit(['unseal', '--key', key, '-f', join(dir, 'sealed.yaml')], { stdout: 'null' }).ms);
    const cliUs = (median(times) * 1000) / values;
    // The fixed part of that: starting Node and loading the CLI, with nothing to do.
    const idle = [];
    for (let r = 0; r < runs; r++) idle.push(sealkit(['--version'], { stdout: 'null' }).ms);

    // --- baseline: Bitnami format, RSA-4096 unwrap + AES-GCM per value, in-process ------------
    const rsa = bitnamiGenerateKey(4096);
    const sample = Array.from({ length: baselineSample }, (_, i) => {
      const s = secrets[i % secrets.length];
      const label = `${s.namespace}/${s.name}`;
      return { label, sealed: bitnamiSeal(passwords[i], rsa.publicKey, label) };
    });
    const baselineUs = measure(() => {
      for (const v of sample) bitnamiOpen(v.sealed, rsa.privateKey, v.label);
    }, { opsPerBatch: sample.length, rounds: 3, minMs: 0 });

    const ratio = baselineUs / cliUs;
    log(`sealkit CLI benchmark: ${values} values (${secrets.length} Secrets x ${perSecret}), multi-document YAML, median of ${runs} runs`);
    log(table(['', 'µs/value'], [
      [`Bitnami baseline: RSA-4096-OAEP-SHA256 + AES-256-GCM, node:crypto, in-process (${baselineSample} values)`, fmt.us(baselineUs)],
      ['sealkit unseal CLI: one process over the file (start + YAML + crypto + output)', fmt.us(cliUs)],
      ['  of which: node start + CLI load (sealkit --version), spread over the file', fmt.us((median(idle) * 1000) / values)],
      ['sealkit seal CLI (for reference, one run)', fmt.us((seal.ms * 1000) / values)],
    ]));
    log(`ratio baseline / sealkit CLI unseal: ${fmt.ratio(ratio)} (goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
    return { baselineUs, cliUs, ratio, goalMet: ratio >= GOAL };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  runCliBench(quick ? { values: 1500, runs: 3, baselineSample: 60 } : {});
}
