import { BITNAMI_API_GROUP } from '@sealkit/core';
import type { Clock, Timer } from '../runtime/clock.js';
import type { Config } from '../config.js';
import { FIELD_MANAGER, secretPath, secretsPath } from '../constants.js';
import { EventRecorder } from '../runtime/events.js';
import { InformerGroup, cacheKey, informerPerNamespace, splitKey } from '../runtime/informer.js';
import type { KubeClient } from '../kube/client.js';
import { errorFields } from '../kube/errors.js';
import { electorFromConfig, type LeaderElector } from '../runtime/leader.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { queueOnSpecChange } from '../runtime/queue-on-spec-change.js';
import { WorkQueue } from '../runtime/workqueue.js';
import type { BitnamiHttpDeps } from './http.js';
import { BitnamiKeyStore } from './keys.js';
import { createOpener, type BitnamiOpener } from './opener.js';
import type { BitnamiOptions } from './options.js';
import { reconcileBitnami, type BitnamiReconcileDeps, type Memo } from './reconcile.js';
import { bitnamiSealedSecretView, bitnamiSecretView, type BitnamiSealedSecretView, type BitnamiSecretView, type SyncedCondition } from './views.js';

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
 * the Bitnami controller's own keys, in place of the Bitnami controller. It runs next to the sealkit
 * SealedSecret controller in the same process, with its own informers, queue and lease, so neither
 * slows the other down. Secrets are watched in full (Bitnami's carry no label to select them by) but
 * cached only as small digests; the RSA work runs on worker threads (opener.ts).
 */
export class BitnamiController {
  readonly sealedSecrets: InformerGroup<BitnamiSealedSecretView>;
  readonly secrets: InformerGroup<BitnamiSecretView>;
  readonly keys: BitnamiKeyStore;
  readonly queue: WorkQueue;
  /** What the HTTP server needs for Bitnami requests (every replica serves them). */
  readonly http: BitnamiHttpDeps;
  private readonly opener: BitnamiOpener;
  private readonly events: EventRecorder;
  private readonly elector: LeaderElector | undefined;
  private readonly memo = new Map<string, Memo>();
  private leading = false;
  private resyncTimer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly cfg: Config,
    private readonly opts: BitnamiOptions,
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    /** The sealkit SealedSecret side of the same process: its cache, and a way to wake its queue. */
    private readonly sealkit?: SealkitSide,
  ) {
    const restarts = (informer: string) => (cause: string) => metrics.informerRestarts.inc({ informer, cause });
    this.sealedSecrets = informerPerNamespace(cfg.watchNamespaces, {
      name: 'bitnami-sealedsecrets',
      client,
      path: (ns) => (ns ? nsSealedSecrets(ns) : BITNAMI_SEALED_SECRETS_PATH),
      transform: bitnamiSealedSecretView,
      clock,
      log,
      onRestart: restarts('bitnami-sealedsecrets'),
    });
    this.secrets = informerPerNamespace(cfg.watchNamespaces, {
      name: 'bitnami-secrets',
      client,
      path: (ns) => (ns ? secretsPath(ns) : '/api/v1/secrets'),
      transform: bitnamiSecretView,
      clock,
      log,
      onRestart: restarts('bitnami-secrets'),
    });
    this.keys = new BitnamiKeyStore({ client, namespace: opts.keyNamespace, keyPrefix: opts.keyPrefix, clock, log });
    this.http = { keyring: () => this.keys.keyring(), certificatePem: () => this.keys.newestCertificatePem() };
    this.opener = createOpener(opts.decryptWorkers, (err) => log.error('Bitnami decrypt worker failed; replaced', errorFields(err)));
    this.events = new EventRecorder({ client, identity: cfg.identity, log, metrics });
    const reconciles = metrics.registry.counter('sealkit_bitnami_reconcile_total', 'Bitnami SealedSecret reconciles by result (unchanged, created, updated, failed, gone).');
    const failures = metrics.registry.counter('sealkit_bitnami_reconcile_errors_total', 'Failed Bitnami SealedSecret reconciles by stage (unseal, update, api).');
    const unsealSeconds = metrics.registry.histogram('sealkit_bitnami_unseal_duration_seconds', 'Time to open all values of one Bitnami SealedSecret (worker thread, queueing included).', [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]);
    const keysGauge = metrics.registry.gauge('sealkit_bitnami_keys_loaded', 'Bitnami private keys loaded from the key Secrets.');
    keysGauge.collect(() => keysGauge.set(this.keys.keys().length));

    const deps: BitnamiReconcileDeps = {
      sealedSecret: (ns, n) => this.sealedSecrets.get(ns, n),
      cachedSecret: (ns, n) => this.secrets.get(ns, n),
      ready: () => this.keys.hasSynced && this.keys.keys().length > 0,
      open: async (ss) => {
        const started = performance.now();
        try {
          return await this.opener.open(ss.sealed);
        } finally {
          unsealSeconds.observe((performance.now() - started) / 1000);
        }
      },
      secrets: {
        create: async (body) =>
          bitnamiSecretView(await client.request({ method: 'POST', path: secretsPath((body as any).metadata.namespace), query: { fieldManager: FIELD_MANAGER }, body })),
        patch: async (ns, n, ops) =>
          bitnamiSecretView(
            await client.request({ method: 'PATCH', path: secretPath(ns, n), query: { fieldManager: FIELD_MANAGER }, contentType: 'application/json-patch+json', body: ops }),
          ),
        get: async (ns, n) => {
          try {
            return await client.request({ method: 'GET', path: secretPath(ns, n) });
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode === 404) return undefined;
            throw err;
          }
        },
        annotate: async (ns, n, resourceVersion, annotations) =>
          bitnamiSecretView(
            await client.request({
              method: 'PATCH',
              path: secretPath(ns, n),
              query: { fieldManager: FIELD_MANAGER },
              contentType: 'application/merge-patch+json',
              body: { metadata: { resourceVersion, annotations } },
            }),
          ),
        replace: async (body) =>
          bitnamiSecretView(
            await client.request({ method: 'PUT', path: secretPath(body.metadata.namespace, body.metadata.name), query: { fieldManager: FIELD_MANAGER }, body }),
          ),
      },
      status: {
        patch: async (ss: BitnamiSealedSecretView, status: { observedGeneration: number; conditions: SyncedCondition[] }) => {
          await client.request({
            method: 'PATCH',
            path: `${nsSealedSecrets(ss.namespace)}/${encodeURIComponent(ss.name)}/status`,
            query: { fieldManager: FIELD_MANAGER },
            contentType: 'application/merge-patch+json',
            body: { metadata: { uid: ss.uid }, status },
          });
        },
      },
      events: this.events,
      now: () => new Date(clock.now()),
      memo: this.memo,
      log,
      sealkitOwner: (ns, n) => this.sealkit?.sealedSecrets.get(ns, n) !== undefined,
      handOver: (k) => this.sealkit?.enqueue(k),
      observe: (outcome, reason) => {
        reconciles.inc({ result: outcome });
        if (reason) failures.inc({ stage: reason });
      },
    };
    this.queue = new WorkQueue({
      clock,
      concurrency: cfg.workers,
      backoffMaxMs: cfg.maxBackoffMs,
      handler: (key) => reconcileBitnami(key, deps),
      onError: (key, err) => {
        failures.inc({ stage: 'internal' });
        const { namespace, name } = splitKey(key);
        log.warn('Bitnami reconcile failed; will retry', { namespace, name, ...errorFields(err) });
      },
    });

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
    const sealkitChanged = (o: { namespace: string; name: string }) => {
      if (this.sealedSecrets.get(o.namespace, o.name)) this.queue.add(cacheKey(o.namespace, o.name));
    };
    this.sealkit?.sealedSecrets.on({ add: sealkitChanged, delete: sealkitChanged });
    this.keys.onChange(() => {
      this.opener.setKeys(this.keys.keys());
      // New keys may open what failed before.
      for (const k of this.sealedSecrets.keys()) this.queue.add(k);
    });

    this.elector = electorFromConfig(cfg, { client, name: opts.leaseName, clock, log, onStartedLeading: () => this.startLeading(), onStoppedLeading: () => this.stopLeading() });
  }

  /** Why /readyz should say no (empty when ready). */
  notReady(): string[] {
    const why: string[] = [];
    if (!this.sealedSecrets.hasSynced) why.push('Bitnami SealedSecret cache not synced');
    if (!this.secrets.hasSynced) why.push('Secret cache (Bitnami) not synced');
    if (!this.keys.hasSynced) why.push('Bitnami key cache not synced');
    return why;
  }

  start(): void {
    this.log.info('Bitnami mode', { keyNamespace: this.opts.keyNamespace, decryptWorkers: this.opts.decryptWorkers });
    this.keys.start();
    this.sealedSecrets.start();
    this.secrets.start();
    if (this.elector) this.elector.start();
    else void this.startLeading();
  }

  private async startLeading(): Promise<void> {
    this.leading = true;
    await Promise.all([this.keys.waitForSync(), this.sealedSecrets.waitForSync(), this.secrets.waitForSync()]);
    if (!this.leading || this.stopped) return;
    if (this.keys.keys().length === 0) {
      this.log.warn('no Bitnami keys found; Bitnami SealedSecrets wait for them', { namespace: this.opts.keyNamespace });
    }
    this.opener.setKeys(this.keys.keys());
    for (const k of this.sealedSecrets.keys()) this.queue.add(k);
    this.queue.start();
    this.scheduleResync();
  }

  private async stopLeading(): Promise<void> {
    this.leading = false;
    this.resyncTimer?.cancel();
    await this.queue.pause();
  }

  private scheduleResync(): void {
    this.resyncTimer?.cancel();
    if (this.opts.resyncPeriodMs <= 0) return;
    this.resyncTimer = this.clock.after(this.opts.resyncPeriodMs, () => {
      if (!this.leading) return;
      for (const k of this.sealedSecrets.keys()) this.queue.add(k);
      this.scheduleResync();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.resyncTimer?.cancel();
    if (this.elector) await this.elector.stop();
    else await this.stopLeading();
    await this.queue.shutdown();
    await Promise.race([this.events.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await Promise.all([this.sealedSecrets.stop(), this.secrets.stop(), this.keys.stop(), this.opener.close()]);
  }
}
