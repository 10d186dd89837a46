import { backoffDelay, sleep, type Clock } from './clock.js';
import type { KubeClient, WatchEvent } from '@sealkit/kube';
import { ApiError, errorFields, isGone, retryAfterMs } from '@sealkit/kube';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** What the cache keeps of an object: a projection chosen by the caller, plus its identity. */
export interface Cached {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
}

export type InformerHandler<S> = {
  add?(obj: S): void;
  update?(obj: S, old: S): void;
  delete?(obj: S): void;
};

export interface InformerOptions<S extends Cached> {
  name: string;
  client: KubeClient;
  /** Collection path, e.g. /api/v1/secrets or /apis/sealkit.dev/v1alpha1/sealedsecrets. */
  path: string;
  labelSelector?: string;
  /** Reduces a raw object to what the controller needs; the raw object is dropped right away. */
  transform(raw: any): S;
  clock: Clock;
  log: Logger;
  pageSize?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Server-side watch timeout; the watch is simply renewed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  onRestart?(reason: string): void;
  /** Counts restarts and reports the cache size under `name`. */
  metrics?: Pick<Metrics, 'informerRestarts' | 'watchCache'>;
}

/**
 * List-then-watch cache of one resource, in the spirit of client-go's reflector.
 * Differences from client-node's makeInformer, and why:
 * - it never stops: every failure (not only 410 Gone) is retried with capped exponential backoff,
 *   because client-node informers stop on non-410 errors and a controller must run for months;
 * - lists are paginated, and objects are reduced by `transform` before they are stored, so ten
 *   thousand Secrets cost a few hundred bytes each instead of their full bodies and values.
 */
export class Informer<S extends Cached> {
  private readonly store = new Map<string, S>();
  private readonly handlers: InformerHandler<S>[] = [];
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: InformerOptions<S>) {
    o.metrics?.watchCache(o.name, () => this.store.size);
  }

  private restarted(cause: string): void {
    this.o.onRestart?.(cause);
    this.o.metrics?.informerRestarts.inc({ informer: this.o.name, cause });
  }

  on(handler: InformerHandler<S>): void {
    this.handlers.push(handler);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get size(): number {
    return this.store.size;
  }

  get(namespace: string, name: string): S | undefined {
    return this.store.get(cacheKey(namespace, name));
  }

  keys(): IterableIterator<string> {
    return this.store.keys();
  }

  values(): IterableIterator<S> {
    return this.store.values();
  }

  /** Resolves once the first list has been stored (or when stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.loop(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const w of this.syncWaiters.splice(0)) w();
    await this.running;
    this.running = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const base = this.o.backoffBaseMs ?? 500;
    const max = this.o.backoffMaxMs ?? 30_000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist(signal);
        if (signal.aborted) break;
        await this.watchOnce(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          // Our resourceVersion is too old: start over with a fresh list, without waiting.
          this.o.log.info('watch expired; relisting', { informer: this.o.name });
          this.resourceVersion = '';
          this.restarted('expired');
          continue;
        }
        failures++;
        // An overloaded API server (429) says how long to stay away: never sooner than that.
        const delay = Math.max(backoffDelay(failures, base, max), retryAfterMs(err) ?? 0);
        this.o.log.warn('list/watch failed; retrying', {
          informer: this.o.name,
          attempt: failures,
          retryInMs: delay,
          ...errorFields(err),
        });
        this.restarted('error');
        // After repeated failures, relist: the server may have compacted past our resourceVersion.
        if (failures >= 3) this.resourceVersion = '';
        await sleep(this.o.clock, delay, signal);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, S>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page: any = await this.o.client.request({
        method: 'GET',
        path: this.o.path,
        query: { labelSelector: this.o.labelSelector, limit: this.o.pageSize ?? 500, continue: cont },
      });
      if (signal.aborted) return;
      for (const raw of page.items ?? []) {
        const obj = this.o.transform(raw);
        fresh.set(cacheKey(obj.namespace, obj.name), obj);
      }
      rv = page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue || undefined;
    } while (cont);
    // Swap in the new snapshot and tell handlers what changed since the old one.
    const old = new Map(this.store);
    this.store.clear();
    for (const [k, obj] of fresh) {
      this.store.set(k, obj);
      const prev = old.get(k);
      if (!prev) this.emit('add', obj);
      else if (prev.resourceVersion !== obj.resourceVersion) this.emit('update', obj, prev);
    }
    for (const [k, prev] of old) if (!fresh.has(k)) this.emit('delete', prev);
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      this.o.log.info('cache synced', { informer: this.o.name, objects: this.store.size });
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<void> {
    const timeout = this.o.watchTimeoutSeconds ?? 300;
    await this.o.client.watch(
      this.o.path,
      {
        labelSelector: this.o.labelSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        // Spread renewals so several watches do not all reconnect at the same moment.
        timeoutSeconds: Math.round(timeout * (0.9 + Math.random() * 0.2)),
      },
      (ev) => this.handle(ev),
      signal,
    );
  }

  private handle(ev: WatchEvent): void {
    if (ev.type === 'ERROR') {
      const code = Number(ev.object?.code) || 500;
      throw new ApiError(code, typeof ev.object?.reason === 'string' ? ev.object.reason : 'WatchError', 'WATCH', this.o.path);
    }
    const rv: string | undefined = ev.object?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = this.o.transform(ev.object);
    const k = cacheKey(obj.namespace, obj.name);
    const prev = this.store.get(k);
    if (ev.type === 'DELETED') {
      this.store.delete(k);
      this.emit('delete', prev ?? obj);
    } else {
      this.store.set(k, obj);
      if (prev) this.emit('update', obj, prev);
      else this.emit('add', obj);
    }
    if (rv) this.resourceVersion = rv;
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: S, old?: S): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(obj);
        else if (kind === 'update') h.update?.(obj, old!);
        else h.delete?.(obj);
      } catch (err) {
        this.o.log.error('informer handler failed', { informer: this.o.name, ...errorFields(err) });
      }
    }
  }
}

export function cacheKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of cacheKey: queues and memos are keyed by cache key, reconcilers need both parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * One informer per watched namespace (named `${name}/${ns}`), or one cluster-wide informer when
 * none are given: a controller limited to some namespaces may not be allowed to list cluster-wide.
 * `path('')` is the cluster-wide collection.
 */
export function informerPerNamespace<S extends Cached>(
  namespaces: readonly string[],
  o: Omit<InformerOptions<S>, 'path'> & { path(namespace: string): string },
): InformerGroup<S> {
  const scopes = namespaces.length ? namespaces : [''];
  return new InformerGroup(scopes.map((ns) => new Informer({ ...o, name: ns ? `${o.name}/${ns}` : o.name, path: o.path(ns) })));
}

/**
 * Several informers (one per watched namespace) behind the interface of one: used when the
 * controller is limited to some namespaces (--namespaces), where it cannot list cluster-wide.
 */
export class InformerGroup<S extends Cached> {
  constructor(readonly members: readonly Informer<S>[]) {}
  on(handler: InformerHandler<S>): void {
    for (const m of this.members) m.on(handler);
  }
  get(namespace: string, name: string): S | undefined {
    for (const m of this.members) {
      const hit = m.get(namespace, name);
      if (hit) return hit;
    }
    return undefined;
  }
  *keys(): IterableIterator<string> {
    for (const m of this.members) yield* m.keys();
  }
  *values(): IterableIterator<S> {
    for (const m of this.members) yield* m.values();
  }
  get size(): number {
    return this.members.reduce((n, m) => n + m.size, 0);
  }
  get hasSynced(): boolean {
    return this.members.every((m) => m.hasSynced);
  }
  async waitForSync(): Promise<void> {
    await Promise.all(this.members.map((m) => m.waitForSync()));
  }
  start(): void {
    for (const m of this.members) m.start();
  }
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }
}
