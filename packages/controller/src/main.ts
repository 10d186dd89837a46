import { delimiter } from 'node:path';
import { generateKeyPair } from '@sealkit/core';
import type { BitnamiReconciler } from './bitnami/controller.js';
import { parseConfig, USAGE, UsageError, type Config } from './config.js';
import { createHttpServer } from './http/server.js';
import { createKeyCustody } from './keys/custody/create.js';
import { KeyCustodyError, type CustodyName, type KeyCustody } from './keys/custody/custody.js';
import { migrateKeyCustody } from './keys/custody/migrate.js';
import { KeyMaintenance } from './keys/maintenance.js';
import { KeyringStore } from './keys/keyring-store.js';
import { HttpKubeClient, type KubeClient } from '@sealkit/kube';
import { connect, KubeconfigError, type Connection } from '@sealkit/kube';
import { errorFields } from '@sealkit/kube';
import { RemoteController } from './remote/controller.js';
import { DynamicSecretReconciler } from './dynamic/controller.js';
import { ClusterRemoteSecretReconciler } from './fanout/controller.js';
import { PushSecretReconciler } from './push/controller.js';
import { systemClock } from './runtime/clock.js';
import { EventRecorder } from './runtime/events.js';
import { createLogger, type Logger } from './runtime/log.js';
import { Manager } from './runtime/manager.js';
import { createMetrics } from './runtime/metrics.js';
import { WriteGate } from './runtime/write-gate.js';
import { rolloutWiring } from './rollout/wiring.js';
import { SealedSecretReconciler } from './sealed/controller.js';
import { managedSecretsCache } from './secrets/cache.js';

export const VERSION = '0.1.0';

/** Exit codes, as for the CLI: 0 ok, 1 operational error, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const USER_AGENT = `sealkit-controller/${VERSION}`;

/**
 * The cluster to work on, as controller-runtime finds it: `--kubeconfig FILE` (that file only),
 * else the `KUBECONFIG` list merged by kubectl's rules, else the pod's service account, else
 * ~/.kube/config. Tokens, token files, client certificates and exec plugins all work (@sealkit/kube).
 */
export async function loadConnection(cfg: Pick<Config, 'kubeconfig' | 'context'>, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  // The flag table fills cfg.kubeconfig from KUBECONFIG too (its first entry only): when it came
  // from there, read the whole list as kubectl does instead of that one file.
  const kubeconfigList = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const fromKubeconfigEnv = !env.SEALKIT_KUBECONFIG && cfg.kubeconfig !== undefined && kubeconfigList[0] === cfg.kubeconfig;
  try {
    return await connect(
      { kubeconfig: fromKubeconfigEnv ? undefined : cfg.kubeconfig, context: cfg.context },
      { inClusterBeforeHome: true, env },
    );
  } catch (err) {
    if (err instanceof KubeconfigError && (err.usage || err.code === 'no-cluster')) {
      throw new UsageError(err.code === 'no-cluster' ? 'no kubeconfig: pass --kubeconfig FILE (or set KUBECONFIG), or run in a cluster' : err.message);
    }
    throw err;
  }
}

/**
 * The whole controller process. Resolves to an exit code once the controller has stopped
 * (SIGTERM/SIGINT); never throws. `signal` lets tests stop it without a process signal.
 */
export async function main(argv: readonly string[], signal?: AbortSignal): Promise<number> {
  let cfg: Config;
  try {
    cfg = parseConfig(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sealkit-controller: error: ${err.message}\n(see sealkit-controller --help)\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (cfg.command === 'help') {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (cfg.command === 'version') {
    process.stdout.write(`sealkit-controller ${VERSION}\n`);
    return EXIT_OK;
  }
  const log = createLogger(cfg.logLevel, undefined, { component: 'sealkit-controller' });
  try {
    const conn = await loadConnection(cfg);
    const client = new HttpKubeClient(conn, { maxSockets: cfg.workers + 8, userAgent: USER_AGENT });
    try {
      // rotate prints the new key id on stdout; its logs go to stderr.
      if (cfg.command === 'rotate') {
        const custody = keyCustody(cfg);
        try {
          process.stdout.write(`${await rotateKey(cfg, client, createLogger(cfg.logLevel, (l) => process.stderr.write(l)), 'manual rotation (rotate command)', custody)}\n`);
        } finally {
          await custody.close();
        }
        return EXIT_OK;
      }
      if (cfg.command === 'custody-migrate') return await custodyMigrate(cfg, client);
      return await run(cfg, conn, client, log, signal);
    } finally {
      client.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sealkit-controller: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof KeyCustodyError && cfg.command !== 'run') {
      // The one-shot commands answer a person: one line, no JSON log.
      process.stderr.write(`sealkit-controller: error: ${err.message}\n`);
      return EXIT_ERROR;
    }
    log.error('controller failed', errorFields(err));
    return EXIT_ERROR;
  }
}

/** The key custody the flags ask for; a file it cannot read is a usage error. */
function keyCustody(cfg: Config, custody: CustodyName = cfg.keyCustody.custody, log?: Logger): KeyCustody {
  try {
    const onLogin = (ok: boolean) => log?.[ok ? 'info' : 'warn']('key custody: Vault login', { ok, role: cfg.keyCustody.vault.role });
    return createKeyCustody({ ...cfg.keyCustody, custody }, { clock: systemClock, onLogin });
  } catch (err) {
    if (err instanceof KeyCustodyError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * `custody migrate`: plaintext is always available (it needs nothing); vault-transit when it is
 * the target or its flags are given (to read Secrets it wrapped).
 */
async function custodyMigrate(cfg: Config, client: KubeClient): Promise<number> {
  const m = cfg.migrate!;
  const custodies: Partial<Record<CustodyName, KeyCustody>> = { plaintext: keyCustody(cfg, 'plaintext') };
  if (m.to === 'vault-transit' || (cfg.keyCustody.vault.addr && cfg.keyCustody.vault.role)) custodies['vault-transit'] = keyCustody(cfg, 'vault-transit');
  try {
    await migrateKeyCustody({ client, namespace: cfg.namespace, to: m.to, custodies, dryRun: m.dryRun, out: (line) => process.stdout.write(`${line}\n`) });
    return EXIT_OK;
  } finally {
    await Promise.all(Object.values(custodies).map((c) => c!.close()));
  }
}

/** A new active key, by any replica (or the rotate command): leadership is not needed, running controllers load it by watch. */
async function rotateKey(cfg: Config, client: KubeClient, log: Logger, reason: string, custody: KeyCustody): Promise<string> {
  return new KeyringStore({ client, namespace: cfg.namespace, clock: systemClock, log, custody }).createKey(reason, generateKeyPair());
}

/**
 * The composition root: one runtime (Manager) per Lease, each kind plugged in as a reconciler.
 * - Lease --lease-name: SealedSecrets, RemoteSecrets, DynamicSecrets and the keys;
 * - Lease --bitnami-lease-name (with --bitnami): Bitnami SealedSecrets.
 * Each manager's writes go through its own write gate; lease traffic has its own connections.
 */
async function run(cfg: Config, conn: Connection, client: HttpKubeClient, log: Logger, signal?: AbortSignal): Promise<number> {
  const clock = systemClock;
  const metrics = createMetrics();
  // Lease traffic on its own connection pool, so reconcile load cannot starve a renew.
  const leaseClient = cfg.leaderElect ? new HttpKubeClient(conn, { maxSockets: 4, userAgent: USER_AGENT }) : undefined;
  const election = leaseClient
    ? { client: leaseClient, namespace: cfg.namespace, identity: cfg.identity, leaseDurationMs: cfg.leaseDurationMs, renewDeadlineMs: cfg.renewDeadlineMs, retryPeriodMs: cfg.retryPeriodMs }
    : undefined;
  const runtime = (lease: string, leaderGauge: { set(v: number): void }) => {
    const gate = new WriteGate(lease, () => metrics.writesRefused.inc({ lease }));
    const writes = gate.guard(client);
    const events = new EventRecorder({ client: writes, identity: cfg.identity, log, metrics });
    const manager = new Manager({ name: lease, gate, clock, log, leaderGauge, events, ...(election ? { election } : {}) });
    return { writes, events, manager };
  };
  const common = { clock, log, metrics, namespaces: cfg.watchNamespaces, workers: cfg.workers, maxBackoffMs: cfg.maxBackoffMs };

  const sk = runtime(cfg.leaseName, metrics.leader);
  const custody = keyCustody(cfg, cfg.keyCustody.custody, log);
  const keys = new KeyringStore({ client: sk.writes, namespace: cfg.namespace, clock, log, metrics, custody });
  const secrets = managedSecretsCache({ namespaces: cfg.watchNamespaces, client: sk.writes, clock, log, metrics });
  const rollout = rolloutWiring({ ...common, client: sk.writes, events: sk.events }, cfg.rolloutOnChange);
  const sealed = new SealedSecretReconciler({ ...common, client: sk.writes, secrets, keys, events: sk.events, resyncPeriodMs: cfg.resyncPeriodMs, rollout });
  const remote = new RemoteController({ ...common, client: sk.writes, secrets, events: sk.events, rollout });
  // DynamicSecrets share the RemoteSecrets' stores and Vault sessions.
  const dynamic = new DynamicSecretReconciler({ ...common, client: sk.writes, secrets, events: sk.events, remote, rollout });
  sk.manager
    .add(
      new KeyMaintenance({
        keys,
        client: sk.writes,
        namespace: cfg.namespace,
        renewPeriodMs: cfg.keyRenewPeriodMs,
        resyncPeriodMs: cfg.resyncPeriodMs,
        clock,
        log,
        events: sk.events,
        usage: { caches: [sealed.sealedSecrets], keysInUse: () => sealed.keysInUse() },
      }),
    )
    .add(sealed)
    .add(remote)
    .add(dynamic)
    // ClusterRemoteSecrets fan RemoteSecrets out to namespaces; they read the RemoteSecret cache.
    .add(new ClusterRemoteSecretReconciler({ ...common, client: sk.writes, events: sk.events, remote, resyncPeriodMs: cfg.resyncPeriodMs }))
    // PushSecrets write to Vault through the same stores and sessions.
    .add(new PushSecretReconciler({ ...common, client: sk.writes, events: sk.events, remote }));
  const managers = [sk.manager];

  // --bitnami: loaded only when asked for (docs/migrating-from-bitnami.md).
  let bitnami: BitnamiReconciler | undefined;
  if (cfg.bitnami) {
    const bn = runtime(cfg.bitnami.leaseName, metrics.bitnamiLeader);
    const { BitnamiReconciler } = await import('./bitnami/controller.js');
    bitnami = new BitnamiReconciler({
      ...common,
      options: cfg.bitnami,
      client: bn.writes,
      events: bn.events,
      sealkit: { sealedSecrets: sealed.sealedSecrets, enqueue: (k) => sealed.queue.add(k) },
    });
    bn.manager.add(bitnami);
    managers.push(bn.manager);
  }

  const server = createHttpServer({ keys, metrics, log, notReady: () => managers.flatMap((m) => m.notReady()), ...(bitnami ? { bitnami: bitnami.http } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.listen.port, cfg.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  log.info('starting', {
    version: VERSION,
    namespace: cfg.namespace,
    listen: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr),
    identity: cfg.identity,
    leaderElect: cfg.leaderElect,
    workers: cfg.workers,
    bitnami: cfg.bitnami !== undefined,
    keyCustody: custody.name,
    rolloutOnChange: cfg.rolloutOnChange,
  });

  const stopped = new Promise<string>((resolve) => {
    const onSignal = (name: string) => () => resolve(name);
    process.once('SIGTERM', onSignal('SIGTERM'));
    process.once('SIGINT', onSignal('SIGINT'));
    signal?.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  // Manual rotation: any replica may do it (not behind the write gate); all replicas load the new key by watch.
  const onUsr1 = () => {
    rotateKey(cfg, client, log, 'manual rotation', custody).then(() => metrics.keysGenerated.inc()).catch((err) => log.error('manual rotation failed', errorFields(err)));
  };
  process.on('SIGUSR1', onUsr1);

  for (const m of managers) m.start();
  const why = await stopped;
  log.info('shutting down', { signal: why });
  process.off('SIGUSR1', onUsr1);
  // Stop accepting HTTP first (readyz turns 503 through notReady), then the managers.
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await Promise.all(managers.map((m) => m.stop()));
  await custody.close();
  leaseClient?.close();
  setTimeout(() => server.closeAllConnections(), 2000).unref();
  await closed;
  log.info('stopped');
  return EXIT_OK;
}
