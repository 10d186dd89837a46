import type { Command } from 'commander';
import type { ClusterFlags } from '../cluster/options.js';
import type { Scope } from '@sealkit/core';
import { UsageError } from '../errors.js';
import { readUserFile } from '../files/user-files.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput, type InputObject } from './manifests.js';
import { type OutputFormat } from '../output/manifests.js';
import { buildSecret } from './secret-builder.js';

/**
 * The inputs of `sealkit seal`, read and checked the same way whatever the sealed format: the
 * sealkit and the Bitnami (`--format bitnami`) commands take the same flags and must refuse the
 * same mistakes with the same words, so the checks live here once. Only what differs between the
 * formats (the keys to seal to, the scope names, a few hints) stays with each command.
 */

/** The flags of `sealkit seal` that both formats take, as commander parses them. */
export interface SealCommandFlags {
  cert?: string[];
  file?: string;
  write?: string;
  output?: OutputFormat;
  scope?: Scope;
  namespace?: string;
  name?: string;
  fromLiteral?: string[];
  fromFile?: string[];
  fromEnvFile?: string[];
  type?: string;
  raw?: boolean;
  mergeInto?: string;
}

function isExplicit(cmd: Command, option: string): boolean {
  return cmd.getOptionValueSource(option) === 'cli';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `--raw` seals one bare value: the flags that shape a Secret have nothing to act on. `more` are a format's own conflicts, checked last. */
export function checkRawFlags(nameArg: string | undefined, flags: SealCommandFlags, cmd: Command, more: ReadonlyArray<[boolean, string]> = []): void {
  const conflicts: Array<[boolean, string]> = [
    [nameArg !== undefined, 'a NAME argument (use --name)'],
    [flags.file !== undefined, '-f (the value comes from stdin or --from-file)'],
    [(flags.fromLiteral ?? []).length > 0, '--from-literal (pipe the value on stdin)'],
    [(flags.fromEnvFile ?? []).length > 0, '--from-env-file'],
    [flags.mergeInto !== undefined, '--merge-into'],
    [flags.type !== undefined, '--type'],
    [isExplicit(cmd, 'output'), '-o (the output is the bare sealed string)'],
    ...more,
  ];
  for (const [present, what] of conflicts) {
    if (present) throw new UsageError(`--raw cannot be combined with ${what}`, { hint: "see 'sealkit seal --help'" });
  }
}

/** A raw value is bound to the location its scope names; `scopeName` spells the scope as the format's --scope does. */
export function requireRawLocation(flags: SealCommandFlags, scope: Scope, scopeName: (scope: Scope) => string): void {
  const needs = scope === 'strict' ? (['namespace', 'name'] as const) : scope === 'namespace' ? (['namespace'] as const) : [];
  for (const field of needs) {
    if (flags[field] === undefined) {
      throw new UsageError(`--raw with --scope ${scopeName(scope)} needs ${field === 'name' ? '--name' : '-n/--namespace'}: the value is bound to it`, {
        hint: `pass ${scope === 'strict' ? '-n NAMESPACE --name NAME' : '-n NAMESPACE'}, or use a wider --scope`,
      });
    }
  }
}

/** The part of a location a value is sealed for: only what its scope binds it to. */
export function boundLocation(
  scope: Scope,
  location: { namespace?: string | undefined; name?: string | undefined },
): { namespace?: string | undefined; name?: string | undefined } {
  return {
    ...(scope !== 'cluster' ? { namespace: location.namespace } : {}),
    ...(scope === 'strict' ? { name: location.name } : {}),
  };
}

/**
 * Strict and namespace scopes bind each value to a namespace: sealing without one would never
 * open. A usage error (exit 2) whether the Secret came from a manifest or from --from-*, since
 * either way `-n` is the fix. `scopeName` spells the scope as the format's --scope does.
 */
export function requireNamespace(namespace: string | undefined, scope: Scope, what: string, scopeName: (scope: Scope) => string): void {
  if (scope === 'cluster' || (namespace !== undefined && namespace !== '')) return;
  throw new UsageError(`${what} has no namespace; scope ${scopeName(scope)} binds each value to one`, {
    hint: `pass -n NAMESPACE (or --scope ${scopeName('cluster')})`,
  });
}

/** The one value `--raw` seals: the single --from-file, else stdin. */
export async function readRawValue(io: Io, flags: SealCommandFlags): Promise<Buffer> {
  const fromFile = flags.fromFile?.[0];
  return fromFile !== undefined ? await readUserFile(fromFile, '--from-file') : (await readInput(io, {}, 'the value to seal')).data;
}

/** The hints that name the format's own command line. */
export interface BuildHints {
  noData: string;
  noName: string;
}

/**
 * Checks the flags that say where the Secret comes from (built from NAME and --from-*, or read as
 * manifests) and where the result goes; returns whether the Secret is built from the command line.
 */
export function checkSecretFlags(nameArg: string | undefined, flags: SealCommandFlags, cmd: Command, hints: BuildHints): boolean {
  const sources = (flags.fromLiteral ?? []).length + (flags.fromFile ?? []).length + (flags.fromEnvFile ?? []).length;
  const building = nameArg !== undefined || sources > 0;
  if (nameArg !== undefined && flags.name !== undefined && nameArg !== flags.name) {
    throw new UsageError(`the name argument "${nameArg}" conflicts with --name "${flags.name}"`, { hint: 'give the name once' });
  }
  if (building) {
    if (flags.file !== undefined) {
      throw new UsageError('-f reads a Secret manifest; it cannot be combined with NAME or --from-*', {
        hint: 'either pipe/pass a manifest, or build the Secret with NAME and --from-literal/--from-file/--from-env-file',
      });
    }
    if (sources === 0) throw new UsageError(`no data for the Secret "${nameArg ?? ''}"`, { hint: hints.noData });
    if (nameArg === undefined && flags.name === undefined && flags.mergeInto === undefined) {
      throw new UsageError('a name is required to build a Secret', { hint: hints.noName });
    }
  } else if (flags.type !== undefined) {
    throw new UsageError('--type applies to a Secret built with --from-*; a manifest carries its own type');
  }
  if (flags.mergeInto !== undefined) {
    for (const option of ['write', 'output'] as const) {
      if (isExplicit(cmd, option)) {
        throw new UsageError(`--merge-into edits the file in place; it cannot be combined with ${option === 'write' ? '-w' : '-o'}`);
      }
    }
  }
  return building;
}

/** `-n` / `--name` fill in what the manifest lacks; a different value in the manifest is a conflict. */
function applyOverrides(input: InputObject, flags: SealCommandFlags): InputObject {
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

/**
 * The namespace of the kubeconfig's current (or --context) context, kubeseal's rule for a Secret
 * that names none and got no -n; undefined when no cluster is configured or the context sets none
 * (then the scope check asks for -n). The kubeconfig code is loaded only when this is needed.
 */
export async function contextNamespace(cluster: ClusterFlags): Promise<string | undefined> {
  const [{ KubeconfigError, loadConnectionSpec }, { kubeSelection, toCliError }] = await Promise.all([import('@sealkit/kube'), import('../cluster/session.js')]);
  try {
    const namespace = loadConnectionSpec(kubeSelection(cluster)).namespace;
    return namespace === undefined || namespace === '' ? undefined : namespace;
  } catch (err) {
    if (err instanceof KubeconfigError && err.code === 'no-cluster') return undefined;
    throw toCliError(err);
  }
}

function hasNamespace(input: InputObject): boolean {
  return isRecord(input.value) && isRecord(input.value.metadata) && typeof input.value.metadata.namespace === 'string' && input.value.metadata.namespace !== '';
}

/** The Secrets to seal: built from NAME and --from-*, or read from -f/stdin; with -n/--name applied, else (but for --merge-into) the context's namespace. */
export async function readSecretInputs(io: Io, nameArg: string | undefined, flags: SealCommandFlags & ClusterFlags, building: boolean): Promise<InputObject[]> {
  let inputs: InputObject[];
  if (building) {
    const secret = await buildSecret({
      name: nameArg ?? flags.name ?? '',
      namespace: flags.namespace,
      type: flags.type,
      literals: flags.fromLiteral ?? [],
      files: flags.fromFile ?? [],
      envFiles: flags.fromEnvFile ?? [],
    });
    if (secret.metadata.name === '') delete secret.metadata.name;
    inputs = [{ source: 'the command line', index: 1, value: secret }];
  } else {
    const { source, data } = await readInput(io, { file: flags.file }, 'Secret manifests');
    inputs = parseManifests(data, source);
  }
  if (flags.name !== undefined && inputs.length > 1) {
    throw new UsageError(`--name applies to one Secret; the input has ${inputs.length} objects`);
  }
  const located = inputs.map((input) => applyOverrides(input, flags));
  // --merge-into takes a missing name and namespace from the file it merges into, which outranks
  // the kubeconfig context (a context of "default" must not make the merge refuse the file).
  if (flags.namespace !== undefined || flags.mergeInto !== undefined || located.every(hasNamespace)) return located;
  const namespace = await contextNamespace(flags);
  return namespace === undefined ? located : located.map((input) => (hasNamespace(input) ? input : applyOverrides(input, { namespace })));
}
