import { statSync } from 'node:fs';
import { enableSealkitCompileCache } from './compile-cache.js';

/**
 * What the bin shims run: V8's compile cache first (it only covers code compiled after it is
 * enabled), then the bundled CLI (dist/bundle, scripts/bundle.mjs). Not bundled itself and
 * importing only Node built-ins, so it costs one small file.
 *
 * The bundle is used only when it is at least as new as tsc's last build (dist/.tsbuildinfo, which
 * tsc rewrites whenever it writes any file): after a bare `tsc -b` in a checkout the CLI runs the
 * fresh unbundled code rather than a stale bundle. An installed package ships no .tsbuildinfo and
 * always takes the bundle.
 */
function bundleIsCurrent(): boolean {
  let bundle: number;
  try {
    bundle = statSync(new URL('./bundle/sealkit.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
  try {
    return bundle >= statSync(new URL('./.tsbuildinfo', import.meta.url)).mtimeMs;
  } catch {
    return true;
  }
}

export async function launch(name: string): Promise<void> {
  enableSealkitCompileCache();
  const { main } = (await import(bundleIsCurrent() ? './bundle/sealkit.js' : './main.js')) as typeof import('./main.js');
  process.exitCode = await main(process.argv.slice(2), undefined, name);
}
