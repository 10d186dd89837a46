// The workloads that opted in to restarts (annotation sealkit.dev/restart-on-change: "true"), with
// the Secrets their pods use. Only with --rollout-on-change: a cluster that does not want the
// feature neither watches workloads nor needs RBAC to read them.
import { RESTART_ON_CHANGE_ANNOTATION, ROLLOUT_KINDS, type RolloutKind } from '@sealkit/core';
import type { KubeClient } from '@sealkit/kube';
import type { Clock } from '../runtime/clock.js';
import { informerPerNamespace, type Cached, type InformerGroup } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { stringMap } from '../runtime/object-fields.js';

/** The plural of each kind, in apps/v1. */
export const ROLLOUT_PLURALS: Record<RolloutKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

/** The path of one workload, or of all of a kind (in a namespace, or the cluster's when ''). */
export function workloadPath(kind: RolloutKind, namespace: string, name?: string): string {
  const base = namespace ? `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${ROLLOUT_PLURALS[kind]}` : `/apis/apps/v1/${ROLLOUT_PLURALS[kind]}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** What we keep of a workload: whether it opted in, the Secrets its pods use, our annotations on its pod template. */
export interface WorkloadView extends Cached {
  kind: RolloutKind;
  optIn: boolean;
  /** Names of the Secrets its pod template uses (only kept when it opted in). */
  secrets: string[];
  /** The pod template's annotations that are ours (sealkit.dev/secret-hash.*). */
  hashes: Record<string, string>;
}

/**
 * The Secrets a pod spec uses: volumes (secret, projected sources), env valueFrom secretKeyRef and
 * envFrom secretRef of every container, init container and ephemeral container. Image pull
 * secrets are left out: a pod never needs restarting for those.
 */
export function referencedSecrets(podSpec: any): string[] {
  const out = new Set<string>();
  const add = (n: unknown) => {
    if (typeof n === 'string' && n) out.add(n);
  };
  for (const v of arr(podSpec?.volumes)) {
    add(v?.secret?.secretName);
    for (const s of arr(v?.projected?.sources)) add(s?.secret?.name);
  }
  for (const c of [...arr(podSpec?.containers), ...arr(podSpec?.initContainers), ...arr(podSpec?.ephemeralContainers)]) {
    for (const e of arr(c?.env)) add(e?.valueFrom?.secretKeyRef?.name);
    for (const e of arr(c?.envFrom)) add(e?.secretRef?.name);
  }
  return [...out].sort();
}

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export const workloadView = (kind: RolloutKind) => (raw: any): WorkloadView => {
  const md = raw?.metadata ?? {};
  const optIn = stringMap(md.annotations)[RESTART_ON_CHANGE_ANNOTATION] === 'true';
  const tplAnnotations = stringMap(raw?.spec?.template?.metadata?.annotations);
  const hashes: Record<string, string> = {};
  for (const [k, v] of Object.entries(tplAnnotations)) if (k.startsWith('sealkit.dev/secret-hash.')) hashes[k] = v;
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    kind,
    optIn,
    secrets: optIn ? referencedSecrets(raw?.spec?.template?.spec) : [],
    hashes,
  };
};

/** One cache per kind (per watched namespace), all behind one lookup. */
export class WorkloadCaches {
  readonly groups: InformerGroup<WorkloadView>[];
  constructor(o: { namespaces: readonly string[]; client: KubeClient; clock: Clock; log: Logger; metrics?: Metrics }) {
    this.groups = ROLLOUT_KINDS.map((kind) =>
      informerPerNamespace(o.namespaces, {
        name: ROLLOUT_PLURALS[kind],
        client: o.client,
        path: (ns) => workloadPath(kind, ns),
        transform: workloadView(kind),
        clock: o.clock,
        log: o.log,
        ...(o.metrics ? { metrics: o.metrics } : {}),
      }),
    );
  }

  get(kind: RolloutKind, namespace: string, name: string): WorkloadView | undefined {
    return this.groups[ROLLOUT_KINDS.indexOf(kind)]!.get(namespace, name);
  }

  /** The opted-in workloads of a namespace whose pods use the Secret. */
  usersOf(namespace: string, secretName: string): WorkloadView[] {
    const out: WorkloadView[] = [];
    for (const g of this.groups) for (const w of g.values()) if (w.optIn && w.namespace === namespace && w.secrets.includes(secretName)) out.push(w);
    return out;
  }
}
