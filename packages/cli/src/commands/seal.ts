// fs.promises, read at each use: importing node:fs/promises loads it (and its readline and stream
// machinery) with this module, a few ms of every start that never writes a file.
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import {
  inspectValue,
  keyId,
  mergeIntoSealedSecret,
  parseScope,
  SCOPE_ANNOTATION,
  sealSecret,
  sealValue,
  validateSealedSecret,
  validateSecret,
  type Scope,
  type SealedSecretManifest,
  type SecretManifest,
} from '@sealkit/core';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import { formatOption, type SealFormat } from '../bitnami/format-option.js';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { writeOutput } from '../files/user-files.js';
import type { Io } from '../io.js';
import { resolveRecipients } from '../keys/load-keys.js';
import { describeObject, type InputObject } from '../input/manifests.js';
import { formatManifests } from '../output/manifests.js';
import { boundLocation, checkRawFlags, checkSecretFlags, contextNamespace, readRawValue, readSecretInputs, requireNamespace, requireRawLocation, type SealCommandFlags } from '../input/seal-flags.js';
import type { RegisterCommand } from '../types.js';
import { collect, inputFileOption, namespaceOption, outputFormatOption, scopeOption, writeFileOption } from './options.js';
import { withGitOpsAnnotations } from '../output/gitops-annotations.js';

interface SealFlags extends SealCommandFlags, ClusterFlags {
  format?: SealFormat;
  recursive?: string;
  inPlace?: boolean;
  dryRun?: boolean;
}

const EXAMPLES = `
Input: Secret manifests (YAML or JSON, several documents, or a v1 List) on stdin or -f FILE.
Output: SealedSecret manifests (${'sealkit.dev/v1alpha1'}) on stdout, or atomically to -w FILE.
Plaintext never comes from a flag, except --from-literal (like kubectl; it lands in shell history).

Examples:
  # seal what kubectl would create
  kubectl create secret generic db -n prod --from-literal=password=s3cr3t --dry-run=client -o yaml \\
    | sealkit seal --cert sealkit.pub > db.sealed.yaml

  # build the Secret directly: no plaintext manifest ever exists
  sealkit seal db -n prod --cert sealkit.pub --from-file password=./pw.txt --from-env-file app.env -w db.sealed.yaml

  # several recipients: two clusters plus an offline recovery key
  sealkit seal -f secret.yaml --cert prod-eu.pub --cert prod-us.pub --cert recovery.pub

  # one value, for pasting into an existing SealedSecret
  printf %s "$TOKEN" | sealkit seal --raw --cert sealkit.pub -n prod --name api

  # add or replace keys of a committed SealedSecret in place (other values stay byte for byte)
  sealkit seal --cert sealkit.pub --from-literal api-key=abc --merge-into db.sealed.yaml

  # every plaintext Secret manifest under a directory, to NAME.sealed.yaml beside it
  sealkit seal -R deploy/ --cert sealkit.pub --dry-run
  sealkit seal -R deploy/ --cert sealkit.pub            # or --in-place

  # namespace-wide: the Secret may be renamed inside its namespace
  sealkit seal --cert sealkit.pub --scope namespace -f secret.yaml -o json`;

export const registerSeal: RegisterCommand = (program, { io }) => {
  const sealCommand = program
    .command('seal')
    .description('encrypt Secrets into SealedSecrets that only the cluster (or a recovery key) can open')
    .argument('[name]', 'build a Secret of this name from --from-literal/--from-file/--from-env-file')
    .option('--cert <file>', 'public key(s) to seal to (PEM file or https URL); repeat for several recipients; default: the cluster\'s', collect)
    .addOption(inputFileOption())
    .addOption(writeFileOption())
    .addOption(outputFormatOption())
    .addOption(scopeOption())
    .addOption(formatOption())
    .addOption(namespaceOption())
    .option('--name <name>', 'name of the Secret (must agree with the manifest if it has one)')
    .option('--from-literal <key=value>', 'add a key with a literal value (visible in shell history!)', collect)
    .option('--from-file <[key=]path>', 'add a key from a file (key defaults to the file name; a directory adds each file)', collect)
    .option('--from-env-file <path>', 'add the KEY=VALUE lines of a file as keys', collect)
    .option('--type <type>', 'type of the Secret built from --from-* (default Opaque)')
    .option('--raw', 'seal one value from stdin (or --from-file) and print only the sealed string')
    .option('--merge-into <file>', 'add/replace the keys in an existing SealedSecret file, in place')
    .option('-R, --recursive <dir>', 'seal every plaintext Secret manifest under DIR to NAME.sealed.yaml beside it')
    .option('--in-place', 'with -R: replace each file by its sealed version instead of writing NAME.sealed.yaml')
    .option('--dry-run', 'with -R: report what would be sealed; write nothing')
    .addHelpText('after', EXAMPLES)
    .action(async (nameArg: string | undefined, flags: SealFlags, cmd: Command) => {
      await seal(io, nameArg, flags, cmd);
    });
  // Without --cert, the cluster's active key is fetched (see sealkit cert).
  addClusterOptions(sealCommand);
};

async function seal(io: Io, nameArg: string | undefined, flags: SealFlags, cmd: Command): Promise<void> {
  if (flags.recursive !== undefined) return sealRecursive(io, nameArg, flags, cmd);
  for (const [set, flag] of [[flags.inPlace, '--in-place'], [flags.dryRun, '--dry-run']] as const) {
    if (set === true) throw new UsageError(`${flag} applies to -R DIR`, { hint: 'sealkit seal -R DIR --cert sealkit.pub ' + flag });
  }
  if (flags.format === 'bitnami') return (await import('../bitnami/seal.js')).sealBitnamiCommand(io, nameArg, flags, cmd);
  if (flags.raw === true) {
    checkRawFlags(nameArg, flags, cmd);
    if ((flags.fromFile ?? []).length > 1) {
      throw new UsageError('--raw seals one value: give --from-file at most once');
    }
    return sealRaw(io, flags);
  }
  const building = checkSecretFlags(nameArg, flags, cmd, {
    noData: 'add --from-literal KEY=VALUE, --from-file [KEY=]PATH or --from-env-file PATH, or pipe a manifest without NAME',
    noName: 'sealkit seal NAME -n NAMESPACE --from-literal KEY=VALUE',
  });

  // Recipients first: a missing --cert is reported before we wait for stdin.
  const recipients = await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });
  const inputs = await readSecretInputs(io, nameArg, flags, building);

  if (flags.mergeInto !== undefined) {
    return mergeInto(io, flags.mergeInto, inputs, recipients, flags.scope);
  }

  const scope = flags.scope ?? 'strict';
  const sealed: SealedSecretManifest[] = [];
  for (const input of inputs) {
    const what = describeObject(input);
    const secret = withContext(what, () => validateSecret(input.value));
    requireNamespace(secret.metadata.namespace, scope, what, (s) => s);
    sealed.push(withGitOpsAnnotations(withContext(what, () => sealSecret(secret, { recipients, scope })), secret.metadata.annotations));
  }
  await writeOutput(io, formatManifests(sealed, flags.output ?? 'yaml'), flags.write);
}

/** `-R DIR`: the Secrets come from the files of the tree, and go back into it. */
async function sealRecursive(io: Io, nameArg: string | undefined, flags: SealFlags, cmd: Command): Promise<void> {
  const conflicts: Array<[boolean, string]> = [
    [nameArg !== undefined, 'a NAME argument'],
    [flags.file !== undefined, '-f'],
    [flags.write !== undefined, '-w (the sealed files go beside their sources, or --in-place)'],
    [cmd.getOptionValueSource('output') === 'cli', '-o (each file keeps its format)'],
    [flags.name !== undefined, '--name'],
    [(flags.fromLiteral ?? []).length + (flags.fromFile ?? []).length + (flags.fromEnvFile ?? []).length > 0, '--from-*'],
    [flags.type !== undefined, '--type'],
    [flags.raw === true, '--raw'],
    [flags.mergeInto !== undefined, '--merge-into'],
    [flags.format === 'bitnami', '--format bitnami (-R writes the sealkit format)'],
  ];
  for (const [present, what] of conflicts) {
    if (present) throw new UsageError(`-R cannot be combined with ${what}`, { hint: "see 'sealkit seal --help'" });
  }
  const dir = flags.recursive as string;
  const info = await fsp.stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new ExitError(`-R ${dir}: not a directory`);
  const recipients = await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });
  const { sealTree } = await import('../tree/seal-tree.js');
  const failed = await sealTree(io, {
    dir,
    recipients,
    scope: flags.scope ?? 'strict',
    namespace: flags.namespace ?? (await contextNamespace(flags)),
    inPlace: flags.inPlace === true,
    dryRun: flags.dryRun === true,
  });
  if (failed > 0) throw new ExitError(`${failed} file${failed === 1 ? '' : 's'} could not be sealed (listed above)`);
}

async function sealRaw(io: Io, flags: SealFlags): Promise<void> {
  const scope = flags.scope ?? 'strict';
  if (flags.namespace === undefined && scope !== 'cluster') flags.namespace = await contextNamespace(flags);
  requireRawLocation(flags, scope, (s) => s);
  const recipients = await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });
  const value = await readRawValue(io, flags);
  if (value.length === 0) {
    throw new ExitError(`the value to seal is empty (${flags.fromFile?.[0] ?? 'stdin'})`, {
      hint: 'pipe the value on stdin, e.g. printf %s "$VALUE" | sealkit seal --raw ..., or pass --from-file PATH',
    });
  }
  const sealed = withContext('--raw', () => sealValue(value, { recipients, scope, ...boundLocation(scope, flags) }));
  await writeOutput(io, `${sealed}\n`, flags.write);
}

/** The scope the values of an existing SealedSecret were sealed with (values win over the annotation). */
function existingScope(sealed: SealedSecretManifest, what: string): Scope | undefined {
  const first = Object.entries(sealed.spec.encryptedData)[0];
  if (first !== undefined) return withContext(`${what}, key "${first[0]}"`, () => inspectValue(first[1]).scope);
  const annotation = sealed.metadata.annotations?.[SCOPE_ANNOTATION];
  return annotation === undefined ? undefined : withContext(`${what}: annotation ${SCOPE_ANNOTATION}`, () => parseScope(annotation));
}

/** Every key id the values of a SealedSecret are sealed for. */
export function recipientIds(sealed: SealedSecretManifest): Set<string> {
  const ids = new Set<string>();
  for (const value of Object.values(sealed.spec.encryptedData)) for (const id of inspectValue(value).keyIds) ids.add(id);
  return ids;
}

/**
 * `set` and `edit` change one value of a SealedSecret in place: it must open where the other
 * values open (the cluster, and a recovery key if the others carry one), so the keys given must
 * cover every key id of the existing values.
 */
export function requireSameRecipients(existing: SealedSecretManifest, recipients: readonly Uint8Array[], label: string): void {
  const given = new Set(recipients.map((k) => keyId(k)));
  const uncovered = [...recipientIds(existing)].filter((id) => !given.has(id));
  if (uncovered.length > 0) {
    throw new UsageError(`${label}: its values are also sealed for key id ${uncovered.join(', ')}, which the given keys do not include`, {
      hint: 'pass that public key with --cert too, so the new values open wherever the others do',
    });
  }
}

export async function mergeInto(
  io: Io,
  path: string,
  inputs: readonly InputObject[],
  recipients: readonly Uint8Array[],
  scopeFlag: Scope | undefined,
  options: { sameRecipients?: boolean } = {},
): Promise<void> {
  if (inputs.length !== 1) {
    throw new ExitError(`--merge-into takes one Secret; the input has ${inputs.length} objects`);
  }
  const input = inputs[0] as InputObject;
  const { adoptLocation, findCandidates, matchingCandidates, readMergeFile, sealedLabel, writeMerged } = await import('../files/merge-into-file.js');
  const merge = await readMergeFile(path);
  const candidates = findCandidates(merge.file, (value) => value.kind === 'SealedSecret');
  if (candidates.length === 0) {
    throw new ExitError(`--merge-into ${path}: the file holds no SealedSecret`, {
      hint: 'create it first: sealkit seal ... -w FILE',
    });
  }
  const matching = matchingCandidates(candidates, input);
  const target = matching[0];
  if (target === undefined || matching.length > 1) {
    throw new ExitError(`--merge-into ${path}: the file holds ${candidates.length} SealedSecrets; cannot tell which one to update`, {
      hint: 'name the Secret with --name and -n to pick one',
    });
  }
  const where = `--merge-into ${path}`;
  const existing = withContext(where, () => validateSealedSecret(target.value));
  const label = sealedLabel(existing.metadata);
  const located = adoptLocation(input, existing.metadata, label, path);
  const what = describeObject(located);
  const secret = withContext(what, () => validateSecret(located.value));

  if (options.sameRecipients === true) requireSameRecipients(existing, recipients, label);
  const fileScope = existingScope(existing, `${where}: ${label}`);
  if (scopeFlag !== undefined && fileScope !== undefined && scopeFlag !== fileScope) {
    throw new UsageError(`--scope ${scopeFlag} conflicts with the scope "${fileScope}" of ${label} in ${path}`, {
      hint: 'drop --scope to use the scope of the file',
    });
  }
  const scope = scopeFlag ?? fileScope ?? 'strict';
  requireNamespace(secret.metadata.namespace, scope, what, (s) => s);
  const merged = withContext(what, () => mergeIntoSealedSecret(existing, secret, { recipients, scope }));
  const changes = Object.entries(merged.spec.encryptedData).filter(([key, sealed]) => existing.spec.encryptedData[key] !== sealed);
  await writeMerged(io, path, merge, target.index, changes, existing.spec.encryptedData);
}
