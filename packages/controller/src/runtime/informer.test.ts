// The informer against a scripted API (lists and watch streams played back in order).
// The real apiserver (restarts, compaction) is in test/e2e.
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeRequest, Query, WatchEvent } from '@sealkit/kube';
import { ApiError } from '@sealkit/kube';
import { secretView, type SecretView } from '../sealed/views.js';
import { FakeClock, flush } from '../testing/fake-clock.js';
import { Informer } from './informer.js';
import { silentLogger } from './log.js';

type WatchScript = { events: WatchEvent[]; end?: 'close' | 'hang' | Error };

/** Lists and watches answered from scripts; every call recorded. */
class ScriptedApi implements KubeClient {
  lists: { items: any[]; rv: string; continue?: string }[] = [];
  watches: WatchScript[] = [];
  readonly listCalls: KubeRequest[] = [];
  readonly watchCalls: Query[] = [];
  async request<T>(req: KubeRequest): Promise<T> {
    this.listCalls.push(req);
    const page = this.lists.shift();
    if (!page) throw new Error('no list scripted');
    return { items: page.items, metadata: { resourceVersion: page.rv, ...(page.continue ? { continue: page.continue } : {}) } } as T;
  }
  async watch(_path: string, query: Query, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    this.watchCalls.push(query);
    const w = this.watches.shift() ?? { events: [], end: 'hang' };
    for (const ev of w.events) onEvent(ev);
    if (w.end instanceof Error) throw w.end;
    if (w.end === 'hang' || w.end === undefined) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }
}

const secret = (name: string, rv: string, data: Record<string, string> = { k: 'dmFsdWU=' }) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace: 'app', name, uid: `uid-${name}`, resourceVersion: rv, labels: { 'app.kubernetes.io/managed-by': 'sealkit' } },
  type: 'Opaque',
  data,
});

function informer(api: ScriptedApi, clock = new FakeClock()) {
  const seen: string[] = [];
  const restarts: string[] = [];
  const inf = new Informer<SecretView>({
    name: 'secrets',
    client: api,
    path: '/api/v1/secrets',
    labelSelector: 'app.kubernetes.io/managed-by=sealkit',
    transform: secretView,
    clock,
    log: silentLogger,
    pageSize: 2,
    onRestart: (r) => restarts.push(r),
  });
  inf.on({ add: (o) => seen.push(`add ${o.name}@${o.resourceVersion}`), update: (o, old) => seen.push(`update ${o.name}@${old.resourceVersion}->${o.resourceVersion}`), delete: (o) => seen.push(`delete ${o.name}`) });
  return { inf, seen, restarts, clock };
}

describe('Informer', () => {
  it('lists page by page, then watches from the list resourceVersion with bookmarks', async () => {
    const api = new ScriptedApi();
    api.lists = [
      { items: [secret('a', '1'), secret('b', '2')], rv: '10', continue: 'page2' },
      { items: [secret('c', '3')], rv: '10' },
    ];
    const { inf, seen } = informer(api);
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced).toBe(true);
    expect([...inf.keys()].sort()).toEqual(['app/a', 'app/b', 'app/c']);
    expect(api.listCalls.map((r) => r.query?.continue)).toEqual([undefined, 'page2']);
    expect(api.listCalls[0]!.query).toMatchObject({ labelSelector: 'app.kubernetes.io/managed-by=sealkit', limit: 2 });
    await flush();
    expect(api.watchCalls[0]).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true, labelSelector: 'app.kubernetes.io/managed-by=sealkit' });
    expect(seen).toEqual(['add a@1', 'add b@2', 'add c@3']);
    await inf.stop();
  });

  it('applies watch events; a bookmark moves the resourceVersion without an event; a closed watch resumes from it', async () => {
    const api = new ScriptedApi();
    api.lists = [{ items: [secret('a', '1')], rv: '10' }];
    api.watches = [
      {
        events: [
          { type: 'ADDED', object: secret('b', '11') },
          { type: 'MODIFIED', object: secret('a', '12', { k: 'bmV3' }) },
          { type: 'DELETED', object: secret('b', '13') },
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } },
        ],
        end: 'close', // the server's timeoutSeconds ran out
      },
    ];
    const { inf, seen } = informer(api);
    inf.start();
    await flush();
    expect(seen).toEqual(['add a@1', 'add b@11', 'update a@1->12', 'delete b']);
    expect(inf.get('app', 'a')?.resourceVersion).toBe('12');
    expect(inf.get('app', 'b')).toBeUndefined();
    expect(api.watchCalls.map((q) => q.resourceVersion)).toEqual(['10', '20']);
    expect(api.listCalls).toHaveLength(1); // no relist for a normal end of watch
    await inf.stop();
  });

  it('410 Gone: relists at once and reports only what changed meanwhile', async () => {
    const api = new ScriptedApi();
    api.lists = [
      { items: [secret('a', '1'), secret('b', '2')], rv: '10' },
      // after compaction: a unchanged, b changed, c new, (nothing else)
      { items: [secret('a', '1'), secret('b', '30'), secret('c', '31')], rv: '40' },
    ];
    api.watches = [{ events: [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }] }];
    const { inf, seen, restarts, clock } = informer(api);
    inf.start();
    await flush();
    expect(restarts).toEqual(['expired']);
    expect(clock.pending()).toEqual([]); // no backoff wait before the relist
    expect(seen).toEqual(['add a@1', 'add b@2', 'update b@2->30', 'add c@31']);
    expect(api.watchCalls.map((q) => q.resourceVersion)).toEqual(['10', '40']);
    await inf.stop();
  });

  it('a relist also reports objects deleted while the watch was down', async () => {
    const api = new ScriptedApi();
    api.lists = [
      { items: [secret('a', '1'), secret('b', '2')], rv: '10' },
      { items: [secret('a', '1')], rv: '40' },
    ];
    api.watches = [{ events: [], end: new ApiError(410, 'Expired', 'WATCH', 'secrets') }];
    const { inf, seen } = informer(api);
    inf.start();
    await flush();
    expect(seen).toEqual(['add a@1', 'add b@2', 'delete b']);
    await inf.stop();
  });

  it('other errors: reconnects with growing backoff, never gives up, and relists after repeated failures', async () => {
    const api = new ScriptedApi();
    api.lists = [
      { items: [secret('a', '1')], rv: '10' },
      { items: [secret('a', '1')], rv: '50' },
    ];
    const down = () => ({ events: [], end: new Error('ECONNREFUSED') });
    api.watches = [down(), down(), down(), { events: [], end: 'hang' }];
    const { inf, restarts, clock } = informer(api);
    inf.start();
    await flush();
    expect(restarts).toEqual(['error']);
    expect(clock.pending()).toEqual([500]);
    await clock.advance(500);
    expect(restarts).toEqual(['error', 'error']);
    expect(clock.pending()).toEqual([1000]);
    await clock.advance(1000);
    expect(restarts).toHaveLength(3);
    expect(clock.pending()).toEqual([2000]);
    await clock.advance(2000);
    // After three failures the resourceVersion may have been compacted: list again, then watch.
    expect(api.listCalls).toHaveLength(2);
    expect(api.watchCalls.map((q) => q.resourceVersion)).toEqual(['10', '10', '10', '50']);
    await inf.stop();
  });

  it('a failed first list is retried; waitForSync resolves once it succeeds', async () => {
    const api = new ScriptedApi();
    const { inf, clock } = informer(api);
    let synced = false;
    void inf.waitForSync().then(() => (synced = true));
    inf.start(); // no list scripted yet: the first one fails
    await flush();
    expect(synced).toBe(false);
    api.lists = [{ items: [secret('a', '1')], rv: '10' }];
    await clock.advance(500);
    expect(synced).toBe(true);
    await inf.stop();
  });
});

describe('the managed-Secret digest cache (secretView)', () => {
  it('keeps identity, owners and a digest, never the values; equal content gives an equal digest', () => {
    const v = secretView(secret('a', '1', { password: Buffer.from('hunter2').toString('base64'), user: 'YWRtaW4=' }));
    expect(JSON.stringify(v)).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(JSON.stringify(v)).not.toContain('YWRtaW4=');
    const reordered = secretView({ ...secret('a', '2'), data: { user: 'YWRtaW4=', password: Buffer.from('hunter2').toString('base64') } });
    expect(reordered.hash).toBe(v.hash);
    expect(secretView(secret('a', '3', { password: 'eA==', user: 'YWRtaW4=' })).hash).not.toBe(v.hash);
    expect(v).toMatchObject({ namespace: 'app', name: 'a', uid: 'uid-a', resourceVersion: '1', managedLabel: true, optIn: false, type: 'Opaque' });
  });
});
