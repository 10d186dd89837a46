import { isDeepStrictEqual } from 'node:util';
import type { Node } from 'yaml';
import type { Located, ParsedFile } from '../cluster/edit.js';
import { ExitError } from '../errors.js';
import { formatManifests } from '../manifests.js';
import { yaml } from '../yaml-lazy.js';

/**
 * Whole-object replacement inside a manifest file, for `sealkit migrate`: each Bitnami SealedSecret
 * is replaced by its sealkit SealedSecret where it stands (its own YAML document, or its item of a
 * List); other documents, comments around them and `---` markers stay byte for byte. The result is
 * re-parsed and must equal the expected objects, or nothing is written.
 */

export interface Replacement {
  readonly target: Located;
  readonly object: Record<string, unknown>;
}

function setAt(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return root;
}

function expectedDocs(file: ParsedFile, replacements: readonly Replacement[]): unknown[] {
  const docs = structuredClone(file.docs) as unknown[];
  for (const { target, object } of replacements) docs[target.doc] = setAt(docs[target.doc], target.path, structuredClone(object));
  return docs;
}

function sameDocs(text: string, format: 'yaml' | 'json', expected: readonly unknown[]): boolean {
  try {
    const got = format === 'json' ? [JSON.parse(text) as unknown] : yaml().parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
    return isDeepStrictEqual(got, expected);
  } catch {
    return false;
  }
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
  const edits: Array<{ start: number; end: number; text: string }> = [];
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
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function editDocuments(text: string, replacements: readonly Replacement[]): string {
  const docs = yaml().parseAllDocuments(text);
  for (const { target, object } of replacements) {
    const doc = docs[target.doc];
    if (!doc) continue;
    if (target.path.length === 0) doc.contents = doc.createNode(object) as never;
    else doc.setIn(target.path, doc.createNode(object));
  }
  return docs
    .map((d, i) => {
      const body = d.toString({ lineWidth: 0 });
      return i > 0 && !body.startsWith('---') ? `---\n${body}` : body;
    })
    .join('');
}

/** The file text with each target object replaced; throws rather than return a text that says anything else. */
export function replaceObjects(text: string, file: ParsedFile, replacements: readonly Replacement[], source: string): string {
  if (replacements.length === 0) return text;
  const expected = expectedDocs(file, replacements);
  let out: string;
  if (file.format === 'json') {
    const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? 2;
    out = JSON.stringify(expected[0], null, indent) + (text.endsWith('\n') ? '\n' : '');
  } else {
    const spliced = spliceYaml(text, replacements);
    out = spliced !== undefined && sameDocs(spliced, 'yaml', expected) ? spliced : editDocuments(text, replacements);
  }
  if (!sameDocs(out, file.format, expected)) {
    throw new ExitError(`${source}: could not rewrite the file safely; it was left unchanged`);
  }
  return out;
}
