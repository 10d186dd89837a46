import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  BITNAMI_API_VERSION,
  SEALED_SECRET_API_VERSION,
  bitnamiScope,
  inspectValue,
  validateBitnamiSealedSecret,
  validateSealedSecret,
  type BitnamiSealedSecretManifest,
} from '@sealkit/core';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import { ExitError, UsageError } from '../errors.js';
import { toExitError } from '../to-exit-error.js';
import { writeFileAtomic } from '../files/user-files.js';
import type { Io } from '../io.js';
import type { RegisterCommand } from '../types.js';

interface MigrateFlags extends ClusterFlags {
  dryRun?: boolean;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform', 'vendor']);

/** Manifest files under the given paths (directories recursively, hidden and vendored ones skipped), sorted. */
async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string, explicit: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if (explicit) throw new ExitError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return;
    }
    if (info.isDirectory()) {
      const entries = await readdir(path, { withFileTypes: true });
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory() && (SKIP_DIRS.has(e.name) || e.name.startsWith('.'))) continue;
        if (e.isDirectory() || (e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()))) await walk(join(path, e.name), false);
      }
    } else if (info.isFile() && (explicit || EXTENSIONS.has(extname(path).toLowerCase()))) {
      out.push(path);
    }
  };
  for (const p of paths) await walk(p, true);
  return [...new Set(out)];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scopeName = (s: string) => (s === 'strict' ? 'strict' : `${s}-wide`);

function label(sealed: BitnamiSealedSecretManifest): string {
  const { name, namespace } = sealed.metadata;
  return `SealedSecret ${namespace === undefined ? '' : `${namespace}/`}${name ?? ''}`;
}

/**
 * What the controller sent back must be the same object in the sealkit format: same name and
 * namespace, every key (template.data keys included), each value bound to the Bitnami scope and
 * sealed to the cluster's active key. Anything else is refused, never written.
 */
function checkConverted(original: BitnamiSealedSecretManifest, answer: Record<string, unknown>, keyId: string | undefined): string | undefined {
  let converted;
  try {
    converted = validateSealedSecret(answer);
  } catch (err) {
    return `the controller's answer is not a valid ${SEALED_SECRET_API_VERSION} SealedSecret (${(err as Error).message})`;
  }
  if (converted.metadata.name !== original.metadata.name || converted.metadata.namespace !== original.metadata.namespace) {
    return 'the controller returned a SealedSecret of another name or namespace';
  }
  const scope = bitnamiScope(original.metadata);
  const wanted = new Set([...Object.keys(original.spec.encryptedData), ...Object.keys(original.spec.template?.data ?? {})]);
  const got = Object.keys(converted.spec.encryptedData);
  if (got.length !== wanted.size || got.some((k) => !wanted.has(k))) return 'the controller returned other keys than the SealedSecret has';
  for (const [key, value] of Object.entries(converted.spec.encryptedData)) {
    const info = inspectValue(value);
    if (info.scope !== scope) return `key "${key}" came back ${scopeName(info.scope)}, not ${scopeName(scope)}`;
    if (scope !== 'cluster' && info.namespace !== original.metadata.namespace) return `key "${key}" came back bound to another namespace`;
    if (scope === 'strict' && info.name !== original.metadata.name) return `key "${key}" came back bound to another name`;
    if (keyId !== undefined && (info.keyIds.length !== 1 || info.keyIds[0] !== keyId)) return `key "${key}" is not sealed to the active key ${keyId}`;
  }
  return undefined;
}

interface Tally {
  files: number;
  filesChanged: number;
  objects: number;
  migrated: number;
  failed: number;
}

async function migrate(io: Io, paths: readonly string[], flags: MigrateFlags): Promise<void> {
  const files = await manifestFiles(paths.length > 0 ? paths : ['.']);
  const { parseFile } = await import('../files/replace-sealed-values.js');
  const { replaceObjects } = await import('../bitnami/migrate-edit.js');
  const dry = flags.dryRun === true;
  const tally: Tally = { files: 0, filesChanged: 0, objects: 0, migrated: 0, failed: 0 };
  let session: Awaited<ReturnType<typeof import('../cluster/session.js')['openCluster']>> | undefined;
  const cluster = async () => {
    const mod = await import('../cluster/session.js');
    session ??= await mod.openCluster(flags);
    return { ...mod, session };
  };
  const say = (line: string) => io.writeErr(`sealkit: ${line}\n`);

  for (const path of files) {
    const text = (await readFile(path)).toString('utf8').replace(/^\uFEFF/, '');
    // Cheap filter: most files of a repository never mention the Bitnami API group.
    if (!text.includes(BITNAMI_API_VERSION)) continue;
    let parsed;
    try {
      parsed = parseFile(text, path);
    } catch (err) {
      tally.failed++;
      say(`${path}: ${toExitError(err).message.replace(`${path}: `, '')}; skipped`);
      continue;
    }
    const targets = parsed.objects.filter((o) => o.value.kind === 'SealedSecret' && o.value.apiVersion === BITNAMI_API_VERSION);
    if (targets.length === 0) continue;
    tally.files++;
    tally.objects += targets.length;
    const replacements: Array<{ target: (typeof targets)[number]; object: Record<string, unknown> }> = [];
    const problems: string[] = [];
    for (const target of targets) {
      let original: BitnamiSealedSecretManifest;
      try {
        original = validateBitnamiSealedSecret(target.value);
      } catch (err) {
        problems.push(`${isRecord(target.value.metadata) ? String(target.value.metadata.name ?? 'SealedSecret') : 'SealedSecret'}: ${(err as Error).message}`);
        continue;
      }
      const what = label(original);
      const c = await cluster();
      // A dry run asks for the conversion too (only ciphertext comes back) and checks it: the same
      // verdict as a real run, without writing anything.
      const result = await c.resealOnCluster(c.session.client, c.session.ref, target.value, `${path}: ${what}`);
      if (!result.ok) {
        const why = Object.entries(result.answer.values).filter(([, v]) => !v.ok).map(([k, v]) => `${k}: ${v.message ?? v.reason ?? 'does not open'}`);
        problems.push(`${what}: the cluster cannot open it: ${why.join('; ')}`);
        continue;
      }
      const problem = checkConverted(original, result.manifest, result.keyId);
      if (problem !== undefined) problems.push(`${what}: ${problem}`);
      else replacements.push({ target, object: result.manifest });
    }
    if (problems.length > 0) {
      tally.failed += problems.length;
      for (const p of problems) say(`${path}: ${p}`);
      say(`${path}: left unchanged (${problems.length} of ${targets.length} SealedSecret${targets.length === 1 ? '' : 's'} failed)`);
      continue;
    }
    if (dry) {
      tally.migrated += targets.length;
      say(`${path}: would migrate ${targets.length} SealedSecret${targets.length === 1 ? '' : 's'} (dry run, nothing written)`);
      continue;
    }
    const out = replaceObjects(text, parsed, replacements, path);
    const mode = (await stat(path)).mode & 0o777;
    await writeFileAtomic(path, out, mode);
    tally.migrated += targets.length;
    tally.filesChanged++;
    say(`${path}: migrated ${targets.length} SealedSecret${targets.length === 1 ? '' : 's'} to ${SEALED_SECRET_API_VERSION}`);
  }

  const summary = dry
    ? `dry run: ${tally.migrated} of ${tally.objects} Bitnami SealedSecrets in ${tally.files} file${tally.files === 1 ? '' : 's'} would migrate; nothing was written`
    : `migrated ${tally.migrated} of ${tally.objects} Bitnami SealedSecrets; ${tally.filesChanged} file${tally.filesChanged === 1 ? '' : 's'} rewritten`;
  io.writeOut(`${summary}${tally.failed > 0 ? `; ${tally.failed} failed (see above)` : ''}\n`);
  if (tally.failed > 0) {
    throw new ExitError(`${tally.failed} Bitnami SealedSecret${tally.failed === 1 ? '' : 's'} could not be migrated; their files were left unchanged`, {
      hint: "run 'sealkit migrate --dry-run' for the reasons; the controller must run with --bitnami and hold the keys that sealed them",
    });
  }
}

export const registerMigrate: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('migrate')
    .description('rewrite Bitnami SealedSecret files as sealkit SealedSecrets, re-encrypted inside the cluster')
    .argument('[paths...]', 'files or directories to rewrite (default: the current directory)')
    .option('--dry-run', 'convert and check every Bitnami SealedSecret as a real run does, but write nothing');
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
Finds bitnami.com/v1alpha1 SealedSecrets in YAML/JSON files (directories recursively; .git and
hidden directories skipped) and replaces each with the sealkit.dev/v1alpha1 SealedSecret that
yields the same Secret. The re-encryption happens in the cluster: the controller (running with
--bitnami, so it holds the Bitnami keys) opens the values and seals them to its active key
(POST /v1/reseal); only ciphertext travels, no plaintext ever leaves the cluster. Other objects,
documents and comments stay as they were. A file in which any SealedSecret fails is left unchanged.
Exit 1 if anything failed.

Examples:
  sealkit migrate --dry-run ./clusters/prod
  sealkit migrate ./clusters/prod && git diff --stat
  kubectl apply -R -f ./clusters/prod    # the sealkit controller takes over the Secrets`,
    )
    .action(async (paths: string[], flags: MigrateFlags) => {
      if (paths.some((p) => p === '-')) throw new UsageError('migrate rewrites files in place; stdin is not supported', { hint: 'pass files or directories' });
      await migrate(io, paths, flags);
    });
};
