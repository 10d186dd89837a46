// Templating for spec.target.template.data: a deliberately small language over the fetched values.
//
//   text {{ .secretKey }} text          the fetched value named secretKey (bytes, copied as is)
//   {{ .password | b64enc }}            filters, applied left to right
//   {{ "{{" }}                          a string literal: how to write a literal "{{"
//
// Filters: b64enc, b64dec, upper, lower, trim, quote (a JSON string). Keys are Secret keys
// ([-._a-zA-Z0-9]+), so `{{ .tls.crt }}` means the key "tls.crt". Templates are parsed when the spec is
// validated (validate.ts; a syntax error is a BadInputError naming the field). Rendering is the
// controller's (a reference to a key that was not fetched is an error there, never an empty string);
// it works on bytes, so a value stored base64 in Vault can become a binary Secret key with `b64dec`.

import { BadInputError } from '../errors.js';

export const TEMPLATE_FILTERS = ['b64enc', 'b64dec', 'upper', 'lower', 'trim', 'quote'] as const;
export type TemplateFilter = (typeof TEMPLATE_FILTERS)[number];

/** What an action reads: a fetched value by Secret key, or a string literal. */
export type TemplateTerm = { kind: 'ref'; key: string } | { kind: 'lit'; value: string };
/** Literal text (UTF-8 bytes) or a `{{ term | filter ... }}` action. */
export type TemplateNode = { kind: 'text'; bytes: Uint8Array } | { kind: 'action'; term: TemplateTerm; filters: TemplateFilter[] };

export interface ParsedTemplate {
  readonly nodes: readonly TemplateNode[];
  /** The keys this template reads. */
  readonly refs: readonly string[];
}

function syntax(field: string, msg: string): BadInputError {
  return new BadInputError(`${field}: template ${msg}`);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Reads a JSON-style double-quoted literal starting at s[i] === '"'; returns [value, index after]. */
function readLiteral(s: string, i: number, field: string): [string, number] {
  let j = i + 1;
  while (j < s.length) {
    if (s[j] === '\\') j += 2;
    else if (s[j] === '"') break;
    else j++;
  }
  if (j >= s.length) throw syntax(field, 'has an unterminated string literal');
  try {
    return [JSON.parse(s.slice(i, j + 1)) as string, j + 1];
  } catch {
    throw syntax(field, 'has an invalid string literal');
  }
}

function parseAction(body: string, field: string): TemplateNode {
  const parts: string[] = [];
  let term: TemplateTerm | undefined;
  let i = 0;
  const s = body.trim();
  if (s.startsWith('"')) {
    const [value, end] = readLiteral(s, 0, field);
    term = { kind: 'lit', value };
    i = end;
  } else {
    const m = /^\.([-._a-zA-Z0-9]+)/.exec(s);
    if (!m) throw syntax(field, `action "{{${body.slice(0, 40)}}}" must start with .key or a "string"`);
    term = { kind: 'ref', key: m[1]! };
    i = m[0].length;
  }
  const rest = s.slice(i).trim();
  if (rest !== '') {
    if (!rest.startsWith('|')) throw syntax(field, `expected "|" after ${term.kind === 'ref' ? `.${term.key}` : 'the string'}`);
    for (const raw of rest.slice(1).split('|')) parts.push(raw.trim());
  }
  const filters: TemplateFilter[] = [];
  for (const f of parts) {
    if (!(TEMPLATE_FILTERS as readonly string[]).includes(f)) {
      throw syntax(field, `uses unknown filter "${f.slice(0, 40)}" (known: ${TEMPLATE_FILTERS.join(', ')})`);
    }
    filters.push(f as TemplateFilter);
  }
  return { kind: 'action', term, filters };
}

/** Parses a template; `field` names it in errors (e.g. spec.target.template.data.url). */
export function parseTemplate(text: string, field: string): ParsedTemplate {
  const nodes: TemplateNode[] = [];
  const refs = new Set<string>();
  let i = 0;
  let textStart = 0;
  while (i < text.length) {
    if (text.startsWith('{{', i)) {
      if (i > textStart) nodes.push({ kind: 'text', bytes: utf8(text.slice(textStart, i)) });
      // Find the closing braces, skipping string literals (which may contain "}}").
      let j = i + 2;
      let close = -1;
      while (j < text.length) {
        if (text[j] === '"') {
          j = readLiteral(text, j, field)[1];
          continue;
        }
        if (text.startsWith('}}', j)) {
          close = j;
          break;
        }
        j++;
      }
      if (close < 0) throw syntax(field, 'has "{{" without a closing "}}"');
      const node = parseAction(text.slice(i + 2, close), field);
      if (node.kind === 'action' && node.term.kind === 'ref') refs.add(node.term.key);
      nodes.push(node);
      i = close + 2;
      textStart = i;
    } else if (text.startsWith('}}', i)) {
      throw syntax(field, 'has "}}" without an opening "{{" (write {{ "}}" }} for a literal)');
    } else {
      i++;
    }
  }
  if (textStart < text.length) nodes.push({ kind: 'text', bytes: utf8(text.slice(textStart)) });
  return { nodes, refs: [...refs] };
}
