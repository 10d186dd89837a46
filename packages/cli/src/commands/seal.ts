import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  inspectValue,
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
import { formatOption, sealBitnamiCommand, type SealFormat } from '../bitnami/seal.js';
import { ExitError, UsageError, withContext } from '../errors.js';
import { readUserFile, writeFileAtomic } from '../files.js';
import type { Io } from '../io.js';
import { resolveRecipients } from '../keys.js';
import { describeObject, formatManifests, parseManifests, readInput, type InputObject, type OutputFormat } from '../manifests.js';
import { applyChanges, parseSealedFile } from '../merge.js';
import { buildSecret } from '../secret-builder.js';
import type { RegisterCommand } from './context.js';
import { collect, inputFileOption, namespaceOption, outputFormatOption, scopeOption, writeFileOption } from './options.js';

interface SealFlags extends ClusterFlags {
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
  format?: SealFormat;
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
    .addHelpText('after', EXAMPLES)
    .action(async (nameArg: string | undefined, flags: SealFlags, cmd: Command) => {
      await seal(io, nameArg, flags, cmd);
    });
  // Without --cert, the cluster's active key is fetched (see sealkit cert).
  addClusterOptions(sealCommand);
};

function explicit(cmd: Command, option: string): boolean {
  return cmd.getOptionValueSource(option) === 'cli';
}

async function seal(io: Io, nameArg: string | undefined, flags: SealFlags, cmd: Command): Promise<void> {
  if (flags.format === 'bitnami') return sealBitnamiCommand(io, nameArg, flags, cmd);
  const literals = flags.fromLiteral ?? [];
  const files = flags.fromFile ?? [];
  const envFiles = flags.fromEnvFile ?? [];
  if (flags.raw === true) {
    checkRawFlags(nameArg, flags, cmd);
    return sealRaw(io, flags);
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
      throw new UsageError(`no data for the Secret "${nameArg ?? ''}"`, {
        hint: 'add --from-literal KEY=VALUE, --from-file [KEY=]PATH or --from-env-file PATH, or pipe a manifest without NAME',
      });
    }
    if (nameArg === undefined && flags.name === undefined && flags.mergeInto === undefined) {
      throw new UsageError('a name is required to build a Secret', {
        hint: 'sealkit seal NAME -n NAMESPACE --from-literal KEY=VALUE',
      });
    }
  } else if (flags.type !== undefined) {
    throw new UsageError('--type applies to a Secret built with --from-*; a manifest carries its own type');
  }
  if (flags.mergeInto !== undefined) {
    for (const option of ['write', 'output'] as const) {
      if (explicit(cmd, option)) {
        throw new UsageError(`--merge-into edits the file in place; it cannot be combined with ${option === 'write' ? '-w' : '-o'}`);
      }
    }
  }

  // Recipients first: a missing --cert is reported before we wait for stdin.
  const recipients = await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });

  let inputs: InputObject[];
  if (building) {
    const secret = await buildSecret({
      name: nameArg ?? flags.name ?? '',
      namespace: flags.namespace,
      type: flags.type,
      literals,
      files,
      envFiles,
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
  inputs = inputs.map((input) => applyOverrides(input, { name: flags.name, namespace: flags.namespace }));

  if (flags.mergeInto !== undefined) {
    return mergeInto(io, flags.mergeInto, inputs, recipients, flags.scope);
  }

  const scope = flags.scope ?? 'strict';
  const sealed: SealedSecretManifest[] = [];
  for (const input of inputs) {
    const what = describeObject(input);
    const secret = withContext(what, () => validateSecret(input.value));
    requireLocation(secret, scope, what, building);
    sealed.push(withContext(what, () => sealSecret(secret, { recipients, scope })));
  }
  await emit(io, formatManifests(sealed, flags.output ?? 'yaml'), flags.write);
}

function checkRawFlags(nameArg: string | undefined, flags: SealFlags, cmd: Command): void {
  const conflicts: Array<[boolean, string]> = [
    [nameArg !== undefined, 'a NAME argument (use --name)'],
    [flags.file !== undefined, '-f (the value comes from stdin or --from-file)'],
    [(flags.fromLiteral ?? []).length > 0, '--from-literal (pipe the value on stdin)'],
    [(flags.fromEnvFile ?? []).length > 0, '--from-env-file'],
    [flags.mergeInto !== undefined, '--merge-into'],
    [flags.type !== undefined, '--type'],
    [explicit(cmd, 'output'), '-o (the output is the bare sealed string)'],
  ];
  for (const [present, what] of conflicts) {
    if (present) throw new UsageError(`--raw cannot be combined with ${what}`, { hint: "see 'sealkit seal --help'" });
  }
  if ((flags.fromFile ?? []).length > 1) {
    throw new UsageError('--raw seals one value: give --from-file at most once');
  }
}

async function sealRaw(io: Io, flags: SealFlags): Promise<void> {
  const scope = flags.scope ?? 'strict';
  const needs = scope === 'strict' ? ['namespace', 'name'] as const : scope === 'namespace' ? ['namespace'] as const : [];
  for (const field of needs) {
    if (flags[field] === undefined) {
      throw new UsageError(`--raw with --scope ${scope} needs ${field === 'name' ? '--name' : '-n/--namespace'}: the value is bound to it`, {
        hint: `pass ${scope === 'strict' ? '-n NAMESPACE --name NAME' : '-n NAMESPACE'}, or use a wider --scope`,
      });
    }
  }
  const recipients = await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });
  const fromFile = flags.fromFile?.[0];
  const value = fromFile !== undefined
    ? await readUserFile(fromFile, '--from-file')
    : (await readInput(io, {}, 'the value to seal')).data;
  if (value.length === 0) {
    throw new ExitError(`the value to seal is empty (${fromFile ?? 'stdin'})`, {
      hint: 'pipe the value on stdin, e.g. printf %s "$VALUE" | sealkit seal --raw ..., or pass --from-file PATH',
    });
  }
  const sealed = withContext('--raw', () =>
    sealValue(value, {
      recipients,
      scope,
      ...(scope !== 'cluster' ? { namespace: flags.namespace } : {}),
      ...(scope === 'strict' ? { name: flags.name } : {}),
    }),
  );
  await emit(io, `${sealed}\n`, flags.write);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `-n` / `--name` fill in what the manifest lacks; a different value in the manifest is a conflict. */
function applyOverrides(input: InputObject, overrides: { name?: string | undefined; namespace?: string | undefined }): InputObject {
  if (!isRecord(input.value)) return input;
  const metadata = isRecord(input.value.metadata) ? { ...input.value.metadata } : {};
  for (const field of ['name', 'namespace'] as const) {
    const wanted = overrides[field];
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

/** Strict and namespace scopes bind the value to a namespace: sealing without one would never open. */
function requireLocation(secret: SecretManifest, scope: Scope, what: string, building: boolean): void {
  if (scope === 'cluster') return;
  const namespace = secret.metadata.namespace;
  if (typeof namespace !== 'string' || namespace === '') {
    const message = `${what} has no namespace; --scope ${scope} binds each value to one`;
    const hint = 'pass -n NAMESPACE (or --scope cluster)';
    throw building ? new UsageError(message, { hint }) : new ExitError(message, { hint });
  }
}

/** The scope the values of an existing SealedSecret were sealed with (values win over the annotation). */
function existingScope(sealed: SealedSecretManifest, what: string): Scope | undefined {
  const first = Object.entries(sealed.spec.encryptedData)[0];
  if (first !== undefined) return withContext(`${what}, key "${first[0]}"`, () => inspectValue(first[1]).scope);
  const annotation = sealed.metadata.annotations?.[SCOPE_ANNOTATION];
  return annotation === undefined ? undefined : withContext(`${what}: annotation ${SCOPE_ANNOTATION}`, () => parseScope(annotation));
}

async function mergeInto(
  io: Io,
  path: string,
  inputs: readonly InputObject[],
  recipients: readonly Uint8Array[],
  scopeFlag: Scope | undefined,
): Promise<void> {
  if (inputs.length !== 1) {
    throw new ExitError(`--merge-into takes one Secret; the input has ${inputs.length} objects`);
  }
  const input = inputs[0] as InputObject;
  const text = (await readUserFile(path, '--merge-into')).toString('utf8');
  const file = parseSealedFile(text, path);
  const candidates = file.objects
    .map((value, index) => ({ value, index }))
    .filter(({ value }) => isRecord(value) && value.kind === 'SealedSecret');
  if (candidates.length === 0) {
    throw new ExitError(`--merge-into ${path}: the file holds no SealedSecret`, {
      hint: 'create it first: sealkit seal ... -w FILE',
    });
  }
  const meta = isRecord(input.value) && isRecord(input.value.metadata) ? input.value.metadata : {};
  const matching = candidates.length === 1
    ? candidates
    : candidates.filter(({ value }) => {
        const m = (value as { metadata?: Record<string, unknown> }).metadata ?? {};
        return m.name === meta.name && (meta.namespace === undefined || m.namespace === meta.namespace);
      });
  const target = matching[0];
  if (target === undefined || matching.length > 1) {
    throw new ExitError(`--merge-into ${path}: the file holds ${candidates.length} SealedSecrets; cannot tell which one to update`, {
      hint: 'name the Secret with --name and -n to pick one',
    });
  }
  const where = `--merge-into ${path}`;
  const existing = withContext(where, () => validateSealedSecret(target.value));
  const label = `SealedSecret ${existing.metadata.namespace === undefined ? '' : `${existing.metadata.namespace}/`}${existing.metadata.name ?? ''}`;

  // The Secret takes the SealedSecret's location; a Secret that says otherwise is a mistake.
  const secretValue = isRecord(input.value) ? { ...input.value } : input.value;
  if (isRecord(secretValue)) {
    const metadata = isRecord(secretValue.metadata) ? { ...secretValue.metadata } : {};
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
    secretValue.metadata = metadata;
  }
  const what = describeObject({ ...input, value: secretValue });
  const secret = withContext(what, () => validateSecret(secretValue));

  const fileScope = existingScope(existing, `${where}: ${label}`);
  if (scopeFlag !== undefined && fileScope !== undefined && scopeFlag !== fileScope) {
    throw new UsageError(`--scope ${scopeFlag} conflicts with the scope "${fileScope}" of ${label} in ${path}`, {
      hint: 'drop --scope to use the scope of the file',
    });
  }
  const scope = scopeFlag ?? fileScope ?? 'strict';
  requireLocation(secret, scope, what, false);
  const merged = withContext(what, () => mergeIntoSealedSecret(existing, secret, { recipients, scope }));
  const changes = Object.entries(merged.spec.encryptedData).filter(([key, sealed]) => existing.spec.encryptedData[key] !== sealed);
  const updated = applyChanges(text, file, target.index, changes, path);
  // Keep the file's permissions: it is the user's file, we only edit it.
  const mode = (await stat(path)).mode & 0o777;
  await writeFileAtomic(path, updated, mode);
  const added = changes.filter(([key]) => !(key in existing.spec.encryptedData)).map(([key]) => key);
  const replaced = changes.filter(([key]) => key in existing.spec.encryptedData).map(([key]) => key);
  const parts = [];
  if (added.length > 0) parts.push(`added ${added.join(', ')}`);
  if (replaced.length > 0) parts.push(`replaced ${replaced.join(', ')}`);
  io.writeErr(`sealkit: ${path}: ${parts.length > 0 ? parts.join('; ') : 'no change'}\n`);
}

/** Writes the whole output at once: to stdout, or atomically to `-w FILE`. */
async function emit(io: Io, text: string, write: string | undefined): Promise<void> {
  if (write === undefined) io.writeOut(text);
  else await writeFileAtomic(write, text);
}
