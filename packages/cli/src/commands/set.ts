import { BITNAMI_API_VERSION } from '@sealkit/core';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import { UsageError } from '../errors.js';
import { findCandidates, readMergeFile } from '../files/merge-into-file.js';
import { readUserFile } from '../files/user-files.js';
import type { Io } from '../io.js';
import { readInput, type InputObject } from '../input/manifests.js';
import { checkKey } from '../input/secret-builder.js';
import { resolveRecipients } from '../keys/load-keys.js';
import type { RegisterCommand } from '../types.js';
import { mergeInto } from './seal.js';
import { collect } from './options.js';

/**
 * `sealkit set FILE KEY=VALUE|KEY=@PATH|KEY=-`: adds or replaces values of a committed
 * SealedSecret without any private key. The values are sealed for the SealedSecret's own
 * location and scope and spliced in by the `seal --merge-into` machinery, so every other byte
 * of the file stays as it was. Works on sealkit and Bitnami SealedSecrets alike.
 */

interface SetFlags extends ClusterFlags {
  cert?: string[];
  name?: string;
  namespace?: string;
}

/** One `KEY=...` argument: where its value comes from. Never echoes the value in an error. */
type Assignment = { key: string; literal: string } | { key: string; path: string } | { key: string; stdin: true };

export function parseAssignment(arg: string): Assignment {
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(eq === 0 ? 'set: the key before "=" is empty' : 'set expects KEY=VALUE, KEY=@PATH or KEY=- (an argument has no "=")', {
      hint: 'sealkit set db.sealed.yaml password=@pw.txt',
    });
  }
  const key = arg.slice(0, eq);
  checkKey(key, 'set');
  const rest = arg.slice(eq + 1);
  if (rest === '-') return { key, stdin: true };
  if (rest.startsWith('@')) return { key, path: rest.slice(1) };
  return { key, literal: rest };
}

async function readAssignments(io: Io, args: readonly string[]): Promise<Map<string, Uint8Array>> {
  const assignments = args.map(parseAssignment);
  const seen = new Set<string>();
  for (const a of assignments) {
    if (seen.has(a.key)) throw new UsageError(`set: key ${JSON.stringify(a.key)} is given more than once`);
    seen.add(a.key);
  }
  if (assignments.filter((a) => 'stdin' in a).length > 1) {
    throw new UsageError('set: only one KEY=- can read stdin', { hint: 'give the other values as KEY=@PATH' });
  }
  if (io.stdinIsTTY && assignments.some((a) => 'stdin' in a)) {
    throw new UsageError('KEY=- reads the value from stdin, which is a terminal', { hint: 'pipe the value in, or use KEY=@PATH' });
  }
  const values = new Map<string, Uint8Array>();
  for (const a of assignments) {
    if ('literal' in a) values.set(a.key, Buffer.from(a.literal, 'utf8'));
    else if ('path' in a) values.set(a.key, await readUserFile(a.path, `${a.key}=@`));
    else values.set(a.key, (await readInput(io, {}, 'the value to seal')).data);
  }
  return values;
}

async function set(io: Io, file: string, args: readonly string[], flags: SetFlags): Promise<void> {
  // The file first: a wrong path is reported before we wait for stdin or a cluster.
  const merge = await readMergeFile(file);
  const bitnami = findCandidates(merge.file, (v) => v.kind === 'SealedSecret' && v.apiVersion === BITNAMI_API_VERSION).length > 0
    && findCandidates(merge.file, (v) => v.kind === 'SealedSecret' && v.apiVersion !== BITNAMI_API_VERSION).length === 0;
  const recipients = bitnami ? [] : await resolveRecipients({ certs: flags.cert ?? [], cluster: flags });
  const values = await readAssignments(io, args);
  const data: Record<string, string> = {};
  for (const [key, value] of values) data[key] = Buffer.from(value).toString('base64');
  const metadata: Record<string, string> = {};
  if (flags.name !== undefined) metadata.name = flags.name;
  if (flags.namespace !== undefined) metadata.namespace = flags.namespace;
  const input: InputObject = { source: 'the command line', index: 1, value: { apiVersion: 'v1', kind: 'Secret', metadata, data } };
  if (bitnami) await (await import('../bitnami/seal.js')).mergeIntoBitnami(io, file, [input], { cert: flags.cert ?? [] });
  else await mergeInto(io, file, [input], recipients, undefined, { sameRecipients: true });
  for (const value of values.values()) value.fill(0);
}

export const registerSet: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('set')
    .description('add or replace values in a sealed file without any private key; every other byte stays as it was')
    .argument('<file>', 'the SealedSecret file (sealkit or Bitnami format), edited in place')
    .argument('<assignment...>', 'KEY=VALUE (visible in shell history!), KEY=@PATH (the file\'s bytes) or KEY=- (stdin)')
    .option('--cert <file>', "public key(s) to seal to (PEM file or https URL), repeatable; default: the cluster's; Bitnami files: the controller's certificate", collect)
    .option('--name <name>', 'pick the SealedSecret of this name when the file holds several')
    .option('-n, --namespace <namespace>', 'pick the SealedSecret of this namespace when the file holds several')
    .addHelpText(
      'after',
      `
The values are sealed for the SealedSecret's own namespace, name and scope. A value that starts
with @ is read from a file; to set a literal starting with @, pipe it in with KEY=-.

Examples:
  sealkit set db.sealed.yaml --cert sealkit.pub password=@./new-password.txt
  printf %s "$TOKEN" | sealkit set db.sealed.yaml --cert sealkit.pub api-token=-
  sealkit set db.bitnami.json --cert bitnami.pem username=admin`,
    )
    .action(async (file: string, assignments: string[], flags: SetFlags) => {
      await set(io, file, assignments, flags);
    });
  addClusterOptions(cmd);
};
