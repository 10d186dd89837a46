import { cacheKey, type Cached, type InformerHandler } from './informer.js';
import type { WorkQueue } from './workqueue.js';

/** What both SealedSecret views (sealkit.dev and bitnami.com) carry to tell a spec change. */
interface SpecIdentity extends Cached {
  uid: string;
  generation: number;
  deleting: boolean;
}

/**
 * Informer handlers shared by both SealedSecret controllers: queue an object when it appears or
 * its spec changes (new generation, replaced under the same name, being deleted), and forget it
 * and its memo when it goes. Status-only updates, which our own status patches cause, queue
 * nothing: looking again would double the work of every reconcile.
 */
export function queueOnSpecChange<S extends SpecIdentity>(
  queue: Pick<WorkQueue, 'add' | 'forget'>,
  memo: Map<string, unknown>,
): InformerHandler<S> {
  return {
    add: (o) => queue.add(cacheKey(o.namespace, o.name)),
    update: (o, old) => {
      if (o.generation !== old.generation || o.uid !== old.uid || o.deleting !== old.deleting) queue.add(cacheKey(o.namespace, o.name));
    },
    delete: (o) => {
      const k = cacheKey(o.namespace, o.name);
      memo.delete(k);
      queue.forget(k);
    },
  };
}
