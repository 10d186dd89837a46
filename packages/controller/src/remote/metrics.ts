// What the RemoteSecret side counts (Vault requests, shared reads, logins, renewals, syncs), as a
// small interface its parts call; remoteMetrics() maps it onto the runtime's one registry.

import type { Metrics } from '../runtime/metrics.js';
import type { VaultOp } from './vault-api.js';

export interface RemoteMetrics {
  vaultRequest(store: string, op: VaultOp, status: number): void;
  /** A read answered from another RemoteSecret's request (in flight or within its window). */
  sharedRead(store: string): void;
  login(store: string, method: string, ok: boolean): void;
  renew(store: string, ok: boolean): void;
  sync(ok: boolean, reason: string): void;
}

/** The RemoteSecret counters of the runtime's registry. The `store` label is a store name: bounded by stores, not secrets. */
export function remoteMetrics(m: Metrics): RemoteMetrics {
  return {
    vaultRequest: (store, op, status) => m.vaultRequests.inc({ store, op, code: String(status) }),
    sharedRead: (store) => m.vaultSharedReads.inc({ store }),
    login: (store, method, ok) => m.vaultLogins.inc({ store, method, result: ok ? 'success' : 'error' }),
    renew: (store, ok) => m.vaultRenewals.inc({ store, result: ok ? 'success' : 'error' }),
    sync: (ok, reason) => m.remoteSyncs.inc({ result: ok ? 'success' : 'error', reason }),
  };
}

export const noMetrics: RemoteMetrics = {
  vaultRequest() {},
  sharedRead() {},
  login() {},
  renew() {},
  sync() {},
};
