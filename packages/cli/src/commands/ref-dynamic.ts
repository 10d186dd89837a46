import { BadInputError, CLUSTER_REMOTE_STORE_KIND, DYNAMIC_SECRET_KIND, REMOTE_API_VERSION, planDynamicSecret } from '@sealkit/core';
import { UsageError } from '../errors.js';
import { writeOutput } from '../files/user-files.js';
import type { Io } from '../io.js';
import { formatManifests, type OutputFormat } from '../output/manifests.js';

// `sealkit ref NAME --dynamic PATH`: writes a DynamicSecret (credentials Vault issues with a
// lease, kept renewed by the controller; docs/remote-secrets.md). Checked with core's
// planDynamicSecret, the controller's own rule, before it is written. No --check: asking Vault
// would issue credentials.

export interface DynamicRefFlags {
  namespace?: string;
  store?: string;
  clusterStore?: boolean;
  target?: string;
  type?: string;
  dynamic?: string;
  method?: string;
  param?: string[];
  renewalPercent?: string;
  write?: string;
  output?: OutputFormat;
}

/** RemoteSecret flags that mean nothing for a DynamicSecret. */
const NOT_DYNAMIC = [
  ['refresh', '--refresh', 'a DynamicSecret is renewed on its lease, not refreshed'],
  ['creationPolicy', '--creation-policy', 'a DynamicSecret always owns its Secret'],
  ['deletionPolicy', '--deletion-policy', 'a DynamicSecret revokes its lease when deleted'],
  ['check', '--check', 'asking Vault would issue credentials'],
  ['file', '-f', 'it reads RemoteSecret manifests'],
  ['mount', '--mount', 'it applies to --check'],
  ['kvVersion', '--kv-version', 'it applies to --check'],
] as const;

/** The DynamicSecret-only flags, refused without --dynamic. */
export function refuseDynamicOnly(flags: DynamicRefFlags): void {
  for (const [f, flag] of [['method', '--method'], ['renewalPercent', '--renewal-percent']] as const) {
    if (flags[f] !== undefined) throw new UsageError(`${flag} applies to --dynamic PATH only`);
  }
  if (flags.param?.length) throw new UsageError('--param applies to --dynamic PATH only');
}

export async function dynamicRef(io: Io, name: string | undefined, flags: DynamicRefFlags & Record<string, unknown>, keyFlags: number): Promise<void> {
  if (keyFlags > 0) throw new UsageError('--dynamic writes a DynamicSecret: it takes no --key or --extract (Vault\'s answer gives the keys)');
  for (const [f, flag, why] of NOT_DYNAMIC) if (flags[f] !== undefined) throw new UsageError(`${flag} does not apply to --dynamic (${why})`);
  if (name === undefined) throw new UsageError('a NAME is required', { hint: 'sealkit ref NAME -n NAMESPACE --store STORE --dynamic database/creds/ROLE' });
  if (flags.namespace === undefined) throw new UsageError('-n/--namespace is required: a DynamicSecret lives in the namespace of its Secret');
  if (flags.store === undefined) throw new UsageError('--store is required', { hint: 'name the RemoteStore (or ClusterRemoteStore with --cluster-store) that reaches Vault' });
  const parameters: Record<string, string> = {};
  for (const p of flags.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param "${p}" must be NAME=VALUE`);
    parameters[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const method = flags.method?.toUpperCase();
  let renewalPercent: number | string | undefined = flags.renewalPercent;
  if (renewalPercent !== undefined && /^\d{1,3}$/.test(renewalPercent)) renewalPercent = Number(renewalPercent);
  // Only what was asked for: no defaults written (GitOps diffs).
  const target: Record<string, unknown> = {};
  if (flags.target !== undefined) target.name = flags.target;
  if (flags.type !== undefined) target.template = { type: flags.type };
  const manifest = {
    apiVersion: REMOTE_API_VERSION,
    kind: DYNAMIC_SECRET_KIND,
    metadata: { name, namespace: flags.namespace },
    spec: {
      storeRef: { name: flags.store, ...(flags.clusterStore ? { kind: CLUSTER_REMOTE_STORE_KIND } : {}) },
      path: flags.dynamic,
      ...(method !== undefined ? { method } : {}),
      ...(Object.keys(parameters).length ? { parameters } : {}),
      ...(renewalPercent !== undefined ? { renewalPercent } : {}),
      ...(Object.keys(target).length ? { target } : {}),
    },
  };
  try {
    planDynamicSecret(manifest);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    const msg = e.message
      .replace(/^spec\.path\b/, '--dynamic')
      .replace(/^spec\.method\b/, '--method')
      .replace(/^spec\.parameters needs spec\.method POST/, `--param needs --method POST`)
      .replace(/^spec\.renewalPercent\b/, '--renewal-percent')
      .replace(/^spec\.storeRef\.name\b/, '--store')
      .replace(/^spec\.target\.name\b/, '--target')
      .replace(/^metadata\.name\b/, 'NAME')
      .replace(/^metadata\.namespace\b/, '-n/--namespace');
    throw new UsageError(msg, { hint: "see 'sealkit ref --help'" });
  }
  await writeOutput(io, formatManifests([manifest], flags.output ?? 'yaml'), flags.write);
}
