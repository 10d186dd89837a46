/**
 * The objects of parsed manifest documents, each with where it sits: which document, and the path
 * inside it (`[]`, or `['items', 3]` in a `kind: List`). Reseal and migrate edit a file at these
 * places; scan reports the line of a value found there.
 */
export interface Located {
  readonly doc: number;
  readonly path: ReadonlyArray<string | number>;
  readonly value: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends to `out` every object of `value` (document `doc`), flattening arrays and `*List` kinds. */
export function locateObjects(value: unknown, doc: number, path: ReadonlyArray<string | number>, out: Located[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => locateObjects(v, doc, [...path, i], out));
    return;
  }
  if (!isRecord(value)) return;
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((v, i) => locateObjects(v, doc, [...path, 'items', i], out));
    return;
  }
  out.push({ doc, path, value });
}
