// fs.promises, read at each use: importing node:fs/promises loads it (and its readline and stream
// machinery) with this module, a few ms of every start that never writes a file.
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { SecretManifest } from '@sealkit/core';
import { ExitError, UsageError } from '../errors.js';
import { readUserFile } from '../files/user-files.js';

/** What `sealkit seal NAME --from-*` turns into a Secret (kubectl create secret generic semantics). */
export interface SecretSource {
  name: string;
  namespace?: string | undefined;
  type?: string | undefined;
  literals: readonly string[];
  files: readonly string[];
  envFiles: readonly string[];
}

// Kubernetes' IsConfigMapKey / IsEnvVarName.
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const MAX_KEY_LENGTH = 253;

export function checkKey(key: string, flag: string): void {
  if (key.length > MAX_KEY_LENGTH || !SECRET_KEY.test(key) || key === '.' || key === '..') {
    throw new UsageError(`${flag}: ${JSON.stringify(key)} is not a valid Secret key`, {
      hint: "keys may contain letters, digits, '-', '_' and '.'",
    });
  }
}

/** Collects values, refusing a key seen twice (kubectl does the same). */
class Values {
  readonly map = new Map<string, Uint8Array>();
  add(key: string, value: Uint8Array, flag: string): void {
    checkKey(key, flag);
    if (this.map.has(key)) {
      throw new UsageError(`${flag}: key ${JSON.stringify(key)} is given more than once`, {
        hint: 'each key may come from one --from-literal, --from-file or --from-env-file entry only',
      });
    }
    this.map.set(key, value);
  }
}

/**
 * Parses `--from-literal KEY=VALUE`. The error never repeats the argument: without an `=`
 * it may well be the secret itself.
 */
export function parseLiteral(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(
      eq === 0 ? '--from-literal: the key before "=" is empty' : '--from-literal expects KEY=VALUE (this argument has no "=")',
      { hint: 'write --from-literal password=VALUE' },
    );
  }
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Parses an env file: `KEY=VALUE` lines; blank lines and lines starting with `#` are skipped;
 * leading whitespace is ignored; the value is everything after the first `=`, verbatim (no quote
 * removal, as kubectl does). Errors give the line number, never the line.
 */
export function parseEnvFile(text: string, path: string): Array<[string, string]> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: Array<[string, string]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const where = `--from-env-file ${path}, line ${i + 1}`;
    if (eq < 0) throw new ExitError(`${where}: expected KEY=VALUE`);
    const key = line.slice(0, eq);
    if (!ENV_VAR_NAME.test(key)) {
      throw new ExitError(`${where}: ${JSON.stringify(key)} is not a valid variable name`, {
        hint: "names may contain letters, digits, '-', '_' and '.', and must not start with a digit",
      });
    }
    out.push([key, line.slice(eq + 1)]);
  }
  return out;
}

async function addFromFile(values: Values, arg: string): Promise<void> {
  const eq = arg.indexOf('=');
  const key = eq < 0 ? undefined : arg.slice(0, eq);
  const path = eq < 0 ? arg : arg.slice(eq + 1);
  if (key === '') throw new UsageError('--from-file: the key before "=" is empty', { hint: 'write --from-file [KEY=]PATH' });
  if (path === '') throw new UsageError('--from-file: the path is empty', { hint: 'write --from-file [KEY=]PATH' });
  let info;
  try {
    info = await fsp.stat(path);
  } catch {
    // Let readUserFile produce the uniform "cannot read" message.
    values.add(key ?? basename(path), await readUserFile(path, '--from-file'), `--from-file ${path}`);
    return;
  }
  if (info.isDirectory()) {
    if (key !== undefined) {
      throw new UsageError(`--from-file ${path}: a key cannot be given for a directory`, {
        hint: 'each regular file in the directory becomes one key named after the file',
      });
    }
    for (const entry of (await fsp.readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile()) continue;
      const file = join(path, entry.name);
      values.add(entry.name, await readUserFile(file, '--from-file'), `--from-file ${file}`);
    }
    return;
  }
  values.add(key ?? basename(path), await readUserFile(path, '--from-file'), `--from-file ${path}`);
}

/** Builds the Secret in memory, so no plaintext manifest ever exists on disk. */
export async function buildSecret(source: SecretSource): Promise<SecretManifest> {
  const values = new Values();
  for (const arg of source.literals) {
    const [key, value] = parseLiteral(arg);
    values.add(key, new TextEncoder().encode(value), '--from-literal');
  }
  for (const arg of source.files) await addFromFile(values, arg);
  for (const path of source.envFiles) {
    const text = (await readUserFile(path, '--from-env-file')).toString('utf8');
    for (const [key, value] of parseEnvFile(text, path)) {
      values.add(key, new TextEncoder().encode(value), `--from-env-file ${path}`);
    }
  }
  const data: Record<string, string> = {};
  // Sorted like kubectl's output, so the order of the flags does not change the committed file.
  for (const key of [...values.map.keys()].sort()) {
    data[key] = Buffer.from(values.map.get(key) as Uint8Array).toString('base64');
  }
  const metadata: SecretManifest['metadata'] = { name: source.name };
  if (source.namespace !== undefined) metadata.namespace = source.namespace;
  const secret: SecretManifest = { apiVersion: 'v1', kind: 'Secret', metadata, data };
  if (source.type !== undefined) secret.type = source.type;
  return secret;
}
