// The Secrets that PushSecrets push are the user's own, not labelled as managed by sealkit, so the
// runtime's managed-Secret cache (secrets/cache.ts) does not see them. This cache watches Secrets
// only in the namespaces that hold at least one PushSecret (an informer per such namespace, started
// with the first PushSecret there and stopped with the last), and keeps only a digest of each
// (SecretView: no values). It is a trigger: a pass reads the Secret itself when it pushes.

import type { KubeClient } from '@sealkit/kube';
import { secretsPath } from '../constants.js';
import type { Clock } from '../runtime/clock.js';
import { Informer, type InformerHandler } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { secretView, type SecretView } from '../sealed/views.js';

export interface SourceSecretsOptions {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

export class SourceSecrets {
  private readonly informers = new Map<string, Informer<SecretView>>();
  private readonly handlers: InformerHandler<SecretView>[] = [];
  private readonly stopping = new Set<Promise<void>>();
  /** PushSecrets per namespace. */
  private readonly users = new Map<string, number>();

  constructor(private readonly o: SourceSecretsOptions) {
    o.metrics.watchCache('pushsources', () => [...this.informers.values()].reduce((n, i) => n + i.size, 0));
  }

  /**
   * Events for Secrets that change after their namespace's first list: the first list itself says
   * nothing new (every PushSecret of the namespace is queued when it appears).
   */
  on(handler: InformerHandler<SecretView>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): SecretView | undefined {
    return this.informers.get(namespace)?.get(namespace, name);
  }

  /** One more PushSecret in `namespace`: its Secrets are watched from the first one on. */
  retain(namespace: string): void {
    const n = this.users.get(namespace) ?? 0;
    this.users.set(namespace, n + 1);
    if (n === 0) this.startNamespace(namespace);
  }

  /** One PushSecret fewer in `namespace`: the watch stops with the last one. */
  release(namespace: string): void {
    const n = (this.users.get(namespace) ?? 0) - 1;
    if (n > 0) {
      this.users.set(namespace, n);
      return;
    }
    this.users.delete(namespace);
    const inf = this.informers.get(namespace);
    this.informers.delete(namespace);
    if (!inf) return;
    const p = inf.stop();
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
  }

  async stop(): Promise<void> {
    const all = [...this.informers.values()];
    this.informers.clear();
    this.users.clear();
    await Promise.all([...all.map((i) => i.stop()), ...this.stopping]);
  }

  private startNamespace(ns: string): void {
    const inf = new Informer<SecretView>({
      name: `pushsources/${ns}`,
      client: this.o.client,
      path: secretsPath(ns),
      transform: secretView,
      clock: this.o.clock,
      log: this.o.log,
      // Sizes are reported once for all namespaces (above), not per short-lived informer.
      metrics: { informerRestarts: this.o.metrics.informerRestarts, watchCache: () => undefined },
    });
    inf.on({
      add: (s) => inf.hasSynced && this.emit('add', s),
      update: (s, old) => s.dataHash !== old.dataHash && this.emit('update', s, old),
      delete: (s) => this.emit('delete', s),
    });
    this.informers.set(ns, inf);
    inf.start();
  }

  private emit(kind: 'add' | 'update' | 'delete', s: SecretView, old?: SecretView): void {
    for (const h of this.handlers) {
      if (kind === 'update') h.update?.(s, old!);
      else h[kind]?.(s);
    }
  }
}
