// The Kubernetes calls of the RemoteSecret side, over the runtime's transport. `KubeRequester` is
// the request half of the runtime's KubeClient (src/kube/client.ts), declared structurally so this
// module builds and is tested on its own; errors are expected to carry `statusCode` and `reason`
// (the runtime's ApiError), never a response body.

import { RemoteError, Reason } from './errors.js';
import type { LiveSecret } from './target.js';
import { REMOTE_GROUP, REMOTE_SECRET_PLURAL, REMOTE_VERSION, type RemoteSecretStatus, type RemoteStoreStatus, type StoreKind, CLUSTER_REMOTE_STORE_PLURAL, REMOTE_STORE_PLURAL, REMOTE_STORE_KIND } from './types.js';
import type { CredentialSource } from './store-client.js';
import type { SecretKeyLocation } from './validate.js';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}
export interface KubeRequester {
  request<T = any>(req: KubeRequest): Promise<T>;
}

export const FIELD_MANAGER = 'sealkit-controller';

export const statusCodeOf = (err: unknown): number | undefined => {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
};
export const reasonOf = (err: unknown): string | undefined => {
  const r = (err as { reason?: unknown } | null)?.reason;
  return typeof r === 'string' ? r : undefined;
};
export const isNotFound = (err: unknown) => statusCodeOf(err) === 404;
export const isConflict = (err: unknown) => statusCodeOf(err) === 409;

const enc = encodeURIComponent;
const secretsPath = (ns: string) => `/api/v1/namespaces/${enc(ns)}/secrets`;
const secretPath = (ns: string, name: string) => `${secretsPath(ns)}/${enc(name)}`;
const nsPrefix = (ns: string) => (ns ? `/namespaces/${enc(ns)}` : '');
/** Collection paths; an empty namespace means all namespaces. */
export const remoteSecretsPath = (ns = '') => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}${nsPrefix(ns)}/${REMOTE_SECRET_PLURAL}`;
export const remoteStoresPath = (ns = '') => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}${nsPrefix(ns)}/${REMOTE_STORE_PLURAL}`;
export const clusterRemoteStoresPath = () => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/${CLUSTER_REMOTE_STORE_PLURAL}`;
const remoteSecretPath = (ns: string, name: string) => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/namespaces/${enc(ns)}/${REMOTE_SECRET_PLURAL}/${enc(name)}`;
const storePath = (kind: StoreKind, name: string, ns?: string) =>
  kind === REMOTE_STORE_KIND
    ? `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/namespaces/${enc(ns ?? '')}/${REMOTE_STORE_PLURAL}/${enc(name)}`
    : `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/${CLUSTER_REMOTE_STORE_PLURAL}/${enc(name)}`;

/** The writes and direct reads a RemoteSecret reconcile makes. A fake of this is all unit tests need. */
export interface RemoteKubeApi {
  getSecret(namespace: string, name: string): Promise<LiveSecret | undefined>;
  createSecret(body: LiveSecret): Promise<LiveSecret>;
  patchSecret(namespace: string, name: string, patch: object[]): Promise<LiveSecret>;
  deleteSecret(namespace: string, name: string, pre: { uid?: string; resourceVersion?: string }): Promise<void>;
  patchRemoteSecretStatus(target: { namespace: string; name: string; uid: string }, status: RemoteSecretStatus): Promise<void>;
  patchStoreStatus(kind: StoreKind, target: { namespace?: string; name: string; uid: string }, status: RemoteStoreStatus): Promise<void>;
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined>;
}

/** How long a namespace's labels are trusted (ClusterRemoteStore selectors): one GET per namespace, not per reconcile. */
const NAMESPACE_LABELS_TTL_MS = 30_000;

export class RequesterKubeApi implements RemoteKubeApi, CredentialSource {
  private readonly nsLabels = new Map<string, { at: number; labels: Promise<Record<string, string> | undefined> }>();
  constructor(private readonly client: KubeRequester, private readonly now: () => number = Date.now) {}

  async getSecret(namespace: string, name: string): Promise<LiveSecret | undefined> {
    try {
      return await this.client.request<LiveSecret>({ method: 'GET', path: secretPath(namespace, name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  createSecret(body: LiveSecret): Promise<LiveSecret> {
    return this.client.request({ method: 'POST', path: secretsPath(body.metadata.namespace), query: { fieldManager: FIELD_MANAGER }, body });
  }
  patchSecret(namespace: string, name: string, patch: object[]): Promise<LiveSecret> {
    return this.client.request({
      method: 'PATCH',
      path: secretPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/json-patch+json',
      body: patch,
    });
  }
  async deleteSecret(namespace: string, name: string, pre: { uid?: string; resourceVersion?: string }): Promise<void> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: secretPath(namespace, name),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: pre },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  async patchRemoteSecretStatus(t: { namespace: string; name: string; uid: string }, status: RemoteSecretStatus): Promise<void> {
    await this.client.request({
      method: 'PATCH',
      path: `${remoteSecretPath(t.namespace, t.name)}/status`,
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/merge-patch+json',
      // The uid is a precondition: a status meant for a deleted object never lands on its successor.
      body: { metadata: { uid: t.uid }, status },
    });
  }
  async patchStoreStatus(kind: StoreKind, t: { namespace?: string; name: string; uid: string }, status: RemoteStoreStatus): Promise<void> {
    await this.client.request({
      method: 'PATCH',
      path: `${storePath(kind, t.name, t.namespace)}/status`,
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/merge-patch+json',
      body: { metadata: { uid: t.uid }, status },
    });
  }
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    const hit = this.nsLabels.get(namespace);
    if (hit && this.now() - hit.at < NAMESPACE_LABELS_TTL_MS) return hit.labels;
    if (this.nsLabels.size > 10_000) this.nsLabels.clear();
    const labels = this.fetchNamespaceLabels(namespace);
    const entry = { at: this.now(), labels };
    this.nsLabels.set(namespace, entry);
    labels.catch(() => {
      if (this.nsLabels.get(namespace) === entry) this.nsLabels.delete(namespace);
    });
    return labels;
  }

  private async fetchNamespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    try {
      const ns = await this.client.request<{ metadata?: { labels?: Record<string, string> } }>({ method: 'GET', path: `/api/v1/namespaces/${enc(namespace)}` });
      return ns.metadata?.labels ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- CredentialSource ----
  async readSecretKey(ref: SecretKeyLocation): Promise<string> {
    let s: LiveSecret | undefined;
    try {
      s = await this.getSecret(ref.namespace, ref.name);
    } catch (err) {
      throw new RemoteError(Reason.CredentialsNotFound, `cannot read Secret ${ref.namespace}/${ref.name}: HTTP ${statusCodeOf(err) ?? 'error'} ${reasonOf(err) ?? ''}`.trim(), { retryable: true });
    }
    if (!s) throw new RemoteError(Reason.CredentialsNotFound, `Secret ${ref.namespace}/${ref.name} not found`, { retryable: true });
    const v = s.data?.[ref.key];
    if (v === undefined) throw new RemoteError(Reason.CredentialsNotFound, `Secret ${ref.namespace}/${ref.name} has no key "${ref.key}"`, { retryable: true });
    return Buffer.from(v, 'base64').toString('utf8');
  }
  async requestServiceAccountToken(namespace: string, name: string, audiences: string[], expirationSeconds: number): Promise<string> {
    try {
      const r = await this.client.request<{ status?: { token?: string } }>({
        method: 'POST',
        path: `/api/v1/namespaces/${enc(namespace)}/serviceaccounts/${enc(name)}/token`,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { ...(audiences.length ? { audiences } : {}), expirationSeconds },
        },
      });
      const token = r?.status?.token;
      if (!token) throw new Error('no token');
      return token;
    } catch (err) {
      const code = statusCodeOf(err);
      throw new RemoteError(
        Reason.CredentialsNotFound,
        code === 404
          ? `service account ${namespace}/${name} not found`
          : `cannot request a token for service account ${namespace}/${name}${code ? `: HTTP ${code} ${reasonOf(err) ?? ''}`.trimEnd() : ''}`,
        { retryable: true },
      );
    }
  }
}
