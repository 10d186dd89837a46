import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyId, Unsealer, unsealSealedSecret, validateSealedSecret, type SealedSecretManifest } from '@sealkit/core';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { findCandidates, matchingCandidates, readMergeFile, sealedLabel } from '../files/merge-into-file.js';
import { createPrivateDir } from '../files/private-dir.js';
import { PRIVATE_FILE_MODE } from '../files/user-files.js';
import type { Io } from '../io.js';
import { loadKeyring, resolveRecipients } from '../keys/load-keys.js';
import { toYaml } from '../output/manifests.js';
import type { RegisterCommand } from '../types.js';
import { yaml } from '../yaml-lazy.js';
import { collect } from './options.js';
import { mergeInto, recipientIds, requireSameRecipients } from './seal.js';

/**
 * `sealkit edit FILE --key KEY`: for holders of a recovery key. Decrypts one SealedSecret into a
 * private temporary directory (files/private-dir.ts), opens $EDITOR on it, and re-seals only the
 * values that changed, through the `seal --merge-into` machinery: every other byte of FILE,
 * including the values that did not change, stays as it was.
 */

interface EditFlags extends ClusterFlags {
  key?: string[];
  cert?: string[];
  name?: string;
  namespace?: string;
}

const HEADER = `# sealkit edit: change values under stringData (text) or data (base64), or add keys.
# Only changed values are sealed again; the others stay byte for byte. Removing a key, or
# changing the name or namespace, is refused. Save and quit to apply; an unchanged file changes nothing.
`;

/** Text values are shown as stringData, anything else as base64 under data. */
function editable(data: Readonly<Record<string, string>>): { stringData?: Record<string, string>; data?: Record<string, string> } {
  const out = { stringData: {} as Record<string, string>, data: {} as Record<string, string> };
  for (const [key, b64] of Object.entries(data)) {
    const bytes = Buffer.from(b64, 'base64');
    const text = bytes.toString('utf8');
    const printable = Buffer.from(text, 'utf8').equals(bytes) && !/[\x00-\x08\x0b-\x1f\x7f]/.test(text);
    if (printable) out.stringData[key] = text;
    else out.data[key] = b64;
  }
  return {
    ...(Object.keys(out.stringData).length > 0 ? { stringData: out.stringData } : {}),
    ...(Object.keys(out.data).length > 0 ? { data: out.data } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The values of the edited Secret, as bytes; stringData wins over data, as the API server does. */
function editedValues(text: string): { values: Map<string, Buffer>; metadata: Record<string, unknown> } {
  const doc = yaml().parseDocument(text);
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    throw new ExitError(`the edited Secret is not valid YAML${at === undefined ? '' : ` (line ${at.line}, column ${at.col})`}; nothing was changed`);
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isRecord(value)) throw new ExitError('the edited Secret is not a mapping; nothing was changed');
  const values = new Map<string, Buffer>();
  const data = isRecord(value.data) ? value.data : {};
  for (const [key, v] of Object.entries(data)) {
    const b64 = String(v ?? '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new ExitError(`the edited Secret: data.${key} is not valid base64; nothing was changed`);
    values.set(key, Buffer.from(b64, 'base64'));
  }
  const stringData = isRecord(value.stringData) ? value.stringData : {};
  for (const [key, v] of Object.entries(stringData)) values.set(key, Buffer.from(String(v ?? ''), 'utf8'));
  return { values, metadata: isRecord(value.metadata) ? value.metadata : {} };
}

/** Runs the user's editor on `path` and waits; $VISUAL, then $EDITOR, then vi, as git does. */
function runEditor(path: string, onChild: (kill: () => void) => void): Promise<void> {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  return new Promise((resolve, reject) => {
    // Through the shell, so EDITOR may carry arguments ("code --wait").
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'sh', path], { stdio: 'inherit' });
    onChild(() => child.kill('SIGTERM'));
    child.on('error', (err) => reject(new ExitError(`cannot start the editor (${editor})`, { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ExitError(`the editor (${editor}) exited with ${signal ?? `code ${code}`}; nothing was changed`));
    });
  });
}

async function edit(io: Io, file: string, flags: EditFlags): Promise<void> {
  const keyring = await loadKeyring(flags.key ?? []);
  const merge = await readMergeFile(file);
  const candidates = findCandidates(merge.file, (v) => v.kind === 'SealedSecret' && typeof v.apiVersion === 'string' && v.apiVersion.startsWith('sealkit.dev/'));
  if (candidates.length === 0) {
    throw new ExitError(`${file}: the file holds no sealkit SealedSecret`, { hint: 'for a Bitnami SealedSecret: sealkit set FILE KEY=@PATH' });
  }
  const wanted = { value: { metadata: { name: flags.name, namespace: flags.namespace } } };
  const matching = flags.name === undefined ? candidates : matchingCandidates(candidates, { source: file, index: 0, ...wanted });
  const target = matching[0];
  if (target === undefined || matching.length > 1) {
    throw new UsageError(`${file}: the file holds ${candidates.length} SealedSecrets; cannot tell which one to edit`, { hint: 'pick one with --name and -n' });
  }
  const existing = withContext(file, () => validateSealedSecret(target.value));
  const label = sealedLabel(existing.metadata);

  // The recipients of the new values: the same key ids as the existing ones.
  const needed = recipientIds(existing);
  const held = new Map<string, Uint8Array>();
  for (const id of needed) {
    const pair = keyring.get(id);
    if (pair !== undefined) held.set(id, pair.publicKey);
  }
  const missing = [...needed].filter((id) => !held.has(id));
  const given = missing.length > 0 || (flags.cert ?? []).length > 0 ? await resolveRecipients({ certs: flags.cert ?? [], cluster: flags }) : [];
  // In the order of the existing values' key ids (mergeInto refuses a set that misses one), then any extra --cert.
  const byId = new Map<string, Uint8Array>([...held, ...given.map((k) => [keyId(k), k] as const)]);
  const recipients = [...[...needed].flatMap((id) => byId.get(id) ?? []), ...[...byId].filter(([id]) => !needed.has(id)).map(([, k]) => k)];

  // Before the editor opens: the user's edits must not be lost to a missing --cert afterwards.
  requireSameRecipients(existing, recipients, label);
  const secret = withContext(label, () => unsealSealedSecret(existing, new Unsealer(keyring)));
  const before = new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  const shown = { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata.name, namespace: secret.metadata.namespace }, ...editable(secret.data ?? {}) };

  let killEditor: () => void = () => undefined;
  const dir = createPrivateDir('sealkit-edit-', () => killEditor());
  let edited: ReturnType<typeof editedValues>;
  try {
    const path = join(dir.path, `${secret.metadata.name ?? 'secret'}.yaml`);
    await writeFile(path, HEADER + toYaml(shown), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await runEditor(path, (kill) => {
      killEditor = kill;
    });
    edited = editedValues(await readFile(path, 'utf8'));
  } finally {
    dir.remove();
  }

  for (const field of ['name', 'namespace'] as const) {
    if ((edited.metadata[field] ?? undefined) !== secret.metadata[field]) {
      throw new ExitError(`the edited Secret changes metadata.${field}; values are sealed for their place, so nothing was changed`, {
        hint: 'seal a new SealedSecret for the new place instead',
      });
    }
  }
  const removed = [...before.keys()].filter((k) => !edited.values.has(k));
  if (removed.length > 0) {
    throw new ExitError(`the edited Secret removes ${removed.map((k) => JSON.stringify(k)).join(', ')}; nothing was changed`, {
      hint: `delete the key's line under spec.encryptedData of ${file} instead (no key needed)`,
    });
  }
  const changed: Record<string, string> = {};
  for (const [key, value] of edited.values) {
    if (!before.get(key)?.equals(value)) changed[key] = value.toString('base64');
  }
  for (const value of [...before.values(), ...edited.values.values()]) value.fill(0);
  if (Object.keys(changed).length === 0) {
    io.writeErr(`sealkit: ${file}: no change\n`);
    return;
  }
  const input = { source: file, index: 1, value: { apiVersion: 'v1', kind: 'Secret', metadata: { name: existing.metadata.name, namespace: existing.metadata.namespace }, data: changed } };
  await mergeInto(io, file, [input], recipients, undefined, { sameRecipients: true });
}

export const registerEdit: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('edit')
    .description('recovery-key holders: edit a SealedSecret\'s values in $EDITOR; only changed values are sealed again')
    .argument('<file>', 'the SealedSecret file, edited in place')
    .option('--key <file>', 'private key that opens the values (sealkit.key or a recovery key); repeatable', collect)
    .option('--cert <file>', "public key(s) of the other recipients (default: the cluster's, when a value is sealed for a key --key does not hold)", collect)
    .option('--name <name>', 'pick the SealedSecret of this name when the file holds several')
    .option('-n, --namespace <namespace>', 'pick the SealedSecret of this namespace when the file holds several')
    .addHelpText(
      'after',
      `
The decrypted Secret is written to a private directory (mode 0700, on /dev/shm when the machine
has it) that is removed when the editor exits, on an error, and on SIGINT/SIGTERM/SIGHUP. The
new values are sealed for the same key ids as the existing ones (the --key's own public key, and
--cert or the cluster's key for the others).

Example:
  EDITOR=nano sealkit edit db.sealed.yaml --key recovery.key --cert cluster.pub`,
    )
    .action(async (file: string, flags: EditFlags) => {
      await edit(io, file, flags);
    });
  addClusterOptions(cmd);
};
