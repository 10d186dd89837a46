/**
 * Test support for the CLI suites: runs the BUILT binary as a user would (a child process on
 * the current Node, i.e. the pinned Node 24), with temp directories. Lives outside src/ so it is
 * neither compiled into dist nor collected as a test file.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(CLI_DIR, 'bin', 'sealkit.js');
/** A KUBECONFIG naming only a missing file: by kubectl's rules, no cluster (~/.kube/config is not consulted). */
const NO_KUBECONFIG = join(tmpdir(), 'sealkit-tests-no-kubeconfig', 'config');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run through `sh -c 'umask 000; exec ...'` to prove modes do not depend on the umask. */
  umask000?: boolean;
}

function requireBuild(): void {
  if (!existsSync(join(CLI_DIR, 'dist', 'bundle', 'sealkit.cjs'))) {
    throw new Error('packages/cli/dist/bundle/sealkit.cjs is missing: build first with `npx -y pnpm@10.34.8 build` (tsc, then the bundle)');
  }
}

export function run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  requireBuild();
  const [command, argv] = options.umask000
    ? ['/bin/sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, argv as string[], {
      cwd: options.cwd,
      // Hermetic by default: the e2e global setup exports the harness's KUBECONFIG to every worker,
      // and its context namespace would fill in what a test leaves out on purpose. A test that wants
      // a kubeconfig passes one in options.env.
      env: { ...process.env, NODE_OPTIONS: '', KUBECONFIG: NO_KUBECONFIG, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Asserts the error contract: exit code, nothing on stdout, exactly one `sealkit: error:` line, no stack. */
export function expectError(result: RunResult, code: 1 | 2, message?: RegExp | string): string {
  expect(result.code, `stderr: ${result.stderr}`).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  const line = lines[0] as string;
  expect(line.startsWith('sealkit: error: ')).toBe(true);
  expect(line).not.toMatch(/\n\s+at /);
  if (message !== undefined) {
    if (typeof message === 'string') expect(line).toContain(message);
    else expect(line).toMatch(message);
  }
  return line;
}

export function expectOk(result: RunResult): void {
  expect(result.code, `stderr: ${result.stderr}`).toBe(0);
}

export async function tempDir(prefix = 'sealkit-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface TestKey {
  dir: string;
  pub: string;
  key: string;
  id: string;
}

/** A key pair made by `sealkit keygen` itself. */
export async function keygen(dir: string): Promise<TestKey> {
  const result = await run(['keygen', '--out', dir]);
  expectOk(result);
  return { dir, pub: join(dir, 'sealkit.pub'), key: join(dir, 'sealkit.key'), id: result.stdout.trim() };
}

/** File names in a directory (to prove no temp file or output was left behind). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A Secret as `kubectl create secret generic db -n prod --from-literal=... --dry-run=client -o yaml` prints it. */
export function kubectlSecretYaml(options: { name?: string; namespace?: string; data?: Record<string, string>; lastApplied?: boolean } = {}): string {
  const name = options.name ?? 'db';
  const data = options.data ?? { password: 'hunter2-plaintext', username: 'admin' };
  const lines = ['apiVersion: v1', 'data:'];
  for (const [k, v] of Object.entries(data)) lines.push(`  ${k}: ${b64(v)}`);
  lines.push('kind: Secret', 'metadata:');
  if (options.lastApplied) {
    const applied = JSON.stringify({ apiVersion: 'v1', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])), kind: 'Secret', metadata: { annotations: {}, name, namespace: options.namespace } });
    lines.push('  annotations:', '    kubectl.kubernetes.io/last-applied-configuration: |', `      ${applied}`);
  }
  lines.push('  creationTimestamp: null', `  name: ${name}`);
  if (options.namespace !== undefined) lines.push(`  namespace: ${options.namespace}`);
  return `${lines.join('\n')}\n`;
}
