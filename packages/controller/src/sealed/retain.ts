// spec.deletionPolicy: Retain. While the SealedSecret exists it carries the finalizer
// sealkit.dev/retain-secret; when it is deleted the controller releases the Secret (owner
// reference and managed-by label off, sealkit.dev/retained-from on, data untouched) and then
// removes the finalizer, always, even when the Secret is gone or not ours, so a deletion never
// hangs on us. A controller killed in between finds the work half done and finishes it: each step
// is checked against what is there before it is made.
import { RETAIN_FINALIZER, Reasons, sealedSecretPath } from '../constants.js';
import type { KubeClient } from '@sealkit/kube';
import { ApiError, errorFields, isNotFound } from '@sealkit/kube';
import type { SecretObject } from '../secrets/plan.js';
import type { SecretWriter } from '../secrets/writer.js';
import type { EventSink } from '../runtime/events.js';
import type { Logger } from '../runtime/log.js';
import { releasedMetadata } from './desired.js';
import type { SealedSecretView } from './views.js';

/** Adds or removes our finalizer on a SealedSecret (JSON patches checked against the object we saw). */
export class FinalizerWriter {
  constructor(private readonly client: KubeClient) {}

  async add(ss: SealedSecretView): Promise<void> {
    const ops: object[] = [{ op: 'test', path: '/metadata/uid', value: ss.uid }];
    if (ss.finalizers.length) ops.push({ op: 'add', path: '/metadata/finalizers/-', value: RETAIN_FINALIZER });
    else ops.push({ op: 'test', path: '/metadata/resourceVersion', value: ss.resourceVersion }, { op: 'add', path: '/metadata/finalizers', value: [RETAIN_FINALIZER] });
    await this.patch(ss, ops);
  }

  /** Removes it; gone already (or the object gone) counts as done. */
  async remove(ss: SealedSecretView): Promise<void> {
    const i = ss.finalizers.indexOf(RETAIN_FINALIZER);
    if (i < 0) return;
    try {
      await this.patch(ss, [
        { op: 'test', path: '/metadata/uid', value: ss.uid },
        { op: 'test', path: `/metadata/finalizers/${i}`, value: RETAIN_FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async patch(ss: SealedSecretView, ops: object[]): Promise<void> {
    await this.client.request({ method: 'PATCH', path: sealedSecretPath(ss.namespace, ss.name), contentType: 'application/json-patch+json', body: ops });
  }
}

export interface RetainDeps {
  secrets: Pick<SecretWriter, 'get' | 'update'>;
  finalizers: Pick<FinalizerWriter, 'add' | 'remove'>;
  events: EventSink;
  log: Logger;
}

/** The finalizer as the policy wants it on a live SealedSecret; true when it wrote. */
export async function keepFinalizerInStep(ss: SealedSecretView, d: RetainDeps): Promise<boolean> {
  const has = ss.finalizers.includes(RETAIN_FINALIZER);
  if (ss.deletionPolicy === 'Retain' && !has) await d.finalizers.add(ss);
  else if (ss.deletionPolicy === 'Delete' && has) await d.finalizers.remove(ss);
  else return false;
  return true;
}

/** A Secret as released from `ss`: our controller reference and managed-by label off, the marker on. */
export function releasedSecret(live: SecretObject, ss: SealedSecretView) {
  const md = releasedMetadata(live.metadata.labels ?? {}, live.metadata.annotations ?? {}, ss.name);
  return {
    namespace: live.metadata.namespace,
    name: live.metadata.name,
    type: live.type || 'Opaque',
    labels: md.labels,
    annotations: md.annotations,
    data: live.data ?? {},
    owners: { kind: 'none' as const, ourUid: ss.uid },
  };
}

/**
 * The SealedSecret is being deleted and holds our finalizer: release its Secret (when it is still
 * ours), say so, and let the SealedSecret go.
 */
export async function releaseOnDelete(ss: SealedSecretView, d: RetainDeps): Promise<'released' | 'released-already'> {
  const live = await d.secrets.get(ss.namespace, ss.name);
  const ours = live?.metadata.ownerReferences?.some((r) => r.controller && r.uid === ss.uid) ?? false;
  if (live && ours) {
    try {
      await d.secrets.update(live, releasedSecret(live, ss));
      d.events.emit(ss, 'Normal', Reasons.SecretRetained, `Secret ${ss.name} kept (deletionPolicy Retain): owner reference and managed-by label removed; a SealedSecret named ${ss.name} takes it back`);
      d.log.info('secret retained', { namespace: ss.namespace, name: ss.name });
    } catch (err) {
      // Worth another try (conflict, overload, unreachable): the finalizer stays until then.
      if (!(err instanceof ApiError) || err.statusCode === 409 || err.statusCode === 429 || err.statusCode >= 500) throw err;
      // Refused for good (e.g. forbidden): the SealedSecret must not hang on us; say so and let it go.
      d.events.emit(ss, 'Warning', Reasons.WriteFailed, `could not release Secret ${ss.name} (${err.message}); the garbage collector may delete it`);
      d.log.warn('secret not released', { namespace: ss.namespace, name: ss.name, ...errorFields(err) });
    }
  }
  await d.finalizers.remove(ss);
  return live && ours ? 'released' : 'released-already';
}
