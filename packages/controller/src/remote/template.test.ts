import { describe, expect, it } from 'vitest';
import { RemoteError, Reason } from './errors.js';
import { parseTemplate, renderTemplate } from './template.js';

const v = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, s]) => [k, Buffer.from(s)]));
const render = (t: string, values: Record<string, string>) => renderTemplate(parseTemplate(t, 'f'), v(values), 'f').toString('utf8');

describe('templates', () => {
  it('substitutes fetched values', () => {
    expect(render('postgres://{{ .user }}:{{.password}}@db:5432/app', { user: 'app', password: 'p@ss' })).toBe('postgres://app:p@ss@db:5432/app');
    expect(render('no placeholders', {})).toBe('no placeholders');
    expect(render('{{ .tls.crt }}', { 'tls.crt': 'CERT' })).toBe('CERT');
  });

  it('applies filters left to right', () => {
    expect(render('{{ .a | b64enc }}', { a: 'hi' })).toBe('aGk=');
    expect(render('{{ .a | b64dec }}', { a: 'aGk=' })).toBe('hi');
    expect(render('{{ .a | trim | upper }}', { a: '  x y ' })).toBe('X Y');
    expect(render('{{ .a | lower | quote }}', { a: 'A"B' })).toBe('"a\\"b"');
  });

  it('writes literal braces through string literals (External Secrets Operator #2703)', () => {
    expect(render('{{ "{{" }} .notATemplate {{ "}}" }}', {})).toBe('{{ .notATemplate }}');
    expect(render('{{ "a}}b" }}', {})).toBe('a}}b');
  });

  it('keeps bytes: b64dec can produce binary', () => {
    const out = renderTemplate(parseTemplate('{{ .k | b64dec }}', 'f'), v({ k: Buffer.from([0, 255, 1]).toString('base64') }), 'f');
    expect([...out]).toEqual([0, 255, 1]);
  });

  it('lists the keys a template reads', () => {
    expect(parseTemplate('{{ .a }}{{ .b | upper }}{{ .a }}{{ "x" }}', 'f').refs).toEqual(['a', 'b']);
  });

  it('reports syntax errors as InvalidSpec naming the field', () => {
    for (const bad of ['{{ .a', '{{ a }}', '{{ .a | nope }}', '{{ .a .b }}', 'x }} y', '{{ "unterminated }}']) {
      let err: unknown;
      try {
        parseTemplate(bad, 'spec.target.template.data.url');
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(RemoteError);
      expect((err as RemoteError).reason).toBe(Reason.InvalidSpec);
      expect((err as RemoteError).message).toContain('spec.target.template.data.url');
    }
  });

  it('fails (TemplateError) on a key that was not fetched, naming what was', () => {
    expect(() => render('{{ .missing }}', { a: '1', b: '2' })).toThrow(/\.missing is not among the fetched keys \(a, b\)/);
    try {
      render('{{ .a | b64dec }}', { a: 'not base64!' });
    } catch (e) {
      expect((e as RemoteError).reason).toBe(Reason.TemplateError);
      // The value itself is never in the message.
      expect((e as RemoteError).message).not.toContain('not base64!');
    }
  });
});
