import type { KubeClient, KubeRequest } from '@sealkit/kube';

/** A write refused (or cut short) because this replica does not hold the lease. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  readonly code = 'not_leader';
  constructor(lease: string) {
    super(`not the leader of lease ${lease}: write refused`);
  }
}

/**
 * Open while this replica leads, closed otherwise. Every writer of a manager goes through
 * `guard(client)`, so no write (Secret, status, key, ConfigMap, Event) can start once the gate is
 * closed, and writes in flight at the step-down are aborted (their outcome is unknown to us, as
 * after any lost connection; the next leader re-checks everything from its caches).
 */
export class WriteGate {
  private term: AbortController | undefined;

  constructor(
    readonly lease: string,
    private readonly onRefused?: () => void,
  ) {}

  get isOpen(): boolean {
    return this.term !== undefined;
  }

  open(): void {
    if (!this.term) this.term = new AbortController();
  }

  /** Synchronous: once it returns, no guarded write can start. */
  close(): void {
    this.term?.abort(new NotLeaderError(this.lease));
    this.term = undefined;
  }

  /** The signal of the current term (aborted at step-down); throws NotLeaderError when closed. */
  enter(): AbortSignal {
    if (!this.term) {
      this.onRefused?.();
      throw new NotLeaderError(this.lease);
    }
    return this.term.signal;
  }

  /** The client with every write (any verb but GET) behind this gate; reads and watches pass. */
  guard(client: KubeClient): KubeClient {
    return {
      request: <T>(req: KubeRequest): Promise<T> => {
        if (req.method === 'GET') return client.request<T>(req);
        let term: AbortSignal;
        try {
          term = this.enter();
        } catch (err) {
          return Promise.reject(err);
        }
        const signal = req.signal ? AbortSignal.any([req.signal, term]) : term;
        return client.request<T>({ ...req, signal });
      },
      watch: (path, query, onEvent, signal) => client.watch(path, query, onEvent, signal),
    };
  }
}

export const isNotLeader = (err: unknown): boolean => err instanceof NotLeaderError;
