/**
 * What the bin shims run. CommonJS (a .cts file) so that a start goes through neither Node's ESM
 * loader nor any module of ours but this one; it imports only Node built-ins.
 *
 * The CLI itself is a bundle (scripts/bundle.mjs): one CommonJS file in which each command's code
 * is evaluated only when that command runs; dist/bundle/sealkit-everyday.cjs for the everyday
 * commands its first line names (seal, unseal), dist/bundle/sealkit.cjs for everything else. It is
 * compiled here with a V8 code cache of our own rather than Node's compile cache: Node caches a
 * module right after compiling it, so only its top-level code, and every function a run calls was
 * compiled again on each run. The cache written here is taken after a successful run, so it holds
 * the bytecode of every function that run used; one cache per command and set of flags, written once.
 *
 * The bundle is used only when it is at least as new as tsc's last build (dist/.tsbuildinfo, which
 * tsc rewrites whenever it writes any file): after a bare `tsc -b` in a checkout the CLI runs the
 * fresh unbundled code (with Node's compile cache) rather than a stale bundle. An installed package
 * ships no .tsbuildinfo and always takes the bundle.
 */
import fs = require('node:fs');
import nodeModule = require('node:module');
import os = require('node:os');
import path = require('node:path');
import vm = require('node:vm');

type Main = (argv: readonly string[], io: undefined, name: string) => Promise<number>;

/**
 * The cache directory: $XDG_CACHE_HOME/sealkit/compile-cache, else ~/.cache/sealkit/compile-cache,
 * created with mode 0700 and used only when it is the user's own and writable by no one else:
 * cached code is executed, so a directory others can write to (a shared /tmp) would let them run
 * code as this user. NODE_DISABLE_COMPILE_CACHE=1 turns it off (Node's own switch). Undefined when
 * it cannot be used (read-only home, no home at all): the command runs without a cache.
 */
function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    if (env.NODE_DISABLE_COMPILE_CACHE !== undefined) return undefined;
    const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
    const dir = path.join(base, 'sealkit', 'compile-cache');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return privateDir(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A directory of this user's that no one else may write to. */
function privateDir(dir: string): boolean {
  const info = fs.statSync(dir);
  const uid = process.getuid?.();
  return info.isDirectory() && (uid === undefined || info.uid === uid) && (info.mode & 0o077) === 0;
}

/** A bundle's first line: the build's id (a hash of both bundles), and for the everyday bundle its commands. */
const BUNDLE_HEADER = /^\/\/ sealkit bundle ([0-9a-f]{16,64})(?: commands=([a-z,-]+))?\n/;

/** The everyday bundle when it holds the command `argv` names, else the full one. */
function pickBundle(dir: string, argv: readonly string[]): string {
  const everyday = path.join(dir, 'sealkit-everyday.cjs');
  try {
    const fd = fs.openSync(everyday, 'r');
    const head = Buffer.alloc(256);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const commands = BUNDLE_HEADER.exec(head.toString('latin1', 0, n))?.[2]?.split(',') ?? [];
    if (argv[0] !== undefined && commands.includes(argv[0])) return everyday;
  } catch {
    // No everyday bundle: the full one does everything.
  }
  return path.join(dir, 'sealkit.cjs');
}

/**
 * Where the code cache of one way of running a command lives: a directory per Node version,
 * architecture and build (V8 itself only checks a cache against the source's length, its version
 * and its flags, so the bundles' content hash is what keeps a cache from being used for another
 * bundle), a file per command and set of flags given (`seal.cert.f.w.v8-cache`): `seal --raw` and
 * `seal -f A -w B` run different code, and a cache holds only what the run that wrote it used.
 * Values and arguments never go into the name. A cache is written only after a successful run.
 */
function codeCacheFile(cacheDir: string, bundleId: string, argv: readonly string[]): { dir: string; file: string } {
  const dir = path.join(cacheDir, `${process.version}-${process.arch}-bundle-${bundleId}`);
  const word = argv[0] !== undefined && /^[a-z][a-z-]{0,19}$/.test(argv[0]) ? argv[0] : 'sealkit';
  const end = argv.indexOf('--');
  const flags = new Set<string>();
  for (const arg of (end < 0 ? argv : argv.slice(0, end)).slice(1)) {
    const flag = /^--?([a-z][a-z0-9-]{0,39})(?:=|$)/.exec(arg)?.[1];
    if (flag !== undefined) flags.add(flag);
  }
  const name = [word, ...[...flags].sort()].join('.').slice(0, 200);
  return { dir, file: path.join(dir, `${name}.v8-cache`) };
}

function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes the code cache atomically (temp file + rename: a concurrent run never reads half a
 * cache). The first write for a bundle also removes the caches of other bundles and Node versions.
 */
function writeCache(cacheDir: string, dir: string, file: string, data: Buffer): void {
  try {
    let created = false;
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return;
    }
    if (!privateDir(dir)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    if (created) {
      for (const old of fs.readdirSync(cacheDir)) {
        if (old !== path.basename(dir) && /-bundle-[0-9a-f]+$/.test(old)) fs.rmSync(path.join(cacheDir, old), { recursive: true, force: true });
      }
    }
  } catch {
    // A full disk or a read-only cache: the next run compiles again.
  }
}

/**
 * Loads the bundle as Node would load a CommonJS module (same wrapper, so the same line numbers),
 * compiled with the command's code cache when there is one.
 */
function loadBundle(bundle: string, argv: readonly string[], cacheDir: string | undefined): Main {
  const source = fs.readFileSync(bundle, 'utf8');
  const id = BUNDLE_HEADER.exec(source)?.[1];
  const cache = cacheDir !== undefined && id !== undefined ? codeCacheFile(cacheDir, id, argv) : undefined;
  const cachedData = cache === undefined ? undefined : readCache(cache.file);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as { main: Main } };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, nodeModule.createRequire(bundle), module, bundle, path.dirname(bundle));
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // Taken at exit, after a successful run, so it holds every function the command used.
    process.once('exit', (code) => {
      if (code === 0) writeCache(cacheDir as string, cache.dir, cache.file, script.createCachedData());
    });
  }
  return module.exports.main;
}

function bundleIsCurrent(bundle: string): boolean {
  let built: number;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  try {
    return built >= fs.statSync(path.join(__dirname, '.tsbuildinfo')).mtimeMs;
  } catch {
    return true;
  }
}

/** `name`: how the program is invoked, for its help (`kubectl sealkit` from the kubectl plugin). */
async function launch(name: string): Promise<void> {
  const argv = process.argv.slice(2);
  const cacheDir = userCacheDir();
  let main: Main;
  if (bundleIsCurrent(path.join(__dirname, 'bundle', 'sealkit.cjs'))) {
    main = loadBundle(pickBundle(path.join(__dirname, 'bundle'), argv), argv, cacheDir);
  } else {
    // tsc's output, many ES modules: Node's own compile cache (it covers what is compiled after it is enabled).
    if (cacheDir !== undefined) nodeModule.enableCompileCache(cacheDir);
    main = ((await import('./main.js')) as { main: Main }).main;
  }
  process.exitCode = await main(argv, undefined, name);
}

export = { launch };
