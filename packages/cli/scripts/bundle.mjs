// Bundles the built CLI (dist/, from tsc) into dist/bundle/sealkit.cjs: ONE CommonJS file. Why:
// resolving and reading ~80 small modules (commander, @sealkit/core, our own) was a large part of
// the start-up, and so was Node's ES module loader itself (each `import` of a built-in through it
// costs about half a millisecond). In a CommonJS bundle esbuild turns each dynamic import() of a
// command into a function that evaluates that command's modules on first use, so a command still
// runs only its own code; V8 parses the rest lazily, and the launcher's code cache
// (src/launch.cts) skips even that. tsc stays the type checker; esbuild only links.
//
// A second, smaller bundle, dist/bundle/sealkit-everyday.cjs, holds only the everyday commands
// (seal, unseal: src/main.ts, EVERYDAY_COMMANDS): V8 creates every function of a file it compiles,
// used or not, so those commands start faster from a file without the others' code.
//
// Each file starts with `// sealkit bundle ID` (ID: SHA-256 of both bundles, 16 hex digits), and the
// everyday one adds ` commands=seal,unseal`: the launcher picks the bundle by it and keys its code
// caches by the ID.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
      contents: "let real; const load = () => (real ??= process.getBuiltinModule('node:child_process')); export default new Proxy({}, { get: (_, key) => load()[key] }); export const spawn = (...args) => load().spawn(...args);",
      loader: 'js',
    }));
  },
};

/** One bundle of the CLI; `everyday`: only the everyday commands (src/main.ts, EVERYDAY_COMMANDS). */
async function bundle(everyday) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['dist/main.js'],
    bundle: true,
    write: false,
    outfile: 'dist/bundle/sealkit.cjs',
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    // Loaded with require() at run time, and only by the commands that need them (yaml-lazy.ts, ref).
    external: ['yaml', 'node-vault'],
    // import.meta does not exist in CommonJS: our modules use import.meta.url only to resolve
    // packages (createRequire), which resolve the same from the bundle's own URL.
    banner: { js: '"use strict";const __sealkitImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { SEALKIT_VERSION: JSON.stringify(version), SEALKIT_EVERYDAY_BUNDLE: String(everyday), 'import.meta.url': '__sealkitImportMetaUrl' },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [lazyChildProcessForCommander],
    metafile: true,
  });
  // SEALKIT_BUNDLE_ANALYZE=1 prints what each bundle holds (which modules a command pulls in).
  if (process.env.SEALKIT_BUNDLE_ANALYZE) console.log(await (await import('esbuild')).analyzeMetafile(result.metafile));
  return result.outputFiles[0].text;
}

const { EVERYDAY_COMMANDS } = await import(`${root}dist/main.js`);
const [full, everyday] = await Promise.all([bundle(false), bundle(true)]);
// One id for the pair: the launcher keys its code caches by it.
const id = createHash('sha256').update(full).update('\0').update(everyday).digest('hex').slice(0, 16);
await rm(`${root}dist/bundle`, { recursive: true, force: true });
mkdirSync(`${root}dist/bundle`, { recursive: true });
writeFileSync(`${root}dist/bundle/sealkit-everyday.cjs`, `// sealkit bundle ${id} commands=${EVERYDAY_COMMANDS.join(',')}\n${everyday}`);
writeFileSync(`${root}dist/bundle/sealkit.cjs`, `// sealkit bundle ${id}\n${full}`);

// The everyday bundle must hold exactly the everyday commands (its program without a command line
// is its whole tree): the launcher sends those commands, and only those, to it.
const { buildProgram } = createRequire(import.meta.url)(`${root}dist/bundle/sealkit-everyday.cjs`);
const quiet = { readStdin: async () => Buffer.alloc(0), stdinIsTTY: false, writeOut() {}, writeErr() {} };
const names = (await buildProgram(quiet)).commands.map((c) => c.name()).filter((n) => n !== 'help');
if (names.join(',') !== EVERYDAY_COMMANDS.join(',')) {
  throw new Error(`the everyday bundle holds the commands ${names.join(',')}, not EVERYDAY_COMMANDS (${EVERYDAY_COMMANDS.join(',')}): they must be the first entries of COMMANDS in src/main.ts`);
}
