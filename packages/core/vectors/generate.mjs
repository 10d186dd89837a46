// Regenerates sealed-values.json from fixed keys and fixed "randomness" (see README.md).
// Usage (from the repository root, after `pnpm build`):
//   node_modules/.bin/node packages/core/vectors/generate.mjs > packages/core/vectors/sealed-values.json
import { createHash, createHmac, diffieHellman } from 'node:crypto';
import nacl from 'tweetnacl';
import {
  Keyring,
  encodePrivateKeyPem,
  encodePublicKeyPem,
  keyId,
  keyPairFromSecretKey,
  openValue,
  sealValues,
} from '../dist/index.js';
import { derivePayloadKey, parseValue } from '../dist/format.js';
import { boxBeforeNode, privateKeyObject, spkiDer } from '../dist/x25519.js';
import { createPublicKey } from 'node:crypto';

const hex = (b) => Buffer.from(b).toString('hex');
const sha256 = (s) => createHash('sha256').update(s).digest();

/** Deterministic byte stream: SHA-512(seed || be32(counter)) blocks, concatenated. */
function stream(seed, length) {
  const out = [];
  for (let i = 0; out.length * 64 < length; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    out.push(createHash('sha512').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

const keyNames = ['cluster-a', 'cluster-b', 'recovery', 'outsider'];
const keys = Object.fromEntries(
  keyNames.map((n) => {
    const pair = keyPairFromSecretKey(sha256(`sealkit test vector key: ${n}`));
    return [n, pair];
  }),
);

const utf8 = (s) => new TextEncoder().encode(s);
const binary = Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + 250) & 0xff);

const specs = [
  {
    description: 'strict scope, one recipient, one ASCII value',
    scope: 'strict', namespace: 'prod', name: 'db', recipients: ['cluster-a'],
    values: { password: utf8('correct horse battery staple') },
  },
  {
    description: 'namespace-wide scope, one recipient, two values sharing the ephemeral key, one empty',
    scope: 'namespace', namespace: 'team-a', recipients: ['cluster-a'],
    values: { 'api-token': utf8('tok_5f1e2d3c4b5a69788796a5b4c3d2e1f0'), empty: new Uint8Array(0) },
  },
  {
    description: 'cluster-wide scope, two recipients (cluster key and recovery key), binary value',
    scope: 'cluster', recipients: ['cluster-a', 'recovery'],
    values: { 'tls.key': binary },
  },
  {
    description: 'strict scope, three recipients, three values, UTF-8 text and a long name',
    scope: 'strict', namespace: 'payments-prod', name: 'stripe.webhook-secrets.v2',
    recipients: ['cluster-a', 'cluster-b', 'recovery'],
    values: { 'DB_PASSWORD': utf8('pässwörd ✓ 🔑'), 'config.json': utf8('{"retries":3,"endpoint":"https://api.example.com"}'), z: utf8('z') },
  },
  {
    description: 'strict scope, a name with a dot-separated part longer than 63 characters (Kubernetes object names allow it)',
    scope: 'strict', namespace: 'prod', name: `${'long-part-'.repeat(8)}x.example`, recipients: ['cluster-b'],
    values: { token: utf8('a name part of 81 characters') },
  },
];

function vector(spec, index) {
  const recipients = spec.recipients.map((n) => keys[n].publicKey);
  const keyCount = Object.keys(spec.values).length;
  const need = 32 + keyCount * (32 + 24 * recipients.length + 24);
  const random = stream(`sealkit test vector randomness ${index + 1}`, need);
  let pos = 0;
  const source = (n) => {
    const out = random.subarray(pos, pos + n);
    pos += n;
    return Uint8Array.from(out);
  };
  const sealed = sealValues(spec.values, { recipients, scope: spec.scope, namespace: spec.namespace, name: spec.name, random: source });
  if (pos !== need) throw new Error('random draw count mismatch');

  // Intermediates, re-derived from the random stream in the documented draw order.
  let p = 0;
  const take = (n) => random.subarray(p, (p += n));
  const ephemeralSecretKey = take(32);
  const eKey = privateKeyObject(ephemeralSecretKey);
  const ephemeralPublicKey = keyPairFromSecretKey(ephemeralSecretKey).publicKey;
  const recipientInfo = spec.recipients.map((n) => ({
    key: n,
    keyId: keyId(keys[n].publicKey),
    x25519SharedSecret: hex(diffieHellman({ privateKey: eKey, publicKey: createPublicKey({ key: spkiDer(keys[n].publicKey), format: 'der', type: 'spki' }) })),
    boxKey: hex(boxBeforeNode(keys[n].publicKey, eKey)),
  }));
  const where = { namespace: spec.namespace ?? 'any-namespace', name: spec.name ?? 'any-name' };
  const values = Object.keys(spec.values).sort().map((k) => {
    const dataKey = take(32);
    const recipientNonces = recipients.map(() => hex(take(24)));
    const payloadNonce = take(24);
    const parsed = parseValue(sealed[k]);
    const plaintext = openValue(sealed[k], new Keyring([keys[spec.recipients[0]]]), where);
    if (hex(plaintext) !== hex(spec.values[k])) throw new Error('round trip failed');
    let text;
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(spec.values[k]); } catch { text = undefined; }
    return {
      key: k,
      plaintextHex: hex(spec.values[k]),
      ...(text !== undefined ? { plaintextUtf8: text } : {}),
      sealed: sealed[k],
      intermediate: {
        dataKey: hex(dataKey),
        recipientNonces,
        headerLength: parsed.header.length,
        payloadKey: hex(derivePayloadKey(dataKey, parsed.header)),
        payloadNonce: hex(payloadNonce),
      },
    };
  });
  return {
    description: spec.description,
    scope: spec.scope,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    recipients: spec.recipients,
    randomHex: hex(random),
    intermediate: { ephemeralSecretKey: hex(ephemeralSecretKey), ephemeralPublicKey: hex(ephemeralPublicKey), recipients: recipientInfo },
    values,
  };
}

const valid = specs.map(vector);

// Invalid inputs, derived from the valid vectors. Each must fail with the given error code.
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const bytesOf = (s) => Buffer.from(s, 'base64');
const v1 = valid[0].values[0].sealed; // strict prod/db, cluster-a
const v2 = valid[1].values[0].sealed; // namespace team-a, cluster-a
const v3 = valid[2].values[0].sealed; // cluster, cluster-a + recovery
const paddedVector = valid.find((v) => v.values.some((x) => x.sealed.endsWith('=')) && v.recipients.includes('cluster-a'));
const padded = paddedVector.values.find((x) => x.sealed.endsWith('=')).sealed;
const paddedWhere = { namespace: paddedVector.namespace ?? 'x', name: paddedVector.name ?? 'y' };
const edit = (s, f) => { const b = Buffer.from(bytesOf(s)); f(b); return b64(b); };
const relabel = (s, label) => {
  const b = bytesOf(s);
  const oldLen = b.readUInt16BE(2);
  const l = Buffer.from(label);
  const len = Buffer.alloc(2); len.writeUInt16BE(l.length);
  return b64(Buffer.concat([b.subarray(0, 2), len, l, b.subarray(4 + oldLen)]));
};
const dropSecondRecipient = (s) => {
  const b = bytesOf(s);
  const L = b.readUInt16BE(2);
  const countAt = 4 + L + 32;
  const first = countAt + 1 + 80;
  const out = Buffer.concat([b.subarray(0, first), b.subarray(first + 80)]);
  out[countAt] = 1;
  return b64(out);
};
/**
 * A cluster-wide value built by hand whose two recipient entries wrap DIFFERENT data keys (no
 * conforming sealer does this): entry 0 (cluster-a) wraps `first`, entry 1 (recovery) wraps `second`,
 * and the payload key is derived from `second`. It opens with recovery alone, and fails with both
 * keys, because the first entry that unwraps decides (docs/format.md, Opening, step 6).
 */
function twoDataKeys() {
  const r = stream('sealkit test vector two data keys', 32 + 32 + 32 + 24 * 3);
  let p = 0;
  const take = (n) => Uint8Array.from(r.subarray(p, (p += n)));
  const e = take(32);
  const E = keyPairFromSecretKey(e).publicKey;
  const first = take(32);
  const second = take(32);
  const entry = (name, dataKey) => {
    const nonce = take(24);
    const pk = keys[name].publicKey;
    return Buffer.concat([Buffer.from(keyId(pk), 'hex'), nonce, nacl.box(dataKey, nonce, pk, e)]);
  };
  const header = Buffer.concat([Buffer.from([1, 3, 0, 0]), E, Buffer.from([2]), entry('cluster-a', first), entry('recovery', second)]);
  const payloadKey = createHmac('sha256', second).update('sealkit/v1/payload-key').update(header).digest();
  const nonce = take(24);
  return b64(Buffer.concat([header, nonce, nacl.secretbox(utf8('opened through the second entry'), nonce, payloadKey)]));
}
const replaceEphemeral = (s, E) => edit(s, (b) => { const L = b.readUInt16BE(2); Buffer.from(E, 'hex').copy(b, 4 + L); });
// Small-order X25519 points: u = 0, and a point of order 8 (RFC 7748 section 6.1 tells implementations to check).
const LOW_ORDER_8 = 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800';

const invalid = [
  { description: 'strict value opened under another name', sealed: v1, keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db2' }, error: 'scope_mismatch' },
  { description: 'strict value opened in another namespace', sealed: v1, keyring: ['cluster-a'], where: { namespace: 'staging', name: 'db' }, error: 'scope_mismatch' },
  { description: 'namespace-wide value opened in another namespace', sealed: v2, keyring: ['cluster-a'], where: { namespace: 'team-b', name: 'anything' }, error: 'scope_mismatch' },
  { description: 'label rewritten to the new location (prod/db -> prod/dc) to dodge the scope check', sealed: relabel(v1, 'prod/dc'), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'dc' }, error: 'authentication_failed' },
  { description: 'scope widened from strict to cluster-wide by rewriting the header', sealed: edit(relabel(v1, ''), (b) => { b[1] = 3; }), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'authentication_failed' },
  { description: 'keyring without any of the recipient keys', sealed: v1, keyring: ['outsider', 'cluster-b'], where: { namespace: 'prod', name: 'db' }, error: 'unknown_key', keyIds: [keyId(keys['cluster-a'].publicKey)] },
  { description: 'last byte of the payload flipped', sealed: edit(v1, (b) => { b[b.length - 1] ^= 0x01; }), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'authentication_failed' },
  { description: 'a bit of the wrapped data key flipped', sealed: edit(v1, (b) => { b[4 + 7 + 32 + 1 + 8 + 24 + 5] ^= 0x80; }), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'authentication_failed' },
  { description: 'recovery recipient removed from a two-recipient value', sealed: dropSecondRecipient(v3), keyring: ['cluster-a'], where: { namespace: 'x', name: 'y' }, error: 'authentication_failed' },
  { description: 'version byte 2', sealed: edit(v1, (b) => { b[0] = 2; }), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'unknown_version' },
  { description: 'truncated inside the recipient list', sealed: b64(bytesOf(v1).subarray(0, 60)), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'truncated inside the payload tag', sealed: b64(bytesOf(v1).subarray(0, 4 + 7 + 32 + 1 + 80 + 24 + 15)), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'unknown scope code 4', sealed: edit(v1, (b) => { b[1] = 4; }), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'base64 without padding', sealed: padded.replace(/=+$/, ''), keyring: ['cluster-a'], where: paddedWhere, error: 'bad_input' },
  { description: 'URL-safe base64 alphabet', sealed: v1.replaceAll('+', '-').replaceAll('/', '_'), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'base64 with a line break', sealed: `${v1.slice(0, 76)}\n${v1.slice(76)}`, keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'base64 with a CRLF line break (Go base64.StdEncoding would skip it)', sealed: `${v1.slice(0, 76)}\r\n${v1.slice(76)}`, keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'base64 with a trailing line break', sealed: `${v1}\n`, keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'base64 with a space', sealed: `${v1.slice(0, 40)} ${v1.slice(40)}`, keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'bad_input' },
  { description: 'strict label whose namespace is 64 characters (namespaces are RFC 1123 labels: at most 63)', sealed: relabel(v1, `${'n'.repeat(64)}/db`), keyring: ['cluster-a'], where: { namespace: 'n'.repeat(64), name: 'db' }, error: 'bad_input' },
  { description: 'strict label whose name is 254 characters (object names: at most 253)', sealed: relabel(v1, `prod/${'a'.repeat(254)}`), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'a'.repeat(254) }, error: 'bad_input' },
  { description: 'ephemeral public key u = 0 (small order: the X25519 result is all zeros for every key)', sealed: replaceEphemeral(v1, '00'.repeat(32)), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'authentication_failed' },
  { description: 'ephemeral public key of order 8 (the X25519 result is all zeros for every key)', sealed: replaceEphemeral(v1, LOW_ORDER_8), keyring: ['cluster-a'], where: { namespace: 'prod', name: 'db' }, error: 'authentication_failed' },
  { description: 'two entries wrapping different data keys, both keys held: the first entry that unwraps decides (with recovery alone it opens)', sealed: twoDataKeys(), keyring: ['cluster-a', 'recovery'], where: { namespace: 'x', name: 'y' }, error: 'authentication_failed' },
];
for (const inv of invalid) {
  if (!['scope_mismatch', 'unknown_key'].includes(inv.error) && valid.some((v) => v.values.some((x) => x.sealed === inv.sealed))) throw new Error(`${inv.description}: not modified`);
}

const keyEntries = Object.fromEntries(
  keyNames.map((n) => [n, {
    secretKey: hex(keys[n].secretKey),
    publicKey: hex(keys[n].publicKey),
    keyId: keyId(keys[n].publicKey),
    publicKeyPem: encodePublicKeyPem(keys[n].publicKey),
    privateKeyPem: encodePrivateKeyPem(keys[n].secretKey),
  }]),
);

process.stdout.write(`${JSON.stringify({
  source: 'packages/core/vectors/generate.mjs; see README.md. docs/format.md describes every field.',
  formatVersion: 1,
  keys: keyEntries,
  valid,
  invalid,
}, null, 2)}\n`);
