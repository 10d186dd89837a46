import { BadInputError, CLUSTER_REMOTE_STORE_KIND, PUSH_SECRET_KIND, REMOTE_API_VERSION, planPushSecret } from '@sealkit/core';
import { UsageError } from '../errors.js';
import { writeOutput } from '../files/user-files.js';
import type { Io } from '../io.js';
import { formatManifests, type OutputFormat } from '../output/manifests.js';

// `sealkit ref NAME --push SECRET --key PATH`: writes a PushSecret (the controller writes keys of
// the Secret SECRET to the Vault key PATH when they change; docs/remote-secrets.md). The --key and
// --property flags keep their meaning: --key is the Vault key, --property NAME[=SECRET_KEY] the
// Vault field NAME, taken from the Secret key SECRET_KEY (default NAME); no --property pushes every
// key. Checked with core's planPushSecret, the controller's own rule, before it is written.

export interface PushRefFlags {
  namespace?: string;
  store?: string;
  clusterStore?: boolean;
  push?: string;
  refresh?: string;
  deletionPolicy?: string;
  write?: string;
  output?: OutputFormat;
}

/** The --key group(s) as ref.ts parsed them. */
export interface PushRefGroup {
  kind: 'key' | 'extract';
  key: string;
  version?: string;
  properties: { property: string; secretKey: string }[];
}

/** Flags that mean nothing for a PushSecret. */
const NOT_PUSH = [
  ['target', '--target', 'a PushSecret writes to Vault, not to a Secret'],
  ['creationPolicy', '--creation-policy', 'a PushSecret writes to Vault, not to a Secret'],
  ['type', '--type', 'a PushSecret writes to Vault, not to a Secret'],
  ['check', '--check', 'it resolves RemoteSecret references'],
  ['file', '-f', 'it reads RemoteSecret manifests'],
  ['mount', '--mount', 'it applies to --check'],
  ['kvVersion', '--kv-version', 'it applies to --check'],
  ['dynamic', '--dynamic', 'a manifest is a DynamicSecret or a PushSecret'],
] as const;

export async function pushRef(io: Io, name: string | undefined, flags: PushRefFlags & Record<string, unknown>, groups: PushRefGroup[]): Promise<void> {
  for (const [f, flag, why] of NOT_PUSH) if (flags[f] !== undefined) throw new UsageError(`${flag} does not apply to --push (${why})`);
  if (name === undefined) throw new UsageError('a NAME is required', { hint: 'sealkit ref NAME -n NAMESPACE --store STORE --push SECRET --key PATH' });
  if (flags.namespace === undefined) throw new UsageError('-n/--namespace is required: a PushSecret lives in the namespace of its Secret');
  if (flags.store === undefined) throw new UsageError('--store is required', { hint: 'name the RemoteStore (or ClusterRemoteStore with --cluster-store) that reaches Vault' });
  const g = groups[0];
  if (groups.length !== 1 || g?.kind !== 'key') {
    throw new UsageError('--push writes one Vault key: give exactly one --key PATH (and no --extract)', { hint: 'sealkit ref NAME -n NAMESPACE --store STORE --push SECRET --key PATH' });
  }
  if (g.version !== undefined) throw new UsageError('--key-version does not apply to --push (the controller writes the next version)');
  const data = g.properties.map((p) => (p.property === p.secretKey ? { secretKey: p.secretKey } : { secretKey: p.secretKey, property: p.property }));
  // Only what was asked for: no defaults written (GitOps diffs).
  const manifest = {
    apiVersion: REMOTE_API_VERSION,
    kind: PUSH_SECRET_KIND,
    metadata: { name, namespace: flags.namespace },
    spec: {
      storeRef: { name: flags.store, ...(flags.clusterStore ? { kind: CLUSTER_REMOTE_STORE_KIND } : {}) },
      secretRef: { name: flags.push },
      remoteRef: { key: g.key },
      ...(data.length ? { data } : {}),
      ...(flags.refresh !== undefined ? { refreshInterval: flags.refresh } : {}),
      ...(flags.deletionPolicy !== undefined ? { deletionPolicy: flags.deletionPolicy } : {}),
    },
  };
  try {
    planPushSecret(manifest);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    const msg = e.message
      .replace(/^spec\.secretRef\.name\b/, '--push')
      .replace(/^spec\.remoteRef\.key\b/, '--key')
      .replace(/^spec\.data\[\d+\](\.secretKey)?/, '--property')
      .replace(/^spec\.refreshInterval\b/, '--refresh')
      .replace(/^spec\.deletionPolicy\b/, '--deletion-policy')
      .replace(/^spec\.storeRef\.name\b/, '--store')
      .replace(/^metadata\.name\b/, 'NAME')
      .replace(/^metadata\.namespace\b/, '-n/--namespace');
    throw new UsageError(msg, { hint: "see 'sealkit ref --help'" });
  }
  await writeOutput(io, formatManifests([manifest], flags.output ?? 'yaml'), flags.write);
}
