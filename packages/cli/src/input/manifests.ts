import { ExitError } from '../errors.js';
import type { Io } from '../io.js';
import { readUserFile } from '../files/user-files.js';
import { parseSimpleYaml } from '../yaml/fast-yaml.js';
import { yaml } from '../yaml-lazy.js';

/** One object read from the input, with where it came from for error messages. */
export interface InputObject {
  /** `stdin` or the file path. */
  readonly source: string;
  /** 1-based position among the objects of the input (List items count one each). */
  readonly index: number;
  readonly value: unknown;
}

export interface InputOptions {
  /** `-f FILE`; undefined or `-` reads stdin. */
  file?: string | undefined;
}

/** Reads the raw input bytes: `-f FILE` or stdin (refusing an interactive terminal). */
export async function readInput(io: Io, options: InputOptions, what: string): Promise<{ source: string; data: Buffer }> {
  if (options.file !== undefined && options.file !== '-') {
    return { source: options.file, data: await readUserFile(options.file, '-f') };
  }
  if (io.stdinIsTTY) {
    throw new ExitError(`no input: expected ${what} on stdin, which is a terminal`, {
      exitCode: 2,
      hint: what === 'the value to seal' ? 'pipe the value in, or pass --from-file PATH' : 'pipe them in, or pass -f FILE',
    });
  }
  return { source: 'stdin', data: await io.readStdin() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `kind: List` (kubectl get -o yaml) and typed lists (`SecretList`) are flattened into their items. */
function flatten(value: unknown, out: unknown[]): void {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    for (const item of value.items) flatten(item, out);
    return;
  }
  out.push(value);
}

/**
 * Parses Kubernetes manifests: YAML or JSON, several YAML documents, and `v1 List`s.
 * Parse errors give a position only, never the offending text (it may be a plaintext value).
 */
export function parseManifests(data: Buffer | string, source: string): InputObject[] {
  let text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const values: unknown[] = [];
  const first = text.trimStart()[0];
  let parsedAsJson = false;
  if (first === '{' || first === '[') {
    // Fast path for `kubectl ... -o json`; on failure YAML reports the position (JSON.parse would quote the text).
    try {
      const value: unknown = JSON.parse(text);
      if (Array.isArray(value)) for (const v of value) flatten(v, values);
      else flatten(value, values);
      parsedAsJson = true;
    } catch {
      parsedAsJson = false;
    }
  }
  const simple = parsedAsJson ? undefined : parseSimpleYaml(text);
  if (simple !== undefined) {
    for (const value of simple) flatten(value, values);
  } else if (!parsedAsJson) {
    for (const doc of yaml().parseAllDocuments(text)) {
      const error = doc.errors[0];
      if (error !== undefined) {
        const where = error.linePos?.[0];
        const position = where === undefined ? '' : ` at line ${where.line}, column ${where.col}`;
        const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        throw new ExitError(`${source}: invalid YAML${position}: ${reason}`);
      }
      if (doc.contents === null) continue;
      flatten(doc.toJS({ maxAliasCount: 100 }), values);
    }
  }
  const objects = values.filter((v) => v !== null && v !== undefined);
  if (objects.length === 0) {
    throw new ExitError(`${source}: the input is empty (no manifests)`);
  }
  return objects.map((value, i) => ({ source, index: i + 1, value }));
}

/** `Secret prod/db`, or `document 3` when the object has no usable name: for error messages. */
export function describeObject(obj: InputObject): string {
  if (isRecord(obj.value) && isRecord(obj.value.metadata)) {
    const { name, namespace } = obj.value.metadata;
    if (typeof name === 'string' && name !== '') {
      const kind = typeof obj.value.kind === 'string' && obj.value.kind !== '' ? obj.value.kind : 'object';
      return typeof namespace === 'string' && namespace !== '' ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
    }
  }
  return `${obj.source}: document ${obj.index}`;
}
