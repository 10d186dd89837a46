/**
 * @internal Field-level checks and message helpers shared by the sealkit and Bitnami manifest
 * modules: both validate untrusted YAML/JSON objects the same way and must word their errors the
 * same way (field paths, quoting), so the rules live here once. Not exported from index.ts.
 */
import { describeType, setOwn } from './bytes.js';
import { BadInputError, SealkitError, UnknownKeyIdError } from './errors.js';

/** @internal A parsed JSON/YAML object. */
export type Plain = Record<string, unknown>;

/** @internal A JSON-like object (not an array, not bytes). */
export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** @internal JSON-quotes a short identifier for a message (never used on values). */
export function q(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);
}

/** @internal `data.password`, or `data["odd key"]` when the key is not a plain identifier. */
export function field(parent: string, key: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(key) ? `${parent}.${key}` : `${parent}[${q(key)}]`;
}

/** @internal A copy with keys in sorted order (stable output, small Git diffs). */
export function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) setOwn(out, key, record[key] as T);
  return out;
}

/**
 * @internal A map of strings (labels, annotations, data), copied with sorted keys; undefined when
 * absent or null. `checkKey` may refuse a key (it throws).
 */
export function stringMap(value: unknown, path: string, checkKey?: (key: string) => void): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw new BadInputError(`${path} must be a map of strings, got ${describeType(value)}`);
  const out: Record<string, string> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (typeof v !== 'string') throw new BadInputError(`${field(path, key)} must be a string, got ${describeType(v)}`);
    checkKey?.(key);
    setOwn(out, key, v);
  }
  return out;
}

/** @internal Re-raises a SealkitError with `path: ` in front of its message, keeping its class. */
export function withField<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof SealkitError)) throw error;
    const message = `${path}: ${error.message}`;
    if (error instanceof UnknownKeyIdError) throw new UnknownKeyIdError(error.keyIds, message, { cause: error });
    const Class = error.constructor as new (message: string, options?: ErrorOptions) => SealkitError;
    throw new Class(message, { cause: error });
  }
}
