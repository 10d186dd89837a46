// Core benchmark: sealkit seal/unseal per value against the Bitnami Sealed Secrets format
// (RSA-4096-OAEP + AES-256-GCM, node:crypto) and against one raw X25519, all measured in
// this run. Prints µs/op and ratios; never fails on absolute times.
//
//   npx -y pnpm@10.34.8 build && node_modules/.bin/node bench/core.mjs [--quick]
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Keyring, Unsealer, generateKeyPair, sealValue, sealValues } from '@sealkit/core';
import { bitnamiGenerateKey, bitnamiOpen, bitnamiSeal, fmt, measureInterleaved, randomPasswords, ratio, table } from './lib.mjs';

const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function runCoreBench({ secrets = 200, valuesPerSecret = 3, valueLength = 24, quick = false, log = console.log } = {}) {
  const timing = quick ? { rounds: 3, minMs: 50 } : { rounds: 9, minMs: 100 };
  const started = performance.now();

  // --- fixtures ---------------------------------------------------------------------------
  const cluster = generateKeyPair();
  const keyring = new Keyring([cluster]);
  const seal = { recipients: [cluster.publicKey], scope: 'strict', namespace: 'bench' };
  const passwords = randomPasswords(secrets * valuesPerSecret, valueLength);
  const secretValues = Array.from({ length: secrets }, (_, s) =>
    Object.fromEntries(Array.from({ length: valuesPerSecret }, (_, v) => [`key${v}`, passwords[s * valuesPerSecret + v]])),
  );
  const where = secretValues.map((_, s) => ({ namespace: 'bench', name: `secret-${s}` }));
  const totalValues = secrets * valuesPerSecret;

  const keygenStart = performance.now();
  const rsa = bitnamiGenerateKey(4096);
  const rsaKeygenMs = performance.now() - keygenStart;

  // Sealed once up front for the unseal measurements.
  const perSecret = secretValues.map((values, s) => sealValues(values, { ...seal, name: where[s].name }));
  const perValue = secretValues.map((values, s) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, sealValue(v, { ...seal, name: where[s].name })])),
  );
  for (let s = 0; s < secrets; s++) {
    const u = new Unsealer(keyring);
    for (const [k, v] of Object.entries(perSecret[s])) {
      if (Buffer.compare(u.open(v, where[s]), secretValues[s][k]) !== 0) throw new Error('sealkit round trip failed');
    }
  }
  const bitnamiValue = bitnamiSeal(passwords[0], rsa.publicKey, 'bench/secret-0');
  if (Buffer.compare(bitnamiOpen(bitnamiValue, rsa.privateKey, 'bench/secret-0'), passwords[0]) !== 0) throw new Error('bitnami round trip failed');

  // Raw X25519 reference: the cluster's private key against distinct ephemeral public keys.
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, cluster.secretKey]), format: 'der', type: 'pkcs8' });
  // Import from raw bytes the fastest way this Node offers ('raw-public' is new in Node 24).
  const importRaw = (() => {
    try {
      createPublicKey({ key: Buffer.alloc(32, 9), format: 'raw-public', asymmetricKeyType: 'x25519' });
      return (raw) => createPublicKey({ key: raw, format: 'raw-public', asymmetricKeyType: 'x25519' });
    } catch {
      return (raw) => createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
    }
  })();
  const ephemeralRaw = Array.from({ length: 256 }, () => Buffer.from(generateKeyPair().publicKey));
  const ephemeralObjects = ephemeralRaw.map(importRaw);

  // --- measurements -----------------------------------------------------------------------
  // Unseal: a fresh Unsealer per pass, so every Secret costs its one X25519 (no cache carried over).
  const unsealBatch = (sealedSecrets, locations) => ({
    opsPerBatch: sealedSecrets.reduce((n, s) => n + Object.keys(s).length, 0),
    batch: () => {
      const u = new Unsealer(keyring);
      sealedSecrets.forEach((s, index) => {
        for (const v of Object.values(s)) u.open(v, locations[index]);
      });
    },
  });
  // The same values regrouped in Secrets of 1 and of 10 (still one X25519 per Secret).
  const groups = {};
  for (const group of [1, 10]) {
    const count = Math.floor(totalValues / group);
    const sealed = Array.from({ length: count }, (_, s) =>
      sealValues(Object.fromEntries(Array.from({ length: group }, (_, v) => [`key${v}`, passwords[s * group + v]])), { ...seal, name: `group-${s}` }),
    );
    groups[group] = unsealBatch(sealed, sealed.map((_, s) => ({ namespace: 'bench', name: `group-${s}` })));
  }

  let i = 0;
  const r = measureInterleaved(
    {
      sealPerSecret: {
        opsPerBatch: valuesPerSecret,
        batch: () => {
          const s = i++ % secrets;
          sealValues(secretValues[s], { ...seal, name: where[s].name });
        },
      },
      sealPerValue: {
        batch: () => {
          const s = i++ % secrets;
          sealValue(secretValues[s].key0, { ...seal, name: where[s].name });
        },
      },
      unsealPerSecret: unsealBatch(perSecret, where),
      unsealPerValue: unsealBatch(perValue, where),
      unsealGroup1: groups[1],
      unsealGroup10: groups[10],
      x25519: {
        opsPerBatch: ephemeralObjects.length,
        batch: () => {
          for (const publicKey of ephemeralObjects) diffieHellman({ privateKey, publicKey });
        },
      },
      x25519Import: {
        opsPerBatch: ephemeralRaw.length,
        batch: () => {
          for (const raw of ephemeralRaw) diffieHellman({ privateKey, publicKey: importRaw(raw) });
        },
      },
      bitnamiSeal: { batch: () => bitnamiSeal(passwords[i++ % totalValues], rsa.publicKey, 'bench/secret-0') },
      bitnamiUnseal: { batch: () => bitnamiOpen(bitnamiValue, rsa.privateKey, 'bench/secret-0'), minMs: 2 * timing.minMs },
    },
    timing,
  );

  // --- report -----------------------------------------------------------------------------
  const ratios = {
    unsealVsX25519: ratio(r.unsealPerSecret, r.x25519),
    bitnamiUnsealVsSealkit: ratio(r.bitnamiUnseal, r.unsealPerSecret),
    bitnamiSealVsSealkit: ratio(r.bitnamiSeal, r.sealPerSecret),
    bitnamiUnsealVsSealkit10: ratio(r.bitnamiUnseal, r.unsealGroup10),
    sealValueVsSealValues: ratio(r.unsealPerValue, r.unsealPerSecret),
  };
  log(`sealkit core benchmark: node ${process.version}, ${secrets} Secrets x ${valuesPerSecret} values of ${valueLength} bytes, strict scope, 1 recipient`);
  log(`(${timing.rounds} interleaved rounds: µs/op are medians, ratios medians of per-round ratios; RSA-4096 key generation took ${(rsaKeygenMs / 1000).toFixed(1)} s, not measured)\n`);
  log(
    table(
      ['operation', 'µs/op'],
      [
        [`sealkit seal, per value (sealValues, ${valuesPerSecret} per Secret)`, fmt.us(r.sealPerSecret.us)],
        ['sealkit seal, per value (sealValue, 1 ephemeral each)', fmt.us(r.sealPerValue.us)],
        [`sealkit unseal, per value (${valuesPerSecret} per Secret, 1 X25519 each Secret)`, fmt.us(r.unsealPerSecret.us)],
        ['sealkit unseal, per value (sealValue: 1 X25519 each)', fmt.us(r.unsealPerValue.us)],
        ['sealkit unseal, per value (Secrets of 1 value)', fmt.us(r.unsealGroup1.us)],
        ['sealkit unseal, per value (Secrets of 10 values)', fmt.us(r.unsealGroup10.us)],
        ['raw X25519: node:crypto diffieHellman', fmt.us(r.x25519.us)],
        ['raw X25519 incl. importing the raw public key', fmt.us(r.x25519Import.us)],
        ['bitnami seal, per value (RSA-4096-OAEP + AES-GCM)', fmt.us(r.bitnamiSeal.us)],
        ['bitnami unseal, per value', fmt.us(r.bitnamiUnseal.us)],
      ],
    ),
  );
  log('');
  log(
    table(
      ['ratio', 'value', 'goal'],
      [
        ['sealkit unseal per value / raw X25519', fmt.ratio(ratios.unsealVsX25519), `<= 1.5x (${ratios.unsealVsX25519 <= 1.5 ? 'met' : 'NOT met'})`],
        ['bitnami unseal / sealkit unseal', fmt.ratio(ratios.bitnamiUnsealVsSealkit), `>= 50x (${ratios.bitnamiUnsealVsSealkit >= 50 ? 'met' : 'NOT met'})`],
        ['bitnami seal / sealkit seal', fmt.ratio(ratios.bitnamiSealVsSealkit), '-'],
        ['bitnami unseal / sealkit unseal, Secrets of 10 values', fmt.ratio(ratios.bitnamiUnsealVsSealkit10), '-'],
        ['sealkit unseal: sealValue / sealValues', fmt.ratio(ratios.sealValueVsSealValues), '-'],
      ],
    ),
  );
  log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { microseconds: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.us])), ratios };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCoreBench({ quick: process.argv.includes('--quick') });
}
