// Builds the custody the flags ask for (--key-custody and --key-custody-*).

import { readFileSync } from 'node:fs';
import type { Clock } from '../../remote/clock.js';
import { createNodeVaultApi, type VaultApi, type NodeVaultApiOptions } from '../../remote/vault-api.js';
import { KeyCustodyError, type CustodyName, type KeyCustody } from './custody.js';
import { plaintextCustody } from './plaintext.js';
import { tokenFileJwt, VaultTransitCustody } from './vault-transit.js';

/** Where Kubernetes projects the pod's ServiceAccount token (rotated by the kubelet). */
export const SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KeyCustodyConfig {
  custody: CustodyName;
  vault: {
    addr: string | undefined;
    role: string | undefined;
    authPath: string;
    transitMount: string;
    transitKey: string;
    caFile: string | undefined;
    /** The JWT presented to Vault's Kubernetes auth, re-read at every login. */
    tokenFile: string;
  };
}

export interface KeyCustodyDeps {
  clock: Clock;
  onLogin?: (ok: boolean) => void;
  /** Tests inject a Vault client; default node-vault, as for RemoteStores. */
  createApi?: (options: NodeVaultApiOptions) => VaultApi;
}

/** The custody for a config; a missing Vault address or role is a KeyCustodyError naming the flag. */
export function createKeyCustody(config: KeyCustodyConfig, deps: KeyCustodyDeps): KeyCustody {
  if (config.custody === 'plaintext') return plaintextCustody();
  const v = config.vault;
  if (!v.addr) throw new KeyCustodyError('--key-custody vault-transit needs --key-custody-vault-addr', { retryable: false });
  if (!v.role) throw new KeyCustodyError('--key-custody vault-transit needs --key-custody-vault-role (a Kubernetes auth role)', { retryable: false });
  let caPem: string | undefined;
  if (v.caFile) {
    try {
      caPem = readFileSync(v.caFile, 'utf8');
    } catch (err) {
      throw new KeyCustodyError(`--key-custody-vault-ca-file: cannot read ${v.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { retryable: false });
    }
  }
  const api = (deps.createApi ?? createNodeVaultApi)({ server: v.addr, ...(caPem ? { caPem } : {}) });
  return new VaultTransitCustody({
    api,
    authMount: v.authPath,
    role: v.role,
    jwt: tokenFileJwt(v.tokenFile),
    transitMount: v.transitMount,
    transitKey: v.transitKey,
    clock: deps.clock,
    ...(deps.onLogin ? { onLogin: deps.onLogin } : {}),
  });
}
