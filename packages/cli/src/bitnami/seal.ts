import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import {
  BITNAMI_ANNOTATIONS,
  BITNAMI_API_VERSION,
  bitnamiScope,
  sealBitnamiSecret,
  sealBitnamiValue,
  sealBitnamiValues,
  secretValues,
  validateBitnamiSealedSecret,
  validateSecret,
  type BitnamiCertificate,
  type BitnamiSealedSecretManifest,
  type Scope,
} from '@sealkit/core';
import { ExitError, UsageError, withContext } from '../errors.js';
import { readUserFile, writeFileAtomic } from '../files.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput, type InputObject, type OutputFormat } from '../manifests.js';
import { buildSecret } from '../secret-builder.js';
import { applyChanges, parseSealedFile } from '../merge.js';
import { readBitnamiCert } from './keys.js';
import { formatBitnamiManifests } from './output.js';

/**
 * `sealkit seal --format bitnami`: what kubeseal writes, for repositories and pipelines built
 * around the Bitnami controller. Differences from kubeseal, all on the side of refusing a mistake:
 * a --scope that contradicts the Secret's scope annotations is a usage error (kubeseal lets the
 * annotation win silently), a missing namespace is an error (kubeseal takes the kubeconfig's), and
 * --merge-into keeps the scope of the file it merges into and edits only the changed values.
 */

export const FORMATS = ['sealkit', 'bitnami'] as const;
export type SealFormat = (typeof FORMATS)[number];

export interface BitnamiSealFlags {
  cert?: string[];
  scope?: Scope;
  namespace?: string;
  name?: string;
  fromFile?: string[];
  output?: OutputFormat;
  write?: string;
}

async function emit(io: Io, text: string, write: string | undefined): Promise<void> {
  if (write === undefined) io.writeOut(text);
  else await writeFileAtomic(write, text);
}

function hasScopeAnnotation(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[BITNAMI_ANNOTATIONS.clusterWide] === 'true' || annotations?.[BITNAMI_ANNOTATIONS.namespaceWide] === 'true';
}

const scopeName = (scope: Scope) => (scope === 'strict' ? 'strict' : `${scope}-wide`);

/** `--raw`: one value, printed bare and without a newline, exactly as `kubeseal --raw` prints it. */
export async function sealBitnamiRaw(io: Io, flags: BitnamiSealFlags): Promise<void> {
  const scope = flags.scope ?? 'strict';
  const needs = scope === 'strict' ? (['namespace', 'name'] as const) : scope === 'namespace' ? (['namespace'] as const) : [];
  for (const field of needs) {
    if (flags[field] === undefined) {
      throw new UsageError(`--raw with --scope ${scopeName(scope)} needs ${field === 'name' ? '--name' : '-n/--namespace'}: the value is bound to it`, {
        hint: `pass ${scope === 'strict' ? '-n NAMESPACE --name NAME' : '-n NAMESPACE'}, or use a wider --scope`,
      });
    }
  }
  const cert = await readBitnamiCert(flags.cert ?? []);
  const fromFile = flags.fromFile?.[0];
  const value = fromFile !== undefined ? await readUserFile(fromFile, '--from-file') : (await readInput(io, {}, 'the value to seal')).data;
  const sealed = withContext('--raw', () =>
    sealBitnamiValue(value, {
      publicKey: cert.publicKey,
      scope,
      ...(scope !== 'cluster' ? { namespace: flags.namespace } : {}),
      ...(scope === 'strict' ? { name: flags.name } : {}),
    }),
  );
  value.fill(0);
  await emit(io, sealed, flags.write);
}

/** Seals Secret manifests (or the Secret built from --from-*) into Bitnami SealedSecrets. */
export async function sealBitnamiManifests(io: Io, inputs: readonly InputObject[], flags: BitnamiSealFlags, building: boolean): Promise<void> {
  const cert = await readBitnamiCert(flags.cert ?? []);
  const sealed: BitnamiSealedSecretManifest[] = [];
  for (const input of inputs) {
    const what = describeObject(input);
    const secret = withContext(what, () => validateSecret(input.value));
    const annotated = bitnamiScope(secret.metadata);
    if (flags.scope !== undefined && hasScopeAnnotation(secret.metadata.annotations) && flags.scope !== annotated) {
      throw new UsageError(`${what}: --scope ${scopeName(flags.scope)} conflicts with its annotation, which makes it ${scopeName(annotated)}`, {
        hint: `drop --scope, or remove the ${BITNAMI_ANNOTATIONS.clusterWide}/${BITNAMI_ANNOTATIONS.namespaceWide} annotation`,
      });
    }
    const scope = flags.scope ?? annotated;
    if (scope !== 'cluster' && (secret.metadata.namespace === undefined || secret.metadata.namespace === '')) {
      const message = `${what} has no namespace; scope ${scopeName(scope)} binds each value to one`;
      const hint = 'pass -n NAMESPACE (or --scope cluster-wide)';
      throw building ? new UsageError(message, { hint }) : new ExitError(message, { hint });
    }
    sealed.push(withContext(what, () => sealBitnamiSecret(secret, { publicKey: cert.publicKey, ...(flags.scope ? { scope: flags.scope } : {}) })));
  }
  await emit(io, formatBitnamiManifests(sealed, flags.output ?? 'json'), flags.write);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `--merge-into FILE` for a Bitnami SealedSecret: the Secret's keys are sealed for the file's
 * own location and scope (its top-level annotations) and spliced into the file; every other byte
 * stays as it was.
 */
export async function mergeIntoBitnami(io: Io, path: string, inputs: readonly InputObject[], flags: BitnamiSealFlags): Promise<void> {
  if (inputs.length !== 1) throw new ExitError(`--merge-into takes one Secret; the input has ${inputs.length} objects`);
  const input = inputs[0] as InputObject;
  const cert: BitnamiCertificate = await readBitnamiCert(flags.cert ?? []);
  const text = (await readUserFile(path, '--merge-into')).toString('utf8');
  const file = parseSealedFile(text, path);
  const meta = isRecord(input.value) && isRecord(input.value.metadata) ? input.value.metadata : {};
  const candidates = file.objects
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => isRecord(value) && value.kind === 'SealedSecret' && value.apiVersion === BITNAMI_API_VERSION);
  const matching =
    candidates.length <= 1
      ? candidates
      : candidates.filter(({ value }) => {
          const m = isRecord((value as Record<string, unknown>).metadata) ? ((value as Record<string, unknown>).metadata as Record<string, unknown>) : {};
          return m.name === meta.name && (meta.namespace === undefined || m.namespace === meta.namespace);
        });
  const target = matching[0];
  if (target === undefined || matching.length > 1) {
    throw new ExitError(
      candidates.length === 0
        ? `--merge-into ${path}: the file holds no ${BITNAMI_API_VERSION} SealedSecret`
        : `--merge-into ${path}: the file holds ${candidates.length} Bitnami SealedSecrets; cannot tell which one to update`,
      { hint: candidates.length === 0 ? 'create it first: sealkit seal --format bitnami ... -w FILE' : 'name the Secret with --name and -n to pick one' },
    );
  }
  const existing = withContext(`--merge-into ${path}`, () => validateBitnamiSealedSecret(target.value));
  const { name, namespace } = existing.metadata;
  const label = `SealedSecret ${namespace === undefined ? '' : `${namespace}/`}${name ?? ''}`;
  const metadata: Record<string, unknown> = { ...meta };
  for (const field of ['name', 'namespace'] as const) {
    const own = metadata[field];
    const theirs = existing.metadata[field];
    if (typeof own === 'string' && own !== '' && theirs !== undefined && own !== theirs) {
      throw new ExitError(`${describeObject(input)}: its ${field} "${own}" differs from the ${field} "${theirs}" of ${label} in ${path}`, {
        hint: 'merge only into the SealedSecret of the same Secret',
      });
    }
    if (theirs !== undefined) metadata[field] = theirs;
  }
  const secretValue = isRecord(input.value) ? { ...input.value, metadata } : input.value;
  const secret = withContext(describeObject({ ...input, value: secretValue }), () => validateSecret(secretValue));
  const scope = bitnamiScope(existing.metadata);
  if (flags.scope !== undefined && flags.scope !== scope) {
    throw new UsageError(`--scope ${scopeName(flags.scope)} conflicts with the scope ${scopeName(scope)} of ${label} in ${path}`, {
      hint: 'drop --scope to use the scope of the file',
    });
  }
  if (scope !== 'cluster' && namespace === undefined) {
    throw new ExitError(`--merge-into ${path}: ${label} has no namespace but is ${scopeName(scope)}`);
  }
  const added = withContext(label, () =>
    sealBitnamiValues(secretValues(secret), {
      publicKey: cert.publicKey,
      scope,
      ...(scope !== 'cluster' ? { namespace } : {}),
      ...(scope === 'strict' ? { name } : {}),
    }),
  );
  const changes = Object.entries(added);
  const updated = applyChanges(text, file, target.index, changes, path);
  const mode = (await stat(path)).mode & 0o777;
  await writeFileAtomic(path, updated, mode);
  const replaced = changes.filter(([key]) => key in existing.spec.encryptedData).map(([key]) => key);
  const fresh = changes.filter(([key]) => !(key in existing.spec.encryptedData)).map(([key]) => key);
  const parts = [];
  if (fresh.length > 0) parts.push(`added ${fresh.join(', ')}`);
  if (replaced.length > 0) parts.push(`replaced ${replaced.join(', ')}`);
  io.writeErr(`sealkit: ${path}: ${parts.length > 0 ? parts.join('; ') : 'no change'}\n`);
}

// ---------------------------------------------------------------------------------------------
// the command (seal.ts hands `--format bitnami` over to this, with its parsed flags)

export interface BitnamiSealCommandFlags extends BitnamiSealFlags {
  file?: string;
  fromLiteral?: string[];
  fromEnvFile?: string[];
  type?: string;
  raw?: boolean;
  mergeInto?: string;
}

function isExplicit(cmd: Command, option: string): boolean {
  return cmd.getOptionValueSource(option) === 'cli';
}

/** `-n` / `--name` fill in what the manifest lacks; a different value in the manifest is a conflict. */
function withOverrides(input: InputObject, flags: BitnamiSealCommandFlags): InputObject {
  if (!isRecord(input.value)) return input;
  const metadata: Record<string, unknown> = isRecord(input.value.metadata) ? { ...input.value.metadata } : {};
  for (const field of ['name', 'namespace'] as const) {
    const wanted = flags[field];
    if (wanted === undefined) continue;
    const own = metadata[field];
    if (typeof own === 'string' && own !== '' && own !== wanted) {
      const flag = field === 'name' ? '--name' : '-n/--namespace';
      throw new UsageError(`${describeObject(input)}: ${flag} "${wanted}" conflicts with the manifest's ${field} "${own}"`, {
        hint: `drop ${flag}, or change metadata.${field} in the manifest`,
      });
    }
    metadata[field] = wanted;
  }
  return { ...input, value: { ...input.value, metadata } };
}

/** `sealkit seal --format bitnami ...`: the same inputs and flags as the sealkit format. */
export async function sealBitnamiCommand(io: Io, nameArg: string | undefined, flags: BitnamiSealCommandFlags, cmd: Command): Promise<void> {
  const literals = flags.fromLiteral ?? [];
  const files = flags.fromFile ?? [];
  const envFiles = flags.fromEnvFile ?? [];
  if (flags.raw === true) {
    const conflicts: Array<[boolean, string]> = [
      [nameArg !== undefined, 'a NAME argument (use --name)'],
      [flags.file !== undefined, '-f (the value comes from stdin or --from-file)'],
      [literals.length > 0, '--from-literal (pipe the value on stdin)'],
      [envFiles.length > 0, '--from-env-file'],
      [flags.mergeInto !== undefined, '--merge-into'],
      [flags.type !== undefined, '--type'],
      [isExplicit(cmd, 'output'), '-o (the output is the bare sealed string)'],
      [files.length > 1, '--from-file given more than once'],
    ];
    for (const [present, what] of conflicts) {
      if (present) throw new UsageError(`--raw cannot be combined with ${what}`, { hint: "see 'sealkit seal --help'" });
    }
    return sealBitnamiRaw(io, flags);
  }
  const building = nameArg !== undefined || literals.length + files.length + envFiles.length > 0;
  if (nameArg !== undefined && flags.name !== undefined && nameArg !== flags.name) {
    throw new UsageError(`the name argument "${nameArg}" conflicts with --name "${flags.name}"`, { hint: 'give the name once' });
  }
  if (building) {
    if (flags.file !== undefined) {
      throw new UsageError('-f reads a Secret manifest; it cannot be combined with NAME or --from-*', {
        hint: 'either pipe/pass a manifest, or build the Secret with NAME and --from-literal/--from-file/--from-env-file',
      });
    }
    if (literals.length + files.length + envFiles.length === 0) {
      throw new UsageError(`no data for the Secret "${nameArg ?? ''}"`, { hint: 'add --from-literal KEY=VALUE, --from-file [KEY=]PATH or --from-env-file PATH' });
    }
    if (nameArg === undefined && flags.name === undefined && flags.mergeInto === undefined) {
      throw new UsageError('a name is required to build a Secret', { hint: 'sealkit seal NAME -n NAMESPACE --format bitnami --from-literal KEY=VALUE' });
    }
  } else if (flags.type !== undefined) {
    throw new UsageError('--type applies to a Secret built with --from-*; a manifest carries its own type');
  }
  if (flags.mergeInto !== undefined) {
    for (const option of ['write', 'output'] as const) {
      if (isExplicit(cmd, option)) throw new UsageError(`--merge-into edits the file in place; it cannot be combined with ${option === 'write' ? '-w' : '-o'}`);
    }
  }
  // The certificate first: a missing or expired --cert is reported before we wait for stdin.
  await readBitnamiCert(flags.cert ?? []);
  let inputs: InputObject[];
  if (building) {
    const secret = await buildSecret({ name: nameArg ?? flags.name ?? '', namespace: flags.namespace, type: flags.type, literals, files, envFiles });
    if (secret.metadata.name === '') delete secret.metadata.name;
    inputs = [{ source: 'the command line', index: 1, value: secret }];
  } else {
    const { source, data } = await readInput(io, { file: flags.file }, 'Secret manifests');
    inputs = parseManifests(data, source);
  }
  if (flags.name !== undefined && inputs.length > 1) throw new UsageError(`--name applies to one Secret; the input has ${inputs.length} objects`);
  inputs = inputs.map((input) => withOverrides(input, flags));
  if (flags.mergeInto !== undefined) return mergeIntoBitnami(io, flags.mergeInto, inputs, flags);
  return sealBitnamiManifests(io, inputs, flags, building);
}

/** `--format sealkit|bitnami` of `sealkit seal`. */
export function formatOption(): Option {
  return new Option(
    '--format <format>',
    'sealed format: sealkit, or bitnami (bitnami.com/v1alpha1, what kubeseal writes; one --cert certificate; JSON unless -o yaml)',
  ).choices([...FORMATS]);
}
