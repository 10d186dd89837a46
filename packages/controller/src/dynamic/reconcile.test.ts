// One DynamicSecret pass at a time, with the runtime's real Secret and status writers over an
// in-memory API server and a fake Vault lease table (a single function under test: the paths the
// real-PostgreSQL e2e cannot reach, such as a failed Secret write or Vault down at deletion).
// Real Vault, PostgreSQL and kube-apiserver: test/e2e/dynamic-secrets.test.ts.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../runtime/log.js';
import { StatusWriter } from '../runtime/status.js';
import { SecretWriter } from '../secrets/writer.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKube } from '../testing/fake-kube.js';
import { VaultRequestError } from '../remote/errors.js';
import { RequesterKubeApi } from '../remote/kube-api.js';
import { resolveStore } from '../remote/reconcile.js';
import { secretDataHash } from '../rollout/hash.js';
import type { RolloutOutcome, SecretChange } from '../rollout/restarter.js';
import { SharedReads } from '../remote/shared-reads.js';
import { StoreClients } from '../remote/store-client.js';
import type { VaultApi, VaultLeasedResult } from '../remote/vault-api.js';
import { dynamicSecretPath, reconcileDynamicSecret, type DynamicMemo, type DynamicReconcileDeps } from './reconcile.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();
const DS = dynamicSecretPath('app', 'db');
const SECRET = '/api/v1/namespaces/app/secrets/db';
const T0 = 1_700_000_000_000;

/** Vault's lease table for one database role: default 30 s, max 90 s. */
class FakeVault implements VaultApi {
  leases = new Map<string, { issuedAt: number; expiresAt: number }>();
  calls: string[] = [];
  issued = 0;
  down = false;
  constructor(private readonly clock: FakeClock) {}
  setToken() {}
  async read(): Promise<never> {
    throw new Error('not used');
  }
  async write(): Promise<never> {
    throw new Error('not used');
  }
  async kubernetesLogin(): Promise<never> {
    throw new Error('not used');
  }
  async appRoleLogin(): Promise<never> {
    throw new Error('not used');
  }
  async renewSelf(): Promise<never> {
    throw new Error('not used');
  }
  async lookupSelf() {
    return { ttlSeconds: 0, renewable: false };
  }
  async revokeSelf() {}
  async mountInfo(): Promise<never> {
    throw new Error('not used');
  }
  async leased(op: string, _method: string, path: string, body?: Record<string, unknown>): Promise<VaultLeasedResult> {
    this.calls.push(op);
    if (this.down) throw new VaultRequestError(0, [], 'ECONNREFUSED');
    const now = this.clock.now();
    const id = body?.lease_id as string;
    const lease = this.leases.get(id);
    const gone = () => new VaultRequestError(400, ['lease not found']);
    switch (op) {
      case 'issue': {
        const n = ++this.issued;
        const leaseId = `${path}/L${n}`;
        this.leases.set(leaseId, { issuedAt: now, expiresAt: now + 30_000 });
        return { leaseId, leaseDurationSeconds: 30, renewable: true, data: { username: `v-app-${n}`, password: `pw-${n}` } };
      }
      case 'lease-renew': {
        if (!lease || lease.expiresAt <= now) throw gone();
        const granted = Math.floor(Math.min(Number(body!.increment), 90 - (now - lease.issuedAt) / 1000));
        lease.expiresAt = now + granted * 1000;
        return { leaseId: id, leaseDurationSeconds: granted, renewable: true, data: null };
      }
      case 'lease-lookup': {
        if (!lease || lease.expiresAt <= now) throw new VaultRequestError(400, ['invalid lease']);
        return { leaseId: '', leaseDurationSeconds: 0, renewable: false, data: { id, issue_time: new Date(lease.issuedAt).toISOString(), expire_time: new Date(lease.expiresAt).toISOString(), last_renewal: null, renewable: true } };
      }
      case 'lease-revoke':
        this.leases.delete(id);
        return { leaseId: '', leaseDurationSeconds: 0, renewable: false, data: null };
    }
    throw new Error(`unexpected ${op}`);
  }
}

/** What the restarter was asked, and what Vault's lease table held at that moment. */
interface RolloutCall {
  change: SecretChange;
  leasesThen: string[];
}

function setup(spec: Record<string, unknown> = {}) {
  const api = new FakeKube();
  const clock = new FakeClock(T0);
  const vault = new FakeVault(clock);
  api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'app', name: 'vault-token' }, data: { token: b64('root') } });
  api.put({
    apiVersion: 'sealkit.dev/v1alpha1',
    kind: 'RemoteStore',
    metadata: { namespace: 'app', name: 'vault', generation: 1 },
    spec: { provider: { vault: { server: 'http://vault.test:8200', mount: 'secret', kvVersion: 'v2', auth: { token: { secretRef: { name: 'vault-token', key: 'token' } } } } } },
  });
  api.put({ apiVersion: 'sealkit.dev/v1alpha1', kind: 'DynamicSecret', metadata: { namespace: 'app', name: 'db', generation: 1, uid: 'ds-uid' }, spec: { storeRef: { name: 'vault' }, path: 'database/creds/app', ...spec } });
  const events: string[] = [];
  const rollouts: RolloutCall[] = [];
  const rolloutAt = '2023-11-14T22:13:20Z';
  const rollout = {
    secretChanged: async (change: SecretChange): Promise<RolloutOutcome | undefined> => {
      rollouts.push({ change, leasesThen: [...vault.leases.keys()] });
      if (change.targets.length === 0) return undefined;
      return {
        rollout: { targets: change.targets.map((t) => ({ ...t, restartedAt: rolloutAt })) },
        condition: { type: 'Rollout', status: 'True', reason: 'Restarted', message: `restarted ${change.targets.map((t) => `${t.kind}/${t.name}`).join(', ')}`, lastTransitionTime: rolloutAt },
      };
    },
  };
  const kube = new RequesterKubeApi(api, () => clock.now());
  const clients = new StoreClients({ clock, random: () => 0.5, credentials: kube, reads: new SharedReads({ clock }), createApi: () => vault });
  const deps = (memo: Map<string, DynamicMemo>): DynamicReconcileDeps => ({
    getDynamicSecret: () => api.get(DS),
    resolveStore: (plan) => resolveStore(plan, { kube, getStore: (_k, name) => api.get(`/apis/sealkit.dev/v1alpha1/namespaces/app/remotestores/${name}`) }),
    client: (store) => clients.get(store),
    cachedSecretVersion: () => api.get(SECRET)?.metadata.resourceVersion,
    secrets: new SecretWriter(api),
    status: new StatusWriter(api),
    patchMetadata: async (_ns, _n, metadata) => void (await api.request({ method: 'PATCH', path: DS, contentType: 'application/merge-patch+json', body: { metadata } })),
    events: { emit: (_t, type, reason) => void events.push(`${type} ${reason}`) },
    rollout,
    clock,
    memo,
    log: (level, msg, fields) => silentLogger[level](msg, fields as never),
  });
  let memo = new Map<string, DynamicMemo>();
  const run = () => reconcileDynamicSecret('app/db', deps(memo));
  /** A new controller process: nothing in memory. */
  const restart = () => void (memo = new Map());
  const secret = () => api.get(SECRET);
  const creds = () => ({ user: unb64(secret().data.username), lease: secret().metadata.annotations['sealkit.dev/lease-id'] as string });
  const status = () => api.get(DS).status;
  /** A spec edit, as kubectl apply makes it: a new generation. */
  const editSpec = (change: Record<string, unknown>) => {
    const o = api.get(DS);
    api.put({ ...o, metadata: { ...o.metadata, generation: o.metadata.generation + 1 }, spec: { ...o.spec, ...change } });
  };
  /** Runs the passes due until the lease has been replaced (at most 20 steps of 2/3 of the TTL). */
  const untilReissued = async () => {
    const issued = vault.issued;
    const outcomes: string[] = [];
    for (let i = 0; i < 20 && vault.issued === issued; i++) {
      await clock.advance(20_100);
      outcomes.push((await run()).outcome);
    }
    return outcomes;
  };
  return { api, clock, vault, events, rollouts, run, restart, secret, creds, status, editSpec, untilReissued };
}

describe('reconcileDynamicSecret', () => {
  it('issues: the Secret holds Vault\'s answer and the lease annotations, the finalizer is on, status shows the lease and no value; next look at 2/3 of the TTL', async () => {
    const t = setup();
    const r = await t.run();
    expect(r.outcome).toBe('issued');
    expect(r.work).toEqual({ kind: 'refresh', ms: 20_100 });
    const s = t.secret();
    expect(unb64(s.data.password)).toBe('pw-1');
    expect(s.metadata.annotations).toMatchObject({ 'sealkit.dev/lease-id': 'database/creds/app/L1', 'sealkit.dev/lease-duration': '30', 'sealkit.dev/lease-generation': '1' });
    expect(s.metadata.ownerReferences[0]).toMatchObject({ kind: 'DynamicSecret', name: 'db', controller: true });
    expect(t.api.get(DS).metadata.finalizers).toEqual(['sealkit.dev/revoke-lease']);
    expect(t.status().lease).toMatchObject({ id: 'database/creds/app/L1', durationSeconds: 30, renewals: 0 });
    expect(JSON.stringify(t.status())).not.toContain('pw-1');
    expect(t.events).toEqual(['Normal CredentialsIssued']);
  });

  it('renews when due (same credentials), and when a renewal is capped by the max TTL issues new ones and revokes the old lease', async () => {
    const t = setup();
    await t.run();
    let renewals = 0;
    for (let i = 0; i < 20 && t.vault.issued === 1; i++) {
      await t.clock.advance(20_100);
      const r = await t.run();
      if (r.outcome === 'renewed') renewals++;
    }
    expect(renewals).toBeGreaterThanOrEqual(3);
    expect(t.vault.issued).toBe(2);
    expect(t.creds()).toEqual({ user: 'v-app-2', lease: 'database/creds/app/L2' });
    expect([...t.vault.leases.keys()]).toEqual(['database/creds/app/L2']);
    expect(t.status().lease).toMatchObject({ id: 'database/creds/app/L2', renewals: 0 });
  });

  it('credentials whose Secret could not be written are revoked at once, and the failure is in status', async () => {
    const t = setup();
    t.api.onRequest = (req) => {
      if (req.method === 'POST' && req.path.includes('/secrets')) throw new Error('apiserver down');
    };
    const r = await t.run();
    expect(r.outcome).toBe('failed');
    expect(t.vault.issued).toBe(1);
    expect(t.vault.leases.size).toBe(0);
    expect(t.vault.calls).toContain('lease-revoke');
    expect(t.status().conditions[0]).toMatchObject({ status: 'False' });
  });

  it('a Secret of that name that is not ours: SecretNotOwned, and Vault is not asked for credentials', async () => {
    const t = setup();
    t.api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'app', name: 'db' }, data: { password: b64('theirs') } });
    const r = await t.run();
    expect(r).toMatchObject({ outcome: 'failed', reason: 'SecretNotOwned', work: { kind: 'retry' } });
    expect(t.vault.issued).toBe(0);
    expect(unb64(t.secret().data.password)).toBe('theirs');
  });

  it('after a restart adopts the lease on the Secret (one lookup, no issue), and renews it when due', async () => {
    const t = setup();
    await t.run();
    t.restart();
    t.vault.calls = [];
    const r = await t.run();
    expect(r.outcome).toBe('scheduled');
    expect(t.vault.calls).toEqual(['lease-lookup']);
    await t.clock.advance(20_100);
    expect((await t.run()).outcome).toBe('renewed');
    expect(t.vault.issued).toBe(1);
  });

  it('after a restart with the lease gone from Vault: new credentials', async () => {
    const t = setup();
    await t.run();
    t.restart();
    await t.clock.advance(31_000);
    expect((await t.run()).outcome).toBe('reissued');
    expect(t.creds().lease).toBe('database/creds/app/L2');
  });

  it('a Secret deleted by hand comes back with the same credentials (no new lease)', async () => {
    const t = setup();
    await t.run();
    t.api.objects.delete(SECRET);
    expect((await t.run()).outcome).toBe('scheduled');
    expect(t.creds()).toEqual({ user: 'v-app-1', lease: 'database/creds/app/L1' });
    expect(t.vault.issued).toBe(1);
    expect(t.events).toContain('Normal SecretRestored');
  });

  it('deleting: revokes the lease, then removes the finalizer', async () => {
    const t = setup();
    await t.run();
    t.api.put({ ...t.api.get(DS), metadata: { ...t.api.get(DS).metadata, deletionTimestamp: new Date(T0).toISOString() } });
    t.restart(); // the lease id comes from the Secret
    expect((await t.run()).outcome).toBe('revoked');
    expect(t.vault.leases.size).toBe(0);
    expect(t.api.get(DS).metadata.finalizers ?? []).toEqual([]);
  });

  it('deleting with Vault down: the finalizer stays while the lease lives, and goes (with a Warning) once it has expired', async () => {
    const t = setup();
    await t.run();
    t.api.put({ ...t.api.get(DS), metadata: { ...t.api.get(DS).metadata, deletionTimestamp: new Date(T0).toISOString() } });
    t.vault.down = true;
    expect((await t.run()).outcome).toBe('failed');
    expect(t.api.get(DS).metadata.finalizers).toEqual(['sealkit.dev/revoke-lease']);
    await t.clock.advance(31_000);
    expect((await t.run()).outcome).toBe('revoked');
    expect(t.api.get(DS).metadata.finalizers ?? []).toEqual([]);
    expect(t.events).toContain('Warning LeaseRevokeFailed');
  });

  describe('rollout when credentials are replaced (spec.rolloutRestartTargets)', () => {
    const targets = [{ kind: 'Deployment', name: 'api' }, { kind: 'StatefulSet', name: 'worker' }];

    it('not on the first issue, not on renewals; once on the re-issue past the max TTL, with the targets, before the old lease is revoked', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      expect(t.rollouts).toEqual([]);
      const outcomes = await t.untilReissued();
      expect(outcomes.filter((o) => o === 'renewed').length).toBeGreaterThanOrEqual(3);
      expect(outcomes.at(-1)).toBe('reissued');
      expect(t.rollouts).toHaveLength(1);
      const [call] = t.rollouts;
      expect(call!.change).toEqual({
        owner: { namespace: 'app', name: 'db', uid: 'ds-uid', kind: 'DynamicSecret', apiVersion: 'sealkit.dev/v1alpha1' },
        namespace: 'app',
        secretName: 'db',
        dataHash: secretDataHash('app', 'db', t.secret().data),
        targets,
      });
      // The new credentials were in the Secret and the old lease still alive when the rollout started.
      expect(call!.leasesThen).toEqual(['database/creds/app/L1', 'database/creds/app/L2']);
      expect([...t.vault.leases.keys()]).toEqual(['database/creds/app/L2']);
      const calls = t.vault.calls;
      expect(calls.lastIndexOf('lease-revoke')).toBeGreaterThan(calls.lastIndexOf('issue'));
      expect(t.status().rollout).toEqual({ targets: targets.map((x) => ({ ...x, restartedAt: '2023-11-14T22:13:20Z' })) });
      expect(t.status().conditions.map((c: { type: string }) => c.type)).toEqual(['Ready', 'Rollout']);
      expect(t.status().conditions[1]).toMatchObject({ status: 'True', reason: 'Restarted', message: 'restarted Deployment/api, StatefulSet/worker' });
    });

    it('the Rollout condition and status.rollout stay through later renewals', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      await t.untilReissued();
      await t.clock.advance(20_100);
      expect((await t.run()).outcome).toBe('renewed');
      expect(t.status().lease.renewals).toBe(1);
      expect(t.status().conditions.map((c: { type: string }) => c.type)).toEqual(['Ready', 'Rollout']);
      expect(t.status().rollout.targets).toHaveLength(2);
      expect(t.rollouts).toHaveLength(1);
    });

    it('without targets the restarter is still asked (it finds opted-in workloads); no Rollout status when it restarted nothing', async () => {
      const t = setup();
      await t.run();
      await t.untilReissued();
      expect(t.rollouts.map((r) => r.change.targets)).toEqual([[]]);
      expect(t.status().rollout).toBeUndefined();
      expect(t.status().conditions.map((c: { type: string }) => c.type)).toEqual(['Ready']);
    });

    it('a lease gone from Vault after a restart: the new credentials replace others, so a rollout', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      t.restart();
      await t.clock.advance(31_000);
      expect((await t.run()).outcome).toBe('reissued');
      expect(t.rollouts).toHaveLength(1);
    });

    it('editing only rolloutRestartTargets or renewalPercent issues nothing new, also across a restart; status follows the generation', async () => {
      const t = setup();
      await t.run();
      t.editSpec({ rolloutRestartTargets: targets, renewalPercent: 50 });
      expect((await t.run()).outcome).toBe('scheduled');
      expect(t.vault.issued).toBe(1);
      expect(t.status().observedGeneration).toBe(2);
      t.restart();
      t.editSpec({ rolloutRestartTargets: [targets[0]] });
      t.vault.calls = [];
      expect((await t.run()).outcome).toBe('scheduled');
      expect(t.vault.calls).toEqual(['lease-lookup']); // adopted: the Secret's lease-source matches
      expect(t.rollouts).toEqual([]);
      // The edited targets are the ones restarted at the next re-issue.
      await t.untilReissued();
      expect(t.rollouts.map((r) => r.change.targets)).toEqual([[targets[0]]]);
    });

    it('a change of path issues new credentials at once, and rolls out', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      t.editSpec({ path: 'database/creds/other' });
      expect((await t.run()).outcome).toBe('reissued');
      expect(t.creds().lease).toBe('database/creds/other/L2');
      expect(t.rollouts).toHaveLength(1);
      expect(t.vault.leases.has('database/creds/app/L1')).toBe(false);
    });

    it('data edited by hand and restored is a change of data: a rollout, as for the other kinds', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      const s = t.secret();
      t.api.put({ ...s, metadata: { ...s.metadata, resourceVersion: undefined }, data: { ...s.data, password: b64('typed-by-hand') } });
      expect((await t.run()).outcome).toBe('scheduled');
      expect(unb64(t.secret().data.password)).toBe('pw-1');
      expect(t.vault.issued).toBe(1);
      expect(t.rollouts).toHaveLength(1);
      expect(t.status().rollout.targets).toHaveLength(2);
    });

    it('a Secret deleted by hand is restored without a rollout (nothing changed for the pods)', async () => {
      const t = setup({ rolloutRestartTargets: targets });
      await t.run();
      t.api.objects.delete(SECRET);
      expect((await t.run()).outcome).toBe('scheduled');
      expect(t.rollouts).toEqual([]);
    });
  });
});
