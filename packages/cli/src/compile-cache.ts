import { mkdirSync, statSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * V8's compile cache for the CLI's own code: the second and later runs skip parsing and compiling
 * the bundle. The cache lives in a directory the user owns ($XDG_CACHE_HOME/sealkit/compile-cache,
 * else ~/.cache/sealkit/compile-cache), created with mode 0700, and is used only when that
 * directory is the user's own and writable by no one else: cached code is executed, so a
 * directory others can write to (a shared /tmp) would let them run code as this user.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off (Node's own switch). Never fails the command.
 */
export function enableSealkitCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    if (env.NODE_DISABLE_COMPILE_CACHE !== undefined) return undefined;
    const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
    const dir = join(base, 'sealkit', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = statSync(dir);
    const uid = process.getuid?.();
    if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) return undefined;
    const result = enableCompileCache(dir);
    return result.directory;
  } catch {
    // Read-only home, no home at all: run without the cache.
    return undefined;
  }
}
