/**
 * The sealed-value format, version 1. docs/format.md is normative; this is a summary.
 *
 *   header:
 *     version             1 byte   0x01
 *     scope code          1 byte   0x01 strict, 0x02 namespace, 0x03 cluster
 *     label length L      2 bytes  unsigned, big-endian
 *     label               L bytes  UTF-8: "ns/name" (strict), "ns" (namespace), "" (cluster)
 *     ephemeral key E    32 bytes  X25519 public key, shared by the values of one sealValues call
 *     recipient count N   1 byte   1..255
 *     N x recipient:
 *       key id            8 bytes  SHA-256(recipient public key)[0..8]
 *       nonce            24 bytes
 *       wrapped data key 48 bytes  crypto_box(data key, nonce, recipient, e) = Poly1305 tag || XSalsa20 ciphertext
 *   body:
 *     payload nonce      24 bytes
 *     payload         16+n bytes  crypto_secretbox(plaintext, payload nonce, payload key)
 *
 *   payload key = HMAC-SHA-256(key = data key, message = "sealkit/v1/payload-key" || header)
 *
 * Every header byte is an input of the payload key, so any edit of the header (scope, label,
 * recipients) makes the payload fail authentication even for a holder of a recipient key.
 * The whole value is base64 (standard alphabet, padded).
 */
import type { KeyObject } from 'node:crypto';
import { checkBytes, concatBytes, describeType, fromBase64Strict, setOwn, toBase64, toHex } from './bytes.js';
import { AuthenticationError, BadInputError, UnknownKeyIdError, UnknownVersionError } from './errors.js';
import { KEY_ID_LENGTH, Keyring, PUBLIC_KEY_LENGTH, keyIdBytes, privateKeyObjectOf } from './keys.js';
import { defaultRandom, draw, type RandomSource } from './random.js';
import {
  SCOPE_BY_CODE,
  SCOPE_CODES,
  SCOPES,
  checkScope,
  isNamespace,
  isObjectName,
  scopeLabel,
  type Location,
  type Scope,
} from './scope.js';
import {
  boxBeforeNode,
  boxBeforeRecipient,
  hmacSha256,
  privateKeyObject,
  rawPublicKey,
  secretboxOpen,
  secretboxSeal,
} from './x25519.js';

/** @internal */ export const FORMAT_VERSION = 1;
/** @internal */ export const DATA_KEY_LENGTH = 32;
/** @internal */ export const NONCE_LENGTH = 24;
/** @internal */ export const TAG_LENGTH = 16;
/** @internal */ export const WRAPPED_KEY_LENGTH = TAG_LENGTH + DATA_KEY_LENGTH;
/** @internal */ export const RECIPIENT_LENGTH = KEY_ID_LENGTH + NONCE_LENGTH + WRAPPED_KEY_LENGTH;
/** @internal */ export const MAX_RECIPIENTS = 255;
/** @internal */ export const MAX_LABEL_LENGTH = 0xffff;
/** @internal */ export const PAYLOAD_KEY_CONTEXT = new TextEncoder().encode('sealkit/v1/payload-key');
/** @internal Smallest well-formed value: empty label, one recipient, empty plaintext. */
export const MIN_SEALED_LENGTH = 4 + PUBLIC_KEY_LENGTH + 1 + RECIPIENT_LENGTH + NONCE_LENGTH + TAG_LENGTH;

const DEFAULT_CACHE_SIZE = 256;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export interface SealOptions {
  /** Raw 32-byte X25519 public keys; the value opens with the private key of any one of them. */
  recipients: readonly Uint8Array[];
  scope: Scope;
  /** Required for scopes strict and namespace. */
  namespace?: string;
  /** Required for scope strict. */
  name?: string;
  random?: RandomSource;
}

export interface SealedValueInfo {
  version: number;
  scope: Scope;
  namespace?: string;
  name?: string;
  keyIds: string[];
}

/** @internal A parsed sealed value. Nothing in it is authenticated yet. */
export interface ParsedValue {
  readonly version: number;
  readonly scope: Scope;
  readonly label: string;
  readonly ephemeralPublicKey: Uint8Array;
  readonly recipients: readonly { readonly keyId: string; readonly nonce: Uint8Array; readonly wrappedKey: Uint8Array }[];
  /** Bytes [0, end of the recipient list): the input of the payload key. */
  readonly header: Uint8Array;
  readonly payloadNonce: Uint8Array;
  readonly payload: Uint8Array;
}

/** @internal */
export function derivePayloadKey(dataKey: Uint8Array, header: Uint8Array): Uint8Array {
  return hmacSha256(dataKey, PAYLOAD_KEY_CONTEXT, header);
}

function checkSealOptions(options: SealOptions): { recipients: Uint8Array[]; scope: Scope; label: string; random: RandomSource } {
  if (typeof options !== 'object' || options === null) throw new BadInputError('options must be an object { recipients, scope, namespace?, name? }');
  const { recipients, scope, namespace, name, random = defaultRandom } = options;
  if (!Array.isArray(recipients)) throw new BadInputError(`options.recipients must be an array of public keys, got ${describeType(recipients)}`);
  if (recipients.length === 0) throw new BadInputError('options.recipients is empty: at least one public key is needed');
  if (recipients.length > MAX_RECIPIENTS) throw new BadInputError(`options.recipients has ${recipients.length} keys; at most ${MAX_RECIPIENTS} are allowed`);
  const seen = new Map<string, number>();
  const checked = recipients.map((key: unknown, i) => {
    const bytes = checkBytes(key, PUBLIC_KEY_LENGTH, `options.recipients[${i}]`);
    const hex = toHex(bytes);
    const first = seen.get(hex);
    if (first !== undefined) throw new BadInputError(`options.recipients[${i}] is the same key as options.recipients[${first}]`);
    seen.set(hex, i);
    return bytes;
  });
  if (!SCOPES.includes(scope)) throw new BadInputError(`options.scope must be one of ${SCOPES.join(', ')}, got ${typeof scope === 'string' ? JSON.stringify(scope.slice(0, 40)) : describeType(scope)}`);
  if (namespace !== undefined && typeof namespace !== 'string') throw new BadInputError(`options.namespace must be a string, got ${describeType(namespace)}`);
  if (name !== undefined && typeof name !== 'string') throw new BadInputError(`options.name must be a string, got ${describeType(name)}`);
  if (typeof random !== 'function') throw new BadInputError('options.random must be a function (length) => Uint8Array');
  const label = scopeLabel(scope, namespace, name, 'options.');
  return { recipients: checked, scope, label, random };
}

/** Seals a batch under one ephemeral key. Random bytes are drawn in the order docs/format.md gives for the vectors. */
function sealBatch(entries: readonly (readonly [string, Uint8Array])[], options: SealOptions): Record<string, string> {
  const { recipients, scope, label, random } = checkSealOptions(options);
  for (const [key, plaintext] of entries) checkBytes(plaintext, undefined, `values[${JSON.stringify(key)}]`);
  const labelBytes = utf8.encode(label);

  const ephemeralSecret = Uint8Array.from(draw(random, PUBLIC_KEY_LENGTH));
  let ephemeralKey: KeyObject;
  try {
    ephemeralKey = privateKeyObject(ephemeralSecret);
  } finally {
    ephemeralSecret.fill(0);
  }
  const ephemeralPublicKey = rawPublicKey(ephemeralKey);
  const sharedKeys = recipients.map((r, i) => boxBeforeRecipient(r, ephemeralKey, `options.recipients[${i}]`));
  const ids = recipients.map(keyIdBytes);

  // Fixed part of the header, identical for every value of the batch.
  const prefix = new Uint8Array(4 + labelBytes.length + PUBLIC_KEY_LENGTH + 1);
  prefix[0] = FORMAT_VERSION;
  prefix[1] = SCOPE_CODES[scope];
  prefix[2] = labelBytes.length >>> 8;
  prefix[3] = labelBytes.length & 0xff;
  prefix.set(labelBytes, 4);
  prefix.set(ephemeralPublicKey, 4 + labelBytes.length);
  prefix[prefix.length - 1] = recipients.length;

  const out: Record<string, string> = {};
  try {
    for (const [key, plaintext] of entries) {
      const dataKey = Uint8Array.from(draw(random, DATA_KEY_LENGTH));
      const parts: Uint8Array[] = [prefix];
      sharedKeys.forEach((sharedKey, i) => {
        const nonce = Uint8Array.from(draw(random, NONCE_LENGTH));
        parts.push(ids[i] as Uint8Array, nonce, secretboxSeal(dataKey, nonce, sharedKey));
      });
      const header = concatBytes(...parts);
      const payloadKey = derivePayloadKey(dataKey, header);
      dataKey.fill(0);
      const payloadNonce = Uint8Array.from(draw(random, NONCE_LENGTH));
      const payload = secretboxSeal(plaintext, payloadNonce, payloadKey);
      payloadKey.fill(0);
      setOwn(out, key, toBase64(concatBytes(header, payloadNonce, payload)));
    }
  } finally {
    for (const k of sharedKeys) k.fill(0);
  }
  return out;
}

/** Seals one value for the recipients, bound to the scope. Returns base64 (standard, padded). */
export function sealValue(plaintext: Uint8Array, options: SealOptions): string {
  checkBytes(plaintext, undefined, 'plaintext');
  return sealBatch([['', plaintext]], options)[''] as string;
}

/**
 * Seals the values of one Secret under ONE ephemeral key (each value still gets its own
 * random data key and nonces), so an Unsealer does one X25519 per Secret instead of one
 * per value. The result's keys are inserted in sorted order, so manifests diff well (as for
 * any JS object, array-index keys such as "0" or "12" still enumerate first, in numeric order).
 */
export function sealValues(values: Readonly<Record<string, Uint8Array>>, options: SealOptions): Record<string, string> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new BadInputError(`values must be an object of key -> Uint8Array, got ${describeType(values)}`);
  }
  const entries = Object.keys(values)
    .sort()
    .map((key) => [key, values[key] as Uint8Array] as const);
  if (entries.length === 0) {
    checkSealOptions(options); // still report bad options, even with nothing to seal
    return {};
  }
  return sealBatch(entries, options);
}

/** @internal Parses (but does not authenticate) a sealed value. */
export function parseValue(sealed: string, what = 'sealed value'): ParsedValue {
  if (typeof sealed !== 'string') throw new BadInputError(`${what} must be a base64 string, got ${describeType(sealed)}`);
  if (sealed.length === 0) throw new BadInputError(`${what} is empty`);
  const bytes = fromBase64Strict(sealed, what);
  const version = bytes[0];
  if (version === undefined) throw new BadInputError(`${what} is empty`);
  if (version !== FORMAT_VERSION) {
    throw new UnknownVersionError(
      `${what} has format version ${version}; this sealkit reads version ${FORMAT_VERSION} (a newer sealkit, or not a sealkit value?)`,
    );
  }
  const truncated = (part: string) => new BadInputError(`${what} is truncated or malformed: it ends inside the ${part} (${bytes.length} bytes)`);
  if (bytes.length < 4) throw truncated('header');
  const scope = SCOPE_BY_CODE.get(bytes[1] as number);
  if (scope === undefined) throw new BadInputError(`${what} has an unknown scope code ${bytes[1]} (1 strict, 2 namespace, 3 cluster)`);
  const labelLength = ((bytes[2] as number) << 8) | (bytes[3] as number);
  let offset = 4;
  if (bytes.length < offset + labelLength) throw truncated('scope label');
  let label: string;
  try {
    label = utf8Strict.decode(bytes.subarray(offset, offset + labelLength));
  } catch {
    throw new BadInputError(`${what} has a scope label that is not valid UTF-8`);
  }
  checkLabel(scope, label, what);
  offset += labelLength;
  if (bytes.length < offset + PUBLIC_KEY_LENGTH + 1) throw truncated('ephemeral public key');
  const ephemeralPublicKey = bytes.subarray(offset, offset + PUBLIC_KEY_LENGTH);
  offset += PUBLIC_KEY_LENGTH;
  const count = bytes[offset] as number;
  offset += 1;
  if (count === 0) throw new BadInputError(`${what} has no recipients`);
  if (bytes.length < offset + count * RECIPIENT_LENGTH) throw truncated('recipient list');
  const recipients = [];
  for (let i = 0; i < count; i++) {
    recipients.push({
      keyId: toHex(bytes.subarray(offset, offset + KEY_ID_LENGTH)),
      nonce: bytes.subarray(offset + KEY_ID_LENGTH, offset + KEY_ID_LENGTH + NONCE_LENGTH),
      wrappedKey: bytes.subarray(offset + KEY_ID_LENGTH + NONCE_LENGTH, offset + RECIPIENT_LENGTH),
    });
    offset += RECIPIENT_LENGTH;
  }
  const header = bytes.subarray(0, offset);
  if (bytes.length < offset + NONCE_LENGTH + TAG_LENGTH) throw truncated('payload');
  return {
    version,
    scope,
    label,
    ephemeralPublicKey,
    recipients,
    header,
    payloadNonce: bytes.subarray(offset, offset + NONCE_LENGTH),
    payload: bytes.subarray(offset + NONCE_LENGTH),
  };
}

function checkLabel(scope: Scope, label: string, what: string): void {
  let ok: boolean;
  switch (scope) {
    case 'cluster':
      ok = label === '';
      break;
    case 'namespace':
      ok = isNamespace(label);
      break;
    case 'strict': {
      const parts = label.split('/');
      ok = parts.length === 2 && isNamespace(parts[0]) && isObjectName(parts[1]);
      break;
    }
  }
  if (!ok) throw new BadInputError(`${what} has a malformed scope label for scope ${scope}`);
}

/** Reads a value's header: version, scope, label and recipient key ids. Nothing here is authenticated. */
export function inspectValue(sealed: string): SealedValueInfo {
  const parsed = parseValue(sealed);
  const info: SealedValueInfo = { version: parsed.version, scope: parsed.scope, keyIds: [] };
  if (parsed.scope === 'namespace') info.namespace = parsed.label;
  if (parsed.scope === 'strict') {
    const [namespace, name] = parsed.label.split('/');
    info.namespace = namespace as string;
    info.name = name as string;
  }
  info.keyIds = parsed.recipients.map((r) => r.keyId);
  return info;
}

/**
 * Opens sealed values with the keys of a keyring. Caches the X25519+HSalsa20 result per
 * (key id, ephemeral public key) in a small LRU: the values of one Secret share an
 * ephemeral key (sealValues), so opening a Secret costs one X25519, not one per value.
 */
export class Unsealer {
  readonly #keyring: Keyring;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, Uint8Array>();

  constructor(keyring: Keyring, options?: { cacheSize?: number }) {
    if (!(keyring instanceof Keyring)) throw new BadInputError(`keyring must be a Keyring, got ${describeType(keyring)}`);
    const cacheSize = options?.cacheSize ?? DEFAULT_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new BadInputError('options.cacheSize must be an integer >= 0');
    this.#keyring = keyring;
    this.#cacheSize = cacheSize;
  }

  /**
   * Opens a value found at `where` (the namespace and name of its SealedSecret).
   * Checks, in order: format (BadInputError, UnknownVersionError), scope
   * (ScopeMismatchError), key ids (UnknownKeyIdError), authentication (AuthenticationError).
   */
  open(sealed: string, where: Location): Uint8Array {
    const value = parseValue(sealed);
    checkScope(value.scope, value.label, where);
    const candidates = value.recipients.filter((r) => this.#keyring.get(r.keyId) !== undefined);
    if (candidates.length === 0) throw new UnknownKeyIdError(value.recipients.map((r) => r.keyId));

    const ephemeralHex = toHex(value.ephemeralPublicKey);
    // Shared keys derived during this call, by key id: a hostile value that lists one of our key
    // ids 255 times costs one X25519, not 255. Those not moved to the cache are wiped at the end.
    const derived = new Map<string, Uint8Array>();
    try {
      for (const recipient of candidates) {
        const cacheKey = `${recipient.keyId}:${ephemeralHex}`;
        let sharedKey = this.#cache.get(cacheKey) ?? derived.get(recipient.keyId);
        if (sharedKey === undefined) {
          const privateKey = privateKeyObjectOf(this.#keyring, recipient.keyId);
          if (privateKey === undefined) continue;
          sharedKey = boxBeforeNode(value.ephemeralPublicKey, privateKey);
          derived.set(recipient.keyId, sharedKey);
        }
        const dataKey = secretboxOpen(recipient.wrappedKey, recipient.nonce, sharedKey);
        if (dataKey === null) continue;
        // Cached only once it has unwrapped a data key, so garbage cannot churn the cache.
        if (this.#remember(cacheKey, sharedKey)) derived.delete(recipient.keyId);
        const payloadKey = derivePayloadKey(dataKey, value.header);
        dataKey.fill(0);
        const plaintext = secretboxOpen(value.payload, value.payloadNonce, payloadKey);
        payloadKey.fill(0);
        if (plaintext === null) break;
        return plaintext;
      }
    } finally {
      for (const key of derived.values()) key.fill(0);
    }
    throw new AuthenticationError(
      'sealed value failed authentication: it was modified or corrupted after sealing (re-seal it from the original Secret)',
    );
  }

  /** LRU insert or refresh; false when caching is off. */
  #remember(cacheKey: string, sharedKey: Uint8Array): boolean {
    if (this.#cacheSize === 0) return false;
    // Map iteration order is insertion order: re-inserting marks the entry most recently used.
    this.#cache.delete(cacheKey);
    this.#cache.set(cacheKey, sharedKey);
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.get(oldest)?.fill(0);
      this.#cache.delete(oldest);
    }
    return true;
  }
}

/** Opens one value without a cache (one X25519 per call). Prefer an Unsealer for many values. */
export function openValue(sealed: string, keyring: Keyring, where: Location): Uint8Array {
  return new Unsealer(keyring, { cacheSize: 0 }).open(sealed, where);
}
