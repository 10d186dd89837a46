import { createHash } from 'node:crypto';
import { sortedEntries } from '../runtime/object-fields.js';

/** The part of a Secret a kind manages, as digested. */
export interface DigestedContent {
  type: string;
  immutable: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, string>;
}

/** Digest of the content sealkit manages; equal digests mean no write is needed (values are never kept). */
export function contentHash(c: DigestedContent): string {
  return createHash('sha256')
    .update(JSON.stringify([c.type, c.immutable, sortedEntries(c.labels), sortedEntries(c.annotations), sortedEntries(c.data)]))
    .digest('base64');
}
