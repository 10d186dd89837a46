// Key custody: who protects the cluster's private keys while they sit in the key Secrets.
//
// The controller holds its X25519 private keys in Secrets in its own namespace. A custody turns the
// 32 secret-key bytes into what the Secret stores (wrap) and back (unwrap, at start and whenever a
// key Secret appears). With `plaintext` the Secret holds the PKCS#8 PEM (the behaviour before
// custody existed, and Bitnami's); with `vault-transit` it holds only a ciphertext that Vault's
// Transit engine made, and the plaintext exists only in the controller's memory.
//
// The seam for a cloud KMS is this interface. Each would implement wrap/unwrap with its own
// encrypt/decrypt call, bind the key id as associated data, and record its key reference in
// `metadata` (annotations on the Secret):
//   - `aws-kms`:         KMS Encrypt/Decrypt with a KeyId (ARN or alias) and an EncryptionContext
//                        {"sealkit.dev/key-id": keyId}; auth through IRSA / Pod Identity.
//   - `gcp-kms`:         Cloud KMS cryptoKeys.encrypt/decrypt on a CryptoKey resource name with
//                        additionalAuthenticatedData = the key id; auth through Workload Identity.
//   - `azure-key-vault`: Key Vault keys wrapKey/unwrapKey (RSA-OAEP-256) on a key identifier URL;
//                        Azure wraps without associated data, so the key id check after unwrap
//                        (unwrapKeyPair below) is the binding; auth through Workload Identity.
// None of these is implemented: only Vault Transit can be tested for real here.

import { keyId as keyIdOf, keyPairFromSecretKey, SECRET_KEY_LENGTH, type KeyPair } from '@sealkit/core';

export const CUSTODY_NAMES = ['plaintext', 'vault-transit'] as const;
export type CustodyName = (typeof CUSTODY_NAMES)[number];

/** What a key Secret stores for one private key. Never log `blob` for the plaintext custody. */
export interface WrappedKey {
  /** The custody that made it; only that custody can unwrap it. */
  custody: CustodyName;
  /** The stored bytes: PKCS#8 PEM text (plaintext) or the KMS ciphertext (opaque). */
  blob: Uint8Array;
  /** Non-secret facts a restore needs (e.g. the Transit mount and key), kept as annotations. */
  metadata: Record<string, string>;
}

export interface KeyCustody {
  readonly name: CustodyName;
  /** Protects a 32-byte X25519 secret key, bound to its key id so the blob cannot move to another key Secret. */
  wrap(secretKey: Uint8Array, keyId: string): Promise<WrappedKey>;
  /** The 32 secret-key bytes. Throws KeyCustodyError; callers check the key id (unwrapKeyPair). */
  unwrap(wrapped: WrappedKey, keyId: string): Promise<Uint8Array>;
  /** Whether the backing service answers now (readiness and status), without unwrapping anything. */
  check(): Promise<void>;
  /** Releases sessions (revokes a Vault token we created). */
  close(): Promise<void>;
}

/**
 * A custody failure. `retryable`: the service is unreachable or refused us for now (retry with
 * backoff, not Ready); otherwise the stored key itself is bad or belongs to another custody, and
 * retrying cannot help. Messages never contain key material, tokens or response bodies.
 */
export class KeyCustodyError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean }) {
    super(message);
    this.name = 'KeyCustodyError';
    this.retryable = options.retryable;
  }
}

/**
 * Unwraps and proves the result is the key the Secret claims: its public key must hash to keyId.
 * This holds for every custody, so a blob copied into another key Secret (or a custody that
 * returned the wrong bytes) never loads under the wrong id, with or without associated data.
 */
export async function unwrapKeyPair(custody: KeyCustody, wrapped: WrappedKey, keyId: string): Promise<KeyPair> {
  if (wrapped.custody !== custody.name) {
    throw new KeyCustodyError(`wrapped by ${wrapped.custody} custody; the controller runs with --key-custody ${custody.name}`, { retryable: false });
  }
  const secretKey = await custody.unwrap(wrapped, keyId);
  if (secretKey.length !== SECRET_KEY_LENGTH) {
    throw new KeyCustodyError(`${custody.name} returned ${secretKey.length} bytes, not a ${SECRET_KEY_LENGTH}-byte X25519 key`, { retryable: false });
  }
  const pair = keyPairFromSecretKey(secretKey);
  secretKey.fill(0);
  const actual = keyIdOf(pair.publicKey);
  if (actual !== keyId) {
    throw new KeyCustodyError(`the unwrapped key has id ${actual}, not ${keyId} (blob moved between key Secrets?)`, { retryable: false });
  }
  return pair;
}

/** Associated data that ties a wrapped key to its key id (versioned, so the binding can evolve). */
export function keyBinding(keyId: string): Uint8Array {
  return new TextEncoder().encode(`sealkit.dev/key-custody/v1 key-id=${keyId}`);
}
