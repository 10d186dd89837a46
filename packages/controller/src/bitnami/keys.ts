import { X509Certificate } from 'node:crypto';
import {
  BITNAMI_KEY_LABEL,
  BITNAMI_KEY_LABEL_ACTIVE,
  BitnamiKeyring,
  bitnamiKeyFromSecret,
  type BitnamiPrivateKey,
} from '@sealkit/core';
import type { Clock } from '../runtime/clock.js';
import { secretPath, secretsPath } from '../constants.js';
import { Informer, type Cached } from '../runtime/informer.js';
import type { KubeClient } from '@sealkit/kube';
import { errorFields, isNotFound } from '@sealkit/kube';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';

/** One Bitnami key Secret, reduced to its key (or why it could not be read) and certificate. */
export interface BitnamiKeyEntry extends Cached {
  key: BitnamiPrivateKey | undefined;
  /** tls.crt as PEM (public), for GET /v1/bitnami/cert.pem. */
  certificatePem: string | undefined;
  error: string | undefined;
}

function keyEntry(raw: any): BitnamiKeyEntry {
  const md = raw?.metadata ?? {};
  const base = { namespace: md.namespace ?? '', name: md.name ?? '', resourceVersion: md.resourceVersion ?? '' };
  let certificatePem: string | undefined;
  try {
    const crt = raw?.data?.['tls.crt'];
    if (typeof crt === 'string') {
      const text = Buffer.from(crt, 'base64').toString('utf8');
      const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\r?\n?/.exec(text)?.[0];
      if (first) {
        new X509Certificate(first); // only a readable certificate is served
        certificatePem = first.endsWith('\n') ? first : `${first}\n`;
      }
    }
  } catch {
    certificatePem = undefined;
  }
  try {
    return { ...base, key: bitnamiKeyFromSecret({ ...raw, kind: 'Secret' }), certificatePem, error: undefined };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ...base, key: undefined, certificatePem, error: code ? `unreadable key (${code})` : 'unreadable key' };
  }
}

/**
 * The Bitnami controller's private keys, read where it keeps them: Secrets labelled
 * sealedsecrets.bitnami.com/sealed-secrets-key=active in its namespace (kept current by a watch),
 * plus a legacy unlabelled Secret named like the key prefix, as the Bitnami controller reads it.
 * Keys are never written or deleted here: the Bitnami Secrets stay the source of truth.
 */
export class BitnamiKeyStore {
  readonly informer: Informer<BitnamiKeyEntry>;
  private legacy: BitnamiKeyEntry | undefined;
  private ring = new BitnamiKeyring();
  private listeners: (() => void)[] = [];
  private fingerprints = '';

  constructor(
    private readonly o: { client: KubeClient; namespace: string; keyPrefix: string; clock: Clock; log: Logger; metrics?: Metrics },
  ) {
    this.informer = new Informer<BitnamiKeyEntry>({
      name: 'bitnami-keys',
      client: o.client,
      path: secretsPath(o.namespace),
      labelSelector: `${BITNAMI_KEY_LABEL}=${BITNAMI_KEY_LABEL_ACTIVE}`,
      transform: keyEntry,
      clock: o.clock,
      log: o.log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
    const changed = (e: BitnamiKeyEntry) => {
      if (e.error) o.log.warn('Bitnami key Secret not usable', { namespace: e.namespace, name: e.name, reason: e.error });
      this.rebuild();
    };
    this.informer.on({ add: changed, update: changed, delete: () => this.rebuild() });
  }

  start(): void {
    this.informer.start();
    void this.readLegacy();
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** The current keyring (a new object after every change). */
  keyring(): BitnamiKeyring {
    return this.ring;
  }

  keys(): BitnamiPrivateKey[] {
    return this.ring.keys();
  }

  /** PEM of the newest certificate (what the Bitnami controller served at /v1/cert.pem). */
  newestCertificatePem(): string | undefined {
    let best: BitnamiKeyEntry | undefined;
    for (const e of this.entries()) {
      if (!e.key || !e.certificatePem) continue;
      if (!best || (e.key.notBefore?.getTime() ?? 0) > (best.key?.notBefore?.getTime() ?? 0)) best = e;
    }
    return best?.certificatePem;
  }

  private entries(): BitnamiKeyEntry[] {
    const all = [...this.informer.values()];
    if (this.legacy && !all.some((e) => e.name === this.legacy!.name)) all.push(this.legacy);
    return all;
  }

  private async readLegacy(): Promise<void> {
    try {
      const raw = await this.o.client.request({ method: 'GET', path: secretPath(this.o.namespace, this.o.keyPrefix) });
      this.legacy = keyEntry(raw);
      this.rebuild();
    } catch (err) {
      if (!isNotFound(err)) this.o.log.warn('could not read the legacy Bitnami key Secret', { name: this.o.keyPrefix, ...errorFields(err) });
    }
  }

  private rebuild(): void {
    // Newest first by certificate notBefore: the key most values are sealed with is tried first
    // (each opener then keeps the key that last opened something at the front).
    const keys = this.entries()
      .map((e) => e.key)
      .filter((k): k is BitnamiPrivateKey => k !== undefined)
      .sort((a, b) => (b.notBefore?.getTime() ?? 0) - (a.notBefore?.getTime() ?? 0));
    const fingerprints = keys.map((k) => k.fingerprint).sort().join(',');
    if (fingerprints === this.fingerprints) return;
    this.fingerprints = fingerprints;
    this.ring = new BitnamiKeyring(keys);
    this.o.log.info('Bitnami keys loaded', { keys: keys.length, fingerprints: keys.map((k) => k.fingerprint) });
    for (const l of this.listeners) l();
  }
}
