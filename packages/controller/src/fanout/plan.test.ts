import { CLUSTER_REMOTE_SECRET_LABEL, planClusterRemoteSecret, type NamespaceInfo } from '@sealkit/core';
import { describe, expect, it } from 'vitest';
import { FORCE_SYNC_ANNOTATION } from '../remote/types.js';
import { desiredAnnotations, planFanOut, REMOTE_SECRET_NOT_OWNED, sameJson, type LiveRemoteSecret } from './plan.js';

const rsSpec = { storeRef: { name: 'vault', kind: 'ClusterRemoteStore' }, refreshInterval: '1h', data: [{ secretKey: 'password', remoteRef: { key: 'shared/db', property: 'password' } }] };
const UID = 'crs-uid';
const plan = (spec: Record<string, unknown> = {}) =>
  planClusterRemoteSecret({ metadata: { name: 'db', uid: UID, generation: 1 }, spec: { namespaceSelector: { matchLabels: { team: 'a' } }, template: { metadata: { labels: { app: 'x' } }, spec: rsSpec }, ...spec } });
const ns = (name: string, labels: Record<string, string> = {}, terminating = false): NamespaceInfo => ({ name, labels, terminating });

/** A RemoteSecret in the cache: ours (as the template says) unless told otherwise. */
function live(namespace: string, o: Partial<LiveRemoteSecret> = {}): LiveRemoteSecret {
  return {
    namespace,
    name: 'db',
    uid: `rs-${namespace}`,
    resourceVersion: '7',
    deleting: false,
    controller: { kind: 'ClusterRemoteSecret', name: 'db', uid: UID },
    labels: { app: 'x', [CLUSTER_REMOTE_SECRET_LABEL]: 'db' },
    annotations: {},
    spec: structuredClone(rsSpec),
    ...o,
  };
}

function diff(p: ReturnType<typeof plan>, namespaces: NamespaceInfo[], cached: LiveRemoteSecret[], inScope: (n: string) => boolean = () => true) {
  const byKey = new Map(cached.map((r) => [`${r.namespace}/${r.name}`, r]));
  return planFanOut({ plan: p, namespaces, inScope, live: (n, name) => byKey.get(`${n}/${name}`), owned: cached.filter((r) => r.controller?.kind === 'ClusterRemoteSecret' && r.controller.name === 'db') });
}

describe('planFanOut (the desired-set diff)', () => {
  it('creates in every matching namespace that has none; nothing elsewhere', () => {
    const out = diff(plan(), [ns('a1', { team: 'a' }), ns('a2', { team: 'a' }), ns('b', { team: 'b' })], []);
    expect(out.matched).toEqual(['a1', 'a2']);
    expect(out.create.map((c) => c.namespace)).toEqual(['a1', 'a2']);
    expect(out.create[0]).toEqual({ namespace: 'a1', name: 'db', labels: { app: 'x', [CLUSTER_REMOTE_SECRET_LABEL]: 'db' }, annotations: {}, spec: rsSpec });
    expect([out.update, out.delete, out.failed, out.upToDate]).toEqual([[], [], [], []]);
  });

  it('leaves an up-to-date RemoteSecret alone, key order notwithstanding', () => {
    const reordered = live('a1', { spec: { data: rsSpec.data, refreshInterval: '1h', storeRef: { kind: 'ClusterRemoteStore', name: 'vault' } } });
    const out = diff(plan(), [ns('a1', { team: 'a' })], [reordered]);
    expect(out.upToDate).toEqual(['a1']);
    expect([out.create, out.update, out.delete]).toEqual([[], [], []]);
  });

  it('updates ours when spec, labels or annotations differ (template changes propagate, edits are undone)', () => {
    const edited = live('a1', { spec: { ...rsSpec, refreshInterval: '5m' } });
    const relabelled = live('a2', { labels: { [CLUSTER_REMOTE_SECRET_LABEL]: 'db' } });
    const annotated = live('a3', { annotations: { extra: 'y' } });
    const out = diff(plan(), [ns('a1', { team: 'a' }), ns('a2', { team: 'a' }), ns('a3', { team: 'a' })], [edited, relabelled, annotated]);
    expect(out.update.map((u) => [u.live.namespace, u.live.resourceVersion])).toEqual([['a1', '7'], ['a2', '7'], ['a3', '7']]);
    expect(out.update[0]!.desired.spec).toEqual(rsSpec);
    expect(out.update[2]!.desired.annotations).toEqual({});
  });

  it('keeps a force-sync annotation someone put on a RemoteSecret (a request, not drift)', () => {
    const forced = live('a1', { annotations: { [FORCE_SYNC_ANNOTATION]: 'now' } });
    const out = diff(plan(), [ns('a1', { team: 'a' })], [forced]);
    expect(out.upToDate).toEqual(['a1']);
    expect(desiredAnnotations({ a: '1' }, { [FORCE_SYNC_ANNOTATION]: 't', b: '2' })).toEqual({ a: '1', [FORCE_SYNC_ANNOTATION]: 't' });
  });

  it('never touches a RemoteSecret of that name it does not control: a failure for that namespace', () => {
    const foreign = live('a1', { controller: undefined, uid: 'someone', spec: { storeRef: { name: 'mine' } } });
    const otherOwner = live('a2', { controller: { kind: 'ClusterRemoteSecret', name: 'db', uid: 'an-earlier-uid' } });
    const out = diff(plan(), [ns('a1', { team: 'a' }), ns('a2', { team: 'a' })], [foreign, otherOwner]);
    expect(out.failed.map((f) => [f.namespace, f.reason])).toEqual([['a1', REMOTE_SECRET_NOT_OWNED], ['a2', REMOTE_SECRET_NOT_OWNED]]);
    expect(out.failed[0]!.message).toMatch(/RemoteSecret a1\/db exists and was not made by this ClusterRemoteSecret; it is left alone/);
    expect(out.failed[1]!.message).toMatch(/an earlier object of this name, uid an-earlier-uid/);
    expect([out.create, out.update, out.delete]).toEqual([[], [], []]);
  });

  it('deletes ours where the namespace stopped matching, or under an old name; not in terminating namespaces', () => {
    const unlabelled = live('gone-b', {});
    const oldName = live('a1', { name: 'old-db' });
    const inTerminating = live('t', {});
    const out = diff(plan(), [ns('gone-b', { team: 'b' }), ns('a1', { team: 'a' }), ns('t', { team: 'a' }, true)], [unlabelled, oldName, inTerminating]);
    expect(out.delete.map((d) => `${d.namespace}/${d.name}`)).toEqual(['a1/old-db', 'gone-b/db']);
    expect(out.matched).toEqual(['a1']);
    expect(out.create.map((c) => c.namespace)).toEqual(['a1']);
  });

  it('a RemoteSecret of ours being deleted in a matching namespace is waited for, not recreated at once', () => {
    const out = diff(plan(), [ns('a1', { team: 'a' })], [live('a1', { deleting: true })]);
    expect(out.waiting).toEqual(['a1']);
    expect([out.create, out.update, out.delete]).toEqual([[], [], []]);
  });

  it('outside --watch-namespaces: neither created nor cleaned up', () => {
    const out = diff(plan(), [ns('a1', { team: 'a' }), ns('a2', { team: 'a' }), ns('b')], [live('b')], (n) => n === 'a1');
    expect(out.matched).toEqual(['a1']);
    expect(out.delete).toEqual([]);
  });

  it('names and selector together: union', () => {
    const out = diff(plan({ namespaces: ['named'] }), [ns('named'), ns('a1', { team: 'a' }), ns('other')], []);
    expect(out.matched).toEqual(['a1', 'named']);
  });
});

describe('sameJson', () => {
  it('ignores key order and undefined members, not values or array order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: '1' }, { a: 1 })).toBe(false);
    expect(sameJson({ a: {} }, { a: null })).toBe(false);
  });
});
