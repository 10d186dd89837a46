import { inspectValue, sealValues, type Scope, type Unsealer, type ValueVerdict, type VerifyAnswer } from '@sealkit/core';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { unsealReason } from '../sealed/reconcile.js';

export class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface ParsedSealedSecret {
  manifest: any;
  format: 'json' | 'yaml';
}

/** Accepts a SealedSecret as JSON or YAML (one document). */
export function parseSealedSecret(body: string, contentType: string | undefined): ParsedSealedSecret {
  const trimmed = body.trimStart();
  const format: 'json' | 'yaml' = trimmed.startsWith('{') && !/yaml/i.test(contentType ?? '') ? 'json' : 'yaml';
  let manifest: any;
  try {
    manifest = format === 'json' ? JSON.parse(body) : parseYaml(body);
  } catch {
    throw new RequestError(400, `request body is not valid ${format.toUpperCase()}`);
  }
  if (!manifest || typeof manifest !== 'object' || manifest.kind !== 'SealedSecret') {
    throw new RequestError(400, 'request body must be one SealedSecret (kind: SealedSecret)');
  }
  const ed = manifest.spec?.encryptedData;
  if (!ed || typeof ed !== 'object' || Array.isArray(ed) || Object.values(ed).some((v) => typeof v !== 'string')) {
    throw new RequestError(400, 'spec.encryptedData must be a map of key to sealed value');
  }
  return { manifest, format };
}

export function render(manifest: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(manifest, null, 2) + '\n' : toYaml(manifest);
}

/**
 * Where a value will be opened: the manifest's namespace and name; when the manifest leaves them
 * out, what the value itself was sealed for (so "would this open where it was meant to go").
 */
function locate(manifest: any, info: { namespace?: string | undefined; name?: string | undefined } | undefined) {
  return {
    namespace: String(manifest.metadata?.namespace ?? info?.namespace ?? 'default'),
    name: String(manifest.metadata?.name ?? info?.name ?? ''),
  };
}

function firstInfo(encryptedData: Record<string, string>) {
  for (const v of Object.values(encryptedData)) {
    try {
      return inspectValue(v);
    } catch {
      // an unreadable value is reported on its own below
    }
  }
  return undefined;
}

/** Whether each value opens here, and why not; never the plaintext. */
export function verify(manifest: any, unsealer: Unsealer): { answer: VerifyAnswer; opened: Map<string, Uint8Array> } {
  const ed = manifest.spec.encryptedData as Record<string, string>;
  const where = locate(manifest, firstInfo(ed));
  const values: Record<string, ValueVerdict> = {};
  const opened = new Map<string, Uint8Array>();
  for (const k of Object.keys(ed).sort()) {
    let info: ReturnType<typeof inspectValue> | undefined;
    try {
      info = inspectValue(ed[k]!);
      opened.set(k, unsealer.open(ed[k]!, where));
      values[k] = { ok: true, scope: info.scope, keyIds: info.keyIds };
    } catch (err) {
      values[k] = {
        ok: false,
        ...(info ? { scope: info.scope, keyIds: info.keyIds } : {}),
        reason: unsealReason(err),
        message: err instanceof Error ? err.message : String(err),
      };
    }
  }
  return { answer: { ok: Object.values(values).every((v) => v.ok), ...where, values }, opened };
}

/**
 * Re-encrypts every value to the active key, keeping each value's scope and binding; the
 * plaintext exists only in this function's memory. Values sealed with several recipients are
 * re-sealed to this cluster's active key only: the other recipients' public keys are not known
 * here, so their ids are reported back as dropped.
 */
export function reseal(
  manifest: any,
  unsealer: Unsealer,
  activePublicKey: Uint8Array,
  ownKeyIds: ReadonlySet<string>,
): { manifest: any; dropped: string[]; answer: VerifyAnswer } {
  const { answer, opened } = verify(manifest, unsealer);
  if (!answer.ok) return { manifest: undefined, dropped: [], answer };
  const ed = manifest.spec.encryptedData as Record<string, string>;
  const groups = new Map<Scope, Record<string, Uint8Array>>();
  const dropped = new Set<string>();
  for (const k of Object.keys(ed)) {
    const info = inspectValue(ed[k]!);
    for (const id of info.keyIds) if (!ownKeyIds.has(id)) dropped.add(id);
    const g = groups.get(info.scope) ?? {};
    g[k] = opened.get(k)!;
    groups.set(info.scope, g);
  }
  const next: Record<string, string> = {};
  for (const [scope, vals] of groups) {
    Object.assign(
      next,
      sealValues(vals, {
        recipients: [activePublicKey],
        scope,
        ...(scope !== 'cluster' ? { namespace: answer.namespace } : {}),
        ...(scope === 'strict' ? { name: answer.name } : {}),
      }),
    );
  }
  for (const v of opened.values()) v.fill(0);
  const sortedNext: Record<string, string> = {};
  for (const k of Object.keys(ed)) sortedNext[k] = next[k]!;
  return {
    manifest: { ...manifest, spec: { ...manifest.spec, encryptedData: sortedNext } },
    dropped: [...dropped].sort(),
    answer,
  };
}
