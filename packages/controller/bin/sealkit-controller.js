#!/usr/bin/env node
// Thin shim: all behaviour lives in the built code, so the shim never needs rebuilding.
//
// Memory: with V8's defaults the heap balloons during the burst of a first start with thousands of
// objects (10,000 SealedSecrets: 227-290 MB resident, of which ~45 MB live). A 2 MB young
// generation and --optimize-for-size keep the same run under 150 MB. V8 reads these flags only at
// start-up, so when they are missing we replace this process with one that has them (execve: same
// pid, same stdio, nothing left behind). SEALKIT_NODE_FLAGS overrides them; "none" opts out.
import { fileURLToPath } from 'node:url';

const FLAGS = (process.env.SEALKIT_NODE_FLAGS ?? '--max-semi-space-size=2 --optimize-for-size').split(' ').filter((f) => f && f !== 'none');
const missing = FLAGS.filter((f) => !process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]));
if (missing.length > 0 && typeof process.execve === 'function' && !process.env.SEALKIT_REEXECED) {
  const warn = process.emitWarning;
  process.emitWarning = () => {}; // execve is flagged experimental; its warning would only be noise
  try {
    process.execve(
      process.execPath,
      [process.execPath, ...missing, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { ...process.env, SEALKIT_REEXECED: '1' },
    );
  } catch {
    // not possible here: run with the defaults
  } finally {
    process.emitWarning = warn;
  }
}

const { main } = await import('../dist/main.js');
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
