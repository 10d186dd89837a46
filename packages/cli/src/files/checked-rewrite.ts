import { isDeepStrictEqual } from 'node:util';
import type { Document } from 'yaml';
import { ExitError } from '../errors.js';
import { yaml } from '../yaml-lazy.js';

/**
 * The checked rewrite that every in-place edit of a user's manifest file goes through
 * (`seal --merge-into`, `reseal`, `migrate`): JSON is re-serialised with the file's indentation;
 * YAML is first spliced at the source ranges the parser reports, so the diff shows only what
 * changed, and falls back to editing the parsed documents (comments survive, layout may not)
 * when the splice cannot say the same. Either way the result is re-parsed and must equal the
 * expected objects. Each edit owns only what it changes; the safety net is here once.
 */

export type FileFormat = 'yaml' | 'json';

/** Replace `text.slice(start, end)` with `text`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The documents of a YAML file as plain values; `source` names the file in the error for a syntax error. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return yaml()
    .parseAllDocuments(text)
    .map((doc) => {
      const error = doc.errors[0];
      if (error !== undefined) {
        const at = error.linePos?.[0];
        throw new ExitError(`${source}: invalid YAML${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`}`);
      }
      return doc.toJS({ maxAliasCount: 100 }) as unknown;
    });
}

/** Sets `value` at `path` inside `root` (which it edits); an empty path replaces the root, hence the return value. */
export function setAt(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return root;
}

/** Applies edits that do not overlap, last first, so the earlier offsets stay valid. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Edited YAML documents as one file text, with a `---` between documents that lost theirs. */
export function serializeDocuments(docs: readonly Document[]): string {
  return docs
    .map((d, i) => {
      const body = d.toString({ lineWidth: 0 });
      return i > 0 && !body.startsWith('---') ? `---\n${body}` : body;
    })
    .join('');
}

function sameDocs(text: string, format: FileFormat, expected: readonly unknown[]): boolean {
  try {
    const got = format === 'json' ? [JSON.parse(text) as unknown] : yaml().parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
    return isDeepStrictEqual(got, expected);
  } catch {
    return false;
  }
}

/** How to edit a YAML file: a splice of the text (undefined where the layout does not allow one) and the fallback. */
export interface YamlEdits {
  splice(): string | undefined;
  editDocuments(): string;
}

/**
 * The new text of a file whose documents should read `expected` afterwards, or undefined when
 * no edit could be vouched for (the caller says why, in its own words, and writes nothing).
 */
export function rewriteFile(text: string, format: FileFormat, expected: readonly unknown[], edits: YamlEdits): string | undefined {
  let out: string;
  if (format === 'json') {
    const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? 2;
    out = JSON.stringify(expected[0], null, indent) + (text.endsWith('\n') ? '\n' : '');
  } else {
    const spliced = edits.splice();
    out = spliced !== undefined && sameDocs(spliced, 'yaml', expected) ? spliced : edits.editDocuments();
  }
  return sameDocs(out, format, expected) ? out : undefined;
}
