import type { Node } from 'yaml';
import type { ParsedFile } from '../files/replace-sealed-values.js';
import type { Located } from '../input/locate-objects.js';
import { ExitError } from '../errors.js';
import { applyEdits, rewriteFile, serializeDocuments, setAt, type TextEdit } from '../files/checked-rewrite.js';
import { formatManifests } from '../output/manifests.js';
import { yaml } from '../yaml-lazy.js';

/**
 * Whole-object replacement inside a manifest file, for `sealkit migrate`: each Bitnami SealedSecret
 * is replaced by its sealkit SealedSecret where it stands (its own YAML document, or its item of a
 * List); other documents, comments around them and `---` markers stay byte for byte. The result is
 * re-parsed and must equal the expected objects, or nothing is written (files/checked-rewrite.ts).
 */

export interface Replacement {
  readonly target: Located;
  readonly object: Record<string, unknown>;
}

function expectedDocs(file: ParsedFile, replacements: readonly Replacement[]): unknown[] {
  const docs = structuredClone(file.docs) as unknown[];
  for (const { target, object } of replacements) docs[target.doc] = setAt(docs[target.doc], target.path, structuredClone(object));
  return docs;
}

/** The object as a block mapping, indented to `column` after its first line. */
function blockYaml(object: object, column: number): string {
  const text = formatManifests([object], 'yaml').replace(/\n+$/, '');
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : ' '.repeat(column) + line))
    .join('\n');
}

function spliceYaml(text: string, replacements: readonly Replacement[]): string | undefined {
  const docs = yaml().parseAllDocuments(text);
  const edits: TextEdit[] = [];
  for (const { target, object } of replacements) {
    const doc = docs[target.doc];
    if (doc === undefined) return undefined;
    const node = (target.path.length === 0 ? doc.contents : doc.getIn(target.path, true)) as Node | null | undefined;
    if (!node || !yaml().isMap(node) || node.flow === true || !node.range) return undefined;
    const [start, valueEnd] = node.range;
    const column = start - (text.lastIndexOf('\n', start - 1) + 1);
    // The node's range ends after the line break of its last line, when there is one.
    const eol = text.slice(start, valueEnd).match(/\r?\n$/)?.[0] ?? '';
    edits.push({ start, end: valueEnd, text: blockYaml(object, column) + eol });
  }
  return applyEdits(text, edits);
}

function editDocuments(text: string, replacements: readonly Replacement[]): string {
  const docs = yaml().parseAllDocuments(text);
  for (const { target, object } of replacements) {
    const doc = docs[target.doc];
    if (!doc) continue;
    if (target.path.length === 0) doc.contents = doc.createNode(object) as never;
    else doc.setIn(target.path, doc.createNode(object));
  }
  return serializeDocuments(docs);
}

/** The file text with each target object replaced; throws rather than return a text that says anything else. */
export function replaceObjects(text: string, file: ParsedFile, replacements: readonly Replacement[], source: string): string {
  if (replacements.length === 0) return text;
  const out = rewriteFile(text, file.format, expectedDocs(file, replacements), {
    splice: () => spliceYaml(text, replacements),
    editDocuments: () => editDocuments(text, replacements),
  });
  if (out === undefined) {
    throw new ExitError(`${source}: could not rewrite the file safely; it was left unchanged`);
  }
  return out;
}
