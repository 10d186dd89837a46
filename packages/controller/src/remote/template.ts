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

import { parseTemplate as coreParseTemplate, type ParsedTemplate, type TemplateFilter } from '@sealkit/core';
import { RemoteError, Reason } from './errors.js';
import { asInvalidSpec } from './kv-path.js';

// The language (its syntax and parser) is @sealkit/core's, shared with validation; rendering is here.
export { TEMPLATE_FILTERS, type ParsedTemplate, type TemplateFilter } from '@sealkit/core';

/** Parses a template; `field` names it in errors (RemoteError InvalidSpec). */
export const parseTemplate = (text: string, field: string): ParsedTemplate => asInvalidSpec(() => coreParseTemplate(text, field));

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
  const out: Uint8Array[] = [];
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

