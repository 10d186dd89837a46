import { Option } from 'commander';
import {
  BITNAMI_API_VERSION,
  bitnamiScope,
  inspectBitnamiValue,
  inspectValue,
  isBitnamiValue,
  validateBitnamiSealedSecret,
  validateSealedSecret,
  type SealedValueInfo,
  type Scope,
} from '@sealkit/core';
import { withContext } from '../to-exit-error.js';
import { describeObject, parseManifests, readInput } from '../input/manifests.js';
import type { RegisterCommand } from '../types.js';
import { inputFileOption } from './options.js';

interface InspectFlags {
  file?: string;
  output?: 'table' | 'json';
}

/** One sealed value as `inspect -o json` reports it. */
export interface ValueReport {
  key: string;
  /** sealkit format version; 0 for a Bitnami value (that format has no version byte). */
  version: number;
  /** `unknown` only for a bare Bitnami value: its scope is sealed inside it, with nothing to read it from. */
  scope: SealedValueInfo['scope'] | 'unknown';
  /** What the value is bound to: `ns/name` (strict), `ns` (namespace), `` (cluster). */
  label: string;
  keyIds: string[];
  /** False when the object sits at another namespace/name than the value was sealed for: it will not open. */
  matchesLocation: boolean;
  /** Only for Bitnami values, which carry no key id: the RSA key size they were sealed to. */
  bitnami?: { keyBits: number };
}

export interface ObjectReport {
  kind: string;
  namespace?: string;
  name?: string;
  values: ValueReport[];
}

/** What a value of this scope is bound to, at this location: `ns/name`, `ns`, or `` (cluster, or unknown). */
function scopeLabel(scope: ValueReport['scope'], at: { namespace?: string | undefined; name?: string | undefined }): string {
  if (scope === 'strict') return `${at.namespace ?? ''}/${at.name ?? ''}`;
  if (scope === 'namespace') return at.namespace ?? '';
  return '';
}

function report(key: string, info: SealedValueInfo, at: { namespace?: string | undefined; name?: string | undefined } | undefined): ValueReport {
  const matchesLocation = at === undefined
    || info.scope === 'cluster'
    || (info.namespace === at.namespace && (info.scope === 'namespace' || info.name === at.name));
  return { key, version: info.version, scope: info.scope, label: scopeLabel(info.scope, info), keyIds: [...info.keyIds], matchesLocation };
}

/**
 * A Bitnami value hides its scope inside the RSA-OAEP label, so nothing but opening it can tell where
 * it was sealed for: its scope is what the object's annotations say (as the Bitnami controller reads
 * it), bound to where the object sits, and its key is known only by its size.
 */
function bitnamiReport(key: string, value: string, scope: Scope | 'unknown', at: { namespace?: string | undefined; name?: string | undefined }): ValueReport {
  const info = inspectBitnamiValue(value);
  return { key, version: 0, scope, label: scopeLabel(scope, at), keyIds: [], matchesLocation: true, bitnami: { keyBits: info.keyBits } };
}

function objectReport(at: { namespace?: string | undefined; name?: string | undefined }, values: ValueReport[]): ObjectReport {
  const r: ObjectReport = { kind: 'SealedSecret', values };
  if (at.namespace !== undefined) r.namespace = at.namespace;
  if (at.name !== undefined) r.name = at.name;
  return r;
}

function table(reports: readonly ObjectReport[]): string {
  const rows = [['OBJECT', 'KEY', 'VERSION', 'SCOPE', 'BOUND TO', 'KEY IDS']];
  for (const r of reports) {
    const object = r.kind === 'value' ? '(raw value)' : `${r.namespace === undefined ? '' : `${r.namespace}/`}${r.name ?? ''}`;
    if (r.values.length === 0) rows.push([object, '(no values)', '', '', '', '']);
    for (const v of r.values) {
      const bound = v.scope === 'cluster' ? '(any)' : v.label;
      if (v.bitnami) {
        // The scope of a Bitnami value comes from its object's annotations, not from the value.
        const bitnamiBound = v.scope === 'unknown' ? '(not readable without the key)' : v.scope === 'cluster' ? '(any)' : `${v.label} (from annotations)`;
        rows.push([object, v.key, 'bitnami', v.scope, bitnamiBound, `(none: RSA-${v.bitnami.keyBits})`]);
        continue;
      }
      rows.push([object, v.key, String(v.version), v.scope, v.matchesLocation ? bound : `${bound} (MISMATCH: will not open here)`, v.keyIds.join(',')]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

export const registerInspect: RegisterCommand = (program, { io }) => {
  program
    .command('inspect')
    .description('show, without any key, how SealedSecrets were sealed: format version, scope, key ids')
    .addOption(inputFileOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Reads SealedSecret manifests (or bare values from 'seal --raw'). Needs no key and prints no plaintext.
A value whose scope does not match where its object sits is flagged: it will not open there.

Examples:
  sealkit inspect -f db.sealed.yaml
  cat sealed/*.yaml | sealkit inspect -o json | jq '.[].values[].keyIds'`,
    )
    .action(async (flags: InspectFlags) => {
      const { source, data } = await readInput(io, { file: flags.file }, 'SealedSecret manifests');
      const reports: ObjectReport[] = [];
      for (const input of parseManifests(data, source)) {
        const what = describeObject(input);
        if (typeof input.value === 'string') {
          const raw = input.value.trim();
          const value = withContext(`${source}: document ${input.index}`, () =>
            // A bare Bitnami value (kubeseal --raw) has no object around it to read a scope from.
            isBitnamiValue(raw) ? bitnamiReport('(value)', raw, 'unknown', {}) : report('(value)', inspectValue(raw), undefined),
          );
          reports.push({ kind: 'value', values: [value] });
          continue;
        }
        if ((input.value as { apiVersion?: unknown } | null)?.apiVersion === BITNAMI_API_VERSION) {
          const sealed = withContext(what, () => validateBitnamiSealedSecret(input.value));
          const at = { namespace: sealed.metadata.namespace, name: sealed.metadata.name };
          const scope = bitnamiScope(sealed.metadata);
          const values = Object.entries(sealed.spec.encryptedData).map(([key, value]) =>
            withContext(`${what}, key "${key}"`, () => bitnamiReport(key, value, scope, at)),
          );
          reports.push(objectReport(at, values));
          continue;
        }
        const sealed = withContext(what, () => validateSealedSecret(input.value));
        const at = { namespace: sealed.metadata.namespace, name: sealed.metadata.name };
        const values = Object.entries(sealed.spec.encryptedData).map(([key, value]) =>
          report(key, withContext(`${what}, key "${key}"`, () => inspectValue(value)), at),
        );
        reports.push(objectReport(at, values));
      }
      io.writeOut(flags.output === 'json' ? `${JSON.stringify(reports, null, 2)}\n` : table(reports));
    });
};
