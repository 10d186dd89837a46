import { stat } from 'node:fs/promises';
import { inspectValue, validateSealedSecret, SEALED_SECRET_API_VERSION, type SealedValueInfo } from '@sealkit/core';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { writeFileAtomic } from '../files/user-files.js';
import type { Io } from '../io.js';
import { readInput } from '../input/manifests.js';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import type { RegisterCommand } from '../types.js';
import { inputFileOption, writeFileOption } from './options.js';

interface ResealFlags extends ClusterFlags {
  file?: string;
  write?: string;
  inPlace?: boolean;
  dropRecipients?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectName(value: Record<string, unknown>, fallback: string): string {
  const m = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof m.name === 'string' && m.name !== '' ? m.name : undefined;
  const ns = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : undefined;
  if (name === undefined) return fallback;
  return `SealedSecret ${ns === undefined ? '' : `${ns}/`}${name}`;
}

/** The controller must keep each value's scope and binding; anything else is refused, not written. */
function checkResealed(original: SealedValueInfo, fresh: SealedValueInfo, keyId: string | undefined): string | undefined {
  if (fresh.scope !== original.scope || fresh.namespace !== original.namespace || fresh.name !== original.name) {
    return 'the controller returned a value bound to another scope or place';
  }
  if (keyId !== undefined && (fresh.keyIds.length !== 1 || fresh.keyIds[0] !== keyId)) {
    return `the controller returned a value not sealed to its active key ${keyId}`;
  }
  return undefined;
}

async function reseal(io: Io, flags: ResealFlags): Promise<void> {
  if (flags.inPlace === true) {
    if (flags.file === undefined || flags.file === '-') {
      throw new UsageError('--in-place needs -f FILE: it rewrites that file', { hint: 'sealkit reseal -f db.sealed.yaml --in-place' });
    }
    if (flags.write !== undefined) throw new UsageError('--in-place cannot be combined with -w', { hint: 'use one of them' });
  }
  const { source, data } = await readInput(io, { file: flags.file }, 'SealedSecret manifests');
  const text = data.toString('utf8').replace(/^\uFEFF/, '');
  const { parseFile, replaceValues } = await import('../files/replace-sealed-values.js');
  const file = parseFile(text, source);

  const targets = file.objects.filter((o) => o.value.kind === 'SealedSecret' && o.value.apiVersion === SEALED_SECRET_API_VERSION);
  for (const [i, o] of file.objects.entries()) {
    if (!targets.includes(o)) io.writeErr(`sealkit: ${source}: object ${i + 1} is not a ${SEALED_SECRET_API_VERSION} SealedSecret, left as it is\n`);
  }
  if (targets.length === 0) throw new ExitError(`${source}: no ${SEALED_SECRET_API_VERSION} SealedSecret in the input`);

  const { openCluster, fetchClusterCert, resealOnCluster } = await import('../cluster/session.js');
  const session = await openCluster(flags);
  const active = await fetchClusterCert(session.client, session.ref);

  const changes: Array<{ target: (typeof targets)[number]; values: Map<string, string> }> = [];
  const notes: string[] = [];
  const failures: string[] = [];
  const dropped = new Set<string>();
  for (const [i, target] of targets.entries()) {
    const what = objectName(target.value, `${source}: SealedSecret ${i + 1}`);
    const sealed = withContext(what, () => validateSealedSecret(target.value));
    const infos = new Map(Object.entries(sealed.spec.encryptedData).map(([k, v]) => [k, inspectValue(v)] as const));
    const stale = [...infos].filter(([, info]) => !info.keyIds.includes(active.keyId)).map(([k]) => k);
    if (stale.length === 0) {
      notes.push(`${what}: already sealed to key ${active.keyId}, unchanged`);
      changes.push({ target, values: new Map() });
      continue;
    }
    // The whole object goes: the controller re-seals all its values; we keep only the stale ones,
    // so values already on the active key (and their other recipients) stay byte for byte.
    const result = await resealOnCluster(session.client, session.ref, target.value, what);
    if (!result.ok) {
      const why = Object.entries(result.answer.values)
        .filter(([, v]) => !v.ok)
        .map(([k, v]) => `${k}: ${v.message ?? 'does not open'}${v.reason === undefined ? '' : ` [${v.reason}]`}`);
      failures.push(`${what}: cannot be opened by the cluster: ${why.join('; ')}`);
      continue;
    }
    const spec = isRecord(result.manifest.spec) ? result.manifest.spec : {};
    const fresh = isRecord(spec.encryptedData) ? spec.encryptedData : {};
    const values = new Map<string, string>();
    for (const key of stale) {
      const value = fresh[key];
      const original = infos.get(key) as SealedValueInfo;
      if (typeof value !== 'string') throw new ExitError(`${what}: the controller's answer has no value for key "${key}"; nothing was written`);
      const problem = checkResealed(original, withContext(`${what}: re-sealed key "${key}"`, () => inspectValue(value)), result.keyId);
      if (problem !== undefined) throw new ExitError(`${what}: key "${key}": ${problem}; nothing was written`);
      for (const id of original.keyIds) if (result.droppedRecipients.includes(id)) dropped.add(id);
      values.set(key, value);
    }
    changes.push({ target, values });
    notes.push(`${what}: re-sealed ${stale.join(', ')} to key ${result.keyId ?? active.keyId}`);
  }

  if (failures.length > 0) {
    for (const f of failures) io.writeErr(`sealkit: ${f}\n`);
    throw new ExitError(`${failures.length} SealedSecret${failures.length === 1 ? '' : 's'} cannot be re-sealed by this cluster; nothing was written`, {
      hint: "'sealkit validate' explains each value; values the cluster cannot open must be sealed again from the original Secret",
    });
  }
  if (dropped.size > 0 && flags.dropRecipients !== true) {
    throw new ExitError(
      `re-sealing would drop recipient key${dropped.size === 1 ? '' : 's'} ${[...dropped].sort().join(', ')} (not this cluster's, e.g. a recovery key); nothing was written`,
      { hint: 'pass --drop-recipients to accept that, or seal again from the Secret with sealkit seal --cert ... for every recipient' },
    );
  }

  const out = replaceValues(text, file, changes, source);
  const changed = out !== text;
  if (flags.inPlace === true) {
    if (changed) {
      const path = flags.file as string;
      const mode = (await stat(path)).mode & 0o777;
      await writeFileAtomic(path, out, mode);
    }
  } else if (flags.write !== undefined) {
    await writeFileAtomic(flags.write, out);
  } else {
    io.writeOut(out);
  }
  for (const note of notes) io.writeErr(`sealkit: ${note}\n`);
  if (dropped.size > 0) io.writeErr(`sealkit: dropped recipients ${[...dropped].sort().join(', ')} (--drop-recipients)\n`);
}

export const registerReseal: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('reseal')
    .description("re-encrypt SealedSecrets to the cluster's newest key, without the plaintext leaving the cluster")
    .addOption(inputFileOption())
    .addOption(writeFileOption())
    .option('--in-place', 'rewrite -f FILE itself (atomically; permissions kept)')
    .option('--drop-recipients', 'accept that values also sealed for keys this cluster does not hold (a recovery key) lose them');
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
Sends each SealedSecret whose values are not yet sealed to the cluster's active key (ciphertext
only) to the controller's POST /v1/reseal through the API server's service proxy, and writes the
file back with just those values replaced: every other byte stays as it was. Values already
sealed to the active key are not sent and not changed. The scope and binding of each value are
kept. If any object cannot be opened by the cluster, nothing is written (exit 1).

Examples:
  sealkit reseal -f db.sealed.yaml --in-place
  sealkit reseal -f db.sealed.yaml -w db.resealed.yaml
  cat sealed/*.yaml | sealkit reseal --context prod > resealed.yaml`,
    )
    .action(async (flags: ResealFlags) => {
      await reseal(io, flags);
    });
};
