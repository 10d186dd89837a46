/**
 * Prometheus text exposition (format 0.0.4), hand-written: counters, gauges and one histogram.
 * Label values are controller-chosen words (reasons, results, key ids), never object names,
 * so cardinality stays bounded with tens of thousands of SealedSecrets.
 */
type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

const labelStr = (l: Labels): string => {
  const parts = Object.keys(l)
    .sort()
    .map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class Counter implements Family {
  readonly type = 'counter' as const;
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelStr(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelStr(labels)) ?? 0;
  }
  render(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge' as const;
  private readonly values = new Map<string, number>();
  private collector: (() => void) | undefined;
  constructor(readonly name: string, readonly help: string) {}
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelStr(labels), value);
  }
  reset(): void {
    this.values.clear();
  }
  /** Computes the value at scrape time. */
  collect(fn: () => void): this {
    this.collector = fn;
    return this;
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(labelStr(labels));
  }
  render(): string[] {
    this.collector?.();
    if (this.values.size === 0) return [];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram' as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
  render(): string[] {
    const lines = this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

export class Registry {
  private readonly families: Family[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  private add<F extends Family>(f: F): F {
    this.families.push(f);
    return f;
  }
  render(): string {
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
    }
    return out.join('\n') + '\n';
  }
}

/** Every metric the controller exports, in one place (docs/operations.md lists them). */
export function createMetrics() {
  const r = new Registry();
  const m = {
    registry: r,
    reconciles: r.counter('sealkit_reconcile_total', 'SealedSecret reconciles by result (unchanged, created, updated, recreated, failed, not_owned, gone).'),
    reconcileErrors: r.counter('sealkit_reconcile_errors_total', 'Failed reconciles by reason (ScopeMismatch, UnknownKey, AuthenticationFailed, SecretNotOwned, ApiError, ...).'),
    secretWrites: r.counter('sealkit_secret_writes_total', 'Writes of managed Secrets by operation (create, update, delete).'),
    statusPatches: r.counter('sealkit_status_patches_total', 'SealedSecret status patches.'),
    unsealSeconds: r.histogram('sealkit_unseal_duration_seconds', 'Time to open all values of one SealedSecret.', [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1]),
    queueDepth: r.gauge('sealkit_workqueue_depth', 'Keys waiting in the work queue.'),
    queueInFlight: r.gauge('sealkit_workqueue_in_flight', 'Keys being reconciled right now.'),
    queueWaiting: r.gauge('sealkit_workqueue_waiting_retry', 'Keys waiting for a backoff or delayed retry.'),
    statusQueue: r.gauge('sealkit_status_queue_depth', 'Status patches waiting (written after Secrets while the work queue is busy).'),
    queueRetries: r.counter('sealkit_workqueue_retries_total', 'Retries scheduled with backoff.'),
    keys: r.gauge('sealkit_keys', 'Private keys loaded from the key Secrets.'),
    activeKey: r.gauge('sealkit_active_key_info', 'The key new SealedSecrets are sealed to (value 1, label key_id).'),
    activeKeyCreated: r.gauge('sealkit_active_key_created_timestamp_seconds', 'Creation time of the active key.'),
    keysGenerated: r.counter('sealkit_keys_generated_total', 'Keys generated by this process.'),
    leader: r.gauge('sealkit_leader', '1 while this replica holds the leader lease.'),
    informerRestarts: r.counter('sealkit_informer_restarts_total', 'List/watch restarts by informer and cause.'),
    cachedObjects: r.gauge('sealkit_cached_objects', 'Objects in the informer caches by informer.'),
    events: r.counter('sealkit_events_total', 'Kubernetes Events by outcome (sent, dropped, failed).'),
    httpRequests: r.counter('sealkit_http_requests_total', 'HTTP requests by route and code.'),
    rss: r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.'),
    heap: r.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.'),
    heapTotal: r.gauge('nodejs_heap_total_bytes', 'V8 heap reserved, in bytes.'),
    external: r.gauge('nodejs_external_memory_bytes', 'Memory of Buffers and other objects outside the V8 heap, in bytes.'),
    startTime: r.gauge('process_start_time_seconds', 'Start time of the process since the epoch, in seconds.'),
  };
  const start = Math.floor(Date.now() / 1000 - process.uptime());
  m.startTime.set(start);
  m.rss.collect(() => m.rss.set(process.memoryUsage.rss()));
  m.heap.collect(() => {
    const u = process.memoryUsage();
    m.heap.set(u.heapUsed);
    m.heapTotal.set(u.heapTotal);
    m.external.set(u.external);
  });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
