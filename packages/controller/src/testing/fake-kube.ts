// Test helper (src/testing/ is excluded from the build). An in-memory stand-in for the API server,
// for unit tests of one reconcile or one elector: it stores what it is sent, as the API server
// does (whole ownerReferences lists included), and answers with the API server's status codes for
// the preconditions our writers rely on (resourceVersion and uid, AlreadyExists, immutable type).
// End-to-end behaviour is tested against the real kube-apiserver in test/e2e.
import type { KubeClient, KubeRequest, Query, WatchEvent } from '@sealkit/kube';
import { ApiError } from '@sealkit/kube';

interface Parsed {
  /** Path of the collection the object lives in. */
  collection: string;
  name: string | undefined;
  subresource: string | undefined;
}

/** Splits /api/v1/namespaces/ns/secrets/name[/status] (or a group path, or a cluster-scoped one). */
function parse(path: string): Parsed {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const prefix = parts[0] === 'api' ? 2 : 3;
  const rest = parts.slice(prefix);
  const base = '/' + parts.slice(0, prefix).join('/');
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return { collection: `${base}/namespaces/${rest[1]}/${rest[2]}`, name: rest[3], subresource: rest[4] };
  }
  return { collection: `${base}/${rest[0]}`, name: rest[1], subresource: rest[2] };
}

const clone = <T>(o: T): T => structuredClone(o);

/** Drops empty metadata maps and lists, as the API server does when it stores an object. */
function normalize(o: any): any {
  const md = o.metadata ?? {};
  for (const k of ['labels', 'annotations']) if (md[k] && Object.keys(md[k]).length === 0) delete md[k];
  for (const k of ['ownerReferences', 'finalizers']) if (Array.isArray(md[k]) && md[k].length === 0) delete md[k];
  if (o.kind === 'Secret' && o.stringData) {
    o.data = { ...(o.data ?? {}) };
    for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
  }
  return o;
}

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeKube implements KubeClient {
  /** Stored objects by object path. */
  readonly objects = new Map<string, any>();
  /** Every request, in order (after onRequest let it through). */
  readonly requests: KubeRequest[] = [];
  /** Called before each request is served: tests stall (await) or fail (throw) requests here. */
  onRequest: ((req: KubeRequest) => void | Promise<void>) | undefined;
  private rv = 100;
  private uids = 0;
  private readonly watchers = new Set<{ collection: string; selector: string[][]; onEvent: (ev: WatchEvent) => void }>();

  /**
   * liveWatches: watches deliver the writes made through request() (ADDED/MODIFIED/DELETED), so an
   * informer over this fake follows changes; without it a watch stays silent.
   */
  constructor(private readonly opts: { liveWatches?: boolean } = {}) {}

  /** Stores an object as if created (uid, resourceVersion assigned unless given). */
  put(obj: any): any {
    const { collection } = parse(this.collectionPathOf(obj));
    const stored = normalize(clone(obj));
    stored.metadata.uid ??= `uid-${++this.uids}`;
    stored.metadata.resourceVersion ??= String(++this.rv);
    this.objects.set(`${collection}/${stored.metadata.name}`, stored);
    return clone(stored);
  }

  /** The stored object at a path, or undefined. */
  get(path: string): any {
    const o = this.objects.get(path);
    return o ? clone(o) : undefined;
  }

  /** Requests other than GET, as "VERB path" (what a test asserts writes on). */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  private collectionPathOf(obj: any): string {
    const v = obj.apiVersion ?? 'v1';
    const base = v.includes('/') ? `/apis/${v}` : `/api/${v}`;
    const plural = `${String(obj.kind).toLowerCase()}s`;
    return obj.metadata.namespace ? `${base}/namespaces/${obj.metadata.namespace}/${plural}` : `${base}/${plural}`;
  }

  async request<T = any>(req: KubeRequest): Promise<T> {
    await this.onRequest?.(req);
    req.signal?.throwIfAborted();
    this.requests.push(req);
    const before = req.method === 'DELETE' ? this.objects.get(`${parse(req.path).collection}/${parse(req.path).name}`) : undefined;
    const out = this.serve(req) as any;
    if (this.opts.liveWatches && req.method !== 'GET') {
      const obj = req.method === 'DELETE' ? before : out;
      this.notify(req.method === 'POST' ? 'ADDED' : req.method === 'DELETE' ? 'DELETED' : 'MODIFIED', parse(req.path).collection, obj);
    }
    return out as T;
  }

  /** Until stopped: silent, or (liveWatches) the writes made from now on. */
  async watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const selector = typeof query?.labelSelector === 'string' && query.labelSelector ? query.labelSelector.split(',').map((s) => s.split('=')) : [];
    const w = { collection: parse(path).collection, selector, onEvent };
    if (this.opts.liveWatches) this.watchers.add(w);
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    this.watchers.delete(w);
  }

  private notify(type: WatchEvent['type'], collection: string, obj: any): void {
    if (!obj?.metadata) return;
    for (const w of this.watchers) {
      if (w.collection !== collection || !w.selector.every(([k, v]) => obj.metadata.labels?.[k!] === v)) continue;
      w.onEvent({ type, object: clone(obj) });
    }
  }

  private fail(code: number, reason: string, req: KubeRequest): never {
    throw new ApiError(code, reason, req.method, req.path);
  }

  private serve(req: KubeRequest): unknown {
    const p = parse(req.path);
    const key = p.name !== undefined ? `${p.collection}/${p.name}` : undefined;
    const cur = key ? this.objects.get(key) : undefined;
    switch (req.method) {
      case 'GET': {
        if (key) return cur ? clone(cur) : this.fail(404, 'NotFound', req);
        const selector = typeof req.query?.labelSelector === 'string' ? req.query.labelSelector : '';
        const want = selector ? selector.split(',').map((s) => s.split('=')) : [];
        const items = [...this.objects.entries()]
          .filter(([k]) => k.startsWith(`${p.collection}/`) && !k.slice(p.collection.length + 1).includes('/'))
          .map(([, o]) => o)
          .filter((o) => want.every(([k, v]) => o.metadata.labels?.[k!] === v));
        return { items: items.map(clone), metadata: { resourceVersion: String(this.rv) } };
      }
      case 'POST': {
        const body = clone(req.body as any);
        const path = `${p.collection}/${body.metadata.name}`;
        if (this.objects.has(path)) this.fail(409, 'AlreadyExists', req);
        const stored = normalize(body);
        stored.metadata.uid = `uid-${++this.uids}`;
        stored.metadata.resourceVersion = String(++this.rv);
        this.objects.set(path, stored);
        return clone(stored);
      }
      case 'PUT': {
        if (!cur) this.fail(404, 'NotFound', req);
        const body = clone(req.body as any);
        if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== cur.metadata.resourceVersion) this.fail(409, 'Conflict', req);
        return this.store(key!, normalize({ ...body, metadata: { ...body.metadata, uid: cur.metadata.uid } }), cur, req);
      }
      case 'PATCH': {
        if (!cur) this.fail(404, 'NotFound', req);
        let next: any;
        if (req.contentType === 'application/json-patch+json') {
          next = clone(cur);
          for (const op of req.body as { op: string; path: string; value?: unknown }[]) {
            const parts = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
            if (op.path === '/metadata/resourceVersion' && op.value !== undefined && op.value !== cur.metadata.resourceVersion) this.fail(409, 'Conflict', req);
            let o = next;
            for (const s of parts.slice(0, -1)) o = op.op === 'test' ? o?.[s] : (o[s] ??= {});
            const last = parts[parts.length - 1]!;
            if (op.op === 'test') {
              if (JSON.stringify(o?.[last]) !== JSON.stringify(op.value)) this.fail(422, 'Invalid', req);
            } else if (op.op === 'remove') {
              if (Array.isArray(o)) o.splice(Number(last), 1);
              else delete o[last];
            } else if (Array.isArray(o) && last === '-') o.push(clone(op.value));
            else o[last] = clone(op.value);
          }
        } else {
          const body = req.body as any;
          const pre = body?.metadata ?? {};
          if (pre.uid !== undefined && pre.uid !== cur.metadata.uid) this.fail(409, 'Conflict', req);
          if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion) this.fail(409, 'Conflict', req);
          next = p.subresource === 'status' ? { ...clone(cur), status: mergePatch(cur.status, body.status) } : mergePatch(cur, body);
        }
        next.metadata.uid = cur.metadata.uid;
        return this.store(key!, normalize(next), cur, req);
      }
      case 'DELETE': {
        if (!cur) this.fail(404, 'NotFound', req);
        const pre = (req.body as any)?.preconditions ?? {};
        if ((pre.uid && pre.uid !== cur.metadata.uid) || (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)) this.fail(409, 'Conflict', req);
        this.objects.delete(key!);
        return { kind: 'Status', status: 'Success' };
      }
    }
  }

  private store(key: string, next: any, cur: any, req: KubeRequest): unknown {
    if (cur.kind === 'Secret' || key.includes('/secrets/')) {
      if ((next.type ?? 'Opaque') !== (cur.type ?? 'Opaque')) this.fail(422, 'Invalid', req);
      if (cur.immutable === true && JSON.stringify(next.data ?? {}) !== JSON.stringify(cur.data ?? {})) this.fail(422, 'Invalid', req);
    }
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, next);
    return clone(next);
  }
}
