import { BITNAMI_API_GROUP } from '@sealkit/core';
import { secretsPath } from '../constants.js';
import { cacheKey, informerPerNamespace, splitKey, type InformerGroup } from '../runtime/informer.js';
import { errorFields } from '@sealkit/kube';
import type { Cache, Reconciler, ReconcilerContext } from '../runtime/manager.js';
import { queueOnSpecChange } from '../runtime/queue-on-spec-change.js';
import { StatusWriter } from '../runtime/status.js';
import { WorkQueue } from '../runtime/workqueue.js';
import { SecretWriter } from '../secrets/writer.js';
import type { BitnamiHttpDeps } from './http.js';
import { BitnamiKeyStore } from './keys.js';
import { createOpener, type BitnamiOpener } from './opener.js';
import { reconcileBitnami, type BitnamiReconcileDeps, type Memo } from './reconcile.js';
import { bitnamiSealedSecretView, bitnamiSecretView, type BitnamiSealedSecretView, type BitnamiSecretView } from './views.js';

/** Flags of the Bitnami mode (config.ts). */
export interface BitnamiOptions {
  /** Namespace of the Bitnami controller's key Secrets (where it ran; kube-system by default). */
  keyNamespace: string;
  /** Its --key-prefix: name of a pre-label legacy key Secret, read as well (as Bitnami does). */
  keyPrefix: string;
  /** Worker threads that do the RSA work; 0 opens on the main thread. */
  decryptWorkers: number;
  /** Re-check every Bitnami SealedSecret this often (0: never; Bitnami itself never does). */
  resyncPeriodMs: number;
  /** Lease that elects the replica reconciling Bitnami SealedSecrets. */
  leaseName: string;
}

/** The sealkit SealedSecret side of the same process: its cache, and a way to wake its queue. */
export interface SealkitSide {
  sealedSecrets: {
    get(namespace: string, name: string): unknown;
    on(handler: { add?(o: { namespace: string; name: string }): void; delete?(o: { namespace: string; name: string }): void }): void;
  };
  enqueue(key: string): void;
}

export const BITNAMI_SEALED_SECRETS_PATH = `/apis/${BITNAMI_API_GROUP}/v1alpha1/sealedsecrets`;
const nsSealedSecrets = (ns: string) => `/apis/${BITNAMI_API_GROUP}/v1alpha1/namespaces/${encodeURIComponent(ns)}/sealedsecrets`;

/**
 * `--bitnami`: reconciles bitnami.com/v1alpha1 SealedSecrets (the Bitnami CRD, left installed) with
 * the Bitnami controller's own keys, in place of the Bitnami controller. A reconciler of the
 * runtime like the others, under its own manager and Lease (--bitnami-lease-name), so neither kind
 * slows the other down. Secrets are watched in full (Bitnami's carry no label to select them by)
 * but cached only as small digests; the RSA work runs on worker threads (opener.ts).
 */
export class BitnamiReconciler implements Reconciler {
  readonly name = 'bitnami';
  readonly sealedSecrets: InformerGroup<BitnamiSealedSecretView>;
  readonly secrets: InformerGroup<BitnamiSecretView>;
  readonly keys: BitnamiKeyStore;
  readonly queue: WorkQueue;
  readonly caches: readonly Cache[];
  readonly queues: readonly WorkQueue[];
  readonly resyncPeriodMs: number;
  /** What the HTTP server needs for Bitnami requests (every replica serves them). */
  readonly http: BitnamiHttpDeps;
  private readonly opener: BitnamiOpener;
  private readonly memo = new Map<string, Memo>();

  constructor(
    private readonly o: ReconcilerContext & {
      options: BitnamiOptions;
      /** The sealkit SealedSecret side of the same process, when there is one. */
      sealkit?: SealkitSide;
    },
  ) {
    const { client, clock, log, metrics, options: opts } = o;
    this.resyncPeriodMs = opts.resyncPeriodMs;
    this.sealedSecrets = informerPerNamespace(o.namespaces, {
      name: 'bitnami-sealedsecrets',
      client,
      path: (ns) => (ns ? nsSealedSecrets(ns) : BITNAMI_SEALED_SECRETS_PATH),
      transform: bitnamiSealedSecretView,
      clock,
      log,
      metrics,
    });
    this.secrets = informerPerNamespace(o.namespaces, {
      name: 'bitnami-secrets',
      client,
      path: (ns) => (ns ? secretsPath(ns) : '/api/v1/secrets'),
      transform: bitnamiSecretView,
      clock,
      log,
      metrics,
    });
    this.keys = new BitnamiKeyStore({ client, namespace: opts.keyNamespace, keyPrefix: opts.keyPrefix, clock, log, metrics });
    this.http = { keyring: () => this.keys.keyring(), certificatePem: () => this.keys.newestCertificatePem() };
    this.opener = createOpener(opts.decryptWorkers, (err) => log.error('Bitnami decrypt worker failed; replaced', errorFields(err)));
    metrics.bitnamiKeys.set(0);

    const status = new StatusWriter(client);
    const deps: BitnamiReconcileDeps = {
      sealedSecret: (ns, n) => this.sealedSecrets.get(ns, n),
      cachedSecret: (ns, n) => this.secrets.get(ns, n),
      ready: () => this.keys.hasSynced && this.keys.keys().length > 0,
      open: async (ss) => {
        const started = performance.now();
        try {
          return await this.opener.open(ss.sealed);
        } finally {
          metrics.bitnamiUnsealSeconds.observe((performance.now() - started) / 1000);
        }
      },
      secrets: new SecretWriter(client),
      status: { patch: (ss, s) => status.patch({ path: `${nsSealedSecrets(ss.namespace)}/${encodeURIComponent(ss.name)}`, uid: ss.uid }, s) },
      events: o.events,
      now: () => new Date(clock.now()),
      memo: this.memo,
      log,
      sealkitOwner: (ns, n) => o.sealkit?.sealedSecrets.get(ns, n) !== undefined,
      handOver: (k) => o.sealkit?.enqueue(k),
      observe: (outcome, reason) => {
        metrics.bitnamiReconciles.inc({ result: outcome });
        if (reason) metrics.bitnamiFailures.inc({ stage: reason });
      },
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: o.workers,
      backoffMaxMs: o.maxBackoffMs,
      handler: (key) => reconcileBitnami(key, deps),
      onError: (key, err) => {
        metrics.bitnamiFailures.inc({ stage: 'internal' });
        const { namespace, name } = splitKey(key);
        log.warn('Bitnami reconcile failed; will retry', { namespace, name, ...errorFields(err) });
      },
    });
    metrics.watchQueue(this.name, this.queue);
    this.caches = [this.keys, this.sealedSecrets, this.secrets];
    this.queues = [this.queue];

    // As Bitnami: only a spec change (a new generation) calls for another look.
    this.sealedSecrets.on(queueOnSpecChange(this.queue, this.memo));
    // As Bitnami: a deleted Secret that its SealedSecret controls (or that was opted in) is recreated.
    this.secrets.on({
      delete: (s) => {
        const ss = this.sealedSecrets.get(s.namespace, s.name);
        if (ss && (s.controllerUid === ss.uid || s.managed)) this.queue.add(cacheKey(s.namespace, s.name));
      },
    });
    // A sealkit SealedSecret of the same name takes the Secret over; if it goes away, Bitnami's is back in charge.
    const sealkitChanged = (x: { namespace: string; name: string }) => {
      if (this.sealedSecrets.get(x.namespace, x.name)) this.queue.add(cacheKey(x.namespace, x.name));
    };
    o.sealkit?.sealedSecrets.on({ add: sealkitChanged, delete: sealkitChanged });
    this.keys.onChange(() => {
      metrics.bitnamiKeys.set(this.keys.keys().length);
      this.opener.setKeys(this.keys.keys());
      // New keys may open what failed before.
      this.enqueueAll();
    });
  }

  enqueueAll(): void {
    for (const k of this.sealedSecrets.keys()) this.queue.add(k);
  }

  async startLeading(): Promise<void> {
    this.o.log.info('Bitnami mode', { keyNamespace: this.o.options.keyNamespace, decryptWorkers: this.o.options.decryptWorkers });
    if (this.keys.keys().length === 0) {
      this.o.log.warn('no Bitnami keys found; Bitnami SealedSecrets wait for them', { namespace: this.o.options.keyNamespace });
    }
    this.opener.setKeys(this.keys.keys());
  }

  async stop(): Promise<void> {
    await this.opener.close();
  }
}
