import {
  CONFIGMAP_ALL_KEYS_FIELD,
  CONFIGMAP_CERT_FIELD,
  CONFIGMAP_KEY_ID_FIELD,
  CONFIGMAP_KEYS_JSON_FIELD,
  FIELD_MANAGER,
  MANAGED_BY_VALUE,
  PUBLIC_KEYS_CONFIGMAP,
} from '../constants.js';
import type { KubeClient } from '../kube/client.js';
import { isAlreadyExists, isNotFound } from '../kube/errors.js';
import type { PublicKeyInfo } from './keyring-store.js';

/** The ConfigMap data that publishes the public keys (docs/operations.md documents each field). */
export function publicKeysData(keys: readonly PublicKeyInfo[]): Record<string, string> {
  const active = keys.find((k) => k.active);
  return {
    [CONFIGMAP_CERT_FIELD]: active?.publicKeyPem ?? '',
    [CONFIGMAP_KEY_ID_FIELD]: active?.keyId ?? '',
    [CONFIGMAP_ALL_KEYS_FIELD]: keys.map((k) => k.publicKeyPem).join(''),
    [CONFIGMAP_KEYS_JSON_FIELD]:
      JSON.stringify(
        keys.map((k) => ({ keyId: k.keyId, createdAt: k.createdAt, active: k.active })),
        null,
        2,
      ) + '\n',
  };
}

/**
 * Writes the public keys to a ConfigMap any authenticated user may read, so `sealkit cert`
 * (and kubectl) get the cert without going through the API server's service proxy.
 * Writes only when the content differs.
 */
export async function publishPublicKeys(client: KubeClient, namespace: string, keys: readonly PublicKeyInfo[], attempt = 0): Promise<boolean> {
  if (keys.length === 0) return false;
  const data = publicKeysData(keys);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  let current: any;
  try {
    current = await client.request({ method: 'GET', path: `${path}/${PUBLIC_KEYS_CONFIGMAP}` });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!current) {
    try {
      await client.request({
        method: 'POST',
        path,
        query: { fieldManager: FIELD_MANAGER },
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: PUBLIC_KEYS_CONFIGMAP,
            namespace,
            labels: { 'app.kubernetes.io/part-of': MANAGED_BY_VALUE, 'app.kubernetes.io/managed-by': MANAGED_BY_VALUE },
          },
          data,
        },
      });
    } catch (err) {
      // Another writer created it between our read and our create: compare with theirs.
      if (isAlreadyExists(err) && attempt === 0) return publishPublicKeys(client, namespace, keys, 1);
      throw err;
    }
    return true;
  }
  const cur = current.data ?? {};
  if (Object.keys(data).every((k) => cur[k] === data[k])) return false;
  await client.request({
    method: 'PATCH',
    path: `${path}/${PUBLIC_KEYS_CONFIGMAP}`,
    query: { fieldManager: FIELD_MANAGER },
    contentType: 'application/merge-patch+json',
    body: { metadata: { resourceVersion: current.metadata?.resourceVersion }, data },
  });
  return true;
}
