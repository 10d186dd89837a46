import { describe, expect, it } from 'vitest';
import { Reason } from './errors.js';
import { MANAGED_BY_LABEL, OPT_IN_ANNOTATION, REMOTE_KEYS_ANNOTATION, REMOTE_SECRET_ANNOTATION, owningRemoteSecret, planTargetRemoval, planTargetWrite, type LiveSecret, type TargetContent, type TargetOwner } from './target.js';

const owner = (policy: TargetOwner['policy']): TargetOwner => ({ namespace: 'prod', name: 'db', uid: 'rs-uid', policy });
const content: TargetContent = { type: 'Opaque', labels: { app: 'x' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' }, data: { password: 'cw==' } };
const live = (o: Partial<LiveSecret['metadata']> = {}, rest: Partial<LiveSecret> = {}): LiveSecret => ({ metadata: { name: 'db', namespace: 'prod', uid: 'sec-uid', resourceVersion: '7', ...o }, type: 'Opaque', ...rest });
const ours = { apiVersion: 'sealkit.dev/v1alpha1', kind: 'RemoteSecret', name: 'db', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

describe('planTargetWrite', () => {
  it('creates an owned Secret (Owner) with the managed-by label and template metadata', () => {
    const w = planTargetWrite(undefined, content, owner('Owner'), 'db');
    expect(w.op).toBe('create');
    const body = (w as { body: LiveSecret }).body;
    expect(body.metadata.ownerReferences).toEqual([ours]);
    expect(body.metadata.labels).toEqual({ app: 'x', [MANAGED_BY_LABEL]: 'sealkit' });
    expect(body.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
    expect(body.data).toEqual({ password: 'cw==' });
  });

  it('creates an Orphan Secret without an owner but with our marker', () => {
    const body = (planTargetWrite(undefined, content, owner('Orphan'), 'db') as { body: LiveSecret }).body;
    expect(body.metadata.ownerReferences).toBeUndefined();
    expect(body.metadata.annotations?.[REMOTE_SECRET_ANNOTATION]).toBe('db');
  });

  it('Merge needs an existing Secret', () => {
    expect(() => planTargetWrite(undefined, content, owner('Merge'), 'db')).toThrow(/does not exist/);
  });

  it('writes nothing when the owned Secret already matches', () => {
    const l = live({ labels: { app: 'x', [MANAGED_BY_LABEL]: 'sealkit' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' }, ownerReferences: [ours] }, { data: { password: 'cw==' } });
    expect(planTargetWrite(l, content, owner('Owner'), 'db')).toEqual({ op: 'none' });
  });

  it('patches drift with a resourceVersion precondition', () => {
    const l = live({ labels: { [MANAGED_BY_LABEL]: 'sealkit' }, ownerReferences: [ours] }, { data: { password: 'ZWRpdGVk', extra: 'eA==' } });
    const w = planTargetWrite(l, content, owner('Owner'), 'db');
    expect(w.op).toBe('update');
    const patch = (w as { patch: { path: string; value: unknown }[] }).patch;
    expect(patch[0]).toEqual({ op: 'add', path: '/metadata/resourceVersion', value: '7' });
    expect(patch.find((p) => p.path === '/data')!.value).toEqual({ password: 'cw==' });
  });

  it('never overwrites a Secret it does not own, unless opted in', () => {
    expect(() => planTargetWrite(live(), content, owner('Owner'), 'db')).toThrow(/not managed by this RemoteSecret/);
    const other = live({ ownerReferences: [{ apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'x', controller: true }] });
    try {
      planTargetWrite(other, content, owner('Orphan'), 'db');
    } catch (e) {
      expect((e as { reason: string }).reason).toBe(Reason.SecretNotOwned);
      expect((e as Error).message).toContain('controlled by SealedSecret db');
    }
    // A look-alike marker without the managed-by label is not enough.
    expect(() => planTargetWrite(live({ annotations: { [REMOTE_SECRET_ANNOTATION]: 'db' } }), content, owner('Orphan'), 'db')).toThrow();
    // Opt-in: taken over (Owner adds the controller reference).
    const w = planTargetWrite(live({ annotations: { [OPT_IN_ANNOTATION]: 'true' } }), content, owner('Owner'), 'db');
    expect(w.op).toBe('update');
    expect((w as { patch: { path: string; value: unknown }[] }).patch.find((p) => p.path === '/metadata/ownerReferences')!.value).toEqual([ours]);
  });

  it('recreates when the type differs (the API refuses type changes)', () => {
    const l = live({ ownerReferences: [ours], labels: { [MANAGED_BY_LABEL]: 'sealkit' } }, { type: 'kubernetes.io/tls' });
    expect(planTargetWrite(l, content, owner('Owner'), 'db').op).toBe('recreate');
  });

  it('Merge adds our keys, keeps others, removes keys we stopped producing', () => {
    const l = live({ annotations: { [OPT_IN_ANNOTATION]: 'true', [REMOTE_KEYS_ANNOTATION]: 'old,password' }, labels: { helm: 'yes' } }, { data: { theirs: 'dA==', old: 'bw==', password: 'eA==' }, type: 'kubernetes.io/basic-auth' });
    const w = planTargetWrite(l, content, owner('Merge'), 'db');
    const patch = (w as { patch: { path: string; value: any }[] }).patch;
    expect(patch.find((p) => p.path === '/data')!.value).toEqual({ theirs: 'dA==', password: 'cw==' });
    const ann = patch.find((p) => p.path === '/metadata/annotations')!.value;
    expect(ann[REMOTE_KEYS_ANNOTATION]).toBe('password');
    expect(ann[OPT_IN_ANNOTATION]).toBe('true');
    expect(patch.find((p) => p.path === '/metadata/labels')!.value).toMatchObject({ helm: 'yes', [MANAGED_BY_LABEL]: 'sealkit' });
  });
});

describe('planTargetRemoval', () => {
  it('deletes an owned Secret, strips our keys from a Merge target, leaves others alone', () => {
    expect(planTargetRemoval(live({ ownerReferences: [ours] }), owner('Owner'))).toEqual({ op: 'delete' });
    expect(planTargetRemoval(live({ annotations: { [OPT_IN_ANNOTATION]: 'true' } }), owner('Owner'))).toEqual({ op: 'none' });
    expect(planTargetRemoval(undefined, owner('Owner'))).toEqual({ op: 'none' });
    const merged = live({ labels: { [MANAGED_BY_LABEL]: 'sealkit' }, annotations: { [REMOTE_SECRET_ANNOTATION]: 'db', [REMOTE_KEYS_ANNOTATION]: 'password' } }, { data: { password: 'eA==', theirs: 'dA==' } });
    const r = planTargetRemoval(merged, owner('Merge'));
    expect(r.op).toBe('patch');
    expect((r as { patch: { path: string; value: unknown }[] }).patch.find((p) => p.path === '/data')!.value).toEqual({ theirs: 'dA==' });
  });
});

describe('owningRemoteSecret', () => {
  it('finds the RemoteSecret by controller reference or marker', () => {
    expect(owningRemoteSecret(live({ ownerReferences: [ours] }))).toBe('db');
    expect(owningRemoteSecret(live({ annotations: { [REMOTE_SECRET_ANNOTATION]: 'x' } }))).toBe('x');
    expect(owningRemoteSecret(live())).toBeUndefined();
  });
});
