/**
 * @internal A fast path for the YAML that sealkit itself and kubectl write: block mappings
 * of plain or simply-quoted scalars, documents separated by `---`, full-line comments.
 *
 * Why: `sealkit unseal` over thousands of Secrets spent most of its time in the general
 * `yaml` parser and stringifier (their CST and node objects), more than in the crypto.
 *
 * Safety rule: the fast parser either returns exactly what `yaml`'s parseAllDocuments(...)
 * .toJS() returns, or `undefined` ("not sure"), and the caller then uses `yaml`. It never
 * reports errors itself, so every error message still comes from one place. The
 * differential tests in fast-yaml.test.ts hold it to that.
 */

type Json = string | boolean | JsonMap;
interface JsonMap {
  [key: string]: Json;
}

const BAIL = Symbol('bail');

// A key: what Kubernetes uses for field names, labels and annotations (no spaces, no quotes).
const KEY_LINE = /^( *)([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: (.*))?$/;
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9+/=._-]*$/;
// YAML 1.2 core schema forms a plain scalar of the PLAIN alphabet could take that are not strings.
const NOT_A_STRING = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|null|Null|NULL)$/;

function scalar(text: string): Json | typeof BAIL {
  if (text === '{}') return {};
  const first = text[0];
  if (first === '"') {
    return /^"[^"\\]*"$/.test(text) && /^[\x20-\x7e]*$/.test(text) ? text.slice(1, -1) : BAIL;
  }
  if (first === "'") {
    return /^'[^']*'$/.test(text) && /^[\x20-\x7e]*$/.test(text) ? text.slice(1, -1) : BAIL;
  }
  if (!PLAIN.test(text)) return BAIL;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (NOT_A_STRING.test(text)) return BAIL;
  return text;
}

interface Line {
  indent: number;
  key: string;
  rest: string | undefined;
}

/** Parses the block mapping starting at lines[i] with indentation `indent`; returns the next index. */
function mapping(lines: readonly Line[], start: number, indent: number, out: JsonMap): number | typeof BAIL {
  let i = start;
  while (i < lines.length) {
    const line = lines[i] as Line;
    if (line.indent < indent) return i;
    if (line.indent > indent) return BAIL;
    // A key that YAML would read as a boolean/number/null is stringified differently by yaml.
    if (Object.hasOwn(out, line.key) || line.key === '__proto__' || scalar(line.key) !== line.key) return BAIL;
    if (line.rest === undefined || line.rest === '') {
      const next = lines[i + 1];
      // `key:` followed by a less- or equally-indented line is null: leave that to yaml.
      if (next === undefined || next.indent <= indent) return BAIL;
      const child: JsonMap = {};
      const after = mapping(lines, i + 1, next.indent, child);
      if (after === BAIL) return BAIL;
      out[line.key] = child;
      i = after;
      continue;
    }
    const value = scalar(line.rest);
    if (value === BAIL) return BAIL;
    out[line.key] = value;
    i += 1;
  }
  return i;
}

function document(raw: readonly string[]): JsonMap | null | typeof BAIL {
  const lines: Line[] = [];
  for (const text of raw) {
    if (text === '' || /^ *(#.*)?$/.test(text)) continue;
    const m = KEY_LINE.exec(text);
    if (m === null) return BAIL;
    const rest = m[3];
    // A ` #` after the value is a comment (or part of a quoted string): not our subset.
    if (rest !== undefined && rest.includes(' #')) return BAIL;
    lines.push({ indent: (m[1] as string).length, key: m[2] as string, rest });
  }
  if (lines.length === 0) return null;
  if ((lines[0] as Line).indent !== 0) return BAIL;
  const out: JsonMap = {};
  const end = mapping(lines, 0, 0, out);
  return end === BAIL || end !== lines.length ? BAIL : out;
}

/**
 * The documents of `text` as plain values (null for an empty document), or undefined when
 * the text is outside the fast subset.
 */
export function parseSimpleYaml(text: string): unknown[] | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const docs: Array<Array<string>> = [[]];
  for (const line of text.split('\n')) {
    if (line === '---') docs.push([]);
    else if (line.startsWith('---') || line.startsWith('...') || line.startsWith('%')) return undefined;
    else (docs[docs.length - 1] as string[]).push(line);
  }
  const out: unknown[] = [];
  for (const [index, lines] of docs.entries()) {
    const doc = document(lines);
    if (doc === BAIL) return undefined;
    // yaml yields no document for an empty stream before the first `---`, a null one elsewhere.
    if (doc === null && index === 0) continue;
    out.push(doc);
  }
  return out;
}

// YAML 1.1 reads these plain words as booleans or null; Kubernetes reads YAML as 1.1.
const YAML11_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL']);
const SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9+/=._-]*$/;

// `yaml`'s 1.1 schema reads `e0`/`E+5` as floats (its float pattern has only optional digits).
const FLOAT_LIKE = /^[eE][-+]?[0-9]+$/;

function emitString(value: string): string | undefined {
  if (SAFE_PLAIN.test(value) && !YAML11_WORDS.has(value) && !FLOAT_LIKE.test(value)) return value;
  // Printable ASCII: a JSON string is a valid YAML double-quoted scalar with the same value.
  if (/^[\x20-\x7e]*$/.test(value)) return JSON.stringify(value);
  return undefined;
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[]): boolean {
  for (const [key, value] of Object.entries(map)) {
    const k = emitString(key);
    if (k === undefined) return false;
    if (typeof value === 'string') {
      const v = emitString(value);
      if (v === undefined) return false;
      out.push(`${indent}${k}: ${v}\n`);
    } else if (typeof value === 'boolean') {
      out.push(`${indent}${k}: ${value}\n`);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
      if (Object.keys(value).length === 0) {
        out.push(`${indent}${k}: {}\n`);
        continue;
      }
      out.push(`${indent}${k}:\n`);
      if (!emitMap(value as Record<string, unknown>, `${indent}  `, out)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Block-style YAML for a manifest made of nested maps, strings and booleans, or undefined
 * for anything else (the caller then uses `yaml`). Quotes whatever YAML 1.1 or 1.2 would
 * read as another type.
 */
export function stringifySimpleYaml(value: object): string | undefined {
  if (Array.isArray(value)) return undefined;
  const out: string[] = [];
  if (Object.keys(value).length === 0) return undefined;
  return emitMap(value as Record<string, unknown>, '', out) ? out.join('') : undefined;
}
