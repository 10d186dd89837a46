// Vault's lease calls for DynamicSecrets, made through a RemoteStore's StoreClient: its one session
// (login, token renewal, re-login on a dead token) and its request limiter, shared with the
// RemoteSecrets of that store. Nothing here sees a Kubernetes object.

import { RemoteError, Reason, VaultRequestError } from '../remote/errors.js';
import { readFailure, type StoreClient } from '../remote/store-client.js';
import type { VaultLeasedResult } from '../remote/vault-api.js';

export interface IssuedCredentials {
  leaseId: string;
  durationSeconds: number;
  renewable: boolean;
  /** Vault's answer's `data` (the credentials): memory and the Secret only. */
  data: Record<string, unknown>;
}

export interface LeaseLookup {
  expireTime: number;
  issueTime: number;
  lastRenewal: number | undefined;
  renewable: boolean;
}

/** Vault's answer for a lease it no longer has (expired, revoked, or a Vault that lost its storage). */
export function isLeaseGone(err: unknown): boolean {
  return err instanceof VaultRequestError && err.status === 400 && err.errors.some((e) => /lease (not found|is not renewable|expired)|invalid lease/i.test(e));
}

const call = <T>(client: StoreClient, fn: (api: StoreClient['session']['api']) => Promise<T>): Promise<T> => client.limiter.run(() => client.session.run(fn));

/** Asks `path` for credentials. Fails (InvalidSpec) when the answer has no lease: not a dynamic secret. */
export async function issueCredentials(client: StoreClient, path: string, method: 'GET' | 'POST', parameters: Record<string, string>): Promise<IssuedCredentials> {
  let r: VaultLeasedResult;
  try {
    r = await call(client, (api) => api.leased('issue', method, path, method === 'POST' ? parameters : undefined));
  } catch (err) {
    if (err instanceof VaultRequestError && err.status === 404) {
      throw new RemoteError(Reason.KeyNotFound, `Vault has nothing at ${path} (HTTP 404): check spec.path (mount included, e.g. database/creds/ROLE)`, { retryable: true });
    }
    throw readFailure(err, `requesting credentials from ${path}`);
  }
  if (!r.leaseId) {
    throw new RemoteError(Reason.InvalidSpec, `${path} answered without a lease: it is not a dynamic secret (for static values use a RemoteSecret)`);
  }
  return { leaseId: r.leaseId, durationSeconds: r.leaseDurationSeconds, renewable: r.renewable, data: r.data ?? {} };
}

/** Renews by `incrementSeconds`; resolves with the TTL Vault granted. Throws VaultRequestError as is (see isLeaseGone). */
export async function renewLease(client: StoreClient, leaseId: string, incrementSeconds: number): Promise<number> {
  const r = await call(client, (api) => api.leased('lease-renew', 'POST', 'sys/leases/renew', { lease_id: leaseId, increment: incrementSeconds }));
  return r.leaseDurationSeconds;
}

/** Revokes a lease; one Vault no longer has counts as revoked. */
export async function revokeLease(client: StoreClient, leaseId: string): Promise<void> {
  try {
    await call(client, (api) => api.leased('lease-revoke', 'POST', 'sys/leases/revoke', { lease_id: leaseId }));
  } catch (err) {
    if (isLeaseGone(err)) return;
    throw err;
  }
}

/** What Vault knows of a lease, or undefined when it has none of that id. */
export async function lookupLease(client: StoreClient, leaseId: string): Promise<LeaseLookup | undefined> {
  let r: VaultLeasedResult;
  try {
    r = await call(client, (api) => api.leased('lease-lookup', 'POST', 'sys/leases/lookup', { lease_id: leaseId }));
  } catch (err) {
    if (isLeaseGone(err)) return undefined;
    throw err;
  }
  const d = r.data ?? {};
  const time = (v: unknown) => (typeof v === 'string' && v ? Date.parse(v) : NaN);
  const expireTime = time(d.expire_time);
  const issueTime = time(d.issue_time);
  if (!Number.isFinite(expireTime) || !Number.isFinite(issueTime)) return undefined;
  const last = time(d.last_renewal);
  return { expireTime, issueTime, lastRenewal: Number.isFinite(last) ? last : undefined, renewable: d.renewable === true };
}
