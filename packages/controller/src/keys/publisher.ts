import {
  CONFIGMAP_ALL_KEYS_FIELD,
  CONFIGMAP_CERT_FIELD,
  CONFIGMAP_KEY_ID_FIELD,
  CONFIGMAP_KEYS_JSON_FIELD,
  FIELD_MANAGER,
  MANAGED_BY_VALUE,
  PUBLIC_KEYS_CONFIGMAP,
} from '../constants.js';
import type { KubeClient } from '@sealkit/kube';
import { isAlreadyExists, isNotFound } from '@sealkit/kube';
import type { CustodyStatus, PublicKeyInfo } from './keyring-store.js';

/** On the public-key ConfigMap: whether the keys are loaded, or why not (e.g. Vault unreachable). */
export const KEY_CUSTODY_STATUS_ANNOTATION = 'sealkit.dev/key-custody-status';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** One line for humans and `kubectl get -o jsonpath`: `Ready: ...` or `Unavailable: <why>; ...`. */
export function custodyStatusText(s: CustodyStatus): string {
  if (s.waiting.length > 0) return `Unavailable: ${s.waiting[0]!.message}; ${plural(s.waiting.length, 'key Secret')} waiting`;
  if (s.loaded === 0 && s.createFailure) return `Unavailable: cannot create a key: ${s.createFailure}`;
  if (s.loaded === 0 && s.ignored.length > 0) return `Unavailable: no usable key: ${s.ignored[0]!.message}; ${plural(s.ignored.length, 'key Secret')} ignored`;
  const ignored = s.ignored.length > 0 ? `; ${s.ignored.length} ignored: ${s.ignored[0]!.message}` : '';
  return `Ready: ${plural(s.loaded, 'key')} (${s.custody})${ignored}`;
}

/** The public-key ConfigMap as first created: data when keys are known, the custody status when given. */
function publicKeysConfigMap(namespace: string, data: Record<string, string> | undefined, status: string | undefined): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: PUBLIC_KEYS_CONFIGMAP,
      namespace,
      labels: { 'app.kubernetes.io/part-of': MANAGED_BY_VALUE, 'app.kubernetes.io/managed-by': MANAGED_BY_VALUE },
      ...(status !== undefined ? { annotations: { [KEY_CUSTODY_STATUS_ANNOTATION]: status } } : {}),
    },
    ...(data ? { data } : {}),
  };
}

const configMapsPath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;

/**
 * Writes only the custody status on an existing ConfigMap (the keys are not all loaded, so its
 * data stays as it was). Returns whether it wrote.
 */
export async function publishKeyStatus(client: KubeClient, namespace: string, status: string): Promise<boolean> {
  let current: any;
  try {
    current = await client.request({ method: 'GET', path: `${configMapsPath(namespace)}/${PUBLIC_KEYS_CONFIGMAP}` });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!current) {
    // No key was ever published (first start): only a failure is worth a ConfigMap without data
    // (`sealkit cert` then says it has no cert.pem and asks the controller).
    if (!status.startsWith('Unavailable:')) return false;
    try {
      await client.request({ method: 'POST', path: configMapsPath(namespace), query: { fieldManager: FIELD_MANAGER }, body: publicKeysConfigMap(namespace, undefined, status) });
    } catch (err) {
      if (isAlreadyExists(err)) return false; // the next publish compares with it
      throw err;
    }
    return true;
  }
  if (current?.metadata?.annotations?.[KEY_CUSTODY_STATUS_ANNOTATION] === status) return false;
  await client.request({
    method: 'PATCH',
    path: `${configMapsPath(namespace)}/${PUBLIC_KEYS_CONFIGMAP}`,
    query: { fieldManager: FIELD_MANAGER },
    contentType: 'application/merge-patch+json',
    body: { metadata: { resourceVersion: current.metadata?.resourceVersion, annotations: { [KEY_CUSTODY_STATUS_ANNOTATION]: status } } },
  });
  return true;
}

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
 * The key ids the public-key ConfigMap last published (its keys.json), with the ConfigMap's
 * identity for an Event; undefined when there is none. What the controller published before a
 * restart is how a start tells "first start" from "keys lost".
 */
export async function readPublishedKeyIds(client: KubeClient, namespace: string): Promise<{ keyIds: string[]; uid: string } | undefined> {
  let current: any;
  try {
    current = await client.request({ method: 'GET', path: `${configMapsPath(namespace)}/${PUBLIC_KEYS_CONFIGMAP}` });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  let keyIds: string[] = [];
  try {
    const list = JSON.parse(current?.data?.[CONFIGMAP_KEYS_JSON_FIELD] ?? '[]');
    if (Array.isArray(list)) keyIds = list.map((k) => k?.keyId).filter((id): id is string => typeof id === 'string' && id !== '');
  } catch {
    // Edited by hand into something else: nothing to learn from it.
  }
  return { keyIds, uid: current?.metadata?.uid ?? '' };
}

/**
 * Writes the public keys to a ConfigMap any authenticated user may read, so `sealkit cert`
 * (and kubectl) get the cert without going through the API server's service proxy.
 * Writes only when the content differs.
 */
export async function publishPublicKeys(client: KubeClient, namespace: string, keys: readonly PublicKeyInfo[], status?: string, attempt = 0): Promise<boolean> {
  if (keys.length === 0) return status !== undefined && publishKeyStatus(client, namespace, status);
  const data = publicKeysData(keys);
  const annotations = status !== undefined ? { [KEY_CUSTODY_STATUS_ANNOTATION]: status } : {};
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
        body: publicKeysConfigMap(namespace, data, status),
      });
    } catch (err) {
      // Another writer created it between our read and our create: compare with theirs.
      if (isAlreadyExists(err) && attempt === 0) return publishPublicKeys(client, namespace, keys, status, 1);
      throw err;
    }
    return true;
  }
  const cur = current.data ?? {};
  const curAnn = current.metadata?.annotations ?? {};
  if (Object.keys(data).every((k) => cur[k] === data[k]) && Object.entries(annotations).every(([k, v]) => curAnn[k] === v)) return false;
  await client.request({
    method: 'PATCH',
    path: `${path}/${PUBLIC_KEYS_CONFIGMAP}`,
    query: { fieldManager: FIELD_MANAGER },
    contentType: 'application/merge-patch+json',
    body: { metadata: { resourceVersion: current.metadata?.resourceVersion, annotations }, data },
  });
  return true;
}
