/**
 * @internal Byte helpers shared by the modules of this package. Not exported from index.ts.
 */
import { BadInputError } from './errors.js';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = Int8Array.from({ length: 128 }, (_, code) => BASE64_ALPHABET.indexOf(String.fromCharCode(code)));
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** @internal Standard, padded base64 (RFC 4648 section 4). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * @internal Strict decoder: standard alphabet, padding required, no whitespace, and the
 * unused bits of the last character must be zero, so every byte string has exactly one
 * accepted encoding (Buffer.from(s, 'base64') alone silently skips invalid characters).
 */
export function fromBase64Strict(text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new BadInputError(`${what} must be a base64 string, got ${describeType(text)}`);
  // A table-driven scan: several times faster than BASE64_RE on this hot path.
  const length = text.length;
  let padding = 0;
  if (length % 4 === 0 && length > 0) {
    if (text.charCodeAt(length - 1) === 0x3d) padding = text.charCodeAt(length - 2) === 0x3d ? 2 : 1;
  }
  let valid = length % 4 === 0;
  for (let i = 0; valid && i < length - padding; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || (BASE64_VALUES[code] as number) < 0) valid = false;
  }
  if (!valid) throw new BadInputError(`${what} is not valid base64 (standard alphabet, padded, no whitespace)`);
  // Canonical: the bits of the last data character that padding leaves unused must be zero.
  if (padding > 0) {
    const last = BASE64_VALUES[text.charCodeAt(length - padding - 1)] as number;
    if ((last & (padding === 2 ? 0x0f : 0x03)) !== 0) throw new BadInputError(`${what} is not canonical base64 (non-zero padding bits)`);
  }
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * @internal Decoder for Kubernetes Secret `data` values, as lenient as the API server
 * (Go's base64.StdEncoding): CR and LF are ignored, padding is required.
 */
export function fromBase64Kubernetes(text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new BadInputError(`${what} must be a base64 string, got ${describeType(text)}`);
  const compact = text.replace(/[\r\n]/g, '');
  if (!BASE64_RE.test(compact)) throw new BadInputError(`${what} is not valid base64 (standard alphabet, padded); use stringData for plain text`);
  const bytes = Buffer.from(compact, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** @internal */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** @internal Describes a value's type for an error message without echoing the value. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** @internal Checks a byte-array parameter's type and length. */
export function checkBytes(value: unknown, length: number | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new BadInputError(`${what} must be a Uint8Array, got ${describeType(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new BadInputError(`${what} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/**
 * @internal Sets an own, enumerable property. Map keys come from user manifests, and a
 * plain `obj[key] = value` with key "__proto__" would change the prototype instead.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
