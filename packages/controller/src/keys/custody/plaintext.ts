// The `plaintext` custody: the key Secret holds the PKCS#8 PEM, as before custody existed. Its
// protection is Kubernetes' alone (Secret RBAC, etcd encryption at rest if the cluster enables it);
// docs/threat-model.md says what that leaves open.

import { decodePrivateKeysPem, encodePrivateKeyPem } from '@sealkit/core';
import { KeyCustodyError, type KeyCustody, type WrappedKey } from './custody.js';

export function plaintextCustody(): KeyCustody {
  return {
    name: 'plaintext',
    async wrap(secretKey: Uint8Array): Promise<WrappedKey> {
      return { custody: 'plaintext', blob: new TextEncoder().encode(encodePrivateKeyPem(secretKey)), metadata: {} };
    },
    async unwrap(wrapped: WrappedKey): Promise<Uint8Array> {
      let pairs;
      try {
        pairs = decodePrivateKeysPem(new TextDecoder().decode(wrapped.blob));
      } catch (err) {
        // BadInputError messages name the PEM block, never its bytes.
        throw new KeyCustodyError(`invalid private key PEM: ${(err as Error).message}`, { retryable: false });
      }
      if (pairs.length !== 1) throw new KeyCustodyError(`the private key PEM must hold exactly one key, not ${pairs.length}`, { retryable: false });
      return pairs[0]!.secretKey;
    },
    async check(): Promise<void> {},
    async close(): Promise<void> {},
  };
}
