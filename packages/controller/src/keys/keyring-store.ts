import {
  decodePublicKeysPem,
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
  KEY_PUBLIC_FIELD,
  KEY_SECRET_PREFIX,
  KEY_SECRET_TYPE,
  MANAGED_BY_VALUE,
  FIELD_MANAGER,
  secretsPath,
} from '../constants.js';
import { Informer, type Cached } from '../runtime/informer.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields, isAlreadyExists } from '@sealkit/kube';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import type { CustodyName, KeyCustody, WrappedKey } from './custody/custody.js';
import { KeyCustodyError } from './custody/custody.js';
import { withoutNulls, wrappedKeyFields, wrappedKeyOfSecret } from './custody/key-secret.js';
import { plaintextCustody } from './custody/plaintext.js';
import { KeyUnwrapper, type KeyToUnwrap, type UnwrapProblem } from './custody/unwrapper.js';

/** One key Secret as stored: its key id, when it was made and the (wrapped) key it holds. */
export interface KeySecretEntry extends Cached {
  keyId: string;
  createdAt: number;
  wrapped: WrappedKey | undefined;
  error: string | undefined;
}

/** A key Secret whose key is loaded (unwrapped by the custody). */
export interface KeyEntry extends KeySecretEntry {
  pair: KeyPair;
  /**
   * Set when the key is held in memory but its Secret no longer stores it: deleted, or rewritten
   * with something that cannot be read (same custody, unreadable for good). The leader writes the
   * Secret back from memory (KeyMaintenance); while it is set the key still opens values.
   */
  repair?: KeyRepair;
}

export interface KeyRepair {
  why: 'deleted' | 'unreadable';
  /** For 'unreadable': what is wrong with the Secret as it is now. */
  detail?: string;
}

/**
 * Which key ids the SealedSecrets use, each with the objects sealed to it; undefined while not
 * known yet (caches not synced). Lets the store tell a key Secret deleted on purpose (nothing uses
 * the key: docs/operations.md, Rotation) from one lost by accident.
 */
export type KeyUsage = () => ReadonlyMap<string, readonly string[]> | undefined;

/** What this process holds of a key: the pair and the wrapped form its Secret had when last read. */
interface HeldKey {
  keyId: string;
  name: string;
  createdAt: number;
  pair: KeyPair;
  wrapped: WrappedKey;
}

export interface PublicKeyInfo {
  keyId: string;
  createdAt: string;
  active: boolean;
  secretName: string;
  publicKeyPem: string;
}

/** Where the keys stand: all loaded, or some key Secrets waiting for the custody (Vault) to answer. */
export interface CustodyStatus {
  custody: CustodyName;
  loaded: number;
  /** Retrying (Vault unreachable, login refused, Transit key missing): not Ready before the first load. */
  waiting: UnwrapProblem[];
  /** Given up on (tampered, another custody, wrong key id): logged, never loaded. */
  ignored: UnwrapProblem[];
  /** Why the last attempt to create a key failed (e.g. Vault unreachable at first start), until one succeeds. */
  createFailure?: string | undefined;
}

export const keySecretName = (id: string) => `${KEY_SECRET_PREFIX}${id}`;

/** The Secret that stores one key pair, its private key as the custody wrapped it (also what a backup contains). */
export function keySecretManifest(namespace: string, publicKey: Uint8Array, wrapped: WrappedKey, createdAt: Date): object {
  const id = keyId(publicKey);
  const fields = wrappedKeyFields(wrapped);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: keySecretName(id),
      namespace,
      labels: { [KEY_LABEL]: KEY_LABEL_VALUE, 'app.kubernetes.io/part-of': MANAGED_BY_VALUE },
      annotations: { [KEY_ID_ANNOTATION]: id, [KEY_CREATED_ANNOTATION]: createdAt.toISOString(), ...withoutNulls(fields.annotations) },
    },
    type: KEY_SECRET_TYPE,
    data: {
      ...withoutNulls(fields.data),
      [KEY_PUBLIC_FIELD]: Buffer.from(encodePublicKeyPem(publicKey)).toString('base64'),
    },
  };
}

/** The key id a Secret claims: its annotation, else its public key (Secrets restored by hand). */
function claimedKeyId(raw: any): string {
  const ann = raw?.metadata?.annotations?.[KEY_ID_ANNOTATION];
  if (typeof ann === 'string' && /^[0-9a-f]{16}$/.test(ann)) return ann;
  const pub = raw?.data?.[KEY_PUBLIC_FIELD];
  if (typeof pub === 'string') {
    const keys = decodePublicKeysPem(Buffer.from(pub, 'base64').toString('utf8'));
    if (keys.length === 1) return keyId(keys[0]!);
  }
  throw new KeyCustodyError(`has no ${KEY_ID_ANNOTATION} annotation and no single ${KEY_PUBLIC_FIELD}`, { retryable: false });
}

function keySecretEntry(raw: any): KeySecretEntry {
  const md = raw?.metadata ?? {};
  const base = {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
  };
  const created = Date.parse(md.annotations?.[KEY_CREATED_ANNOTATION] ?? md.creationTimestamp ?? '');
  const createdAt = Number.isFinite(created) ? created : 0;
  try {
    return { ...base, keyId: claimedKeyId(raw), createdAt, wrapped: wrappedKeyOfSecret(raw), error: undefined };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = err instanceof KeyCustodyError ? err.message : code ? `invalid key (${code})` : 'invalid key';
    return { ...base, keyId: '', createdAt, wrapped: undefined, error: why };
  }
}

/**
 * The cluster's private keys, read from labelled Secrets in the controller namespace and kept
 * current by a watch. Keys are only ever added: the controller never deletes one, so anything
 * sealed to an old key keeps opening after rotation. A key once loaded is never forgotten because
 * its Secret went away or was garbled: it stays in memory (marked `repair`) until the leader has
 * written the Secret back; only a Secret deleted while no SealedSecret uses its key and while it is
 * not the active key is let go (the documented way to retire an old key).
 */
export class KeyringStore {
  readonly informer: Informer<KeySecretEntry>;
  readonly custody: KeyCustody;
  private readonly unwrapper: KeyUnwrapper;
  private status: CustodyStatus;
  private loadedOnce = false;
  private readonly heldNoted = new Set<string>();
  /** Every key this process has loaded or made, by key id. */
  private readonly remembered = new Map<string, HeldKey>();
  private usage: KeyUsage | undefined;
  private syncWaiters: (() => void)[] = [];
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
      /** How private keys are stored (default plaintext). */
      custody?: KeyCustody;
    },
  ) {
    this.custody = o.custody ?? plaintextCustody();
    this.status = { custody: this.custody.name, loaded: 0, waiting: [], ignored: [] };
    this.unwrapper = new KeyUnwrapper({ custody: this.custody, clock: o.clock, log: o.log, onSettled: () => this.rebuild() });
    this.informer = new Informer<KeySecretEntry>({
      name: 'keys',
      client: o.client,
      path: secretsPath(o.namespace),
      labelSelector: `${KEY_LABEL}=${KEY_LABEL_VALUE}`,
      transform: keySecretEntry,
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

  /** Lets a deleted key Secret whose key nothing uses be forgotten (without it, every key is kept). */
  trackKeyUsage(usage: KeyUsage): void {
    this.usage = usage;
  }

  /** Keys held in memory whose Secret must be written back (deleted or unreadable). */
  keySecretsToRepair(): KeyEntry[] {
    return this.sorted.filter((e) => e.repair);
  }

  /** Key ids this process holds, whether or not their Secrets still exist. */
  heldKeyIds(): string[] {
    return [...this.remembered.keys()];
  }

  /** True once the key Secrets were listed and each key loaded or given up on (Vault answered). */
  get hasSynced(): boolean {
    return this.loadedOnce;
  }

  /** Why /readyz should say no because of the keys: waiting for the custody at start, or no usable key. */
  notReady(): string[] {
    const s = this.status;
    if (!this.loadedOnce && s.waiting.length > 0) {
      return [`key custody ${s.custody}: ${s.waiting.length} key Secret${s.waiting.length === 1 ? '' : 's'} waiting: ${s.waiting[0]!.message}`];
    }
    if (this.loadedOnce && s.loaded === 0 && s.ignored.length > 0) return [`key custody ${s.custody}: no usable key: ${s.ignored[0]!.message}`];
    if (s.loaded === 0 && s.createFailure) return [`key custody ${s.custody}: cannot create a key: ${s.createFailure}`];
    return [];
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

  /** Whether every key Secret's key is loaded, or which wait for the custody and why. */
  custodyStatus(): CustodyStatus {
    return this.status;
  }

  /**
   * The key this replica already holds for a Secret whose content changed and cannot be unwrapped
   * (now): keys are only ever added, so a key Secret rewritten under another custody (`custody
   * migrate` while this replica still runs with the old flags) or a Vault outage during a rewrite
   * leaves the key in memory rather than taking it away.
   */
  private held(e: KeySecretEntry, k: KeyToUnwrap): KeyPair | undefined {
    const prev = this.remembered.get(e.keyId);
    const problem = this.unwrapper.problem(k);
    if (prev && problem && !this.heldNoted.has(e.name)) {
      this.heldNoted.add(e.name);
      this.o.log.warn('key secret rewritten in a form this replica cannot read now; keeping the key it holds', { secret: e.name, keyId: e.keyId, custody: this.custody.name, reason: problem.message });
    }
    return prev?.pair;
  }

  /**
   * Why a held key's Secret must be rewritten: it was rewritten by the same custody with content
   * that can never be read (an edit by hand, a bad restore). Another custody's form (`custody
   * migrate` running) and a custody that is only unreachable (Vault away) are left alone.
   */
  private damage(e: KeySecretEntry, k: KeyToUnwrap): KeyRepair | undefined {
    const problem = this.unwrapper.problem(k);
    if (!problem || problem.retryable || e.wrapped?.custody !== this.custody.name) return undefined;
    return { why: 'unreadable', detail: problem.message };
  }

  private remember(e: KeySecretEntry, pair: KeyPair): void {
    this.remembered.set(e.keyId, { keyId: e.keyId, name: e.name, createdAt: e.createdAt, pair, wrapped: e.wrapped! });
  }

  /**
   * Held keys the Secrets no longer provide, put back among the loaded keys (marked for repair),
   * except a Secret deleted on purpose: nothing sealed to its key and not the active key.
   */
  private fromMemory(loaded: readonly KeyEntry[], secrets: readonly KeySecretEntry[]): KeyEntry[] {
    const have = new Set(loaded.map((e) => e.keyId));
    const missing = [...this.remembered.values()].filter((h) => !have.has(h.keyId));
    if (missing.length === 0) return [];
    const inUse = this.usage?.();
    const out: KeyEntry[] = [];
    for (const h of missing) {
      const secret = secrets.find((s) => s.keyId === h.keyId) ?? secrets.find((s) => s.name === h.name);
      if (!secret && inUse && !inUse.has(h.keyId) && this.sorted[0]?.keyId !== h.keyId) {
        this.remembered.delete(h.keyId);
        this.o.log.info('key Secret deleted and no SealedSecret uses its key: key retired', { secret: h.name, keyId: h.keyId });
        continue;
      }
      const repair: KeyRepair = secret ? { why: 'unreadable', detail: secret.error ?? 'its key cannot be read' } : { why: 'deleted' };
      out.push({ namespace: this.o.namespace, name: h.name, resourceVersion: secret?.resourceVersion ?? '', keyId: h.keyId, createdAt: h.createdAt, wrapped: h.wrapped, error: undefined, pair: h.pair, repair });
    }
    return out;
  }

  /**
   * Writes a held key's Secret back from memory: the same bytes as before when the custody is the
   * same (plaintext, or a KMS ciphertext it made), wrapped anew otherwise. Returns the Secret written.
   */
  async repairKeySecret(e: KeyEntry): Promise<any> {
    const h = this.remembered.get(e.keyId);
    if (!h) throw new Error(`key ${e.keyId} is not held`);
    const wrapped = h.wrapped.custody === this.custody.name ? h.wrapped : await this.custody.wrap(h.pair.secretKey, h.keyId);
    const body: any = keySecretManifest(this.o.namespace, h.pair.publicKey, wrapped, new Date(h.createdAt));
    body.metadata.name = h.name;
    const path = secretsPath(this.o.namespace);
    this.unwrapper.seed({ name: h.name, keyId: h.keyId, wrapped }, h.pair);
    if (e.repair?.why === 'deleted') {
      try {
        return await this.o.client.request({ method: 'POST', path, query: { fieldManager: FIELD_MANAGER }, body });
      } catch (err) {
        // There is a Secret of that name our cache does not see (its label removed): replace it.
        if (!isAlreadyExists(err)) throw err;
      }
    }
    const current: any = await this.o.client.request({ method: 'GET', path: `${path}/${encodeURIComponent(h.name)}` });
    body.metadata.resourceVersion = current?.metadata?.resourceVersion;
    return this.o.client.request({ method: 'PUT', path: `${path}/${encodeURIComponent(h.name)}`, query: { fieldManager: FIELD_MANAGER }, body });
  }

  /** Records why the last key could not be created (shown while no key is loaded), and tells listeners. */
  private setCreateFailure(why: string | undefined): void {
    if (this.status.createFailure === why) return;
    this.status = { ...this.status, createFailure: why };
    for (const l of this.listeners) l();
  }

  private rebuild(): void {
    const good: KeyEntry[] = [];
    const asked: KeyToUnwrap[] = [];
    const waiting: UnwrapProblem[] = [];
    const ignored: UnwrapProblem[] = [];
    let firstAttempts = 0;
    for (const e of this.informer.values()) {
      if (!e.wrapped) {
        this.o.log.warn('ignoring key secret', { secret: e.name, reason: e.error });
        ignored.push({ name: e.name, keyId: e.keyId, message: e.error ?? 'invalid key', retryable: false });
        continue;
      }
      const k: KeyToUnwrap = { name: e.name, keyId: e.keyId, wrapped: e.wrapped };
      asked.push(k);
      const fresh = this.unwrapper.get(k);
      if (fresh) this.remember(e, fresh);
      const pair = fresh ?? this.held(e, k);
      const repair = fresh ? undefined : this.damage(e, k);
      if (pair) good.push(repair ? { ...e, pair, repair } : { ...e, pair });
      else if (this.unwrapper.pending(k)) {
        const problem = this.unwrapper.problem(k);
        if (problem) waiting.push(problem);
        else firstAttempts++;
      } else ignored.push(this.unwrapper.problem(k)!);
    }
    this.unwrapper.retain(asked);
    // Keys unwrap one by one: wait until each has had its first answer, so a start loads (and logs,
    // and publishes) all keys at once rather than one key at a time.
    if (firstAttempts > 0) return;
    good.push(...this.fromMemory(good, [...this.informer.values()]));
    const byName = (a: UnwrapProblem, b: UnwrapProblem) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const status: CustodyStatus = { custody: this.custody.name, loaded: good.length, waiting: waiting.sort(byName), ignored: ignored.sort(byName), createFailure: this.status.createFailure };
    // Synced once every key Secret of the first list has been unwrapped or given up on; a key
    // Secret that appears later while Vault is away does not make a running replica unsynced.
    if (!this.loadedOnce && this.informer.hasSynced && waiting.length === 0) {
      this.loadedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    const statusChanged = JSON.stringify(status) !== JSON.stringify(this.status);
    this.status = status;
    // Newest first; the name breaks ties so every replica picks the same active key.
    good.sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const ids = good.map((e) => e.keyId).join(',');
    const repairs = (list: readonly KeyEntry[]) => list.map((e) => (e.repair ? `${e.keyId}:${e.repair.why}:${e.resourceVersion}` : '')).join(',');
    const repairsChanged = repairs(good) !== repairs(this.sorted);
    if (ids === this.sorted.map((e) => e.keyId).join(',')) {
      this.sorted = good;
      if (statusChanged || repairsChanged) for (const l of this.listeners) l();
      return;
    }
    this.sorted = good;
    this.ring = new Keyring(good.map((e) => e.pair));
    this.unsealerInstance = new Unsealer(this.ring, { cacheSize: this.o.unsealerCacheSize ?? 20_000 });
    const active = good[0];
    this.o.metrics?.keys.set(good.length);
    this.o.metrics?.activeKey.reset();
    if (active) {
      this.o.metrics?.activeKey.set({ key_id: active.keyId }, 1);
      this.o.metrics?.activeKeyCreated.set(Math.floor(active.createdAt / 1000));
    }
    this.o.log.info('keys loaded', { keys: good.length, activeKeyId: active?.keyId ?? null, custody: this.custody.name, waiting: waiting.length });
    for (const l of this.listeners) l();
  }

  start(): void {
    this.informer.start();
    // An empty or quickly unwrapped list produces no later event: decide "synced" after the list too.
    void this.informer.waitForSync().then(() => this.rebuild());
  }

  async stop(): Promise<void> {
    await this.informer.stop();
    this.unwrapper.close();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  async waitForSync(): Promise<void> {
    await this.informer.waitForSync();
    this.rebuild();
    if (this.loadedOnce) return;
    await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  /**
   * Generates a key and stores it. The Secret is named after the key id, so a retry of the same
   * create is harmless; callers decide *whether* to create (the leader, or a manual rotation).
   */
  async createKey(reason: string, pair: KeyPair = generateKeyPair(), loud = false): Promise<string> {
    const id = keyId(pair.publicKey);
    // Wrapped before anything is written: under vault-transit no plaintext key ever reaches the API server.
    let wrapped: WrappedKey;
    try {
      wrapped = await this.custody.wrap(pair.secretKey, id);
    } catch (err) {
      this.o.log.error('cannot wrap new key', { keyId: id, custody: this.custody.name, reason: err instanceof KeyCustodyError ? err.message : 'wrap failed' });
      this.setCreateFailure(err instanceof KeyCustodyError ? err.message : `${this.custody.name} wrap failed`);
      throw err;
    }
    this.setCreateFailure(undefined);
    // This replica knows the key already: no unwrap round trip when its Secret comes back by watch.
    this.unwrapper.seed({ name: keySecretName(id), keyId: id, wrapped }, pair);
    const createdAt = this.o.clock.now();
    try {
      await this.o.client.request({
        method: 'POST',
        path: secretsPath(this.o.namespace),
        query: { fieldManager: FIELD_MANAGER },
        body: keySecretManifest(this.o.namespace, pair.publicKey, wrapped, new Date(createdAt)),
      });
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.o.log.error('could not store new key', { keyId: id, ...errorFields(err) });
        throw err;
      }
    }
    // Held from here on: should its Secret go, the leader writes it back (only once it was stored).
    this.remembered.set(id, { keyId: id, name: keySecretName(id), createdAt, pair, wrapped });
    this.o.metrics?.keysGenerated.inc();
    // A key that replaces lost ones is news an operator must see; a first key or a rotation is routine.
    this.o.log[loud ? 'warn' : 'info']('generated key', { keyId: id, reason, secret: keySecretName(id) });
    return id;
  }

  /**
   * Makes sure there is a key, and a fresh one when the newest is older than renewPeriodMs.
   * Reads the key Secrets from the API server rather than the cache, so a replica that just
   * became leader never creates a key because its cache was a moment behind.
   */
  async ensureKeys(renewPeriodMs: number, o: { replacingLostKeys?: boolean } = {}): Promise<void> {
    // Every Secret holding a key counts, loaded or not: a key this replica cannot unwrap yet
    // (Vault away, Transit key being restored) must not make it generate a replacement. So does
    // every key held in memory: its Secret is being written back, not replaced.
    const entries = (await this.listKeySecrets()).filter((e) => e.wrapped);
    const created = [...entries.map((e) => e.createdAt), ...[...this.remembered.values()].map((h) => h.createdAt)];
    if (created.length === 0) {
      if (o.replacingLostKeys) await this.createKey('replacing lost keys (see the error logged before)', generateKeyPair(), true);
      else await this.createKey('first start');
      return;
    }
    if (renewPeriodMs <= 0) return;
    const newest = Math.max(...created);
    if (this.o.clock.now() - newest >= renewPeriodMs) await this.createKey('scheduled rotation');
  }

  /** The key Secrets as the API server has them now (not the cache: a new leader's cache may lag). */
  async listKeySecrets(): Promise<KeySecretEntry[]> {
    const list: any = await this.o.client.request({
      method: 'GET',
      path: secretsPath(this.o.namespace),
      query: { labelSelector: `${KEY_LABEL}=${KEY_LABEL_VALUE}` },
    });
    return ((list?.items ?? []) as any[]).map(keySecretEntry);
  }

  /** When the next scheduled rotation is due (ms since epoch), or undefined when disabled. */
  nextRotation(renewPeriodMs: number): number | undefined {
    const a = this.active();
    if (!a || renewPeriodMs <= 0) return undefined;
    return a.createdAt + renewPeriodMs;
  }
}
