import { describe, expect, it } from 'vitest';
import { sealedSecretView } from './views.js';

const raw = (encryptedData: Record<string, string>) => ({
  apiVersion: 'sealkit.dev/v1alpha1',
  kind: 'SealedSecret',
  metadata: { namespace: 'app', name: 'db', uid: 'u1', generation: 1, resourceVersion: '1' },
  spec: { encryptedData },
});

describe('sealedSecretView', () => {
  it('a key a Secret forbids is a spec error naming it, before any write', () => {
    expect(sealedSecretView(raw({ ok: 'AAAA', 'no/slash': 'AAAA' })).specError).toMatch(/"no\/slash" is not a valid Secret key/);
    expect(sealedSecretView(raw({ '..': 'AAAA' })).specError).toMatch(/not a valid Secret key/);
    expect(sealedSecretView(raw({ ok: 'AAAA', 'a.b_c-d': 'AAAA' })).specError).toBeUndefined();
  });
});
