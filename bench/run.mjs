// Runs the benchmarks named on the command line (default: the offline ones, core and cli), each
// printing its own ratios against a baseline measured in the same run.
//   pnpm bench                 core + cli
//   pnpm bench core            one of them
//   pnpm bench controller      cluster benchmarks start real components through test/infra
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const names = requested.length > 0 ? requested : ['core', 'cli'];

let failed = 0;
for (const name of names) {
  const file = path.join(here, `${name}.mjs`);
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named ${name} (expected ${path.relative(process.cwd(), file)})`);
    failed += 1;
    continue;
  }
  console.log(`\n=== bench/${name}.mjs ===`);
  // One process per benchmark, so one's heap and JIT state do not colour the next one's figures.
  const r = spawnSync(process.execPath, [file, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
