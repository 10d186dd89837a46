import { BadInputError, CLUSTER_REMOTE_SECRET_KIND, REMOTE_API_VERSION, planClusterRemoteSecret, type LabelSelector, type LabelSelectorRequirement, type RemoteSecretPlan } from '@sealkit/core';
import { UsageError } from '../errors.js';

// `sealkit ref NAME --cluster --namespace-selector SELECTOR | --namespaces A,B | --all-namespaces`:
// the RemoteSecret that `ref` builds, as the template of a ClusterRemoteSecret (cluster-scoped: the
// controller creates the RemoteSecret in every matching namespace; docs/remote-secrets.md). Checked
// with core's planClusterRemoteSecret, the controller's own rule, before it is written.

export interface ClusterRefFlags {
  cluster?: boolean;
  namespace?: string;
  namespaceSelector?: string[];
  namespaces?: string[];
  allNamespaces?: boolean;
  file?: string;
}

/** The ClusterRemoteSecret-only flags, refused without --cluster; -n and -f refused with it. */
export function checkClusterFlags(flags: ClusterRefFlags): void {
  const picks = (flags.namespaceSelector?.length ?? 0) + (flags.namespaces?.length ?? 0) + (flags.allNamespaces ? 1 : 0);
  if (!flags.cluster) {
    if (picks > 0) throw new UsageError('--namespace-selector, --namespaces and --all-namespaces need --cluster (they pick the namespaces of a ClusterRemoteSecret)');
    return;
  }
  if (flags.namespace !== undefined) throw new UsageError('-n/--namespace does not apply to --cluster: a ClusterRemoteSecret is cluster-scoped', { hint: 'pick the namespaces with --namespace-selector, --namespaces or --all-namespaces' });
  if (flags.file !== undefined) throw new UsageError('-f reads RemoteSecret manifests to --check; it cannot be combined with --cluster');
  if (picks === 0) throw new UsageError('--cluster needs --namespace-selector SELECTOR, --namespaces A,B or --all-namespaces', { hint: 'e.g. --namespace-selector team=payments' });
  if (flags.allNamespaces && (flags.namespaceSelector?.length || flags.namespaces?.length)) throw new UsageError('--all-namespaces already picks every namespace: drop --namespace-selector and --namespaces');
}

/** Splits on commas outside parentheses: `a=b,c in (x,y)` -> [`a=b`, `c in (x,y)`]. */
function splitRequirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/**
 * A label selector in kubectl's syntax (`-l`): comma-separated `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not exist). `k=v` goes to matchLabels,
 * the rest to matchExpressions (`k!=v` is `NotIn [v]`, as Kubernetes reads it).
 */
export function parseLabelSelector(text: string, flag = '--namespace-selector'): LabelSelector {
  const sel: { matchLabels: Record<string, string>; matchExpressions: LabelSelectorRequirement[] } = { matchLabels: {}, matchExpressions: [] };
  const bad = (part: string, why: string) => new UsageError(`${flag} "${text}": ${why} in "${part}"`, { hint: 'kubectl selector syntax: k=v, k!=v, k in (a,b), k notin (a,b), k, !k' });
  for (const part of splitRequirements(text)) {
    if (part === '') throw bad(part, 'an empty requirement');
    let m: RegExpExecArray | null;
    if ((m = /^([^\s=!(),]+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(part))) {
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.some((v) => v === '')) throw bad(part, 'an empty value');
      sel.matchExpressions.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!(),]+)\s*!=\s*([^\s=!(),]*)$/.exec(part))) {
      sel.matchExpressions.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    } else if ((m = /^([^\s=!(),]+)\s*==?\s*([^\s=!(),]*)$/.exec(part))) {
      if (m[1]! in sel.matchLabels && sel.matchLabels[m[1]!] !== m[2]) throw bad(part, `two values for ${m[1]}`);
      sel.matchLabels[m[1]!] = m[2]!;
    } else if ((m = /^!\s*([^\s=!(),]+)$/.exec(part))) {
      sel.matchExpressions.push({ key: m[1]!, operator: 'DoesNotExist' });
    } else if ((m = /^([^\s=!(),]+)$/.exec(part))) {
      sel.matchExpressions.push({ key: m[1]!, operator: 'Exists' });
    } else {
      throw bad(part, 'cannot read the requirement');
    }
  }
  return {
    ...(Object.keys(sel.matchLabels).length ? { matchLabels: sel.matchLabels } : {}),
    ...(sel.matchExpressions.length ? { matchExpressions: sel.matchExpressions } : {}),
  };
}

/** Which flag wrote which field, so core's message names what the user typed. */
const FIELD_FLAGS: readonly [RegExp, string][] = [
  [/^metadata\.name\b/, 'NAME'],
  [/^spec\.namespaces\[\d+\]/, '--namespaces'],
  [/^spec\.namespaceSelector[.\w[\]]*/, '--namespace-selector'],
];

/** The ClusterRemoteSecret whose template is `remoteSecret` (the manifest `ref` built, without a namespace). */
export function clusterManifest(remoteSecret: { metadata: Record<string, unknown>; spec: unknown }, flags: ClusterRefFlags): Record<string, unknown> {
  const name = String(remoteSecret.metadata.name);
  const selectors = (flags.namespaceSelector ?? []).map((s) => parseLabelSelector(s));
  // Several --namespace-selector flags: all must hold (as one selector with every requirement).
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const s of selectors) {
    for (const [k, v] of Object.entries(s.matchLabels ?? {})) {
      if (k in matchLabels && matchLabels[k] !== v) throw new UsageError(`--namespace-selector: two values for ${k} (${matchLabels[k]}, ${v})`);
      matchLabels[k] = v;
    }
    matchExpressions.push(...(s.matchExpressions ?? []));
  }
  const namespaceSelector: LabelSelector | undefined = flags.allNamespaces
    ? {}
    : selectors.length
      ? { ...(Object.keys(matchLabels).length ? { matchLabels } : {}), ...(matchExpressions.length ? { matchExpressions } : {}) }
      : undefined;
  const namespaces = (flags.namespaces ?? []).flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
  // Only what was asked for: the template's name defaults to NAME in the controller (no GitOps diff).
  const manifest = {
    apiVersion: REMOTE_API_VERSION,
    kind: CLUSTER_REMOTE_SECRET_KIND,
    metadata: { name },
    spec: {
      ...(namespaceSelector ? { namespaceSelector } : {}),
      ...(namespaces.length ? { namespaces } : {}),
      template: { spec: remoteSecret.spec },
    },
  };
  try {
    planClusterRemoteSecret(manifest);
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    let msg = e.message;
    for (const [field, flag] of FIELD_FLAGS) msg = msg.replace(field, flag);
    throw new UsageError(msg, { hint: "see 'sealkit ref --help'" });
  }
  return manifest;
}

/**
 * What `ref --check -f` resolves for a ClusterRemoteSecret manifest: its template, checked with the
 * controller's rules (the whole object), reported under the kind's name instead of a namespace.
 */
export function clusterCheckPlan(value: unknown): RemoteSecretPlan {
  const plan = planClusterRemoteSecret(value);
  return { ...plan.remoteSecret, namespace: CLUSTER_REMOTE_SECRET_KIND, name: plan.name };
}
