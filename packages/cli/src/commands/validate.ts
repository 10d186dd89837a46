import { Option } from 'commander';
import { BITNAMI_API_VERSION, inspectValue, keyId, validateBitnamiSealedSecret, validateSealedSecret } from '@sealkit/core';
import { ExitError } from '../errors.js';
import { toExitError } from '../to-exit-error.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput, type InputObject } from '../input/manifests.js';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import type { RegisterCommand } from '../types.js';
import { resolveRecipients } from '../keys/load-keys.js';
import { collect, inputFileOption } from './options.js';

interface ValidateFlags extends ClusterFlags {
  cert?: string[];
  file?: string;
  namespace?: string;
  output?: 'text' | 'json';
}

/** The verdict on one SealedSecret of the input, as `validate -o json` prints it. */
export interface ValidateReport {
  object: string;
  namespace?: string;
  name?: string;
  ok: boolean;
  /** Per key: whether it opens in this cluster and, if not, why. */
  values: Record<string, { ok: boolean; scope?: string; keyIds?: string[]; reason?: string; message?: string }>;
  /** Set when the object could not be checked at all (not a valid SealedSecret). */
  error?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects are checked where `kubectl apply -f` would put them: their namespace, else -n, else the context's, else default. */
function placed(value: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '') return value;
  return { ...value, metadata: { ...metadata, namespace } };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function formatText(reports: readonly ValidateReport[]): string {
  let out = '';
  for (const r of reports) {
    const n = Object.keys(r.values).length;
    if (r.ok) {
      out += `${r.object}: ok (${n} value${n === 1 ? '' : 's'} open here)\n`;
      continue;
    }
    out += `${r.object}: CANNOT be opened here\n`;
    if (r.error !== undefined) out += `  ${r.error}\n`;
    for (const [key, v] of Object.entries(r.values)) {
      if (v.ok) continue;
      out += `  ${key}: ${v.message ?? 'does not open'}${v.reason === undefined ? '' : ` [${v.reason}]`}\n`;
    }
  }
  return out;
}

function hintFor(reports: readonly ValidateReport[]): string {
  const reasons = new Set(reports.flatMap((r) => Object.values(r.values).map((v) => v.reason)));
  if (reasons.has('ScopeMismatch')) return 'a moved or renamed object must be sealed again for its new place (or sealed with a wider --scope)';
  if (reasons.has('UnknownKey')) return "sealed for another cluster's key: seal again with this cluster's key (sealkit cert)";
  if (reasons.has('AuthenticationFailed')) return 'the value was modified after sealing: seal it again from the original Secret';
  return "'sealkit inspect' shows the scope and key ids of every value";
}

async function readSealed(io: Io, flags: ValidateFlags): Promise<InputObject[]> {
  const { source, data } = await readInput(io, { file: flags.file }, 'SealedSecret manifests');
  const sealed: InputObject[] = [];
  for (const input of parseManifests(data, source)) {
    if (isRecord(input.value) && input.value.kind === 'SealedSecret') sealed.push(input);
    else io.writeErr(`sealkit: ${describeObject(input)}: not a SealedSecret, skipped\n`);
  }
  if (sealed.length === 0) throw new ExitError(`${source}: no SealedSecret in the input`);
  return sealed;
}

function reportBase(value: Record<string, unknown>, object: string): Pick<ValidateReport, 'object' | 'namespace' | 'name'> {
  const metadata = value.metadata as Record<string, unknown>;
  return {
    object,
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
    ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}),
  };
}

function failed(reports: readonly ValidateReport[], what: string): ExitError | undefined {
  const n = reports.filter((r) => !r.ok).length;
  if (n === 0) return undefined;
  return new ExitError(`${n} of ${reports.length} SealedSecret${reports.length === 1 ? '' : 's'} ${what}`, { hint: hintFor(reports) });
}

/**
 * `validate --cert FILE`: the checks that need no cluster, value by value: well-formed, sealed for
 * a key of the given certificate(s), bound to the place the object will be applied at. Whether the
 * ciphertext itself is intact needs the private key: only the cluster (or unseal) can tell.
 */
function checkOffline(value: Record<string, unknown>, object: string, keyIds: ReadonlySet<string>): ValidateReport {
  const base = reportBase(value, object);
  if (value.apiVersion === BITNAMI_API_VERSION) {
    return { ...base, ok: false, values: {}, error: 'Bitnami SealedSecrets are checked by the cluster (sealkit validate without --cert): their values name neither key nor place' };
  }
  // Not validateSealedSecret: it stops at the first bad value, and this check reports each one.
  const metadata = value.metadata as Record<string, unknown>;
  const spec = isRecord(value.spec) ? value.spec : {};
  if (typeof metadata.name !== 'string' || metadata.name === '' || !isRecord(spec.encryptedData)) {
    return { ...base, ok: false, values: {}, error: 'not a SealedSecret: it needs metadata.name and spec.encryptedData' };
  }
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  const name = metadata.name;
  const values: ValidateReport['values'] = {};
  for (const [key, v] of Object.entries(spec.encryptedData)) {
    let info;
    try {
      if (typeof v !== 'string') throw new ExitError('not a string');
      info = inspectValue(v);
    } catch (err) {
      values[key] = { ok: false, reason: 'Malformed', message: toExitError(err).message };
      continue;
    }
    const entry = { scope: info.scope, keyIds: info.keyIds };
    const bound = info.scope === 'strict' ? `${info.namespace}/${info.name}` : info.scope === 'namespace' ? `${info.namespace}` : '';
    const here = info.scope === 'strict' ? `${namespace}/${name}` : info.scope === 'namespace' ? namespace : '';
    if (!info.keyIds.some((id) => keyIds.has(id))) {
      values[key] = { ...entry, ok: false, reason: 'UnknownKey', message: `sealed for key id ${info.keyIds.join(', ')}, none of them in --cert` };
    } else if (bound !== here) {
      values[key] = { ...entry, ok: false, reason: 'ScopeMismatch', message: `sealed for ${bound} (${info.scope}), but the object is at ${here}` };
    } else {
      values[key] = { ...entry, ok: true };
    }
  }
  return { ...base, ok: Object.values(values).every((v) => v.ok), values };
}

function formatOffline(reports: readonly ValidateReport[]): string {
  let out = '';
  for (const r of reports) {
    out += `${r.object}: ${r.ok ? 'ok' : 'PROBLEM'}\n`;
    if (r.error !== undefined) out += `  ${r.error}\n`;
    for (const [key, v] of Object.entries(r.values)) {
      const detail = v.ok ? `ok (${v.scope}, key id ${(v.keyIds ?? []).join(', ')})` : `${v.message ?? 'problem'} [${v.reason ?? ''}]`;
      out += `  ${key}: ${detail}\n`;
    }
  }
  return out;
}

async function validateOffline(io: Io, flags: ValidateFlags): Promise<void> {
  const keys = await resolveRecipients({ certs: flags.cert ?? [] });
  const keyIds = new Set(keys.map((k) => keyId(k)));
  const namespace = flags.namespace ?? 'default';
  const reports = (await readSealed(io, flags)).map((input) => {
    const value = placed(input.value as Record<string, unknown>, namespace);
    return checkOffline(value, describeObject({ ...input, value }), keyIds);
  });
  io.writeOut(flags.output === 'json' ? `${JSON.stringify(reports, null, 2)}\n` : formatOffline(reports));
  const error = failed(reports, 'failed the offline check');
  if (error !== undefined) throw error;
}

async function validate(io: Io, flags: ValidateFlags): Promise<void> {
  if ((flags.cert ?? []).length > 0) return validateOffline(io, flags);
  const sealed = await readSealed(io, flags);

  const { openCluster, verifyOnCluster } = await import('../cluster/session.js');
  const session = await openCluster(flags);
  const namespace = flags.namespace ?? session.spec.namespace ?? 'default';

  const reports = await mapLimit(sealed, 4, async (input): Promise<ValidateReport> => {
    const value = placed(input.value as Record<string, unknown>, namespace);
    const where = { ...input, value };
    const object = describeObject(where);
    const base = reportBase(value, object);
    try {
      // Bitnami SealedSecrets go to the controller too: one started with --bitnami opens them.
      if (value.apiVersion === BITNAMI_API_VERSION) validateBitnamiSealedSecret(value);
      else validateSealedSecret(value);
    } catch (err) {
      return { ...base, ok: false, values: {}, error: toExitError(err).message };
    }
    const answer = await verifyOnCluster(session.client, session.ref, value, object);
    return { ...base, ok: answer.ok, values: answer.values };
  });

  io.writeOut(flags.output === 'json' ? `${JSON.stringify(reports, null, 2)}\n` : formatText(reports));
  const error = failed(reports, 'cannot be opened by the cluster');
  if (error !== undefined) throw error;
}

export const registerValidate: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('validate')
    .description('check SealedSecrets: offline against --cert (CI), or ask the cluster whether it can open them')
    .option('--cert <file>', 'check offline against these public key(s), repeatable: well-formed, sealed for one of them, bound to the object\'s place', collect)
    .addOption(inputFileOption())
    .addOption(new Option('-n, --namespace <namespace>', 'namespace for objects that name none (default: the context\'s, else "default")'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
With --cert (no cluster needed, for CI): every value must be well-formed, sealed for a key of the
given certificate(s), and bound to the place the object will be applied at (its namespace, else -n,
else "default"; and its name for strict scope). Reports each value. Exit 1 on any problem.

Without --cert: sends each SealedSecret (ciphertext only) to the controller's POST /v1/verify through the API
server's service proxy; the controller tries every value with its keys, at the object's namespace
and name, and answers per value. Exit 0 when every value opens, 1 otherwise. Bitnami
SealedSecrets (bitnami.com/v1alpha1) are checked by a controller started with --bitnami.

Examples:
  sealkit validate --cert sealkit.pub -f db.sealed.yaml
  kustomize build overlays/prod | sealkit validate --cert prod.pub --cert recovery.pub
  sealkit validate -f db.sealed.yaml
  kustomize build overlays/prod | sealkit validate --context prod
  cat sealed/*.yaml | sealkit validate -o json | jq '.[] | select(.ok | not)'`,
    )
    .action(async (flags: ValidateFlags) => {
      await validate(io, flags);
    });
};
