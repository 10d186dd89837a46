import { availableParallelism } from 'node:os';
import { BITNAMI_KEY_PREFIX } from '@sealkit/core';
import { parseDuration, UsageError } from '../config.js';

/**
 * Flags of the Bitnami mode. They are read (and removed from argv) before the main flag parser
 * runs, so the controller's own flag table stays as it is; `--help` appends BITNAMI_USAGE.
 */
export interface BitnamiOptions {
  /** Namespace of the Bitnami controller's key Secrets (where it ran; kube-system by default). */
  keyNamespace: string;
  /** Its --key-prefix: name of a pre-label legacy key Secret, read as well (as Bitnami does). */
  keyPrefix: string;
  /** Worker threads that do the RSA work; 0 opens on the main thread. */
  decryptWorkers: number;
  /** Re-check every Bitnami SealedSecret this often (0: never; Bitnami itself never does). */
  resyncPeriodMs: number;
  /** Lease that elects the replica reconciling Bitnami SealedSecrets. */
  leaseName: string;
}

interface Spec {
  env: string;
  help: string;
  default?: string;
  boolean?: boolean;
}

const FLAGS: Record<string, Spec> = {
  bitnami: { env: 'SEALKIT_BITNAMI', boolean: true, help: 'also reconcile bitnami.com/v1alpha1 SealedSecrets with the Bitnami controller\'s keys (replaces the Bitnami controller)' },
  'bitnami-key-namespace': { env: 'SEALKIT_BITNAMI_KEY_NAMESPACE', default: 'kube-system', help: 'namespace of the Bitnami key Secrets (label sealedsecrets.bitnami.com/sealed-secrets-key=active)' },
  'bitnami-key-prefix': { env: 'SEALKIT_BITNAMI_KEY_PREFIX', default: BITNAMI_KEY_PREFIX, help: 'the Bitnami --key-prefix (a legacy key Secret of this name is read too)' },
  'bitnami-decrypt-workers': { env: 'SEALKIT_BITNAMI_DECRYPT_WORKERS', help: 'threads for the RSA work (default: CPUs, at most 4; 0 = main thread)' },
  'bitnami-resync-period': { env: 'SEALKIT_BITNAMI_RESYNC_PERIOD', default: '0', help: 're-check every Bitnami SealedSecret this often (0: only on changes, as Bitnami)' },
  'bitnami-lease-name': { env: 'SEALKIT_BITNAMI_LEASE_NAME', default: 'sealkit-controller-bitnami', help: 'Lease electing the replica that reconciles Bitnami SealedSecrets' },
};

export const BITNAMI_USAGE = `
Bitnami Sealed Secrets mode (docs/migrating-from-bitnami.md):
${Object.entries(FLAGS)
  .map(([k, s]) => `  --${k.padEnd(24)} ${s.help}${s.default ? ` [${s.default}]` : ''}\n  ${' '.repeat(26)} env: ${s.env}`)
  .join('\n')}
`;

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Takes the --bitnami* flags out of argv. Returns the remaining arguments, and the options when
 * the mode is on (flag or SEALKIT_BITNAMI=true), else undefined.
 */
export function extractBitnamiFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { argv: string[]; options: BitnamiOptions | undefined } {
  const rest: string[] = [];
  const given: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^--(no-)?(bitnami(?:-[a-z-]+)?)(?:=(.*))?$/.exec(a);
    const spec = m ? FLAGS[m[2] as string] : undefined;
    if (!m || !spec) {
      rest.push(a);
      continue;
    }
    const name = m[2] as string;
    if (m[1]) {
      if (!spec.boolean || m[3] !== undefined) throw new UsageError(`unknown flag ${a}`);
      given[name] = 'false';
      continue;
    }
    let value = m[3];
    if (value === undefined) {
      const next = argv[i + 1];
      if (spec.boolean && (next === undefined || next.startsWith('--') || !/^(true|false|1|0|yes|no)$/i.test(next))) value = 'true';
      else {
        value = next;
        i++;
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
      }
    }
    given[name] = value;
  }
  const get = (name: string): string | undefined => given[name] ?? (env[FLAGS[name]!.env] || undefined) ?? FLAGS[name]!.default;
  const enabled = get('bitnami');
  if (enabled === undefined || /^(false|0|no)$/i.test(enabled)) return { argv: rest, options: undefined };
  if (!/^(true|1|yes)$/i.test(enabled)) throw new UsageError(`--bitnami: expected true or false, got '${enabled}'`);
  const keyNamespace = get('bitnami-key-namespace')!;
  if (!NAMESPACE.test(keyNamespace)) throw new UsageError(`--bitnami-key-namespace: '${keyNamespace}' is not a valid namespace name`);
  const keyPrefix = get('bitnami-key-prefix')!;
  if (!/^[a-z0-9-]{1,245}$/.test(keyPrefix)) throw new UsageError(`--bitnami-key-prefix: '${keyPrefix}' is not a valid key prefix`);
  const workersText = get('bitnami-decrypt-workers');
  const decryptWorkers = workersText === undefined ? Math.max(1, Math.min(4, availableParallelism())) : Number(workersText);
  if (!Number.isInteger(decryptWorkers) || decryptWorkers < 0 || decryptWorkers > 64) {
    throw new UsageError('--bitnami-decrypt-workers: expected an integer from 0 to 64');
  }
  const leaseName = get('bitnami-lease-name')!;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(leaseName)) throw new UsageError(`--bitnami-lease-name: '${leaseName}' is not a valid name`);
  return {
    argv: rest,
    options: {
      keyNamespace,
      keyPrefix,
      decryptWorkers,
      resyncPeriodMs: parseDuration(get('bitnami-resync-period')!, 'bitnami-resync-period'),
      leaseName,
    },
  };
}
