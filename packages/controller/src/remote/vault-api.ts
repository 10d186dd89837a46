// The small interface the controller uses to talk to Vault, and its node-vault implementation.
// Everything above this file (sessions, read sharing, reconcile) is tested against this interface;
// this file is the only one that knows node-vault's shapes, and the only one that sees raw errors,
// which it converts to VaultRequestError before they go anywhere (see errors.ts).

import { createRequire } from 'node:module';
import { toVaultRequestError, VaultRequestError } from './errors.js';
import { mountInfoPath } from './kv-path.js';
import type { KvVersion } from './types.js';

/** The body of a successful read, or of a 404 (KV v2 answers 404 with metadata for a deleted version). */
export interface VaultReadResult {
  status: 200 | 404;
  /** The response's top-level `data` (KV v1: the secret; KV v2: `{data, metadata}`), null when absent. */
  data: Record<string, unknown> | null;
}

/** A token as returned by a login or a renewal. The token itself never leaves the session. */
export interface VaultAuthResult {
  token: string;
  ttlSeconds: number;
  renewable: boolean;
}

export interface VaultTokenInfo {
  /** Remaining lifetime; 0 means the token does not expire (e.g. a root token). */
  ttlSeconds: number;
  renewable: boolean;
}

export interface VaultMountInfo {
  /** The mount Vault resolved the path to, e.g. `secret/` (trailing slash). */
  path: string;
  type: string;
  /** From options.version; undefined for a kv mount without options means v1. */
  kvVersion: KvVersion | undefined;
}

/** A response envelope with its lease fields (dynamic secrets, sys/leases/*). */
export interface VaultLeasedResult {
  /** Empty when the answer carries no lease (e.g. a KV read, or sys/leases/lookup). */
  leaseId: string;
  leaseDurationSeconds: number;
  renewable: boolean;
  data: Record<string, unknown> | null;
}

export type VaultOp = 'read' | 'write' | 'delete' | 'login' | 'renew' | 'lookup' | 'revoke' | 'mountinfo' | 'issue' | 'lease-renew' | 'lease-lookup' | 'lease-revoke';

export interface VaultApi {
  /** Sets the token sent with later requests (undefined: none). */
  setToken(token: string | undefined): void;
  read(path: string, options?: { version?: number }): Promise<VaultReadResult>;
  /** POSTs body to path (e.g. Transit encrypt/decrypt) and returns the response's `data`, null when absent. */
  write(path: string, body: Record<string, unknown>): Promise<Record<string, unknown> | null>;
  /** DELETEs path (a KV key, or a KV v2 key's metadata with every version). */
  delete(path: string): Promise<void>;
  kubernetesLogin(mount: string, role: string, jwt: string): Promise<VaultAuthResult>;
  appRoleLogin(mount: string, roleId: string, secretId: string): Promise<VaultAuthResult>;
  renewSelf(incrementSeconds?: number): Promise<VaultAuthResult>;
  lookupSelf(): Promise<VaultTokenInfo>;
  revokeSelf(): Promise<void>;
  mountInfo(mount: string): Promise<VaultMountInfo>;
  /** GET or POST (body) a path whose answer carries a lease: issuing dynamic credentials, sys/leases/*. */
  leased(op: VaultOp, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<VaultLeasedResult>;
}

export interface NodeVaultApiOptions {
  /** e.g. https://vault.example:8200 */
  server: string;
  /** Vault Enterprise / OpenBao namespace (X-Vault-Namespace). */
  namespace?: string;
  /** PEM certificates to trust instead of the system roots. */
  caPem?: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Called once per HTTP request with its outcome (HTTP status, 0 = unreachable). */
  onRequest?: (op: VaultOp, status: number) => void;
}

// node-vault is CommonJS with a default-export function; load it through require so its types
// (index.d.ts: `export = NodeVault`) apply without esModuleInterop guesswork.
const require = createRequire(import.meta.url);
type NodeVaultFactory = (options?: Record<string, unknown>) => NodeVaultClient;
interface NodeVaultClient {
  token: string | undefined;
  read(path: string, requestOptions?: Record<string, unknown>): Promise<unknown>;
  write(path: string, data: Record<string, unknown>, requestOptions?: Record<string, unknown>): Promise<unknown>;
  delete(path: string, requestOptions?: Record<string, unknown>): Promise<unknown>;
  kubernetesLogin(args: Record<string, unknown>): Promise<unknown>;
  approleLogin(args: Record<string, unknown>): Promise<unknown>;
  tokenRenewSelf(args?: Record<string, unknown>): Promise<unknown>;
  tokenLookupSelf(args?: Record<string, unknown>): Promise<unknown>;
  tokenRevokeSelf(args?: Record<string, unknown>): Promise<unknown>;
}
let factory: NodeVaultFactory | undefined;
const nodeVault = (): NodeVaultFactory => (factory ??= require('node-vault') as NodeVaultFactory);

const DEFAULT_TIMEOUT_MS = 10_000;
const noop = (): void => {};

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function authResult(body: unknown): VaultAuthResult {
  const auth = asRecord(asRecord(body)?.auth);
  const token = auth?.client_token;
  if (typeof token !== 'string' || token === '') throw new VaultRequestError(200, ['response has no auth.client_token']);
  return {
    token,
    ttlSeconds: typeof auth?.lease_duration === 'number' ? auth.lease_duration : 0,
    renewable: auth?.renewable === true,
  };
}

/** Checks a login input here, because node-vault's schema check would throw an error we cannot name. */
function requireText(value: string, what: string): void {
  if (typeof value !== 'string' || value === '') throw new VaultRequestError(0, [], `missing ${what}`);
}

/** A VaultApi over one node-vault client (one per store: it carries the store's token). */
export function createNodeVaultApi(options: NodeVaultApiOptions): VaultApi {
  const client = nodeVault()({
    endpoint: options.server,
    // Never let node-vault fall back to the controller's own environment.
    token: undefined,
    namespace: options.namespace,
    // node-vault's debug logger prints login bodies (secret_id, jwt): silence it unconditionally.
    debug: noop,
    rpDefaults: { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    requestOptions: options.caPem ? { ca: options.caPem } : {},
  });
  client.token = undefined;
  const onRequest = options.onRequest ?? noop;

  async function call<T>(op: VaultOp, fn: () => Promise<unknown>, map: (body: unknown) => T): Promise<T> {
    let body: unknown;
    try {
      body = await fn();
    } catch (err) {
      const e = toVaultRequestError(err);
      onRequest(op, e.status);
      throw e;
    }
    onRequest(op, 200);
    return map(body);
  }

  return {
    setToken(token) {
      client.token = token;
    },
    async read(path, opts = {}) {
      const query = opts.version !== undefined ? `?version=${opts.version}` : '';
      try {
        const body = await client.read(`${path}${query}`);
        onRequest('read', 200);
        return { status: 200, data: asRecord(asRecord(body)?.data) };
      } catch (err) {
        const e = toVaultRequestError(err);
        onRequest('read', e.status);
        if (e.status !== 404) throw e;
        // A 404 is an answer, not a failure: KV v2 includes the metadata of a deleted version.
        const body = asRecord(asRecord((err as { response?: unknown }).response)?.body);
        return { status: 404, data: asRecord(body?.data) };
      }
    },
    write(path, body) {
      return call('write', () => client.write(path, body), (res) => asRecord(asRecord(res)?.data));
    },
    async delete(path) {
      await call('delete', () => client.delete(path), () => undefined);
    },
    kubernetesLogin(mount, role, jwt) {
      requireText(role, 'role');
      requireText(jwt, 'service account token');
      // mount_point, because node-vault's kubernetesPath option is ignored by its login path (#271).
      return call('login', () => client.kubernetesLogin({ mount_point: mount, role, jwt }), authResult);
    },
    appRoleLogin(mount, roleId, secretId) {
      requireText(roleId, 'roleId');
      requireText(secretId, 'secretId');
      return call('login', () => client.approleLogin({ mount_point: mount, role_id: roleId, secret_id: secretId }), authResult);
    },
    renewSelf(incrementSeconds) {
      const args = incrementSeconds !== undefined ? { increment: `${incrementSeconds}s` } : {};
      return call('renew', () => client.tokenRenewSelf(args), authResult);
    },
    lookupSelf() {
      return call('lookup', () => client.tokenLookupSelf(), (body) => {
        // lookup-self's data also holds the token itself (`id`): read only the two fields we need.
        const d = asRecord(asRecord(body)?.data);
        return { ttlSeconds: typeof d?.ttl === 'number' ? d.ttl : 0, renewable: d?.renewable === true };
      });
    },
    async revokeSelf() {
      await call('revoke', () => client.tokenRevokeSelf(), () => undefined);
    },
    leased(op, method, path, body) {
      const send = method === 'GET' ? () => client.read(path) : () => client.write(path, body ?? {});
      return call(op, send, (res) => {
        const r = asRecord(res);
        return {
          leaseId: typeof r?.lease_id === 'string' ? r.lease_id : '',
          leaseDurationSeconds: typeof r?.lease_duration === 'number' ? r.lease_duration : 0,
          renewable: r?.renewable === true,
          data: asRecord(r?.data),
        };
      });
    },
    mountInfo(mount) {
      return call('mountinfo', () => client.read(mountInfoPath(mount)), (body) => {
        const d = asRecord(asRecord(body)?.data);
        const opts = asRecord(d?.options);
        const v = opts?.version;
        return {
          path: typeof d?.path === 'string' ? d.path : '',
          type: typeof d?.type === 'string' ? d.type : '',
          kvVersion: v === '2' ? 'v2' : v === '1' ? 'v1' : undefined,
        } satisfies VaultMountInfo;
      });
    },
  };
}
