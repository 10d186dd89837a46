// `sealkit-controller custody migrate --to <custody> [--dry-run]`: rewrites the key Secrets in
// place so each holds its key under the target custody (plaintext -> vault-transit, and back).
//
// Per Secret, one merge patch with the Secret's resourceVersion: the new field and annotations go
// in and the old field goes out in the same write, so a Secret is never without its key and never
// holds both forms. Nothing is written before the new blob has been unwrapped again and proved to
// be the same key. A dry run does all of that (Vault included) except the write.

import { keyId as keyIdOf, type KeyPair } from '@sealkit/core';
import type { KubeClient } from '@sealkit/kube';
import { FIELD_MANAGER, KEY_ID_ANNOTATION, KEY_LABEL, KEY_LABEL_VALUE, secretsPath } from '../../constants.js';
import { KeyCustodyError, unwrapKeyPair, type CustodyName, type KeyCustody } from './custody.js';
import { custodyOfSecret, wrappedKeyFields, wrappedKeyOfSecret } from './key-secret.js';

export interface MigrateOptions {
  client: KubeClient;
  namespace: string;
  to: CustodyName;
  /** The custodies available to this run: the target, and whatever wrapped the current Secrets. */
  custodies: Partial<Record<CustodyName, KeyCustody>>;
  dryRun: boolean;
  /** One line per Secret and a summary (never key material). */
  out: (line: string) => void;
}

export interface MigrateResult {
  changed: string[];
  unchanged: string[];
}

/** The key id a key Secret claims (annotation), which the unwrapped key must match. */
function claimedKeyId(secret: any): string {
  const id = secret?.metadata?.annotations?.[KEY_ID_ANNOTATION];
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) throw new KeyCustodyError(`has no valid ${KEY_ID_ANNOTATION} annotation`, { retryable: false });
  return id;
}

export async function migrateKeyCustody(o: MigrateOptions): Promise<MigrateResult> {
  const target = o.custodies[o.to];
  if (!target) throw new KeyCustodyError(`no ${o.to} custody configured`, { retryable: false });
  const list: any = await o.client.request({ method: 'GET', path: secretsPath(o.namespace), query: { labelSelector: `${KEY_LABEL}=${KEY_LABEL_VALUE}` } });
  const secrets = ((list?.items ?? []) as any[]).sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  if (secrets.length === 0) throw new KeyCustodyError(`no key Secrets (label ${KEY_LABEL}=${KEY_LABEL_VALUE}) in namespace ${o.namespace}`, { retryable: false });

  // Prepare every Secret first: one that cannot be read stops the run before anything is written.
  const plans: { secret: any; name: string; id: string; from: string; pair?: KeyPair }[] = [];
  for (const secret of secrets) {
    const name = String(secret.metadata?.name);
    const fail = (msg: string) => new KeyCustodyError(`key Secret ${o.namespace}/${name}: ${msg}`, { retryable: false });
    let id: string;
    try {
      id = claimedKeyId(secret);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const from = custodyOfSecret(secret);
    if (from === o.to) {
      plans.push({ secret, name, id, from });
      continue;
    }
    const source = o.custodies[from as CustodyName];
    if (!source) throw fail(`wrapped by ${from} custody, which this run is not configured for`);
    try {
      plans.push({ secret, name, id, from, pair: await unwrapKeyPair(source, wrappedKeyOfSecret(secret), id) });
    } catch (err) {
      throw fail(err instanceof KeyCustodyError ? err.message : 'cannot read its key');
    }
  }

  const result: MigrateResult = { changed: [], unchanged: [] };
  const verb = o.dryRun ? 'would wrap' : 'wrapped';
  for (const p of plans) {
    if (!p.pair) {
      result.unchanged.push(p.name);
      o.out(`${p.name} (key ${p.id}): already ${o.to}`);
      continue;
    }
    const wrapped = await target.wrap(p.pair.secretKey, p.id);
    // Prove the new blob opens to the same key before it replaces the old one.
    const again = await unwrapKeyPair(target, wrapped, p.id);
    if (keyIdOf(again.publicKey) !== p.id) throw new KeyCustodyError(`key Secret ${o.namespace}/${p.name}: ${o.to} round trip gave another key`, { retryable: false });
    const where = Object.entries(wrapped.metadata).map(([k, v]) => `${k}=${v}`).join(' ');
    if (!o.dryRun) {
      const fields = wrappedKeyFields(wrapped, p.secret.metadata);
      await o.client.request({
        method: 'PATCH',
        path: `${secretsPath(o.namespace)}/${encodeURIComponent(p.name)}`,
        query: { fieldManager: FIELD_MANAGER },
        contentType: 'application/merge-patch+json',
        body: { metadata: { resourceVersion: p.secret.metadata.resourceVersion, annotations: fields.annotations }, data: fields.data },
      });
    }
    result.changed.push(p.name);
    o.out(`${p.name} (key ${p.id}): ${verb} ${p.from} -> ${o.to}${where ? ` (${where})` : ''}`);
  }
  const n = result.changed.length;
  o.out(o.dryRun
    ? `dry run: ${n} key Secret${n === 1 ? '' : 's'} would change, ${result.unchanged.length} already ${o.to}; nothing written`
    : `${n} key Secret${n === 1 ? '' : 's'} rewritten, ${result.unchanged.length} already ${o.to}`);
  return result;
}
