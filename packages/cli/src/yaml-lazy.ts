import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

/**
 * The `yaml` module, loaded on first use. It is by far the largest dependency of the CLI
 * (about 70 files to load), and most inputs never need it: they take the fast path of
 * yaml/fast-yaml.ts. `require` keeps the callers synchronous; yaml ships a CommonJS build for Node.
 */
export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
