// Shared helpers for the benchmarks in bench/: the Bitnami Sealed Secrets baseline and a
// small timing harness. Plain ESM, node:crypto only, so every benchmark measures its
// baseline in the same process and run as the thing it compares.
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Bitnami Sealed Secrets value format (the baseline), re-implemented with node:crypto:
//   uint16 BE len(rsaCiphertext) || rsaCiphertext || AES-256-GCM(ciphertext || tag)
// rsaCiphertext = RSA-OAEP-SHA256(random 32-byte AES key, label), AES-GCM nonce = 12 zero bytes
// (safe there only because every value has a fresh AES key). The OAEP label carries the scope:
// "namespace/name" for strict, "namespace" for namespace-wide, "" for cluster-wide.

const GCM_NONCE = Buffer.alloc(12);

/** RSA-4096 key pair as node:crypto KeyObjects (takes seconds: generate once). */
export function bitnamiGenerateKey(modulusLength = 4096) {
  return generateKeyPairSync('rsa', { modulusLength, publicExponent: 0x10001 });
}

/** Seals one value; returns base64 (as in a Bitnami SealedSecret's encryptedData). */
export function bitnamiSeal(plaintext, publicKey, label) {
  const aesKey = randomBytes(32);
  const wrapped = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    aesKey,
  );
  const cipher = createCipheriv('aes-256-gcm', aesKey, GCM_NONCE);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(wrapped.length);
  return Buffer.concat([length, wrapped, body]).toString('base64');
}

/** Opens a value sealed by bitnamiSeal; throws if it does not authenticate. */
export function bitnamiOpen(sealed, privateKey, label) {
  const bytes = Buffer.from(sealed, 'base64');
  const length = bytes.readUInt16BE(0);
  const wrapped = bytes.subarray(2, 2 + length);
  const body = bytes.subarray(2 + length);
  const aesKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    wrapped,
  );
  const decipher = createDecipheriv('aes-256-gcm', aesKey, GCM_NONCE);
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** Seals every value of a Secret in the Bitnami format (strict scope): key -> base64. */
export function bitnamiSealValues(values, publicKey, namespace, name) {
  const out = {};
  for (const key of Object.keys(values).sort()) out[key] = bitnamiSeal(values[key], publicKey, `${namespace}/${name}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Timing

/** Runs `batch` (which does `opsPerBatch` operations) for at least `minMs`; returns µs per operation. */
function timeBatch(batch, opsPerBatch, minMs) {
  let ops = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    batch();
    ops += opsPerBatch;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (elapsed * 1000) / ops;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Times one `batch()` (doing `opsPerBatch` operations): a warm-up, then `rounds` rounds of at
 * least `minMs` each. Returns the median microseconds per operation.
 */
export function measure(batch, { opsPerBatch = 1, rounds = 5, minMs = 150, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) batch();
  return median(Array.from({ length: rounds }, () => timeBatch(batch, opsPerBatch, minMs)));
}

/**
 * Times several benchmarks interleaved: every round runs each of them once (at least `minMs`),
 * so a change in machine load (other processes sharing the CPUs) hits all of them alike.
 * Returns per benchmark { us: median µs/op, rounds: [µs/op per round] }; compare two of them
 * with ratio(), the median of the per-round ratios, which is far steadier than a ratio of medians.
 *
 *   const r = measureInterleaved({ ours: { batch, opsPerBatch }, theirs: { batch } }, { rounds: 7 });
 *   ratio(r.theirs, r.ours)
 */
export function measureInterleaved(benchmarks, { rounds = 7, minMs = 100, warmup = 1 } = {}) {
  const names = Object.keys(benchmarks);
  for (const name of names) for (let i = 0; i < warmup; i++) benchmarks[name].batch();
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const { batch, opsPerBatch = 1, minMs: own } = benchmarks[name];
      results[name].push(timeBatch(batch, opsPerBatch, own ?? minMs));
    }
  }
  return Object.fromEntries(names.map((name) => [name, { us: median(results[name]), rounds: results[name] }]));
}

/** Median over rounds of a.rounds[i] / b.rounds[i] (results of the same measureInterleaved call). */
export function ratio(a, b) {
  return median(a.rounds.map((value, i) => value / b.rounds[i]));
}

/** Random printable passwords of `length` characters, as bytes. */
export function randomPasswords(count, length = 24) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from({ length: count }, () => {
    const raw = randomBytes(length);
    return new TextEncoder().encode(Array.from(raw, (b) => alphabet[b & 63]).join(''));
  });
}

/** Formats rows [label, number, ...] as an aligned text table. */
export function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export const fmt = {
  us: (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)),
  ratio: (n) => `${n >= 100 ? n.toFixed(0) : n.toFixed(2)}x`,
};
