import type { OutputFormat } from '../output/manifests.js';
import { yaml } from '../yaml-lazy.js';

/**
 * Output exactly as kubeseal writes it, so pipelines that post-process kubeseal output keep working:
 * - json: each object as Go's encoding/json indents it (2 spaces, fields in struct order, which core
 *   builds the objects in), followed by a newline; several objects are simply concatenated;
 * - yaml: each object preceded by `---`, keys sorted at every level (sigs.k8s.io/yaml goes through a
 *   map), sequences not indented under their key, strings quoted only when YAML 1.1 would misread them.
 */
export function formatBitnamiManifests(objects: readonly object[], format: OutputFormat): string {
  if (format === 'json') return objects.map((o) => `${JSON.stringify(o, null, 2)}\n`).join('');
  const y = yaml();
  return objects
    .map((o) => `---\n${y.stringify(o, { schema: 'yaml-1.1', lineWidth: 0, minContentWidth: 0, indentSeq: false, sortMapEntries: true, doubleQuotedAsJSON: true })}`)
    .join('');
}
