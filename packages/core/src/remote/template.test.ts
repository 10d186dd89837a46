import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { parseTemplate } from './template.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('parseTemplate', () => {
  it('splits text and actions, with filters and string literals', () => {
    const t = parseTemplate('postgres://{{ .user }}:{{ .password | trim | b64enc }}@db{{ "}}" }}', 'f');
    expect(t.refs).toEqual(['user', 'password']);
    expect(t.nodes.map((n) => (n.kind === 'text' ? ['text', text(n.bytes)] : ['action', n.term, n.filters]))).toEqual([
      ['text', 'postgres://'],
      ['action', { kind: 'ref', key: 'user' }, []],
      ['text', ':'],
      ['action', { kind: 'ref', key: 'password' }, ['trim', 'b64enc']],
      ['text', '@db'],
      ['action', { kind: 'lit', value: '}}' }, []],
    ]);
  });

  it('reads keys with dots as one Secret key and lists each reference once', () => {
    expect(parseTemplate('{{ .tls.crt }}{{ .tls.crt | upper }}{{.a}}', 'f').refs).toEqual(['tls.crt', 'a']);
    expect(parseTemplate('no actions', 'f').refs).toEqual([]);
  });

  it('rejects bad syntax with an error naming the field', () => {
    for (const [bad, why] of [
      ['{{ .a', 'has "{{" without a closing "}}"'],
      ['a }}', 'has "}}" without an opening "{{"'],
      ['{{ a }}', 'action "{{ a }}" must start with .key or a "string"'],
      ['{{ .a b }}', 'expected "|" after .a'],
      ['{{ "x" b }}', 'expected "|" after the string'],
      ['{{ .a | nope }}', 'uses unknown filter "nope" (known: b64enc, b64dec, upper, lower, trim, quote)'],
      ['{{ .a | }}', 'uses unknown filter ""'],
      ['{{ "x }}', 'has an unterminated string literal'],
      ['{{ "\\q" }}', 'has an invalid string literal'],
    ] as const) {
      expect(() => parseTemplate(bad, 'spec.target.template.data.url'), bad).toThrow(BadInputError);
      expect(() => parseTemplate(bad, 'spec.target.template.data.url'), bad).toThrow(`spec.target.template.data.url: template ${why}`);
    }
  });
});
