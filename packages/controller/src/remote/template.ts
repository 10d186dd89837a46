// Templating for spec.target.template.data: a deliberately small language over the fetched values.
//
//   text {{ .secretKey }} text          the fetched value named secretKey (bytes, copied as is)
//   {{ .password | b64enc }}            filters, applied left to right
//   {{ "{{" }}                          a string literal: how to write a literal "{{"
//
// Filters: b64enc, b64dec, upper, lower, trim, quote (a JSON string). Keys are Secret keys
// ([-._a-zA-Z0-9]+), so `{{ .tls.crt }}` means the key "tls.crt". Templates are parsed when the spec is
// validated (a syntax error is InvalidSpec naming the field); a reference to a key that was not
// fetched is a TemplateError at render time, never an empty string. Rendering works on bytes, so a
// value stored base64 in Vault can become a binary Secret key with `b64dec`.

import { RemoteError, Reason } from './errors.js';

export const TEMPLATE_FILTERS = ['b64enc', 'b64dec', 'upper', 'lower', 'trim', 'quote'] as const;
export type TemplateFilter = (typeof TEMPLATE_FILTERS)[number];

type Term = { kind: 'ref'; key: string } | { kind: 'lit'; value: string };
type Node = { kind: 'text'; bytes: Buffer } | { kind: 'action'; term: Term; filters: TemplateFilter[] };

export interface ParsedTemplate {
  readonly nodes: readonly Node[];
  /** The keys this template reads. */
  readonly refs: readonly string[];
}

const KEY = /^[-._a-zA-Z0-9]+$/;

function syntax(field: string, msg: string): RemoteError {
  return new RemoteError(Reason.InvalidSpec, `${field}: template ${msg}`);
}

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

function parseAction(body: string, field: string): Node {
  const parts: string[] = [];
  let term: Term | undefined;
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
  const nodes: Node[] = [];
  const refs = new Set<string>();
  let i = 0;
  let textStart = 0;
  while (i < text.length) {
    if (text.startsWith('{{', i)) {
      if (i > textStart) nodes.push({ kind: 'text', bytes: Buffer.from(text.slice(textStart, i), 'utf8') });
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
  if (textStart < text.length) nodes.push({ kind: 'text', bytes: Buffer.from(text.slice(textStart), 'utf8') });
  return { nodes, refs: [...refs] };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function applyFilter(f: TemplateFilter, v: Buffer, field: string): Buffer {
  switch (f) {
    case 'b64enc':
      return Buffer.from(v.toString('base64'), 'utf8');
    case 'b64dec': {
      const s = v.toString('utf8').replace(/\s+/g, '');
      if (s.length % 4 !== 0 || !B64.test(s)) {
        throw new RemoteError(Reason.TemplateError, `${field}: b64dec input is not valid base64`);
      }
      return Buffer.from(s, 'base64');
    }
    case 'upper':
      return Buffer.from(v.toString('utf8').toUpperCase(), 'utf8');
    case 'lower':
      return Buffer.from(v.toString('utf8').toLowerCase(), 'utf8');
    case 'trim':
      return Buffer.from(v.toString('utf8').trim(), 'utf8');
    case 'quote':
      return Buffer.from(JSON.stringify(v.toString('utf8')), 'utf8');
  }
}

/** Renders a parsed template over the fetched values. */
export function renderTemplate(t: ParsedTemplate, values: Readonly<Record<string, Buffer>>, field: string): Buffer {
  const out: Buffer[] = [];
  for (const n of t.nodes) {
    if (n.kind === 'text') {
      out.push(n.bytes);
      continue;
    }
    let v: Buffer;
    if (n.term.kind === 'lit') v = Buffer.from(n.term.value, 'utf8');
    else {
      const got = Object.prototype.hasOwnProperty.call(values, n.term.key) ? values[n.term.key] : undefined;
      if (got === undefined) {
        const known = Object.keys(values).sort();
        throw new RemoteError(
          Reason.TemplateError,
          `${field}: .${n.term.key} is not among the fetched keys (${known.length ? known.join(', ') : 'none'})`,
        );
      }
      v = got;
    }
    for (const f of n.filters) v = applyFilter(f, v, field);
    out.push(v);
  }
  return Buffer.concat(out);
}

export { KEY as TEMPLATE_KEY_PATTERN };
