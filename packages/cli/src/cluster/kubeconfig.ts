import { UsageError } from '../errors.js';

/** No kubeconfig anywhere and not in a pod: there is no cluster to ask (exit 2). */
export class NoClusterError extends UsageError {
  constructor(message: string, hint?: string) {
    super(message, hint === undefined ? {} : { hint });
    this.name = 'NoClusterError';
  }
}
