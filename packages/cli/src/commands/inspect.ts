import { Option } from 'commander';
import { inspectValue, validateSealedSecret, type SealedValueInfo } from '@sealkit/core';
import { withContext } from '../errors.js';
import { describeObject, parseManifests, readInput } from '../manifests.js';
import type { RegisterCommand } from './context.js';
import { inputFileOption } from './options.js';

interface InspectFlags {
  file?: string;
  output?: 'table' | 'json';
}

/** One sealed value as `inspect -o json` reports it. */
export interface ValueReport {
  key: string;
  version: number;
  scope: SealedValueInfo['scope'];
  /** What the value is bound to: `ns/name` (strict), `ns` (namespace), `` (cluster). */
  label: string;
  keyIds: string[];
  /** False when the object sits at another namespace/name than the value was sealed for: it will not open. */
  matchesLocation: boolean;
}

export interface ObjectReport {
  kind: string;
  namespace?: string;
  name?: string;
  values: ValueReport[];
}

function scopeLabel(info: SealedValueInfo): string {
  if (info.scope === 'strict') return `${info.namespace ?? ''}/${info.name ?? ''}`;
  if (info.scope === 'namespace') return info.namespace ?? '';
  return '';
}

function report(key: string, info: SealedValueInfo, at: { namespace?: string | undefined; name?: string | undefined } | undefined): ValueReport {
  const matchesLocation = at === undefined
    || info.scope === 'cluster'
    || (info.namespace === at.namespace && (info.scope === 'namespace' || info.name === at.name));
  return { key, version: info.version, scope: info.scope, label: scopeLabel(info), keyIds: [...info.keyIds], matchesLocation };
}

function table(reports: readonly ObjectReport[]): string {
  const rows = [['OBJECT', 'KEY', 'VERSION', 'SCOPE', 'BOUND TO', 'KEY IDS']];
  for (const r of reports) {
    const object = r.kind === 'value' ? '(raw value)' : `${r.namespace === undefined ? '' : `${r.namespace}/`}${r.name ?? ''}`;
    if (r.values.length === 0) rows.push([object, '(no values)', '', '', '', '']);
    for (const v of r.values) {
      const bound = v.scope === 'cluster' ? '(any)' : v.label;
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
          const info = withContext(`${source}: document ${input.index}`, () => inspectValue((input.value as string).trim()));
          reports.push({ kind: 'value', values: [report('(value)', info, undefined)] });
          continue;
        }
        const sealed = withContext(what, () => validateSealedSecret(input.value));
        const at = { namespace: sealed.metadata.namespace, name: sealed.metadata.name };
        const values = Object.entries(sealed.spec.encryptedData).map(([key, value]) =>
          report(key, withContext(`${what}, key "${key}"`, () => inspectValue(value)), at),
        );
        const r: ObjectReport = { kind: 'SealedSecret', values };
        if (at.namespace !== undefined) r.namespace = at.namespace;
        if (at.name !== undefined) r.name = at.name;
        reports.push(r);
      }
      io.writeOut(flags.output === 'json' ? `${JSON.stringify(reports, null, 2)}\n` : table(reports));
    });
};
