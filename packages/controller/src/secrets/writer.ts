import type { KubeClient } from '@sealkit/kube';
import { ApiError, isNotFound } from '@sealkit/kube';
import { FIELD_MANAGER, secretPath, secretsPath } from '../constants.js';
import { planSecretWrite, secretBody, updatePatch, type ManagedSecret, type SecretObject } from './plan.js';

export type WriteOp = 'unchanged' | 'created' | 'updated' | 'recreated';

/** Preconditions of a delete: only that object (uid), only as we last saw it (resourceVersion). */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * The one writer of managed Secrets, for every kind. Every request names our field manager, every
 * update carries the resourceVersion it was decided on (a concurrent change answers 409 rather
 * than being overwritten), every delete carries uid and resourceVersion preconditions. Give it the
 * manager's gated client (runtime/write-gate.ts): then no write starts once leadership is lost.
 */
export class SecretWriter {
  constructor(private readonly client: KubeClient) {}

  /** Reads one Secret directly (caches hold projections, or only Secrets labelled as ours). */
  async get(namespace: string, name: string): Promise<SecretObject | undefined> {
    try {
      return await this.client.request<SecretObject>({ method: 'GET', path: secretPath(namespace, name) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Fails with an ApiError AlreadyExists when a Secret of that name exists. */
  create(d: ManagedSecret): Promise<SecretObject> {
    return this.post(secretBody(d));
  }

  /** Brings an existing Secret to the desired content (merged into it when d.merge). */
  update(live: SecretObject, d: ManagedSecret): Promise<SecretObject> {
    return this.patch(live.metadata.namespace, live.metadata.name, updatePatch(live, d));
  }

  /** Deletes (conditional on uid and resourceVersion) and creates: for type or immutability changes. */
  async recreate(live: SecretObject, d: ManagedSecret): Promise<SecretObject> {
    await this.delete(live.metadata.namespace, live.metadata.name, { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion });
    return this.create(d);
  }

  /**
   * Reads the Secret (unless `skipRead`: a first create without a GET, for a Secret our cache says
   * is absent), asks the kind's ownership rule (`check` throws to refuse), plans and writes. On a
   * 409 (someone wrote it between our read and our write, or it existed after all) it reads and
   * decides again once, then gives the error to the caller. `previous` is the Secret as read
   * before the write (undefined when there was none), so the caller can tell what changed.
   */
  async apply(
    d: ManagedSecret,
    o: { skipRead?: boolean; check?(live: SecretObject | undefined): void } = {},
  ): Promise<{ op: WriteOp; secret: SecretObject | undefined; previous: SecretObject | undefined }> {
    for (let attempt = 0; ; attempt++) {
      const live = attempt === 0 && o.skipRead ? undefined : await this.get(d.namespace, d.name);
      o.check?.(live);
      const w = planSecretWrite(live, d);
      try {
        switch (w.op) {
          case 'none':
            return { op: 'unchanged', secret: live, previous: live };
          case 'create':
            return { op: 'created', secret: await this.post(w.body), previous: undefined };
          case 'update':
            return { op: 'updated', secret: await this.patch(d.namespace, d.name, w.patch), previous: live };
          case 'recreate':
            return { op: 'recreated', secret: await this.recreate(live!, d), previous: live };
        }
      } catch (err) {
        if (attempt === 0 && err instanceof ApiError && err.statusCode === 409) continue;
        throw err;
      }
    }
  }

  /** A JSON patch on the Secret; the ops carry the resourceVersion decided on. */
  async patch(namespace: string, name: string, ops: object[]): Promise<SecretObject> {
    return this.client.request<SecretObject>({
      method: 'PATCH',
      path: secretPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/json-patch+json',
      body: ops,
    });
  }

  /** Merge-patches annotations (null removes one), conditional on the resourceVersion. */
  async annotate(namespace: string, name: string, resourceVersion: string, annotations: Record<string, string | null>): Promise<SecretObject> {
    return this.client.request<SecretObject>({
      method: 'PATCH',
      path: secretPath(namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion, annotations } },
    });
  }

  /** Deletes the Secret (gone already counts as done). */
  async delete(namespace: string, name: string, pre: Preconditions): Promise<void> {
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

  private post(body: SecretObject): Promise<SecretObject> {
    return this.client.request<SecretObject>({ method: 'POST', path: secretsPath(body.metadata.namespace), query: { fieldManager: FIELD_MANAGER }, body });
  }
}
