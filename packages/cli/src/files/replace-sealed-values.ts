import type { Scalar } from 'yaml';
import { ExitError } from '../errors.js';
import { applyEdits, parseYamlDocuments, rewriteFile, serializeDocuments, setAt, type FileFormat, type TextEdit } from './checked-rewrite.js';
import { locateObjects, type Located } from '../input/locate-objects.js';
import { yaml } from '../yaml-lazy.js';

/**
 * Replacing sealed values inside a manifest file without touching anything else (internal), for
 * `sealkit reseal`: the Git diff shows exactly the values that were re-sealed. YAML is edited by
 * splicing the text at the source range of each value; a layout that cannot be spliced (block
 * scalars) falls back to editing the parsed documents, which keeps comments. The checked rewrite
 * itself (JSON, fallback, re-parse) is checked-rewrite.ts.
 */

export interface ParsedFile {
  readonly format: FileFormat;
  /** One entry per YAML document (null for an empty one); one entry for JSON. */
  readonly docs: readonly unknown[];
  readonly objects: readonly Located[];
}

/** New sealed values for one object: key -> value. */
export interface ValueChanges {
  readonly target: Located;
  readonly values: ReadonlyMap<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/** Parses a manifest file and lists every object in it, with its position. `source` names it in errors. */
export function parseFile(text: string, source: string): ParsedFile {
  const objects: Located[] = [];
  if (isJson(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ExitError(`${source}: invalid JSON`);
    }
    locateObjects(value, 0, [], objects);
    return { format: 'json', docs: [value], objects };
  }
  const docs = parseYamlDocuments(text, source);
  docs.forEach((value, i) => locateObjects(value, i, [], objects));
  return { format: 'yaml', docs, objects };
}

function valuePath(target: Located, key: string): Array<string | number> {
  return [...target.path, 'spec', 'encryptedData', key];
}

function expectedDocs(file: ParsedFile, changes: readonly ValueChanges[]): unknown[] {
  const docs = structuredClone(file.docs) as unknown[];
  for (const { target, values } of changes) {
    for (const [key, sealed] of values) setAt(docs[target.doc], valuePath(target, key), sealed);
  }
  return docs;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function render(value: string, type: Scalar['type']): string {
  if (type === 'QUOTE_DOUBLE' || !BASE64.test(value) || /^[0-9]+$/.test(value)) return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value}'`;
  return value;
}

function spliceYaml(text: string, changes: readonly ValueChanges[]): string | undefined {
  const docs = yaml().parseAllDocuments(text);
  const edits: TextEdit[] = [];
  for (const { target, values } of changes) {
    const doc = docs[target.doc];
    if (doc === undefined) return undefined;
    for (const [key, sealed] of values) {
      const node = doc.getIn(valuePath(target, key), true);
      if (!yaml().isScalar(node) || node.range === undefined || node.range === null) return undefined;
      if (node.type !== 'PLAIN' && node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE') return undefined;
      const [start, end] = node.range;
      if (text.slice(start, end).includes('\n')) return undefined;
      edits.push({ start, end, text: render(sealed, node.type) });
    }
  }
  return applyEdits(text, edits);
}

function editDocuments(text: string, changes: readonly ValueChanges[]): string {
  const docs = yaml().parseAllDocuments(text);
  for (const { target, values } of changes) {
    for (const [key, sealed] of values) docs[target.doc]?.setIn(valuePath(target, key), sealed);
  }
  return serializeDocuments(docs);
}

/** Returns the file text with the given sealed values replaced; throws rather than return a text that says anything else. */
export function replaceValues(text: string, file: ParsedFile, changes: readonly ValueChanges[], source: string): string {
  if (changes.every((c) => c.values.size === 0)) return text;
  const out = rewriteFile(text, file.format, expectedDocs(file, changes), {
    splice: () => spliceYaml(text, changes),
    editDocuments: () => editDocuments(text, changes),
  });
  if (out === undefined) {
    throw new ExitError(`${source}: could not replace the sealed values safely; nothing was written`, {
      hint: 'run sealkit reseal on a plain file, one SealedSecret per YAML document',
    });
  }
  return out;
}
