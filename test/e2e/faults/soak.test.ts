// The churn soak (bench/soak.mjs) for 2 minutes against this run's components: creates, edits and
// deletes of SealedSecrets, RemoteSecrets, Vault values and managed Secrets, controller restarts
// and toxics, all at once; at the end every Secret is what its source says.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { infra, requireKube, requireToxiproxy, requireVault } from '../../infra/env.js';
import { REPO } from '../lib/kube.js';

describe('churn soak, 2 minutes', () => {
  it('nothing lost, wrong, blank or left behind; restarts and toxics happened', async () => {
    requireKube({ gc: true });
    requireVault();
    requireToxiproxy();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO, 'bench', 'soak.mjs'), '--minutes', '2'], {
        env: { ...process.env, SEALKIT_INFRA_REUSE: infra().stateDir },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString('utf8');
        process.stdout.write(d);
      });
      child.on('error', reject);
      child.on('exit', () => resolve(text));
    });
    const line = out.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
    expect(line, 'the soak printed its result').toBeDefined();
    const r = JSON.parse(line!.slice('SOAK_RESULT '.length));
    expect({ lost: r.lost, wrong: r.wrong, blank: r.blank, lingering: r.lingering }).toEqual({ lost: 0, wrong: 0, blank: 0, lingering: 0 });
    expect(r.changes).toBeGreaterThan(100);
    expect(r.restarts.SIGTERM + r.restarts.SIGKILL).toBeGreaterThanOrEqual(2);
    expect(Object.values(r.toxics as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(r.ops.secretDrift + r.ops.secretDelete).toBeGreaterThan(0);
  }, 480_000);
});
