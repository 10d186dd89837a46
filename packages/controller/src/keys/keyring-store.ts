import {
  decodePrivateKeysPem,
  encodePrivateKeyPem,
  encodePublicKeyPem,
  generateKeyPair,
  keyId,
  Keyring,
  Unsealer,
  type KeyPair,
} from '@sealkit/core';
import type { Clock } from '../runtime/clock.js';
import {
  KEY_CREATED_ANNOTATION,
  KEY_ID_ANNOTATION,
  KEY_LABEL,
  KEY_LABEL_VALUE,
  KEY_PRIVATE_FIELD,
  KEY_PUBLIC_FIELD,
  KEY_SECRET_PREFIX,
  KEY_SECRET_TYPE,
  MANAGED_BY_VALUE,
  FIELD_MANAGER,
  secretsPath,
} from '../constants.js';
import { Informer, type Cached } from '../runtime/informer.js';
import type { KubeClient } from '../kube/client.js';
import { errorFields, isAlreadyExists } from '../kube/errors.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';

/** One key Secret, reduced to the key pair and when it was made. */
export interface KeyEntry extends Cached {
  keyId: string;
  createdAt: number;
  pair: KeyPair | undefined;
  error: string | undefined;
}

export interface PublicKeyInfo {
  keyId: string;
  createdAt: string;
  active: boolean;
  secretName: string;
  publicKeyPem: string;
}

export const keySecretName = (id: string) => `${KEY_SECRET_PREFIX}${id}`;

/** The Secret that stores one key pair (also what a backup contains). */
export function keySecretManifest(namespace: string, pair: KeyPair, createdAt: Date): object {
  const id = keyId(pair.publicKey);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: keySecretName(id),
      namespace,
      labels: { [KEY_LABEL]: KEY_LABEL_VALUE, 'app.kubernetes.io/part-of': MANAGED_BY_VALUE },
      annotations: { [KEY_ID_ANNOTATION]: id, [KEY_CREATED_ANNOTATION]: createdAt.toISOString() },
    },
    type: KEY_SECRET_TYPE,
    stringData: {
      [KEY_PRIVATE_FIELD]: encodePrivateKeyPem(pair.secretKey),
      [KEY_PUBLIC_FIELD]: encodePublicKeyPem(pair.publicKey),
    },
  };
}

function keyEntry(raw: any): KeyEntry {
  const md = raw?.metadata ?? {};
  const base = {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
  };
  const created = Date.parse(md.annotations?.[KEY_CREATED_ANNOTATION] ?? md.creationTimestamp ?? '');
  const createdAt = Number.isFinite(created) ? created : 0;
  try {
    const pemB64 = raw?.data?.[KEY_PRIVATE_FIELD];
    if (typeof pemB64 !== 'string') throw new Error(`has no ${KEY_PRIVATE_FIELD}`);
    const pairs = decodePrivateKeysPem(Buffer.from(pemB64, 'base64').toString('utf8'));
    if (pairs.length !== 1) throw new Error(`${KEY_PRIVATE_FIELD} must hold exactly one key`);
    const pair = pairs[0]!;
    return { ...base, keyId: keyId(pair.publicKey), createdAt, pair, error: undefined };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ...base, keyId: '', createdAt, pair: undefined, error: code ? `invalid key (${code})` : 'invalid key' };
  }
}

/**
 * The cluster's private keys, read from labelled Secrets in the controller namespace and kept
 * current by a watch. Keys are only ever added: the controller never deletes one, so anything
 * sealed to an old key keeps opening after rotation.
 */
export class KeyringStore {
  readonly informer: Informer<KeyEntry>;
  private ring = new Keyring();
  private unsealerInstance: Unsealer | undefined;
  private sorted: KeyEntry[] = [];
  private listeners: (() => void)[] = [];

  constructor(
    private readonly o: {
      client: KubeClient;
      namespace: string;
      clock: Clock;
      log: Logger;
      metrics?: Metrics;
      unsealerCacheSize?: number;
    },
  ) {
    this.informer = new Informer<KeyEntry>({
      name: 'keys',
      client: o.client,
      path: secretsPath(o.namespace),
      labelSelector: `${KEY_LABEL}=${KEY_LABEL_VALUE}`,
      transform: keyEntry,
      clock: o.clock,
      log: o.log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
    const changed = () => this.rebuild();
    this.informer.on({ add: changed, update: changed, delete: changed });
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  /** Newest first. */
  entries(): readonly KeyEntry[] {
    return this.sorted;
  }

  active(): KeyEntry | undefined {
    return this.sorted[0];
  }

  keyring(): Keyring {
    return this.ring;
  }

  unsealer(): Unsealer | undefined {
    return this.sorted.length ? this.unsealerInstance : undefined;
  }

  publicKeys(): PublicKeyInfo[] {
    return this.sorted.map((e, i) => ({
      keyId: e.keyId,
      createdAt: new Date(e.createdAt).toISOString(),
      active: i === 0,
      secretName: e.name,
      publicKeyPem: encodePublicKeyPem(e.pair!.publicKey),
    }));
  }

  private rebuild(): void {
    const good: KeyEntry[] = [];
    for (const e of this.informer.values()) {
      if (e.pair) good.push(e);
      else this.o.log.warn('ignoring key secret', { secret: e.name, reason: e.error });
    }
    // Newest first; the name breaks ties so every replica picks the same active key.
    good.sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const ids = good.map((e) => e.keyId).join(',');
    if (ids === this.sorted.map((e) => e.keyId).join(',')) return;
    this.sorted = good;
    this.ring = new Keyring(good.map((e) => e.pair!));
    this.unsealerInstance = new Unsealer(this.ring, { cacheSize: this.o.unsealerCacheSize ?? 20_000 });
    const active = good[0];
    this.o.metrics?.keys.set(good.length);
    this.o.metrics?.activeKey.reset();
    if (active) {
      this.o.metrics?.activeKey.set({ key_id: active.keyId }, 1);
      this.o.metrics?.activeKeyCreated.set(Math.floor(active.createdAt / 1000));
    }
    this.o.log.info('keys loaded', { keys: good.length, activeKeyId: active?.keyId ?? null });
    for (const l of this.listeners) l();
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  /**
   * Generates a key and stores it. The Secret is named after the key id, so a retry of the same
   * create is harmless; callers decide *whether* to create (the leader, or a manual rotation).
   */
  async createKey(reason: string, pair: KeyPair = generateKeyPair()): Promise<string> {
    const id = keyId(pair.publicKey);
    try {
      await this.o.client.request({
        method: 'POST',
        path: secretsPath(this.o.namespace),
        query: { fieldManager: FIELD_MANAGER },
        body: keySecretManifest(this.o.namespace, pair, new Date(this.o.clock.now())),
      });
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.o.log.error('could not store new key', { keyId: id, ...errorFields(err) });
        throw err;
      }
    }
    this.o.metrics?.keysGenerated.inc();
    this.o.log.info('generated key', { keyId: id, reason, secret: keySecretName(id) });
    return id;
  }

  /**
   * Makes sure there is a key, and a fresh one when the newest is older than renewPeriodMs.
   * Reads the key Secrets from the API server rather than the cache, so a replica that just
   * became leader never creates a key because its cache was a moment behind.
   */
  async ensureKeys(renewPeriodMs: number): Promise<void> {
    const list: any = await this.o.client.request({
      method: 'GET',
      path: secretsPath(this.o.namespace),
      query: { labelSelector: `${KEY_LABEL}=${KEY_LABEL_VALUE}` },
    });
    const entries = ((list?.items ?? []) as any[]).map(keyEntry).filter((e) => e.pair);
    if (entries.length === 0) {
      await this.createKey('first start');
      return;
    }
    if (renewPeriodMs <= 0) return;
    const newest = Math.max(...entries.map((e) => e.createdAt));
    if (this.o.clock.now() - newest >= renewPeriodMs) await this.createKey('scheduled rotation');
  }

  /** When the next scheduled rotation is due (ms since epoch), or undefined when disabled. */
  nextRotation(renewPeriodMs: number): number | undefined {
    const a = this.active();
    if (!a || renewPeriodMs <= 0) return undefined;
    return a.createdAt + renewPeriodMs;
  }
}
