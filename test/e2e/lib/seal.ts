// Sealing for tests: with @sealkit/core (as a library user) or the sealkit CLI binary.
import { decodePublicKeysPem, sealSecret, type Scope } from '@sealkit/core';

export interface SecretSpec {
  namespace: string;
  name: string;
  data: Record<string, string>;
  /** raw bytes, for values that are not UTF-8 */
  binary?: Record<string, Buffer>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

export function seal(certPem: string, s: SecretSpec, scope: Scope = 'strict'): any {
  const recipients = decodePublicKeysPem(certPem);
  return sealSecret(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: s.namespace, name: s.name, ...(s.labels ? { labels: s.labels } : {}), ...(s.annotations ? { annotations: s.annotations } : {}) },
      ...(s.type ? { type: s.type } : {}),
      ...(s.immutable ? { immutable: true } : {}),
      stringData: s.data,
      ...(s.binary ? { data: Object.fromEntries(Object.entries(s.binary).map(([k, v]) => [k, v.toString('base64')])) } : {}),
    },
    { recipients, scope },
  );
}
