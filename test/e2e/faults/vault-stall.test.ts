// Drill: the link between the controller and Vault stalls (a blackhole on a Toxiproxy proxy that
// the RemoteStore points at) with 200 RemoteSecrets, while their values change in Vault. The
// Secrets keep their last good values, status and Events say why, the controller does not hammer
// Vault, logs in at most once after the link heals, and every Secret has the new value within one
// refresh window of the heal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireVault } from '../../infra/env.js';
import { ControllerProcess } from '../lib/controller-process.js';
import { apply, getJson, kubectl, sleep, suffix, waitFor } from '../lib/kube.js';
import { addrVia, vaultProxy, type Proxy } from '../lib/toxiproxy.js';
import { counter, ensureRemoteCrds, grantRemoteRbac, kv2Put, ready, remoteSecret, vault, vaultStore } from '../remote-support.js';
import { AdminApi, Oracle, controllerSetup, dropNamespaces, pool, printFigures, seconds } from './support.js';

const N = 200;
const REFRESH_S = 30;
const STALL_MS = 45_000;
const api = new AdminApi();
const oracle = new Oracle();
let ctlNs: string;
let app: string;
let link: Proxy;
let ctl: ControllerProcess;
let P: string;

const metrics = async () => (await fetch(`${ctl.url}/metrics`)).text();
const STORE = 'vault-via-proxy';

async function putAll(tag: string): Promise<void> {
  await pool(N, 16, async (i) => {
    const v = `${tag}-${i}`;
    await kv2Put('secret', `${P}/k${i}`, { v });
    oracle.set(`rs-${i}`, { v });
  });
}

async function readyReasons(): Promise<Record<string, number>> {
  const list = await getJson(['remotesecrets', '-n', app]);
  const out: Record<string, number> = {};
  for (const o of list.items) {
    const c = ready(o);
    const k = `${c?.status}/${c?.reason}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

beforeAll(async () => {
  const v = requireVault({ kubernetesAuth: true });
  await ensureRemoteCrds();
  let kubeconfig: string;
  ({ ctlNs, app, kubeconfig } = await controllerSetup('fvault'));
  await grantRemoteRbac(ctlNs);
  P = `faults-${suffix()}`;
  const policy = `sealkit-faults-${P}`;
  const role = `sk-faults-${P}`;
  await vault('PUT', `sys/policies/acl/${policy}`, { policy: `path "secret/data/${P}/*" { capabilities = ["read"] }` });
  await kubectl(['create', 'serviceaccount', 'vault-reader', '-n', app]);
  await vault('POST', `auth/kubernetes/role/${role}`, { bound_service_account_names: ['vault-reader'], bound_service_account_namespaces: [app], token_policies: [policy], token_ttl: '1h' });
  await putAll('v1');
  link = await vaultProxy(`vault-${app}`, v.addr);
  await apply([
    vaultStore(app, STORE, { server: addrVia(v.addr, link), mount: 'secret', kvVersion: 'v2', auth: { kubernetes: { role, serviceAccountRef: { name: 'vault-reader' } } } }),
    ...Array.from({ length: N }, (_, i) =>
      remoteSecret(app, `rs-${i}`, { storeRef: { name: STORE }, refreshInterval: `${REFRESH_S}s`, data: [{ secretKey: 'v', remoteRef: { key: `${P}/k${i}`, property: 'v' } }] })),
  ]);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'vault-drill' });
  await oracle.converged(api, app, 180_000);
}, 400_000);

afterAll(async () => {
  await ctl?.kill();
  await link?.delete();
  api.close();
  await dropNamespaces(app, ctlNs);
});

describe(`Vault link stalls with ${N} RemoteSecrets`, () => {
  it('Secrets kept, status and Events say why, no retry storm, at most one login after, all refreshed within a refresh window', async () => {
    const storeLabel = { store: `RemoteStore/${app}/${STORE}` };
    const m0 = await metrics();
    const logins0 = counter(m0, 'sealkit_vault_logins_total', storeLabel);
    const heal = await link.blackhole();
    const t0 = Date.now();
    const req0 = counter(m0, 'sealkit_vault_requests_total', storeLabel);
    // The values change in Vault while the controller cannot see it.
    const kept = new Oracle();
    for (const [k, v] of oracle.expected) kept.set(k, v);
    await putAll('v2');
    // Long enough for every RemoteSecret's refresh to come due and fail at least once.
    await sleep(Math.max(0, t0 + STALL_MS - Date.now()));
    const during = await kept.check(api, app);
    const reasonsDuring = await readyReasons();
    const m1 = await metrics();
    const req1 = counter(m1, 'sealkit_vault_requests_total', storeLabel);
    const stallS = (Date.now() - t0) / 1000;
    const events = (await getJson(['events', '-n', app, '--field-selector', 'reason=VaultUnavailable']))?.items ?? [];
    await heal();
    const healedAt = Date.now();
    await oracle.converged(api, app, 4 * REFRESH_S * 1000);
    const refreshedMs = Date.now() - healedAt;
    await waitFor('every RemoteSecret Ready again', async () => {
      const r = await readyReasons();
      return r['True/Synced'] === N ? r : undefined;
    }, 60_000, 1000);
    const m2 = await metrics();
    const loginsAfter = counter(m2, 'sealkit_vault_logins_total', storeLabel) - logins0;
    const result = await oracle.check(api, app);
    printFigures(`Vault link stalls (blackhole on the Vault proxy), ${N} RemoteSecrets, refreshInterval ${REFRESH_S}s`, {
      'stall': seconds(stallS * 1000),
      'Secrets kept during the stall (ok / lost / blanked / changed)': `${during.ok} / ${during.lost.length} / ${during.blanked.length} / ${during.wrong.length}`,
      'Ready during the stall': JSON.stringify(reasonsDuring),
      'VaultUnavailable Events': events.length,
      'Vault requests during the stall': req1 - req0,
      'Vault requests per second during the stall': ((req1 - req0) / stallS).toFixed(2),
      'logins after the heal': loginsAfter,
      'all Secrets refreshed after the heal': seconds(refreshedMs),
      'lost / blanked / wrong': `${result.lost.length} / ${result.blanked.length} / ${result.wrong.length}`,
    });
    // The Secrets kept their last good values through the stall.
    expect(during).toEqual({ ok: N, lost: [], blanked: [], wrong: [] });
    // Status and Events say why.
    expect(reasonsDuring['False/VaultUnavailable'] ?? 0).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    // No retry storm: fewer Vault requests than one per RemoteSecret per 5 s of stall
    // (an unbounded retry loop would make thousands).
    expect(req1 - req0).toBeLessThan((N * stallS) / 5);
    expect(loginsAfter).toBeLessThanOrEqual(1);
    expect(result).toEqual({ ok: N, lost: [], blanked: [], wrong: [] });
    // Within one refresh window of the heal (plus the poll interval of this test).
    expect(refreshedMs).toBeLessThanOrEqual((REFRESH_S + 5) * 1000);
  });
});
