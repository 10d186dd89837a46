/**
 * @internal `spec.template.data` of a Bitnami SealedSecret: Secret keys computed with Go's
 * text/template (plus sprig) from the opened values, e.g.
 *
 *   url: "postgres://{{ .user }}:{{ index . "password" }}@db:5432/app"
 *
 * sealkit implements the subset that builds strings from values, with Go's exact output:
 * literal text, `{{ .key }}`, `{{ index . "key" }}` (also with a raw `key` string), comments
 * and the `{{-` / `-}}` whitespace trimming. Anything else (pipelines, sprig functions,
 * conditionals) is refused with an error that names the key, never evaluated approximately.
 */
import { concatBytes } from '../bytes.js';
import { BadInputError } from '../errors.js';

const utf8 = new TextEncoder();
/** What Go prints for a missing map key reached by field syntax (`.missing`). */
const NO_VALUE = utf8.encode('<no value>');
const IDENT = /^\.([A-Za-z_][A-Za-z0-9_]*)$/;
const INDEX = /^index\s+\.\s+("(?:[^"\\\n]|\\.)*"|`[^`]*`)$/;
const COMMENT = /^\/\*[\s\S]*?\*\/$/;
const GO_SPACE = /[ \t\r\n]/;

type Part = { text: string } | { field: string } | { index: string };

function unquote(literal: string, what: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  // Go interpreted string: the common escapes; anything else is refused rather than guessed.
  let out = '';
  for (let i = 1; i < literal.length - 1; i++) {
    const c = literal[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = literal[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
    if (e !== undefined && simple[e] !== undefined) out += simple[e];
    else throw new BadInputError(`${what}: unsupported escape in a template string`);
  }
  return out;
}

function trimRight(text: string): string {
  let end = text.length;
  while (end > 0 && GO_SPACE.test(text[end - 1] as string)) end--;
  return text.slice(0, end);
}

function trimLeft(text: string): string {
  let start = 0;
  while (start < text.length && GO_SPACE.test(text[start] as string)) start++;
  return text.slice(start);
}

/** Parses one template into parts, or throws BadInputError naming `what` for anything outside the subset. */
export function parseTemplate(source: string, what: string): Part[] {
  const parts: Part[] = [];
  let rest = source;
  let trimNext = false;
  for (;;) {
    const open = rest.indexOf('{{');
    let text = open < 0 ? rest : rest.slice(0, open);
    if (trimNext) text = trimLeft(text);
    if (open < 0) {
      if (text !== '') parts.push({ text });
      return parts;
    }
    let inner = rest.slice(open + 2);
    // "{{- " trims the text before; Go requires the space so that "{{-3}}" stays a number.
    const trimPrev = /^-[ \t\r\n]/.test(inner);
    if (trimPrev) {
      text = trimRight(text);
      inner = inner.slice(1);
    }
    if (text !== '') parts.push({ text });
    const close = inner.indexOf('}}');
    if (close < 0) throw new BadInputError(`${what}: unclosed action in template`);
    let action = inner.slice(0, close);
    trimNext = /[ \t\r\n]-$/.test(action);
    if (trimNext) action = action.slice(0, -1);
    rest = inner.slice(close + 2);
    action = action.trim();
    let m: RegExpExecArray | null;
    if (COMMENT.test(action)) continue;
    if ((m = IDENT.exec(action))) parts.push({ field: m[1] as string });
    else if ((m = INDEX.exec(action))) parts.push({ index: unquote(m[1] as string, what) });
    else {
      throw new BadInputError(
        `${what}: this template uses Go template features sealkit does not evaluate (only literal text, {{ .key }} and {{ index . "key" }} are supported)`,
      );
    }
  }
}

/** Renders a parsed template over the opened values, byte for byte as Go's text/template would. */
export function renderTemplate(parts: readonly Part[], values: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    if ('text' in part) chunks.push(utf8.encode(part.text));
    else if ('field' in part) chunks.push(values.get(part.field) ?? NO_VALUE);
    else chunks.push(values.get(part.index) ?? new Uint8Array(0));
  }
  return concatBytes(...chunks);
}
