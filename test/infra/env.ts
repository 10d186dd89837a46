/**
 * What tests import to reach the real components the harness started:
 *
 *   import { requireKube, requireVault } from '../infra/env.js';
 *   const kube = requireKube();        // { kubeconfig, server, caFile, adminToken, ... }
 *   const vault = requireVault();      // { addr, token }
 *
 * A missing component is a loud failure that says how to get it, never a silent skip.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { InfraEnv } from './types.js';

export type { InfraEnv } from './types.js';

const execFileAsync = promisify(execFile);

const HOW_TO =
  'Run the suite through a vitest project whose globalSetup is test/infra/vitest-global-setup.ts ' +
  '(the root e2e project, or: npx vitest run --config test/infra/vitest.config.ts), with SEALKIT_INFRA ' +
  'naming the components (e.g. SEALKIT_INFRA=apiserver,gc,vault). Or start them once yourself: ' +
  'eval "$(test/infra/up --with all)" and run with SEALKIT_INFRA_REUSE="$SEALKIT_TEST_STATE".';

/** Everything the harness provided; throws when the run has no harness at all. */
export function infra(): InfraEnv {
  const env = inject('sealkitInfra');
  if (!env) {
    throw new Error(`sealkit test harness: no real components were started for this run. ${HOW_TO}`);
  }
  return env;
}

function missing(what: string, component: string): never {
  const env = inject('sealkitInfra');
  const running = env ? env.running.join(',') || 'nothing' : 'no harness';
  throw new Error(
    `sealkit test harness: this test needs ${what}, but this run started ${running}. ` +
      `Add '${component}' to SEALKIT_INFRA. ${HOW_TO}`,
  );
}

/** kube-apiserver (+ etcd). Pass {gc: true} when the test relies on kube-controller-manager. */
export function requireKube(opts: { gc?: boolean } = {}): NonNullable<InfraEnv['kube']> {
  const kube = infra().kube;
  if (!kube) missing('kube-apiserver', 'apiserver');
  if (opts.gc && !kube.gc) missing('kube-controller-manager (garbage collection, namespace deletion)', 'gc');
  return kube;
}

/** Vault dev server: root token, KV v2 at secret/, KV v1 at kv1/. */
export function requireVault(opts: { kubernetesAuth?: boolean } = {}): NonNullable<InfraEnv['vault']> {
  const vault = infra().vault;
  if (!vault) missing('a Vault server', 'vault');
  if (opts.kubernetesAuth && !vault.kubernetesAuthPath) {
    missing("Vault's Kubernetes auth method (needs both vault and apiserver)", 'apiserver');
  }
  return vault;
}

/** kubeseal and the sealed-secrets controller binaries; {controller: true} if it must be running. */
export function requireBitnami(opts: { controller?: boolean } = {}): NonNullable<InfraEnv['bitnami']> {
  const b = infra().bitnami;
  if (!b) missing('the Bitnami sealed-secrets tools', 'bitnami');
  if (opts.controller && !b.certUrl) missing('a running Bitnami sealed-secrets controller', 'bitnami-controller');
  return b;
}

/** The Toxiproxy server (fault-injecting TCP proxies); test/e2e/lib/toxiproxy.ts drives it. */
export function requireToxiproxy(): NonNullable<InfraEnv['toxiproxy']> {
  const t = infra().toxiproxy;
  if (!t) missing('a Toxiproxy server', 'toxiproxy');
  return t;
}

/** PostgreSQL (Debian's package) on 127.0.0.1; test/infra/postgres.ts runs psql and sets up Vault's database engine. */
export function requirePostgres(): NonNullable<InfraEnv['postgres']> {
  const pg = infra().postgres;
  if (!pg) missing('a PostgreSQL server', 'postgres');
  return pg;
}

/**
 * Writes a kubeconfig for service account NAMESPACE/NAME (a TokenRequest token) and returns its
 * path, to test RBAC with a non-admin identity. {create: true} creates the namespace and
 * service account when missing; grant it what the test needs with Roles/Bindings.
 */
export async function saKubeconfig(
  namespace: string,
  serviceAccount: string,
  opts: { create?: boolean; duration?: string } = {},
): Promise<string> {
  const kube = requireKube();
  const dir = mkdtempSync(path.join(tmpdir(), 'sealkit-sa-'));
  const file = path.join(dir, `${namespace}.${serviceAccount}.kubeconfig`);
  const args = [namespace, serviceAccount, '-o', file, '--duration', opts.duration ?? '1h'];
  if (opts.create) args.push('--create');
  await execFileAsync(kube.saKubeconfigScript, args, { env: { ...process.env, KUBECONFIG: kube.kubeconfig } });
  return file;
}
