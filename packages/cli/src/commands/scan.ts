import { matchesGlob } from 'node:path';
import { Option } from 'commander';
import { ExitError } from '../errors.js';
import type { Io } from '../io.js';
import { scanText, UnparsableError } from '../scan/detect.js';
import type { Finding, Skipped } from '../scan/findings.js';
import { formatJson, formatSarif, formatText, SCAN_FORMATS, type ScanFormat } from '../scan/report.js';
import { stagedSource, workTreeSource, type Source } from '../scan/sources.js';
import type { RegisterCommand } from '../types.js';
import { collect } from './options.js';

interface ScanFlags {
  staged?: boolean;
  output: ScanFormat;
  allow?: string[];
}

const HELP = `
Finds Kubernetes Secrets that would be committed in plaintext, value by value:
  - non-empty data/stringData of a kind: Secret (YAML or JSON, several documents, kind: List)
  - Secrets inside kubectl.kubernetes.io/last-applied-configuration annotations
  - kustomize secretGenerator literals, and envs/files that are files in the repository
  - SealedSecret values (sealkit or Bitnami) that are not valid sealed values
Reports file:line and the key, never the value. Exit 0 clean, 1 findings, 2 usage error.
Not judged: files matching --allow GLOB (repeatable, matched against the reported path), and
objects annotated sealkit.dev/scan: ignore (test fixtures).

Examples:
  sealkit scan                          # the work tree under .
  sealkit scan --staged                 # what the next commit holds (the git index)
  sealkit scan deploy/ -o sarif > sealkit.sarif
  sealkit scan --allow 'test/fixtures/**'
  sealkit hook install                  # run 'sealkit scan --staged' before every commit`;

export const registerScan: RegisterCommand = (program, { io }) => {
  program
    .command('scan')
    .description('find plaintext Secrets before they are committed (exit 1 when there are any)')
    .argument('[path...]', 'files or directories to scan (default: .)')
    .option('--staged', 'scan the content staged in the git index instead of the work tree')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...SCAN_FORMATS]).default('text'))
    .option('--allow <glob>', 'do not judge files whose path matches GLOB (repeatable)', collect)
    .addHelpText('after', HELP)
    .action(async (paths: string[], flags: ScanFlags) => {
      await scan(io, paths, flags, program.version() ?? '');
    });
};

function allowed(file: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(file, glob));
}

async function scan(io: Io, paths: readonly string[], flags: ScanFlags, version: string): Promise<void> {
  const cwd = process.cwd();
  const source: Source = flags.staged === true ? await stagedSource(paths, cwd) : await workTreeSource(paths, cwd);
  const globs = flags.allow ?? [];
  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  for (const path of source.paths) {
    const file = source.repo.display(path);
    if (allowed(file, globs)) continue;
    let text: string;
    try {
      text = await source.read(path);
    } catch {
      skipped.push({ file, reason: 'cannot read' });
      continue;
    }
    try {
      findings.push(...(await scanText({ path, text }, source.repo)).filter((f) => !allowed(f.file, globs)));
    } catch (err) {
      if (!(err instanceof UnparsableError)) throw err;
      skipped.push({ file, reason: err.message });
    }
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  for (const s of skipped) io.writeErr(`sealkit: ${s.file}: skipped, ${s.reason}\n`);
  if (flags.output === 'json') io.writeOut(formatJson(findings, skipped));
  else if (flags.output === 'sarif') io.writeOut(formatSarif(findings, version));
  else io.writeOut(formatText(findings));
  if (findings.length > 0) {
    const files = new Set(findings.map((f) => f.file)).size;
    throw new ExitError(`${findings.length} plaintext finding${findings.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`, {
      hint: "seal them (sealkit seal -R DIR), or mark a test fixture with the annotation sealkit.dev/scan: ignore or --allow GLOB",
    });
  }
}
