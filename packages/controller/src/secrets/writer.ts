import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { FIELD_MANAGER, secretPath, secretsPath } from '../constants.js';
import { secretView, type SecretView } from '../sealed/views.js';
import type { DesiredSecret } from '../sealed/desired.js';
import { mergeOwnerReferences, replaceManagedFields } from './patch.js';

/** The writes the reconciler makes to Secrets; a fake of this is all its unit tests need. */
export interface SecretApi {
  /** Fails with an ApiError AlreadyExists when a Secret of that name exists. */
  create(desired: DesiredSecret): Promise<SecretView>;
  /** Brings an existing Secret to the desired content; conditional on live.resourceVersion. */
  update(live: SecretView, desired: DesiredSecret): Promise<SecretView>;
  /** Deletes (conditional on uid and resourceVersion) and creates: for type or immutability changes. */
  recreate(live: SecretView, desired: DesiredSecret): Promise<SecretView>;
  /** Reads one Secret directly (the cache only holds Secrets labelled as managed by sealkit). */
  get(namespace: string, name: string): Promise<SecretView | undefined>;
}

export class ApiSecretWriter implements SecretApi {
  constructor(private readonly client: KubeClient) {}

  async create(d: DesiredSecret): Promise<SecretView> {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: d.name,
        namespace: d.namespace,
        labels: d.labels,
        annotations: d.annotations,
        ownerReferences: [d.ownerReference],
      },
      type: d.type,
      data: d.data,
      ...(d.immutable ? { immutable: true } : {}),
    };
    const res = await this.client.request({
      method: 'POST',
      path: secretsPath(d.namespace),
      query: { fieldManager: FIELD_MANAGER },
      body,
    });
    return secretView(res);
  }

  async update(live: SecretView, d: DesiredSecret): Promise<SecretView> {
    // Other owners' references are kept: only the controller reference is ours to set.
    const ops = replaceManagedFields(live.resourceVersion, {
      labels: d.labels,
      annotations: d.annotations,
      ownerReferences: mergeOwnerReferences(live.ownerReferences, d.ownerReference),
      data: d.data,
    });
    if (d.immutable) ops.push({ op: 'add', path: '/immutable', value: true });
    const res = await this.client.request({
      method: 'PATCH',
      path: secretPath(live.namespace, live.name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/json-patch+json',
      body: ops,
    });
    return secretView(res);
  }

  async recreate(live: SecretView, d: DesiredSecret): Promise<SecretView> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: secretPath(live.namespace, live.name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          preconditions: { uid: live.uid, resourceVersion: live.resourceVersion },
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return this.create(d);
  }

  async get(namespace: string, name: string): Promise<SecretView | undefined> {
    try {
      return secretView(await this.client.request({ method: 'GET', path: secretPath(namespace, name) }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
