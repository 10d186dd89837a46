// Bundles the built CLI (dist/, from tsc) into dist/bundle/: one file for what every command
// needs plus one chunk per lazily imported command. Why: resolving and reading ~80 small modules
// (commander, @sealkit/core, our own) was a large part of the start-up; one file parses faster
// and caches well in V8's compile cache. tsc stays the type checker; esbuild only links.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

/**
 * commander imports node:child_process at its top for executable subcommands, which sealkit does
 * not use; loading it (with net, dgram and the stream machinery) cost every command a few ms. It
 * gets a stand-in that loads the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "import { createRequire } from 'node:module'; let real; const load = () => (real ??= createRequire(import.meta.url)('node:child_process')); export default new Proxy({}, { get: (_, key) => load()[key] }); export const spawn = (...args) => load().spawn(...args);",
      loader: 'js',
    }));
  },
};

await rm(`${root}dist/bundle`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { sealkit: 'dist/main.js' },
  outdir: 'dist/bundle',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // Loaded with require() at run time, and only by the commands that need them (yaml-lazy.ts, ref).
  external: ['yaml', 'node-vault'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __sealkitRequire } from 'node:module'; const require = __sealkitRequire(import.meta.url);" },
  define: { SEALKIT_VERSION: JSON.stringify(version) },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChildProcessForCommander],
  metafile: true,
});
// SEALKIT_BUNDLE_ANALYZE=1 prints what each chunk holds (which modules a command pulls in).
if (process.env.SEALKIT_BUNDLE_ANALYZE) console.log(await (await import('esbuild')).analyzeMetafile(result.metafile));
