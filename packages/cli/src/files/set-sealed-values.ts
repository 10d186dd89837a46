import type { Document, Scalar } from 'yaml';
import { ExitError } from '../errors.js';
import { applyEdits, parseYamlDocuments, rewriteFile, serializeDocuments, type FileFormat, type TextEdit } from './checked-rewrite.js';
import { toYaml } from '../output/manifests.js';
import { yaml } from '../yaml-lazy.js';

/**
 * In-place edits of a committed SealedSecret file for `seal --merge-into`.
 *
 * Goal: the Git diff shows only the keys that changed. Every other byte of the file (comments,
 * quoting, indentation, key order, the other sealed values) stays as it was. YAML files are
 * edited by splicing the text at the source ranges the `yaml` parser reports for each node;
 * when the layout is unusual (flow mapping, block scalars) we fall back to editing the parsed
 * Document, which keeps comments and values but may re-indent. Either way the result is
 * re-parsed and checked before it is written (files/checked-rewrite.ts).
 */

export interface SealedFile {
  readonly format: FileFormat;
  /** All objects of the file (a JSON file holds one). */
  readonly objects: readonly unknown[];
}

/** The encryptedData keys to set (added or replaced), in order. */
export type Changes = ReadonlyArray<readonly [key: string, sealed: string]>;

function isJson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

export function parseSealedFile(text: string, path: string): SealedFile {
  if (isJson(text)) {
    try {
      return { format: 'json', objects: [JSON.parse(text) as unknown] };
    } catch {
      throw new ExitError(`--merge-into ${path}: not valid JSON`);
    }
  }
  return { format: 'yaml', objects: parseYamlDocuments(text, `--merge-into ${path}`) };
}

function withChanges(obj: unknown, changes: Changes): unknown {
  const copy = structuredClone(obj) as { spec?: { encryptedData?: Record<string, string> } };
  copy.spec ??= {};
  copy.spec.encryptedData ??= {};
  for (const [key, sealed] of changes) copy.spec.encryptedData[key] = sealed;
  return copy;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A scalar in the style of the node it replaces (or of its neighbours, for a new key). */
function renderScalar(value: string, style: Scalar['type']): string {
  if (!BASE64.test(value)) return JSON.stringify(value);
  if (style === 'QUOTE_DOUBLE') return `"${value}"`;
  if (style === 'QUOTE_SINGLE') return `'${value}'`;
  return toYaml(value).trimEnd();
}

/** Splices the changes into the text of one document; undefined when the layout is not a simple block map. */
function spliceYaml(text: string, doc: Document, changes: Changes): string | undefined {
  const map = doc.getIn(['spec', 'encryptedData'], true);
  if (!yaml().isMap(map) || map.flow === true || map.items.length === 0) return undefined;
  const edits: TextEdit[] = [];
  const byKey = new Map<string, Scalar>();
  const lines: Array<{ key: string; lineStart: number }> = [];
  let lastValueEnd = 0;
  for (const pair of map.items) {
    const { key, value } = pair;
    if (!yaml().isScalar(key) || typeof key.value !== 'string' || !key.range || !yaml().isScalar(value) || !value.range) return undefined;
    const [start, end] = value.range;
    if (text.slice(start, end).includes('\n')) return undefined;
    if (value.type !== 'PLAIN' && value.type !== 'QUOTE_DOUBLE' && value.type !== 'QUOTE_SINGLE') return undefined;
    byKey.set(key.value, value);
    lines.push({ key: key.value, lineStart: text.lastIndexOf('\n', key.range[0] - 1) + 1 });
    lastValueEnd = Math.max(lastValueEnd, end);
  }
  const firstKey = map.items[0]?.key;
  if (!yaml().isScalar(firstKey) || !firstKey.range) return undefined;
  const indent = text.slice(lines[0]?.lineStart ?? 0, firstKey.range[0]);
  if (!/^ *$/.test(indent)) return undefined;
  const style = byKey.values().next().value?.type;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const newline = text.indexOf('\n', lastValueEnd);
  const end = newline < 0 ? text.length : newline + 1;
  // A new key goes where a fresh `sealkit seal` would put it when the keys are sorted, else last.
  const sorted = lines.every((line, i) => i === 0 || (lines[i - 1] as { key: string }).key < line.key);
  const inserts = new Map<number, string>();
  for (const [key, sealed] of changes) {
    const node = byKey.get(key);
    if (node !== undefined) {
      const [start, stop] = node.range as [number, number, number];
      edits.push({ start, end: stop, text: renderScalar(sealed, node.type) });
      continue;
    }
    const next = sorted ? lines.find((line) => line.key > key) : undefined;
    const at = next?.lineStart ?? end;
    const prefix = at === text.length && newline < 0 && !inserts.has(at) ? eol : '';
    const line = `${prefix}${indent}${toYaml(key).trimEnd()}: ${renderScalar(sealed, style)}${eol}`;
    inserts.set(at, (inserts.get(at) ?? '') + line);
  }
  for (const [at, inserted] of inserts) edits.push({ start: at, end: at, text: inserted });
  return applyEdits(text, edits);
}

/** Fallback: edit the parsed Documents (comments and values survive; layout may be normalised). */
function editDocuments(text: string, index: number, changes: Changes): string {
  const docs = yaml().parseAllDocuments(text);
  const doc = docs[index] as Document;
  for (const [key, sealed] of changes) doc.setIn(['spec', 'encryptedData', key], sealed);
  return serializeDocuments(docs);
}

/**
 * Returns the new file text with `changes` applied to the object at `index` of the file.
 * Throws if the edit would change anything else (never writes a file we cannot vouch for).
 */
export function applyChanges(text: string, file: SealedFile, index: number, changes: Changes, path: string): string {
  const expected = file.objects.map((o, i) => (i === index ? withChanges(o, changes) : o));
  const out = rewriteFile(text, file.format, expected, {
    splice: () => {
      const doc = yaml().parseAllDocuments(text)[index];
      return doc === undefined ? undefined : spliceYaml(text, doc as Document, changes);
    },
    editDocuments: () => editDocuments(text, index, changes),
  });
  if (out === undefined) {
    throw new ExitError(`--merge-into ${path}: could not edit the file safely; it was left unchanged`, {
      hint: 'seal into a new file with -w and merge by hand',
    });
  }
  return out;
}
