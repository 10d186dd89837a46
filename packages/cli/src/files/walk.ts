import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** What a directory walk looks at: manifests (YAML, JSON) and kustomize's `Kustomization`. */
export const MANIFEST_FILE = /\.(ya?ml|json)$|(^|\/)Kustomization$/;
/** Never walked: git's own store and installed dependencies. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** The manifest files under `dir` (absolute paths, sorted), for `scan` and `seal -R`. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = toPosix(relative(dir, full));
    if (rel.split('/').some((part) => SKIPPED_DIRS.has(part))) continue;
    if (MANIFEST_FILE.test(rel)) files.push(full);
  }
  return files.sort();
}
