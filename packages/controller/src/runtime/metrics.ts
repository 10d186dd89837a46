import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric the controller exports, in one prom-client registry (docs/operations.md lists them),
 * with prom-client's default process and Node.js metrics (resident memory, heap, event-loop lag,
 * GC, start time). Label values are controller-chosen words (reasons, results, key ids, store
 * names), never object names, so cardinality stays bounded with tens of thousands of objects.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: (g: Gauge<L>) => void) =>
    new Gauge<L>({ name, help, labelNames, registers, ...(collect ? { collect(this: Gauge<L>) { collect(this); } } : {}) });
  const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, registers });

  // What the gauges read at scrape time; the runtime registers its queues and caches here.
  const queues = new Map<string, QueueStats>();
  const caches = new Map<string, () => number>();
  const statusLanes = new Map<string, () => number>();
  const retriesSeen = new Map<string, number>();

  const m = {
    registry,
    // SealedSecrets (sealkit.dev)
    reconciles: counter('sealkit_reconcile_total', 'SealedSecret reconciles by result (unchanged, created, updated, recreated, failed, not_owned, gone, error).', ['result']),
    reconcileErrors: counter('sealkit_reconcile_errors_total', 'Failed reconciles by reason (ScopeMismatch, UnknownKey, AuthenticationFailed, SecretNotOwned, ApiError, ...).', ['reason']),
    secretWrites: counter('sealkit_secret_writes_total', 'Writes of managed Secrets by SealedSecrets, by operation (create, update, recreate).', ['op']),
    statusPatches: counter('sealkit_status_patches_total', 'SealedSecret status patches.'),
    unsealSeconds: histogram('sealkit_unseal_duration_seconds', 'Time to open all values of one SealedSecret.', [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1]),
    // Bitnami SealedSecrets (--bitnami)
    bitnamiReconciles: counter('sealkit_bitnami_reconcile_total', 'Bitnami SealedSecret reconciles by result (unchanged, created, updated, failed, gone, handed_over).', ['result']),
    bitnamiFailures: counter('sealkit_bitnami_reconcile_errors_total', 'Failed Bitnami SealedSecret reconciles by stage (unseal, update, api, internal).', ['stage']),
    bitnamiUnsealSeconds: histogram('sealkit_bitnami_unseal_duration_seconds', 'Time to open all values of one Bitnami SealedSecret (worker thread, queueing included).', [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]),
    bitnamiKeys: gauge('sealkit_bitnami_keys_loaded', 'Bitnami private keys loaded from the key Secrets.'),
    // RemoteSecrets (Vault)
    vaultRequests: counter('sealkit_vault_requests_total', 'Vault HTTP requests by store, operation and HTTP status (0 = unreachable).', ['store', 'op', 'code']),
    vaultSharedReads: counter('sealkit_vault_reads_shared_total', 'Reads answered by a request another RemoteSecret already made (no Vault request).', ['store']),
    vaultLogins: counter('sealkit_vault_logins_total', 'Vault logins (or static token checks) by store, method and result.', ['store', 'method', 'result']),
    vaultRenewals: counter('sealkit_vault_token_renewals_total', 'Vault token renewals by store and result.', ['store', 'result']),
    remoteSyncs: counter('sealkit_remotesecret_syncs_total', 'RemoteSecret reconciles by result and reason.', ['result', 'reason']),
    // Rollout on change
    rolloutRestarts: counter('sealkit_rollout_restarts_total', 'Workload restarts after a managed Secret changed, by kind and result (restarted, unchanged, missing, forbidden, failed).', ['kind', 'result']),
    // The runtime
    queueDepth: gauge('sealkit_workqueue_depth', 'Keys waiting in a work queue, by controller.', ['controller'], (g) => {
      for (const [c, q] of queues) g.set({ controller: c }, q.depth);
    }),
    queueInFlight: gauge('sealkit_workqueue_in_flight', 'Keys being reconciled right now, by controller.', ['controller'], (g) => {
      for (const [c, q] of queues) g.set({ controller: c }, q.inFlight);
    }),
    queueWaiting: gauge('sealkit_workqueue_waiting_retry', 'Keys waiting for a backoff or delayed retry, by controller.', ['controller'], (g) => {
      for (const [c, q] of queues) g.set({ controller: c }, q.waiting);
    }),
    queueRetries: counter('sealkit_workqueue_retries_total', 'Retries scheduled with backoff, by controller.', ['controller']),
    statusQueue: gauge('sealkit_status_queue_depth', 'Status patches waiting (written after Secrets while the work queue is busy), by controller.', ['controller'], (g) => {
      for (const [c, depth] of statusLanes) g.set({ controller: c }, depth());
    }),
    cachedObjects: gauge('sealkit_cached_objects', 'Objects in the informer caches by informer.', ['informer'], (g) => {
      for (const [name, size] of caches) g.set({ informer: name }, size());
    }),
    informerRestarts: counter('sealkit_informer_restarts_total', 'List/watch restarts by informer and cause.', ['informer', 'cause']),
    leader: gauge('sealkit_leader', '1 while this replica holds the leader lease (--lease-name).'),
    bitnamiLeader: gauge('sealkit_bitnami_leader', '1 while this replica holds the Bitnami lease (--bitnami-lease-name).'),
    writesRefused: counter('sealkit_writes_refused_total', 'Writes refused because this replica is not (or no longer) the leader, by lease.', ['lease']),
    events: counter('sealkit_events_total', 'Kubernetes Events by outcome (sent, dropped, failed).', ['outcome']),
    httpRequests: counter('sealkit_http_requests_total', 'HTTP requests by route and code.', ['route', 'code']),
    // Keys
    keys: gauge('sealkit_keys', 'Private keys loaded from the key Secrets.'),
    activeKey: gauge('sealkit_active_key_info', 'The key new SealedSecrets are sealed to (value 1, label key_id).', ['key_id']),
    activeKeyCreated: gauge('sealkit_active_key_created_timestamp_seconds', 'Creation time of the active key.'),
    keysGenerated: counter('sealkit_keys_generated_total', 'Keys generated by this process.'),

    /** Reports a work queue's depth, in-flight and retry counts under `controller`. */
    watchQueue(controller: string, q: QueueStats): void {
      queues.set(controller, q);
    },
    /** Reports an informer cache's size under `informer`. */
    watchCache(informer: string, size: () => number): void {
      caches.set(informer, size);
    },
    watchStatusLane(controller: string, depth: () => number): void {
      statusLanes.set(controller, depth);
    },
    /** The Prometheus text exposition of every metric. */
    render(): Promise<string> {
      // Queues count retries themselves; the counter catches up at scrape time.
      for (const [c, q] of queues) {
        const seen = retriesSeen.get(c) ?? 0;
        if (q.retriesTotal > seen) m.queueRetries.inc({ controller: c }, q.retriesTotal - seen);
        retriesSeen.set(c, q.retriesTotal);
      }
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
  return m;
}

export interface QueueStats {
  readonly depth: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly retriesTotal: number;
}

export type Metrics = ReturnType<typeof createMetrics>;
