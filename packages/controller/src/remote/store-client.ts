// One StoreClient per RemoteStore/ClusterRemoteStore: its Vault session (one login, reused), its
// request limiter, its KV version (configured or detected once), and reads through the shared-read
// cache. StoreClients keeps them across reconciles and replaces one only when the store's spec
// changes (fingerprint), closing (revoking) the old session.

import type { Clock, Random } from './clock.js';
import { RemoteError, Reason, VaultRequestError } from './errors.js';
import { interpretKvRead, type KvReadOutcome } from './extract.js';
import { kvReadPath, normalizeMount, notFoundHint } from './kv-path.js';
import { StoreLimiter } from './limiter.js';
import { noMetrics, type RemoteMetrics } from './metrics.js';
import { kubernetesAuthenticator, VaultSession, type Authenticator } from './session.js';
import type { SharedReads } from './shared-reads.js';
import type { KvVersion } from './types.js';
import { storeKey, type SecretKeyLocation, type StorePlan } from './validate.js';
import { createNodeVaultApi, type NodeVaultApiOptions, type VaultApi } from './vault-api.js';

/** Where credentials come from: Kubernetes Secrets and TokenRequest. */
export interface CredentialSource {
  /** The value of one key of a Secret, as text. Throws RemoteError(CredentialsNotFound). */
  readSecretKey(ref: SecretKeyLocation): Promise<string>;
  /** A short-lived token for a service account (TokenRequest API). */
  requestServiceAccountToken(namespace: string, name: string, audiences: string[], expirationSeconds: number): Promise<string>;
}

/** A read and when it was made (shared reads can be older than the reconcile using them). */
export type TimedKvRead = KvReadOutcome & { fetchedAt: number };

/**
 * "Not found" answers are shared only this long: a RemoteSecret waiting for a key to appear must
 * see it at its next retry, not after the (much longer) positive share window.
 */
export const NEGATIVE_SHARE_MS = 5_000;

/** Lifetime we ask for service account tokens: they are used once, for a login. */
export const SA_TOKEN_SECONDS = 600;

export function authenticatorFor(plan: StorePlan, creds: CredentialSource): Authenticator {
  const auth = plan.auth;
  switch (auth.method) {
    case 'token':
      return {
        method: 'token',
        createsTokens: false,
        async authenticate(api) {
          const token = (await creds.readSecretKey(auth.secretRef)).trim();
          api.setToken(token);
          try {
            return await api.lookupSelf();
          } catch (err) {
            if (err instanceof VaultRequestError && err.status === 403) {
              throw new RemoteError(Reason.AuthFailed, `the token in Secret ${auth.secretRef.namespace}/${auth.secretRef.name} (key ${auth.secretRef.key}) is invalid or expired`, { retryable: true });
            }
            throw err;
          }
        },
      };
    case 'kubernetes':
      return kubernetesAuthenticator(auth.mount, auth.role, () => {
        const sa = auth.serviceAccount;
        return creds.requestServiceAccountToken(sa.namespace, sa.name, sa.audiences, SA_TOKEN_SECONDS);
      });
    case 'appRole':
      return {
        method: 'appRole',
        createsTokens: true,
        async authenticate(api) {
          const roleId = auth.roleId ?? (await creds.readSecretKey(auth.roleIdRef!)).trim();
          const secretId = (await creds.readSecretKey(auth.secretIdRef)).trim();
          const r = await api.appRoleLogin(auth.mount, roleId, secretId);
          api.setToken(r.token);
          return r;
        },
      };
  }
}

/** Maps a failed read to a status reason. */
export function readFailure(err: unknown, what: string): RemoteError {
  if (err instanceof RemoteError) return err;
  if (err instanceof VaultRequestError) {
    if (err.status === 403) return new RemoteError(Reason.PermissionDenied, `${what}: permission denied by Vault policy (HTTP 403)`, { retryable: true });
    if (err.status === 429) return new RemoteError(Reason.RateLimited, `${what}: ${err.message}`, { retryable: true });
    if (err.transient) return new RemoteError(Reason.VaultUnavailable, `${what}: ${err.message}`, { retryable: true });
    return new RemoteError(Reason.VaultUnavailable, `${what}: ${err.message}`, { retryable: true });
  }
  return new RemoteError(Reason.VaultUnavailable, `${what}: unexpected error`, { retryable: true });
}

export interface StoreClientDeps {
  clock: Clock;
  random: Random;
  credentials: CredentialSource;
  reads: SharedReads;
  metrics?: RemoteMetrics;
  /** Vault requests in flight per store (default 8). */
  concurrency?: number;
  /** Factory for the Vault client (tests inject a fake; default node-vault). */
  createApi?: (options: NodeVaultApiOptions) => VaultApi;
}

export class StoreClient {
  readonly key: string;
  readonly plan: StorePlan;
  readonly session: VaultSession;
  readonly limiter: StoreLimiter;
  private readonly reads: SharedReads;
  private readonly clock: Clock;
  private kvVersionPromise: Promise<KvVersion> | undefined;
  private detected: KvVersion | undefined;

  constructor(plan: StorePlan, api: VaultApi, deps: StoreClientDeps) {
    this.plan = plan;
    this.key = storeKey(plan.kind, plan.name, plan.namespace);
    const metrics = deps.metrics ?? noMetrics;
    this.session = new VaultSession(api, authenticatorFor(plan, deps.credentials), {
      clock: deps.clock,
      events: {
        login: (method, ok) => metrics.login(this.key, method, ok),
        renew: (ok) => metrics.renew(this.key, ok),
      },
    });
    this.limiter = new StoreLimiter({ concurrency: deps.concurrency ?? 8, clock: deps.clock, random: deps.random });
    this.reads = deps.reads;
    this.clock = deps.clock;
  }

  /** One authenticated Vault call under the store's limiter (login first, re-login on a dead token). */
  run<T>(fn: (api: VaultApi) => Promise<T>): Promise<T> {
    return this.limiter.run(() => this.session.run(fn));
  }

  /** The KV version in use, when known (configured, or detected by an earlier call). */
  get kvVersionKnown(): KvVersion | undefined {
    return this.plan.kvVersion ?? this.detected;
  }

  /** Logs in if needed and resolves the KV version: what a store's Ready condition means. */
  async check(): Promise<KvVersion> {
    await this.limiter.run(() => this.session.ensure());
    return this.kvVersion();
  }

  /** The mount's KV version: configured, or detected once via sys/internal/ui/mounts. */
  kvVersion(): Promise<KvVersion> {
    if (this.plan.kvVersion) return Promise.resolve(this.plan.kvVersion);
    this.kvVersionPromise ??= this.detect().catch((err: unknown) => {
      this.kvVersionPromise = undefined;
      throw err;
    });
    return this.kvVersionPromise;
  }

  private async detect(): Promise<KvVersion> {
    const mount = this.plan.mount;
    let info;
    try {
      info = await this.limiter.run(() => this.session.run((api) => api.mountInfo(mount)));
    } catch (err) {
      const e = readFailure(err, `detecting the KV version of mount "${mount}"`);
      if (e.reason === Reason.PermissionDenied) {
        throw new RemoteError(Reason.PermissionDenied, `cannot detect the KV version of mount "${mount}" (no access to sys/internal/ui/mounts/${mount}); set spec.provider.vault.kvVersion`, { retryable: true });
      }
      throw e;
    }
    if (info.type !== 'kv' && info.type !== 'generic') {
      throw new RemoteError(Reason.InvalidSpec, `mount "${mount}" is a "${info.type || 'unknown'}" engine, not KV`);
    }
    const want = normalizeMount(mount);
    if (info.path && info.path !== want) {
      // The user put part of the secret path in the mount (e.g. mount "secret/team" on mount "secret/"):
      // with KV v2 that would read secret/team/data/..., which is wrong. Say how to fix it.
      throw new RemoteError(Reason.InvalidSpec, `mount "${mount}" is inside the Vault mount "${info.path}"; set mount to "${info.path.replace(/\/$/, '')}" and start the keys with "${want.slice(info.path.length)}"`);
    }
    this.detected = info.kvVersion ?? 'v1';
    return this.detected;
  }

  /**
   * Reads one key (optionally a pinned KV v2 version), sharing the answer with other callers within
   * maxAgeMs. A missing key or deleted version is an outcome, not an exception.
   */
  async read(key: string, version: number | undefined, maxAgeMs: number): Promise<TimedKvRead> {
    const kv = await this.kvVersion();
    const path = kvReadPath(this.plan.mount, key, kv, version);
    const cacheKey = `${this.key}#${this.plan.fingerprint}|${path}|${version ?? ''}`;
    return this.reads.get(cacheKey, maxAgeMs, async (): Promise<TimedKvRead> => {
      const fetchedAt = this.clock.now();
      try {
        const result = await this.limiter.run(() => this.session.run((api) => api.read(path, version !== undefined ? { version } : {})));
        return { ...interpretKvRead(result, kv, key, version), fetchedAt };
      } catch (err) {
        const e = readFailure(err, `reading key "${key}"`);
        // Vault answers 403, not 404, for a path outside the policy: a mistyped path looks like a
        // denial, so give the same hint as for a missing key.
        const hint = e.reason === Reason.PermissionDenied ? notFoundHint(this.plan.mount, key, kv) : '';
        throw hint ? new RemoteError(e.reason, e.message + hint, { retryable: true }) : e;
      }
    }, (outcome, ageMs) => outcome.found || ageMs <= NEGATIVE_SHARE_MS);
  }

  /** After a write to `key` (a PushSecret): the reads of it shared so far are stale. */
  forgetReads(key: string): void {
    const kv = this.kvVersionKnown;
    if (kv) this.reads.invalidate(`${this.key}#${this.plan.fingerprint}|${kvReadPath(this.plan.mount, key, kv)}|`);
  }

  close(): Promise<void> {
    this.reads.invalidate(`${this.key}#`);
    return this.session.close();
  }
}

/** The StoreClient of every store in use, reused across reconciles. */
export class StoreClients {
  private readonly clients = new Map<string, { fingerprint: string; client: Promise<StoreClient> }>();
  private readonly deps: StoreClientDeps;

  constructor(deps: StoreClientDeps) {
    this.deps = deps;
  }

  get size(): number {
    return this.clients.size;
  }

  /** The client for a store, created on first use and replaced when the store's spec changed. */
  get(plan: StorePlan): Promise<StoreClient> {
    const key = storeKey(plan.kind, plan.name, plan.namespace);
    const cur = this.clients.get(key);
    if (cur && cur.fingerprint === plan.fingerprint) return cur.client;
    if (cur) void cur.client.then((c) => c.close(), () => undefined);
    const client = this.create(plan);
    const entry = { fingerprint: plan.fingerprint, client };
    this.clients.set(key, entry);
    client.catch(() => {
      if (this.clients.get(key) === entry) this.clients.delete(key);
    });
    return client;
  }

  /** The existing client for a store key, if any (no creation). */
  peek(key: string): Promise<StoreClient> | undefined {
    return this.clients.get(key)?.client;
  }

  /** Closes and forgets a store's client (the store was deleted). */
  async drop(key: string): Promise<void> {
    const cur = this.clients.get(key);
    this.clients.delete(key);
    if (cur) await cur.client.then((c) => c.close(), () => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((e) => e.client.then((c) => c.close(), () => undefined)));
  }

  private async create(plan: StorePlan): Promise<StoreClient> {
    const key = storeKey(plan.kind, plan.name, plan.namespace);
    const metrics = this.deps.metrics ?? noMetrics;
    let caPem = plan.caPem;
    if (plan.caSecretRef) caPem = await this.deps.credentials.readSecretKey(plan.caSecretRef);
    const options: NodeVaultApiOptions = {
      server: plan.server,
      onRequest: (op, status) => metrics.vaultRequest(key, op, status),
    };
    if (plan.vaultNamespace !== undefined) options.namespace = plan.vaultNamespace;
    if (caPem !== undefined) options.caPem = caPem;
    const api = (this.deps.createApi ?? createNodeVaultApi)(options);
    return new StoreClient(plan, api, this.deps);
  }
}
