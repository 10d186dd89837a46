import {
  BITNAMI_API_VERSION,
  bitnamiScope,
  bitnamiToSealkit,
  keyId,
  openBitnamiValue,
  validateBitnamiSealedSecret,
  type BitnamiKeyring,
} from '@sealkit/core';
import { stringify as toYaml } from 'yaml';
import { unsealReason } from '../sealed/reconcile.js';

/**
 * The controller's HTTP API for Bitnami SealedSecrets (`--bitnami`), answered in the shapes of the
 * sealkit endpoints so the CLI needs nothing new:
 * - POST /v1/verify: whether each value opens here (never the plaintext);
 * - POST /v1/reseal: the sealkit SealedSecret that yields the same Secret, sealed to the active
 *   sealkit key; the values are opened and sealed again in this process only (`sealkit migrate`);
 * - GET /v1/bitnami/cert.pem: the newest Bitnami certificate, for `kubeseal --cert URL` and
 *   `sealkit seal --format bitnami --cert` while both formats are in use.
 */

export interface BitnamiHttpDeps {
  keyring(): BitnamiKeyring;
  certificatePem(): string | undefined;
}

export interface HttpAnswer {
  code: number;
  body: string;
  type: string;
  headers?: Record<string, string>;
}

export function isBitnamiManifest(manifest: unknown): boolean {
  return typeof manifest === 'object' && manifest !== null && (manifest as { apiVersion?: unknown }).apiVersion === BITNAMI_API_VERSION;
}

const json = (code: number, obj: unknown, headers?: Record<string, string>): HttpAnswer => ({
  code,
  body: `${JSON.stringify(obj, null, 2)}\n`,
  type: 'application/json',
  ...(headers ? { headers } : {}),
});

/** Per-value verdicts, in the shape of the sealkit /v1/verify answer. */
export function verifyBitnami(manifest: unknown, keyring: BitnamiKeyring) {
  const values: Record<string, { ok: boolean; reason?: string; message?: string }> = {};
  let where = { namespace: '', name: '' };
  try {
    const sealed = validateBitnamiSealedSecret(manifest);
    where = { namespace: sealed.metadata.namespace ?? '', name: sealed.metadata.name ?? '' };
    const scope = bitnamiScope(sealed.metadata);
    let prefer: string | undefined;
    for (const k of Object.keys(sealed.spec.encryptedData).sort()) {
      try {
        const v = openBitnamiValue(sealed.spec.encryptedData[k]!, keyring, { ...where, scope }, prefer ? { preferKey: prefer } : {});
        v.fill(0);
        prefer = keyring.fingerprints()[0];
        values[k] = { ok: true };
      } catch (err) {
        values[k] = { ok: false, reason: unsealReason(err), message: err instanceof Error ? err.message : String(err) };
      }
    }
  } catch (err) {
    values['(manifest)'] = { ok: false, reason: 'InvalidSpec', message: err instanceof Error ? err.message : String(err) };
  }
  return { ok: Object.values(values).every((v) => v.ok), ...where, values };
}

/** Answers POST /v1/verify and /v1/reseal for a Bitnami SealedSecret. */
export function answerBitnami(
  path: '/v1/verify' | '/v1/reseal',
  manifest: unknown,
  format: 'json' | 'yaml',
  accept: string | undefined,
  deps: BitnamiHttpDeps,
  activePublicKey: Uint8Array,
): HttpAnswer {
  const keyring = deps.keyring();
  if (keyring.size === 0) return { code: 503, body: 'no Bitnami keys loaded\n', type: 'text/plain; charset=utf-8' };
  const answer = verifyBitnami(manifest, keyring);
  if (path === '/v1/verify' || !answer.ok) return json(answer.ok ? 200 : 409, answer);
  let converted;
  try {
    converted = bitnamiToSealkit(manifest as never, keyring, { recipients: [activePublicKey] });
  } catch (err) {
    return json(409, { ...answer, ok: false, values: { ...answer.values, '(template)': { ok: false, reason: 'InvalidSpec', message: err instanceof Error ? err.message : String(err) } } });
  }
  const wantJson = /json/i.test(accept ?? '') || (format === 'json' && !/yaml/i.test(accept ?? ''));
  const headers = { 'X-Sealkit-Key-Id': keyId(activePublicKey), 'X-Sealkit-Converted-From': BITNAMI_API_VERSION };
  return wantJson
    ? json(200, converted, headers)
    : { code: 200, body: toYaml(converted), type: 'application/yaml', headers };
}

/** GET /v1/bitnami/cert.pem */
export function bitnamiCertificate(deps: BitnamiHttpDeps): HttpAnswer {
  const pem = deps.certificatePem();
  if (!pem) return { code: 503, body: 'no Bitnami certificate loaded\n', type: 'text/plain; charset=utf-8' };
  return { code: 200, body: pem, type: 'application/x-pem-file' };
}
