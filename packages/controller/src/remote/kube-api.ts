// What the RemoteSecret side reads from Kubernetes beyond its caches: namespace labels (for
// ClusterRemoteStore selectors) and the credentials of Vault logins (a key of a Secret, a
// service-account token). Writes (Secrets, statuses) go through the runtime's writers.

import type { KubeClient } from '@sealkit/kube';
import { ApiError, isNotFound } from '@sealkit/kube';
import { secretPath } from '../constants.js';
import { RemoteError, Reason } from './errors.js';
import { REMOTE_GROUP, REMOTE_SECRET_PLURAL, REMOTE_VERSION, type StoreKind, CLUSTER_REMOTE_STORE_PLURAL, REMOTE_STORE_PLURAL, REMOTE_STORE_KIND } from './types.js';
import type { CredentialSource } from './store-client.js';
import type { SecretKeyLocation } from './validate.js';
import type { SecretObject } from '../secrets/plan.js';

/** HTTP status and reason of a failed API call, for messages (never its body). */
export const apiFailure = (err: unknown): string => (err instanceof ApiError ? `HTTP ${err.statusCode} ${err.reason}` : 'error');

const enc = encodeURIComponent;
const nsPrefix = (ns: string) => (ns ? `/namespaces/${enc(ns)}` : '');
/** Collection paths; an empty namespace means all namespaces. */
export const remoteSecretsPath = (ns = '') => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}${nsPrefix(ns)}/${REMOTE_SECRET_PLURAL}`;
export const remoteStoresPath = (ns = '') => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}${nsPrefix(ns)}/${REMOTE_STORE_PLURAL}`;
export const clusterRemoteStoresPath = () => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/${CLUSTER_REMOTE_STORE_PLURAL}`;
export const remoteSecretPath = (ns: string, name: string) => `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/namespaces/${enc(ns)}/${REMOTE_SECRET_PLURAL}/${enc(name)}`;
export const storePath = (kind: StoreKind, name: string, ns?: string) =>
  kind === REMOTE_STORE_KIND
    ? `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/namespaces/${enc(ns ?? '')}/${REMOTE_STORE_PLURAL}/${enc(name)}`
    : `/apis/${REMOTE_GROUP}/${REMOTE_VERSION}/${CLUSTER_REMOTE_STORE_PLURAL}/${enc(name)}`;

/** The reads a RemoteSecret reconcile makes beyond its caches. */
export interface RemoteKubeApi {
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined>;
}

/** How long a namespace's labels are trusted (ClusterRemoteStore selectors): one GET per namespace, not per reconcile. */
const NAMESPACE_LABELS_TTL_MS = 30_000;

export class RequesterKubeApi implements RemoteKubeApi, CredentialSource {
  private readonly nsLabels = new Map<string, { at: number; labels: Promise<Record<string, string> | undefined> }>();
  constructor(private readonly client: KubeClient, private readonly now: () => number = Date.now) {}

  private async getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await this.client.request<SecretObject>({ method: 'GET', path: secretPath(namespace, name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
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
    let s: SecretObject | undefined;
    try {
      s = await this.getSecret(ref.namespace, ref.name);
    } catch (err) {
      throw new RemoteError(Reason.CredentialsNotFound, `cannot read Secret ${ref.namespace}/${ref.name}: ${apiFailure(err)}`, { retryable: true });
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
      throw new RemoteError(
        Reason.CredentialsNotFound,
        isNotFound(err)
          ? `service account ${namespace}/${name} not found`
          : `cannot request a token for service account ${namespace}/${name}${err instanceof ApiError ? `: ${apiFailure(err)}` : ''}`,
        { retryable: true },
      );
    }
  }
}
