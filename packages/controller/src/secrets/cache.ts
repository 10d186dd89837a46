import { MANAGED_BY_LABEL } from '@sealkit/core';
import { MANAGED_BY_VALUE, secretsPath } from '../constants.js';
import type { KubeClient } from '@sealkit/kube';
import type { Clock } from '../runtime/clock.js';
import { informerPerNamespace, type InformerGroup } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { secretView, type SecretView } from '../sealed/views.js';

/**
 * The cache of managed Secrets (label app.kubernetes.io/managed-by=sealkit), shared by the
 * SealedSecret and RemoteSecret reconcilers: only Secrets labelled as ours, never a cache of every
 * Secret in the cluster, and only a digest of each (no values).
 */
export function managedSecretsCache(o: { namespaces: readonly string[]; client: KubeClient; clock: Clock; log: Logger; metrics?: Metrics }): InformerGroup<SecretView> {
  return informerPerNamespace(o.namespaces, {
    name: 'secrets',
    client: o.client,
    path: (ns) => (ns ? secretsPath(ns) : '/api/v1/secrets'),
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    transform: secretView,
    clock: o.clock,
    log: o.log,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
}
