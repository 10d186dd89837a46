// The `vault-transit` custody: the key Secret holds only a ciphertext made by Vault's Transit engine
// (`POST <mount>/encrypt/<key>`); the controller decrypts it at start and keeps the plaintext in
// memory. Transit keys never leave Vault, so a copy of the Secret (an etcd backup, a `kubectl get
// secret`) opens nothing without a Vault token allowed to decrypt with that key.
//
// The key id is bound twice: as `associated_data` (AES-GCM / ChaCha20 keys, Transit's default) and
// as `context` (only used by keys created with `derived=true`, ignored by the others), so a blob
// copied into another key Secret fails to decrypt; unwrapKeyPair then checks the id again.
//
// Authentication is the RemoteStore's: one VaultSession with Kubernetes auth (a login renewed
// before expiry, a fresh login when the token is gone), here fed with the controller's own
// ServiceAccount token file, re-read at every login because the kubelet rotates it.

import { readFile } from 'node:fs/promises';
import type { Clock } from '../../remote/clock.js';
import { Reason, RemoteError, VaultRequestError } from '../../remote/errors.js';
import { kubernetesAuthenticator, VaultSession } from '../../remote/session.js';
import type { VaultApi } from '../../remote/vault-api.js';
import { keyBinding, KeyCustodyError, type KeyCustody, type WrappedKey } from './custody.js';

/** Annotations (without prefix) that record which Transit key wrapped a Secret's key. */
export const TRANSIT_MOUNT_META = 'transit-mount';
export const TRANSIT_KEY_META = 'transit-key';

export interface VaultTransitOptions {
  api: VaultApi;
  /** Where Vault's Kubernetes auth method is mounted (e.g. `kubernetes`). */
  authMount: string;
  role: string;
  /** A ServiceAccount JWT for each login. */
  jwt: () => Promise<string>;
  /** Transit engine mount (e.g. `transit`) and the named key that wraps. */
  transitMount: string;
  transitKey: string;
  clock: Clock;
  onLogin?: (ok: boolean) => void;
}

/**
 * Reads a projected ServiceAccount token file; an empty or missing file is a retryable failure
 * (a RemoteError, which the session keeps as the login's reason).
 */
export function tokenFileJwt(file: string): () => Promise<string> {
  return async () => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new RemoteError(Reason.CredentialsNotFound, `cannot read the ServiceAccount token file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { retryable: true });
    }
    const jwt = text.trim();
    if (!jwt) throw new RemoteError(Reason.CredentialsNotFound, `the ServiceAccount token file ${file} is empty`, { retryable: true });
    return jwt;
  };
}

const trimSlashes = (s: string) => s.replace(/^\/+|\/+$/g, '');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export class VaultTransitCustody implements KeyCustody {
  readonly name = 'vault-transit' as const;
  private readonly session: VaultSession;
  private readonly mount: string;
  private readonly key: string;

  constructor(private readonly o: VaultTransitOptions) {
    this.mount = trimSlashes(o.transitMount);
    this.key = o.transitKey;
    if (!this.mount) throw new KeyCustodyError('the Transit mount is empty', { retryable: false });
    if (!/^[A-Za-z0-9._-]+$/.test(this.key)) throw new KeyCustodyError(`invalid Transit key name "${this.key}"`, { retryable: false });
    this.session = new VaultSession(o.api, kubernetesAuthenticator(trimSlashes(o.authMount), o.role, o.jwt), {
      clock: o.clock,
      events: { login: (_method, ok) => o.onLogin?.(ok) },
    });
  }

  /** `transit/keys/sealkit`: how docs and errors name the Transit key. */
  get transitKeyPath(): string {
    return `${this.mount}/keys/${this.key}`;
  }

  async wrap(secretKey: Uint8Array, keyId: string): Promise<WrappedKey> {
    const binding = b64(keyBinding(keyId));
    const data = await this.call('encrypt', { plaintext: b64(secretKey), associated_data: binding, context: binding });
    const ciphertext = data?.ciphertext;
    if (typeof ciphertext !== 'string' || !ciphertext.startsWith('vault:')) {
      throw new KeyCustodyError(`Vault's ${this.mount}/encrypt/${this.key} answered without a ciphertext`, { retryable: true });
    }
    return {
      custody: this.name,
      blob: new TextEncoder().encode(ciphertext),
      metadata: { [TRANSIT_MOUNT_META]: this.mount, [TRANSIT_KEY_META]: this.key },
    };
  }

  async unwrap(wrapped: WrappedKey, keyId: string): Promise<Uint8Array> {
    // Decrypt only with the configured Transit key: a Secret cannot send us to another one.
    const recorded = `${wrapped.metadata[TRANSIT_MOUNT_META] ?? this.mount}/keys/${wrapped.metadata[TRANSIT_KEY_META] ?? this.key}`;
    if (recorded !== this.transitKeyPath) {
      throw new KeyCustodyError(`wrapped with Transit key ${recorded}; the controller is configured with ${this.transitKeyPath}`, { retryable: false });
    }
    const binding = b64(keyBinding(keyId));
    const ciphertext = new TextDecoder().decode(wrapped.blob);
    const data = await this.call('decrypt', { ciphertext, associated_data: binding, context: binding });
    const plaintext = data?.plaintext;
    if (typeof plaintext !== 'string') throw new KeyCustodyError(`Vault's ${this.mount}/decrypt/${this.key} answered without a plaintext`, { retryable: true });
    return new Uint8Array(Buffer.from(plaintext, 'base64'));
  }

  async check(): Promise<void> {
    try {
      await this.session.ensure();
    } catch (err) {
      throw this.failure(err, 'login');
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private async call(op: 'encrypt' | 'decrypt', body: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    try {
      return await this.session.run((api) => api.write(`${this.mount}/${op}/${this.key}`, body));
    } catch (err) {
      throw this.failure(err, op);
    }
  }

  /** Retryable unless Vault looked at the ciphertext and refused it (HTTP 400: tampered, wrong key id, another Transit key). */
  private failure(err: unknown, op: 'login' | 'encrypt' | 'decrypt'): KeyCustodyError {
    if (err instanceof KeyCustodyError) return err;
    const where = op === 'login' ? `Vault login (Kubernetes auth, role ${this.o.role})` : `Vault ${this.mount}/${op}/${this.key}`;
    if (err instanceof VaultRequestError) {
      // A missing Transit key is an operator's to fix (restore it from transit/backup): keep retrying.
      if (err.status === 400 && err.errors.includes('encryption key not found')) {
        return new KeyCustodyError(`Transit key ${this.transitKeyPath} not found in Vault (restore it, see docs/operations.md)`, { retryable: true });
      }
      if (err.status === 400) return new KeyCustodyError(`${where} rejected the wrapped key: ${err.errors.join('; ') || 'HTTP 400'}`, { retryable: false });
      if (err.status === 403) return new KeyCustodyError(`${where}: permission denied by Vault policy (HTTP 403)`, { retryable: true });
      return new KeyCustodyError(`${where}: ${err.message}`, { retryable: true });
    }
    // The session reports login failures as RemoteError with a safe message.
    if (err instanceof RemoteError) return new KeyCustodyError(`${where}: ${err.message}`, { retryable: true });
    return new KeyCustodyError(`${where} failed`, { retryable: true });
  }
}
