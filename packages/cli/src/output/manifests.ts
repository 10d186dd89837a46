import { stringifySimpleYaml } from '../yaml/fast-yaml.js';
import { yaml } from '../yaml-lazy.js';

export const OUTPUT_FORMATS = ['yaml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

// YAML 1.1 quoting rules: Kubernetes reads YAML as 1.1, where an unquoted `yes` or `on` is a boolean.
const YAML_OPTIONS = { schema: 'yaml-1.1', lineWidth: 0, minContentWidth: 0 } as const;

export function toYaml(value: unknown): string {
  return yaml().stringify(value, YAML_OPTIONS);
}

/**
 * Serialises manifests for output. YAML: documents separated by `---`. JSON: one object,
 * or a `v1 List` when there are several (what `kubectl get -o json` prints).
 */
export function formatManifests(objects: readonly object[], format: OutputFormat): string {
  if (format === 'json') {
    const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  const docs: string[] = [];
  // The fast emitter covers Secrets and SealedSecrets; anything else goes through `yaml`.
  for (const o of objects) docs.push(stringifySimpleYaml(o) ?? toYaml(o));
  return docs.join('---\n');
}
