import { statSync } from 'node:fs';
import { enableSealkitCompileCache } from './compile-cache.js';

/**
 * What the bin shims run: V8's compile cache first (it only covers code compiled after it is
 * enabled), then the bundled CLI (dist/bundle, scripts/bundle.mjs). Not bundled itself and
 * importing only Node built-ins, so it costs one small file.
 *
 * The bundle is used only when it is at least as new as tsc's output: after a bare `tsc -b` in a
 * checkout the CLI runs the fresh unbundled code rather than a stale bundle. (npm pack gives
 * every file the same mtime, so an installed package always takes the bundle.)
 */
function bundleIsCurrent(): boolean {
  try {
    const bundle = statSync(new URL('./bundle/sealkit.js', import.meta.url)).mtimeMs;
    return bundle >= statSync(new URL('./main.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

export async function launch(name: string): Promise<void> {
  enableSealkitCompileCache();
  const { main } = (await import(bundleIsCurrent() ? './bundle/sealkit.js' : './main.js')) as typeof import('./main.js');
  process.exitCode = await main(process.argv.slice(2), undefined, name);
}
