// How a wrapped key sits in its key Secret. The Secret's type stays `sealkit.dev/x25519-key` for
// every custody (Kubernetes makes a Secret's type immutable, and migration rewrites Secrets in
// place): an annotation names the custody, and each custody has its own data field, so a wrapped
// Secret never carries `private.pem` and a reader that predates custody finds no key rather than
// mistaking a ciphertext for one.

import { KEY_PRIVATE_FIELD } from '../../constants.js';
import { CUSTODY_NAMES, KeyCustodyError, type CustodyName, type WrappedKey } from './custody.js';

/** Names the custody that wrapped the key; absent means `plaintext` (Secrets made before custody). */
export const KEY_CUSTODY_ANNOTATION = 'sealkit.dev/key-custody';
/** Prefix of the annotations holding WrappedKey.metadata (e.g. `sealkit.dev/key-custody-transit-key`). */
export const KEY_CUSTODY_META_PREFIX = 'sealkit.dev/key-custody-';
/** The data field of a key wrapped by a KMS (the ciphertext, as the KMS returned it). */
export const KEY_WRAPPED_FIELD = 'private.wrapped';

const fieldOf = (custody: CustodyName) => (custody === 'plaintext' ? KEY_PRIVATE_FIELD : KEY_WRAPPED_FIELD);
const PRIVATE_FIELDS = [KEY_PRIVATE_FIELD, KEY_WRAPPED_FIELD];

/**
 * The Secret fields for a wrapped key: `data` (base64) and `annotations`, with null for what another
 * custody left behind, so the same object serves as a JSON merge patch that converts a Secret in
 * one write (see withoutNulls for a create).
 */
export function wrappedKeyFields(wrapped: WrappedKey, current?: { annotations?: Record<string, string> }): {
  data: Record<string, string | null>;
  annotations: Record<string, string | null>;
} {
  const data: Record<string, string | null> = {};
  for (const f of PRIVATE_FIELDS) data[f] = null;
  data[fieldOf(wrapped.custody)] = Buffer.from(wrapped.blob).toString('base64');
  const annotations: Record<string, string | null> = {};
  for (const k of Object.keys(current?.annotations ?? {})) if (k.startsWith(KEY_CUSTODY_META_PREFIX)) annotations[k] = null;
  annotations[KEY_CUSTODY_ANNOTATION] = wrapped.custody === 'plaintext' ? null : wrapped.custody;
  for (const [k, v] of Object.entries(wrapped.metadata)) annotations[`${KEY_CUSTODY_META_PREFIX}${k}`] = v;
  return { data, annotations };
}

export function withoutNulls(o: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== null));
}

/** Which custody a key Secret says wrapped its key (a name this build may not know). */
export function custodyOfSecret(secret: any): string {
  return secret?.metadata?.annotations?.[KEY_CUSTODY_ANNOTATION] ?? 'plaintext';
}

/** The wrapped key a Secret holds. Throws KeyCustodyError (not retryable) when it holds none. */
export function wrappedKeyOfSecret(secret: any): WrappedKey {
  const custody = custodyOfSecret(secret);
  if (!(CUSTODY_NAMES as readonly string[]).includes(custody)) {
    throw new KeyCustodyError(`unknown key custody "${custody}" (annotation ${KEY_CUSTODY_ANNOTATION})`, { retryable: false });
  }
  const name = custody as CustodyName;
  const field = fieldOf(name);
  const b64 = secret?.data?.[field];
  if (typeof b64 !== 'string' || b64 === '') throw new KeyCustodyError(`has no ${field} (custody ${name})`, { retryable: false });
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries((secret?.metadata?.annotations ?? {}) as Record<string, string>)) {
    if (k.startsWith(KEY_CUSTODY_META_PREFIX)) metadata[k.slice(KEY_CUSTODY_META_PREFIX.length)] = v;
  }
  return { custody: name, blob: new Uint8Array(Buffer.from(b64, 'base64')), metadata };
}
