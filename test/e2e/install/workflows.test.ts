// .github/workflows cannot run here; this checks they are valid (actionlint, with shellcheck on
// every `run:` script) and that the release workflow does what a release needs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../lib/kube.js';
import { tool } from './tools.js';

let actionlint: string;
let shellcheck: string;

/** actionlint on the repository's workflows, or on the files given. */
function lint(cwd: string, files: string[] = []): { code: number; out: string } {
  const r = spawnSync(actionlint, ['-no-color', `-shellcheck=${shellcheck}`, ...files], { cwd, encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  actionlint = tool('actionlint');
  const sc = spawnSync('bash', ['-c', 'command -v shellcheck'], { encoding: 'utf8' });
  if (sc.status !== 0) throw new Error('shellcheck not found: install the Debian package (apt-get install shellcheck; .ci/run does)');
  shellcheck = sc.stdout.trim();
}, 1_200_000);

describe('actionlint', () => {
  it('finds nothing wrong in .github/workflows', () => {
    const r = lint(REPO);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('does flag a broken workflow (a bad expression, an unquoted variable in a script)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-actionlint-'));
    writeFileSync(path.join(dir, 'bad.yml'), [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo ${{ github.nonexistent }}',
      '      - run: rm -rf $DIR/*',
      '',
    ].join('\n'));
    let r: ReturnType<typeof lint>;
    try {
      r = lint(dir, ['bad.yml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/nonexistent/);
    expect(r.out).toMatch(/shellcheck reported issue/);
  });

  it('is the pinned version', () => {
    const versions = readFileSync(path.join(REPO, 'test/infra/versions.env'), 'utf8');
    const pinned = /ACTIONLINT_VERSION="\$\{SEALKIT_ACTIONLINT_VERSION:-(v[^}]+)\}"/.exec(versions)![1]!;
    expect(execFileSync(actionlint, ['-version'], { encoding: 'utf8' })).toContain(pinned.replace(/^v/, ''));
  });
});

describe('release.yml', () => {
  const wf = parse(readFileSync(path.join(REPO, '.github/workflows/release.yml'), 'utf8'));
  const steps = (job: string): any[] => wf.jobs[job].steps;
  const uses = (job: string) => steps(job).map((s) => s.uses).filter(Boolean);
  const scripts = (job: string) => steps(job).map((s) => s.run ?? '').join('\n');

  it('runs on version tags only, with no default permissions', () => {
    expect(Object.keys(wf.on)).toEqual(['push']);
    expect(wf.on.push.tags).toEqual([expect.stringMatching(/^v/)]);
    expect(wf.permissions).toEqual({});
  });

  it('publishes nothing before the test suite (.ci/run) passed', () => {
    expect(scripts('test')).toContain('.ci/run');
    for (const job of ['npm', 'image', 'chart']) expect(wf.jobs[job].needs).toContain('test');
  });

  it('publishes the npm packages with provenance (an OIDC token, pnpm so workspace ranges are rewritten)', () => {
    expect(wf.jobs.npm.permissions['id-token']).toBe('write');
    expect(steps('npm').find((s) => s.env?.NPM_CONFIG_PROVENANCE)?.env.NPM_CONFIG_PROVENANCE).toBe('true');
    expect(scripts('npm')).toMatch(/PNPM.* publish --access public/);
  });

  it('builds and pushes the image for amd64 and arm64 from deploy/Dockerfile', () => {
    const build = steps('image').find((s) => String(s.uses).startsWith('docker/build-push-action'));
    expect(build.with).toMatchObject({ file: 'deploy/Dockerfile', push: true });
    expect(build.with.platforms.split(',')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(uses('image')).toEqual(expect.arrayContaining([expect.stringMatching(/^docker\/setup-qemu-action@/)]));
  });

  it('packages the chart and pushes it to an OCI registry', () => {
    expect(scripts('chart')).toMatch(/helm package charts\/sealkit/);
    expect(scripts('chart')).toMatch(/helm push .*"\$CHART_REPOSITORY"/);
    expect(wf.env.CHART_REPOSITORY).toMatch(/^oci:\/\//);
  });
});
