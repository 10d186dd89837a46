// Counters of the RemoteSecret side, exposed in Prometheus text format. The runtime's /metrics
// handler appends render() to its own output (or maps these onto its registry).

import type { VaultOp } from './vault-api.js';

export interface RemoteMetrics {
  vaultRequest(store: string, op: VaultOp, status: number): void;
  /** A read answered from another RemoteSecret's request (in flight or within its window). */
  sharedRead(store: string): void;
  login(store: string, method: string, ok: boolean): void;
  renew(store: string, ok: boolean): void;
  sync(ok: boolean, reason: string): void;
}

type Labels = Record<string, string>;

/** The runtime's metrics registry (src/metrics.ts Registry), declared structurally. */
export interface CounterRegistry {
  counter(name: string, help: string): { inc(labels?: Labels, by?: number): void };
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  private readonly mirror: { inc(labels?: Labels, by?: number): void } | undefined;
  constructor(readonly name: string, readonly help: string, registry?: CounterRegistry) {
    this.mirror = registry?.counter(name, help);
  }
  inc(labels: Labels, by = 1): void {
    this.mirror?.inc(labels, by);
    const key = JSON.stringify(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  sum(filter: Partial<Labels> = {}): number {
    let total = 0;
    for (const { labels, value } of this.values.values()) {
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) total += value;
    }
    return total;
  }
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * In-process counters; cheap enough to call on every request. With a registry they are also
 * registered there (so the runtime's /metrics shows them); the local copy serves sums for tests
 * and benchmarks. The `store` label is a store name: bounded by the number of stores, not secrets.
 */
export class RemoteCounters implements RemoteMetrics {
  readonly requests: Counter;
  readonly shared: Counter;
  readonly logins: Counter;
  readonly renewals: Counter;
  readonly syncs: Counter;
  constructor(registry?: CounterRegistry) {
    this.requests = new Counter('sealkit_vault_requests_total', 'Vault HTTP requests by store, operation and HTTP status (0 = unreachable).', registry);
    this.shared = new Counter('sealkit_vault_reads_shared_total', 'Reads answered by a request another RemoteSecret already made (no Vault request).', registry);
    this.logins = new Counter('sealkit_vault_logins_total', 'Vault logins (or static token checks) by store, method and result.', registry);
    this.renewals = new Counter('sealkit_vault_token_renewals_total', 'Vault token renewals by store and result.', registry);
    this.syncs = new Counter('sealkit_remotesecret_syncs_total', 'RemoteSecret reconciles by result and reason.', registry);
  }

  vaultRequest(store: string, op: VaultOp, status: number): void {
    this.requests.inc({ store, op, code: String(status) });
  }
  sharedRead(store: string): void {
    this.shared.inc({ store });
  }
  login(store: string, method: string, ok: boolean): void {
    this.logins.inc({ store, method, result: ok ? 'success' : 'error' });
  }
  renew(store: string, ok: boolean): void {
    this.renewals.inc({ store, result: ok ? 'success' : 'error' });
  }
  sync(ok: boolean, reason: string): void {
    this.syncs.inc({ result: ok ? 'success' : 'error', reason });
  }

  /** Prometheus text exposition (version 0.0.4) of every counter. */
  render(): string {
    const out: string[] = [];
    for (const c of [this.requests, this.shared, this.logins, this.renewals, this.syncs]) {
      out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`);
      for (const { labels, value } of c.values.values()) {
        const l = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
        out.push(`${c.name}{${l}} ${value}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

export const noMetrics: RemoteMetrics = {
  vaultRequest() {},
  sharedRead() {},
  login() {},
  renew() {},
  sync() {},
};
