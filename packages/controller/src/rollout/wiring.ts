import type { ReconcilerContext } from '../runtime/manager.js';
import { Restarter } from './restarter.js';
import { WorkloadCaches } from './workloads.js';

/** What the SealedSecret, RemoteSecret and DynamicSecret reconcilers get to restart workloads: one restarter, and the caches it reads. */
export interface RolloutWiring {
  restarter: Restarter;
  caches: WorkloadCaches['groups'];
}

/**
 * One restarter for both kinds. spec.rolloutRestartTargets always work (a patch per target, given
 * the RBAC); `watchWorkloads` (--rollout-on-change) adds the workload caches, through which
 * opted-in workloads are found and a target already at the new digest costs no request.
 */
export function rolloutWiring(ctx: Pick<ReconcilerContext, 'client' | 'events' | 'clock' | 'log' | 'metrics' | 'namespaces'>, watchWorkloads: boolean): RolloutWiring {
  const workloads = watchWorkloads ? new WorkloadCaches(ctx) : undefined;
  const restarter = new Restarter({ client: ctx.client, events: ctx.events, now: () => ctx.clock.now(), log: ctx.log, metrics: ctx.metrics, ...(workloads ? { workloads } : {}) });
  return { restarter, caches: workloads?.groups ?? [] };
}
