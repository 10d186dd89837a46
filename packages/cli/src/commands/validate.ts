import { Option } from 'commander';
import { BITNAMI_API_VERSION, validateBitnamiSealedSecret, validateSealedSecret } from '@sealkit/core';
import { ExitError, toExitError } from '../errors.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput, type InputObject } from '../input/manifests.js';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import type { RegisterCommand } from '../types.js';
import { inputFileOption } from './options.js';

interface ValidateFlags extends ClusterFlags {
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

async function validate(io: Io, flags: ValidateFlags): Promise<void> {
  const { source, data } = await readInput(io, { file: flags.file }, 'SealedSecret manifests');
  const inputs = parseManifests(data, source);
  const sealed: InputObject[] = [];
  for (const input of inputs) {
    if (isRecord(input.value) && input.value.kind === 'SealedSecret') sealed.push(input);
    else io.writeErr(`sealkit: ${describeObject(input)}: not a SealedSecret, skipped\n`);
  }
  if (sealed.length === 0) throw new ExitError(`${source}: no SealedSecret in the input`);

  const { openCluster, verifyOnCluster } = await import('../cluster/session.js');
  const session = await openCluster(flags);
  const namespace = flags.namespace ?? session.spec.namespace ?? 'default';

  const reports = await mapLimit(sealed, 4, async (input): Promise<ValidateReport> => {
    const value = placed(input.value as Record<string, unknown>, namespace);
    const where = { ...input, value };
    const object = describeObject(where);
    const metadata = value.metadata as Record<string, unknown>;
    const base = {
      object,
      ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
      ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}),
    };
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
  const failed = reports.filter((r) => !r.ok).length;
  if (failed > 0) {
    throw new ExitError(`${failed} of ${reports.length} SealedSecret${reports.length === 1 ? '' : 's'} cannot be opened by the cluster`, {
      hint: hintFor(reports),
    });
  }
}

export const registerValidate: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('validate')
    .description('ask the cluster whether it can open SealedSecrets, and why not (no plaintext leaves it)')
    .addOption(inputFileOption())
    .addOption(new Option('-n, --namespace <namespace>', 'namespace for objects that name none (default: the context\'s, else "default")'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
Sends each SealedSecret (ciphertext only) to the controller's POST /v1/verify through the API
server's service proxy; the controller tries every value with its keys, at the object's namespace
and name, and answers per value. Exit 0 when every value opens, 1 otherwise. Bitnami
SealedSecrets (bitnami.com/v1alpha1) are checked by a controller started with --bitnami.

Examples:
  sealkit validate -f db.sealed.yaml
  kustomize build overlays/prod | sealkit validate --context prod
  cat sealed/*.yaml | sealkit validate -o json | jq '.[] | select(.ok | not)'`,
    )
    .action(async (flags: ValidateFlags) => {
      await validate(io, flags);
    });
};
