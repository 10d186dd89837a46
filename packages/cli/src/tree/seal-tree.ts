import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { sealSecret, validateSecret, type Scope } from '@sealkit/core';
import { toExitError, withContext } from '../to-exit-error.js';
import { exists, PUBLIC_FILE_MODE, writeFileAtomic, writeNewFile } from '../files/user-files.js';
import { listManifestFiles, toPosix } from '../files/walk.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests } from '../input/manifests.js';
import { requireNamespace } from '../input/seal-flags.js';
import { formatManifests } from '../output/manifests.js';
import { startProgress } from '../output/progress.js';
import { withGitOpsAnnotations } from '../output/gitops-annotations.js';

/**
 * `sealkit seal -R DIR`: seals every plaintext Secret manifest under DIR, file by file, to
 * NAME.sealed.yaml beside it (or in place). A bad file is reported and the walk goes on; only
 * sealed output is ever written (atomically), so no plaintext file is created or left half-done.
 */

export interface TreeOptions {
  readonly dir: string;
  readonly recipients: readonly Uint8Array[];
  readonly scope: Scope;
  /** For Secrets that name no namespace. */
  readonly namespace?: string | undefined;
  readonly inPlace: boolean;
  readonly dryRun: boolean;
}

type Status = 'sealed' | 'skipped' | 'failed';

interface Outcome {
  readonly file: string;
  readonly status: Status;
  readonly detail: string;
}

const SEALED_NAME = /\.sealed\.(ya?ml|json)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSecret(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.kind === 'Secret' && value.apiVersion === 'v1';
}

/** `db.yaml` -> `db.sealed.yaml`, `db.json` -> `db.sealed.json`. */
export function sealedPath(file: string): string {
  return file.replace(/(\.(ya?ml|json))$/, '.sealed$1');
}

function withNamespace(value: Record<string, unknown>, namespace: string | undefined): Record<string, unknown> {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (namespace === undefined || (typeof metadata.namespace === 'string' && metadata.namespace !== '')) return value;
  return { ...value, metadata: { ...metadata, namespace } };
}

/** The sealed text of one file, or why it is skipped. Throws for a file that cannot be sealed. */
async function sealText(path: string, display: string, options: TreeOptions): Promise<{ text: string } | { skip: string }> {
  const data = await readFile(path);
  if (data.toString('utf8').trim() === '') return { skip: 'empty' };
  const inputs = parseManifests(data, display);
  if (!inputs.some((input) => isSecret(input.value))) {
    const sealed = inputs.some((input) => isRecord(input.value) && input.value.kind === 'SealedSecret');
    return { skip: sealed ? 'already sealed' : 'no Secret' };
  }
  const out: object[] = inputs.map((input) => {
    if (!isSecret(input.value)) return input.value as object;
    const located = { ...input, value: withNamespace(input.value, options.namespace) };
    const what = describeObject(located);
    const secret = withContext(what, () => validateSecret(located.value));
    requireNamespace(secret.metadata.namespace, options.scope, what, (s) => s);
    return withGitOpsAnnotations(withContext(what, () => sealSecret(secret, { recipients: options.recipients, scope: options.scope })), secret.metadata.annotations);
  });
  return { text: formatManifests(out, /\.json$/.test(path) ? 'json' : 'yaml') };
}

async function sealOne(path: string, display: string, options: TreeOptions): Promise<Outcome> {
  if (SEALED_NAME.test(path)) return { file: display, status: 'skipped', detail: 'already sealed' };
  if (sealedPath(path) === path) return { file: display, status: 'skipped', detail: 'no Secret' };
  const target = options.inPlace ? path : sealedPath(path);
  const targetDisplay = options.inPlace ? display : sealedPath(display);
  if (!options.inPlace && (await exists(target))) return { file: display, status: 'skipped', detail: `${targetDisplay} exists` };
  try {
    const result = await sealText(path, display, options);
    if ('skip' in result) return { file: display, status: 'skipped', detail: result.skip };
    if (!options.dryRun) {
      if (options.inPlace) await writeFileAtomic(path, result.text, (await stat(path)).mode & 0o777);
      else await writeNewFile(target, result.text, PUBLIC_FILE_MODE);
    }
    return { file: display, status: 'sealed', detail: options.inPlace ? 'in place' : `-> ${targetDisplay}` };
  } catch (err) {
    const message = toExitError(err).message;
    return { file: display, status: 'failed', detail: message.startsWith(`${display}: `) ? message.slice(display.length + 2) : message };
  }
}

function summary(outcomes: readonly Outcome[], dryRun: boolean): string {
  const count = (status: Status) => outcomes.filter((o) => o.status === status).length;
  const verb = dryRun ? 'would seal' : 'sealed';
  let text = `${verb} ${count('sealed')}, skipped ${count('skipped')}, failed ${count('failed')} (${outcomes.length} file${outcomes.length === 1 ? '' : 's'})\n`;
  for (const status of ['sealed', 'failed', 'skipped'] as const) {
    for (const o of outcomes.filter((x) => x.status === status)) {
      const label = status === 'sealed' ? verb : status;
      text += `  ${label.padEnd(10)} ${o.file}${o.detail === '' ? '' : status === 'sealed' ? ` ${o.detail}` : `: ${o.detail}`}\n`;
    }
  }
  return text;
}

/** Seals the tree; returns the number of files that failed. The summary goes to stdout. */
export async function sealTree(io: Io, options: TreeOptions): Promise<number> {
  const root = resolve(options.dir);
  const cwd = process.cwd();
  const files = await listManifestFiles(root);
  const progress = startProgress(io, files.length, `manifest files under ${options.dir}`);
  const outcomes: Outcome[] = [];
  for (const file of files) {
    const display = toPosix(relative(cwd, file));
    outcomes.push(await sealOne(file, display, options));
    progress.tick(display);
  }
  progress.done();
  io.writeOut(summary(outcomes, options.dryRun));
  return outcomes.filter((o) => o.status === 'failed').length;
}
