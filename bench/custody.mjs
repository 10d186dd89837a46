// Key custody benchmark: what `--key-custody vault-transit` costs at start, with 10 keys.
//
// The real sealkit-controller binary starts against a real kube-apiserver, once over 10 plaintext
// key Secrets (the baseline) and once over the same 10 keys wrapped by Vault Transit (a Kubernetes
// auth login, then 10 Transit decrypts), alternately, so machine load hits both alike. Each start
// is timed from spawn to /readyz 200 with all 10 keys loaded.
//
// Prints the median start time of each, the ratio vault-transit / plaintext (median of the
// per-round ratios) and the extra time per key.
//
//   eval "$(test/infra/up --with apiserver,vault)"
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/custody.mjs [--quick]
//
// Needs KUBECONFIG (admin), VAULT_ADDR, VAULT_TOKEN (root) and Vault's Kubernetes auth, which `up`
// configures when it starts both (SEALKIT_VAULT_K8S_AUTH_PATH).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePrivateKeyPem, encodePublicKeyPem, generateKeyPair, keyId } from '@sealkit/core';
import { fmt, table } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONTROLLER = join(root, 'packages', 'controller', 'bin', 'sealkit-controller.js');
const quick = process.argv.includes('--quick');
const KEYS = 10;
const ROUNDS = quick ? 3 : 7;

const { KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, SEALKIT_VAULT_K8S_AUTH_PATH } = process.env;
if (!KUBECONFIG || !VAULT_ADDR || !VAULT_TOKEN || !SEALKIT_VAULT_K8S_AUTH_PATH) {
  console.error('bench/custody: needs a real apiserver and Vault with Kubernetes auth: eval "$(test/infra/up --with apiserver,vault)" first (KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, SEALKIT_VAULT_K8S_AUTH_PATH)');
  process.exit(1);
}
if (!existsSync(join(root, 'packages', 'controller', 'dist', 'main.js'))) {
  console.error('bench/custody: build first: npx -y pnpm@10.34.8 build');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}: ${stderr.slice(0, 500)}`));
      else resolve(stdout);
    });
    if (input !== undefined) c.stdin.end(input);
  });
}
const kubectl = (args, input) => run('kubectl', ['--kubeconfig', KUBECONFIG, ...args], input);

async function vault(method, path, body) {
  const res = await fetch(`${VAULT_ADDR}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': VAULT_TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`vault ${method} ${path}: HTTP ${res.status}`);
}

/** Key Secrets as the plaintext custody writes them. */
function keySecrets(pairs) {
  return pairs.map((pair, i) => {
    const id = keyId(pair.publicKey);
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'sealkit.dev/x25519-key',
      metadata: {
        name: `sealkit-key-${id}`,
        labels: { 'sealkit.dev/key': 'true' },
        annotations: { 'sealkit.dev/key-id': id, 'sealkit.dev/created-at': new Date(Date.now() - (i + 1) * 60_000).toISOString() },
      },
      data: {
        'private.pem': Buffer.from(encodePrivateKeyPem(pair.secretKey)).toString('base64'),
        'public.pem': Buffer.from(encodePublicKeyPem(pair.publicKey)).toString('base64'),
      },
    };
  });
}

/** One controller start: ms from spawn to /readyz 200 with every key loaded. */
async function timedStart(ns, app, extra) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CONTROLLER, '--kubeconfig', KUBECONFIG, '--namespace', ns, '--watch-namespaces', app, '--listen', '127.0.0.1:0', '--leader-elect=false', '--key-renew-period', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('exit', r));
  let url = '';
  let loaded = 0;
  let buf = '';
  const onData = (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const o = JSON.parse(line);
        if (o.msg === 'starting' && o.listen) url = `http://${o.listen}`;
        if (o.msg === 'keys loaded') loaded = o.keys;
      } catch {
        /* not JSON */
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error('controller exited');
      if (url && loaded === KEYS) {
        const r = await fetch(`${url}/readyz`).catch(() => undefined);
        if (r?.status === 200) return performance.now() - t0;
      }
      if (performance.now() - t0 > 60_000) throw new Error(`controller not ready with ${KEYS} keys after 60 s`);
      await sleep(5);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main() {
  const sfx = randomBytes(3).toString('hex');
  const plainNs = `bench-custody-plain-${sfx}`;
  const transitNs = `bench-custody-transit-${sfx}`;
  const app = `bench-custody-app-${sfx}`;
  const mount = `transit-bench-${sfx}`;
  const role = `sealkit-bench-${sfx}`;
  const tmp = mkdtempSync(join(tmpdir(), 'sealkit-bench-custody-'));
  try {
    for (const n of [plainNs, transitNs, app]) await kubectl(['create', 'namespace', n]);
    await kubectl(['apply', '-f', join(root, 'deploy', 'crds')]);
    await kubectl(['create', 'serviceaccount', 'sealkit-controller', '-n', transitNs]);
    const tokenFile = join(tmp, 'token');
    writeFileSync(tokenFile, (await kubectl(['create', 'token', 'sealkit-controller', '-n', transitNs, '--duration', '1h'])).trim(), { mode: 0o600 });
    await vault('POST', `sys/mounts/${mount}`, { type: 'transit' });
    await vault('POST', `${mount}/keys/sealkit`, {});
    await vault('PUT', `sys/policies/acl/${role}`, { policy: `path "${mount}/encrypt/sealkit" { capabilities = ["update"] }\npath "${mount}/decrypt/sealkit" { capabilities = ["update"] }\n` });
    await vault('POST', `auth/${SEALKIT_VAULT_K8S_AUTH_PATH}/role/${role}`, { bound_service_account_names: ['sealkit-controller'], bound_service_account_namespaces: [transitNs], token_policies: [role], token_ttl: '1h' });
    const transitFlags = ['--key-custody', 'vault-transit', '--key-custody-vault-addr', VAULT_ADDR, '--key-custody-vault-role', role, '--key-custody-vault-auth-path', SEALKIT_VAULT_K8S_AUTH_PATH, '--key-custody-transit-mount', mount, '--key-custody-vault-token-file', tokenFile];

    // The same 10 keys in both namespaces; the transit copy wrapped by the migrate command.
    const secrets = keySecrets(Array.from({ length: KEYS }, () => generateKeyPair()));
    for (const n of [plainNs, transitNs]) await kubectl(['apply', '-n', n, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: secrets }));
    await run(process.execPath, [CONTROLLER, 'custody', 'migrate', '--to', 'vault-transit', '--kubeconfig', KUBECONFIG, '--namespace', transitNs, ...transitFlags]);

    // Warm-up (disk caches, the apiserver's watch cache), then alternate.
    await timedStart(plainNs, app, []);
    await timedStart(transitNs, app, transitFlags);
    const plain = [];
    const transit = [];
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await timedStart(plainNs, app, []));
      transit.push(await timedStart(transitNs, app, transitFlags));
    }
    const ratio = median(transit.map((t, i) => t / plain[i]));
    const extra = (median(transit) - median(plain)) / KEYS;
    console.log(`controller start to Ready with ${KEYS} keys, ${ROUNDS} rounds each, alternating (median):`);
    console.log(table(['custody', 'start ms', 'vs plaintext'], [
      ['plaintext (baseline)', median(plain).toFixed(0), fmt.ratio(1)],
      ['vault-transit', median(transit).toFixed(0), fmt.ratio(ratio)],
    ]));
    console.log(`unwrap cost at start: ${(extra * KEYS).toFixed(0)} ms for ${KEYS} keys (one Kubernetes auth login, ${KEYS} Transit decrypts in parallel, node-vault loaded), about ${extra.toFixed(1)} ms per key`);
  } finally {
    await kubectl(['delete', 'namespace', plainNs, transitNs, app, '--wait=false']).catch(() => undefined);
    await vault('DELETE', `sys/mounts/${mount}`).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench/custody: ${err.message}`);
  process.exit(1);
});
