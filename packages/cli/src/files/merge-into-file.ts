import { stat } from 'node:fs/promises';
import { ExitError } from '../errors.js';
import { readUserFile, writeFileAtomic } from './user-files.js';
import type { Io } from '../io.js';
import { describeObject, type InputObject } from '../input/manifests.js';
import { applyChanges, parseSealedFile, type Changes, type SealedFile } from './set-sealed-values.js';

/**
 * The steps of `seal --merge-into FILE` that do not depend on the sealed format: reading the file,
 * picking the SealedSecret the Secret belongs to, giving the Secret that SealedSecret's location,
 * and writing the edited file back with a one-line report. The sealkit and Bitnami formats differ
 * only in how they find the candidates, take the scope and seal the values, so each keeps that.
 */

export interface MergeFile {
  readonly text: string;
  readonly file: SealedFile;
}

/** A SealedSecret of the file and its position among the file's objects. */
export interface MergeCandidate {
  readonly value: unknown;
  readonly index: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function metadataOf(value: unknown): Record<string, unknown> {
  return isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
}

export async function readMergeFile(path: string): Promise<MergeFile> {
  const text = (await readUserFile(path, '--merge-into')).toString('utf8');
  return { text, file: parseSealedFile(text, path) };
}

/** The objects of the file that `isCandidate` accepts, with their positions. */
export function findCandidates(file: SealedFile, isCandidate: (value: Record<string, unknown>) => boolean): MergeCandidate[] {
  return file.objects.map((value, index) => ({ value, index })).filter(({ value }) => isRecord(value) && isCandidate(value));
}

/** With several candidates, the ones with the Secret's name (and namespace, when it has one); a lone candidate is taken as is. */
export function matchingCandidates(candidates: readonly MergeCandidate[], input: InputObject): readonly MergeCandidate[] {
  if (candidates.length <= 1) return candidates;
  const meta = metadataOf(input.value);
  return candidates.filter(({ value }) => {
    const m = metadataOf(value);
    return m.name === meta.name && (meta.namespace === undefined || m.namespace === meta.namespace);
  });
}

/** How reports name a SealedSecret: `SealedSecret namespace/name`. */
export function sealedLabel(metadata: { name?: string | undefined; namespace?: string | undefined }): string {
  return `SealedSecret ${metadata.namespace === undefined ? '' : `${metadata.namespace}/`}${metadata.name ?? ''}`;
}

/** The Secret takes the SealedSecret's location; a Secret that says otherwise is a mistake. */
export function adoptLocation(
  input: InputObject,
  location: { name?: string | undefined; namespace?: string | undefined },
  label: string,
  path: string,
): InputObject {
  if (!isRecord(input.value)) return input;
  const metadata: Record<string, unknown> = { ...metadataOf(input.value) };
  for (const field of ['name', 'namespace'] as const) {
    const own = metadata[field];
    const theirs = location[field];
    if (typeof own === 'string' && own !== '' && theirs !== undefined && own !== theirs) {
      throw new ExitError(`${describeObject(input)}: its ${field} "${own}" differs from the ${field} "${theirs}" of ${label} in ${path}`, {
        hint: 'merge only into the SealedSecret of the same Secret',
      });
    }
    if (theirs !== undefined) metadata[field] = theirs;
  }
  return { ...input, value: { ...input.value, metadata } };
}

/**
 * Writes the file with `changes` spliced into the object at `index`, and reports which keys were
 * added and which replaced (`before` is that object's encryptedData as it was).
 */
export async function writeMerged(
  io: Io,
  path: string,
  { text, file }: MergeFile,
  index: number,
  changes: Changes,
  before: Readonly<Record<string, string>>,
): Promise<void> {
  const updated = applyChanges(text, file, index, changes, path);
  // Keep the file's permissions: it is the user's file, we only edit it.
  const mode = (await stat(path)).mode & 0o777;
  await writeFileAtomic(path, updated, mode);
  const added = changes.filter(([key]) => !(key in before)).map(([key]) => key);
  const replaced = changes.filter(([key]) => key in before).map(([key]) => key);
  const parts = [];
  if (added.length > 0) parts.push(`added ${added.join(', ')}`);
  if (replaced.length > 0) parts.push(`replaced ${replaced.join(', ')}`);
  io.writeErr(`sealkit: ${path}: ${parts.length > 0 ? parts.join('; ') : 'no change'}\n`);
}
