/**
 * kubectl habits through the built CLI: the `kubectl sealkit` plugin found by the machine's real
 * kubectl, kubeseal flags answered with the sealkit command to use, and completion scripts for
 * bash, zsh and fish exercised in the real shells.
 * SEALKIT_INFRA=none npx vitest run --project e2e test/e2e/cli-kubectl-completion.test.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, expectError, expectOk, kubectlSecretYaml, removeDir, run, tempDir } from '../../packages/cli/test/run.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('sealkit-kubectl-');
});
afterAll(async () => {
  await removeDir(dir);
});

function requireTool(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found === '') throw new Error(`${name} is not installed: this test runs the real ${name} (apt-get install ${name})`);
  return found;
}

describe('kubeseal habits', () => {
  it('--fetch-cert, --recovery-unseal and --re-encrypt name the sealkit command to use (exit 2)', async () => {
    expectError(await run(['seal', '--fetch-cert']), 2, "use 'sealkit cert'");
    expectError(await run(['--fetch-cert']), 2, "use 'sealkit cert'");
    expectError(await run(['unseal', '--recovery-unseal', '--recovery-private-key', 'k.pem']), 2, "use 'sealkit unseal --key FILE'");
    expectError(await run(['--re-encrypt']), 2, "use 'sealkit reseal'");
    // After `--` it is an argument, not a flag.
    expect((await run(['seal', '--', '--fetch-cert'])).stderr).not.toContain('no --fetch-cert');
  });
});

describe('kubectl sealkit (plugin)', () => {
  it('is found by kubectl on PATH and runs the CLI', async () => {
    const kubectl = requireTool('kubectl');
    const bin = path.join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    symlinkSync(path.join(CLI_DIR, 'bin', 'kubectl-sealkit.js'), path.join(bin, 'kubectl-sealkit'));
    // The plugin's `#!/usr/bin/env node` must find the Node the tests run on (24), first on PATH.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${bin}:/usr/bin:/bin`, KUBECONFIG: path.join(dir, 'no-kubeconfig'), NODE_OPTIONS: '' };
    const list = spawnSync(kubectl, ['plugin', 'list'], { env, encoding: 'utf8' });
    expect(list.stdout).toContain(path.join(bin, 'kubectl-sealkit'));
    const help = spawnSync(kubectl, ['sealkit', '--help'], { env, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('Usage: kubectl sealkit [options] [command]');
    const keys = path.join(dir, 'keys');
    expect(spawnSync(kubectl, ['sealkit', 'keygen', '--out', keys], { env, encoding: 'utf8' }).status).toBe(0);
    const sealed = spawnSync(kubectl, ['sealkit', 'seal', '--cert', path.join(keys, 'sealkit.pub')], { env, encoding: 'utf8', input: kubectlSecretYaml({ namespace: 'prod' }) });
    expect(sealed.status, sealed.stderr).toBe(0);
    expect(sealed.stdout).toContain('kind: SealedSecret');
  });
});

describe('sealkit completion', () => {
  let topLevel: string[];
  beforeAll(async () => {
    const help = await run(['--help']);
    expectOk(help);
    topLevel = [...help.stdout.split('Commands:')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(topLevel).toContain('scan');
  });

  it('bash: completes commands, options, option values and subcommands; lists every command of --help', async () => {
    requireTool('bash');
    const result = await run(['completion', 'bash']);
    expectOk(result);
    const script = path.join(dir, 'sealkit.bash');
    writeFileSync(script, result.stdout);
    const complete = (line: string) => {
      const out = execFileSync('bash', ['-c', `source "$0"; read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _sealkit; echo "\${COMPREPLY[*]}"`, script, line], { encoding: 'utf8' });
      return out.trim();
    };
    expect(complete('sealkit ').split(' ').sort()).toEqual([...topLevel].sort());
    expect(complete('sealkit se')).toBe('seal set');
    expect(complete('sealkit seal --from-l')).toBe('--from-literal');
    expect(complete('sealkit seal --ce').split(' ')).toContain('--cert');
    expect(complete('sealkit seal -o ')).toBe('yaml json');
    expect(complete('sealkit scan --output s')).toBe('sarif');
    expect(complete('sealkit hook ')).toBe('install');
    expect(complete('kubectl-sealkit completion ')).toBe('bash zsh fish');
    // A hidden option is never offered: ref's --version exists only to point at --key-version.
    expect(complete('sealkit ref --ver')).toBe('');
    expect(complete('sealkit ref --key-v')).toBe('--key-version');
  });

  it('zsh: the script parses and its completion function offers the same words', async () => {
    requireTool('zsh');
    const result = await run(['completion', 'zsh']);
    expectOk(result);
    const script = path.join(dir, '_sealkit');
    writeFileSync(script, result.stdout);
    expect(spawnSync('zsh', ['-n', script]).status).toBe(0);
    // compadd/_files are zsh's completion builtins; stand-ins print what they are given.
    const complete = (...words: string[]) =>
      execFileSync('zsh', ['-fc', `compdef() {}; compadd() { shift; print -r -- "$*" }; _files() { print FILES }; source "$0"; words=("$@"); CURRENT=$#; _sealkit`, script, ...words], { encoding: 'utf8' }).trim();
    expect(complete('sealkit', 'seal', '-o', '')).toBe('yaml json');
    expect(complete('sealkit', 'hook', '')).toBe('install');
    expect(complete('sealkit', 'seal', '--cert', '')).toBe('FILES');
    expect(complete('sealkit', 'completion', '')).toBe('bash zsh fish');
    expect(complete('sealkit', '').split(' ').sort()).toEqual([...topLevel].sort());
  });

  it('fish: complete -C gives the commands and options with their descriptions', async () => {
    requireTool('fish');
    const result = await run(['completion', 'fish']);
    expectOk(result);
    const script = path.join(dir, 'sealkit.fish');
    writeFileSync(script, result.stdout);
    const complete = (line: string) => execFileSync('fish', ['-c', `source $argv[1]; complete -C "$argv[2]"`, script, line], { encoding: 'utf8' }).trim().split('\n');
    expect(complete('sealkit se').map((l) => l.split('\t')[0])).toEqual(['seal', 'set']);
    expect(complete('sealkit seal --ce')[0]).toMatch(/^--cert\tpublic key/);
    expect(complete('sealkit scan -o ').map((l) => l.split('\t')[0]).sort()).toEqual(['json', 'sarif', 'text']);
    expect(complete('sealkit hook ').map((l) => l.split('\t')[0])).toEqual(['install']);
    expect(complete('sealkit completion ').map((l) => l.split('\t')[0]).sort()).toEqual(['bash', 'fish', 'zsh']);
  });

  it('an unknown shell is a usage error', async () => {
    expectError(await run(['completion', 'powershell']), 2, /value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish/);
    expect(existsSync(dir)).toBe(true);
  });
});
