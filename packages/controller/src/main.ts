import { delimiter } from 'node:path';
import { generateKeyPair } from '@sealkit/core';
import { systemClock } from './runtime/clock.js';
import { BITNAMI_USAGE, extractBitnamiFlags, type BitnamiOptions } from './bitnami/options.js';
import { parseConfig, USAGE, UsageError, type Config } from './config.js';
import { Controller } from './sealed/controller.js';
import { createHttpServer } from './http/server.js';
import { KeyringStore } from './keys/keyring-store.js';
import { HttpKubeClient } from './kube/client.js';
import { connect, KubeconfigError, type Connection } from './kube/config.js';
import { errorFields } from './kube/errors.js';
import { createLogger, type Logger } from './runtime/log.js';
import { createMetrics } from './runtime/metrics.js';

export const VERSION = '0.1.0';

/** Exit codes, as for the CLI: 0 ok, 1 operational error, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

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
  let bitnami: BitnamiOptions | undefined;
  try {
    ({ argv, options: bitnami } = extractBitnamiFlags(argv));
    cfg = parseConfig(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sealkit-controller: error: ${err.message}\n(see sealkit-controller --help)\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (cfg.command === 'help') {
    process.stdout.write(USAGE + BITNAMI_USAGE);
    return EXIT_OK;
  }
  if (cfg.command === 'version') {
    process.stdout.write(`sealkit-controller ${VERSION}\n`);
    return EXIT_OK;
  }
  const log = createLogger(cfg.logLevel, undefined, { component: 'sealkit-controller' });
  try {
    const conn = await loadConnection(cfg);
    const client = new HttpKubeClient(conn, { maxSockets: cfg.workers + 8, userAgent: `sealkit-controller/${VERSION}` });
    try {
      // rotate prints the new key id on stdout; its logs go to stderr.
      if (cfg.command === 'rotate') return await rotate(cfg, client, createLogger(cfg.logLevel, (l) => process.stderr.write(l)));
      return await run(cfg, client, log, signal, bitnami);
    } finally {
      client.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sealkit-controller: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    log.error('controller failed', errorFields(err));
    return EXIT_ERROR;
  }
}

async function rotate(cfg: Config, client: HttpKubeClient, log: Logger): Promise<number> {
  const store = new KeyringStore({ client, namespace: cfg.namespace, clock: systemClock, log });
  const id = await store.createKey('manual rotation (rotate command)', generateKeyPair());
  process.stdout.write(`${id}\n`);
  return EXIT_OK;
}

async function run(cfg: Config, client: HttpKubeClient, log: Logger, signal?: AbortSignal, bitnami?: BitnamiOptions): Promise<number> {
  const metrics = createMetrics();
  const controller = new Controller(cfg, client, systemClock, log, metrics);
  // --bitnami: Bitnami SealedSecrets too (docs/migrating-from-bitnami.md), loaded only when asked for.
  const bitnamiCtl = bitnami ? new (await import('./bitnami/controller.js')).BitnamiController(cfg, bitnami, client, systemClock, log, metrics, { sealedSecrets: controller.sealedSecrets, enqueue: (k) => controller.queue.add(k) }) : undefined;
  const server = createHttpServer({ keys: controller.keys, metrics, log, notReady: () => [...controller.notReady(), ...(bitnamiCtl?.notReady() ?? [])], ...(bitnamiCtl ? { bitnami: bitnamiCtl.http } : {}) });
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
  });

  const stopped = new Promise<string>((resolve) => {
    const onSignal = (name: string) => () => resolve(name);
    const term = onSignal('SIGTERM');
    const int = onSignal('SIGINT');
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
    signal?.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  const onUsr1 = () => {
    controller.rotateNow().catch((err) => log.error('manual rotation failed', errorFields(err)));
  };
  process.on('SIGUSR1', onUsr1);

  await controller.start();
  bitnamiCtl?.start();
  const why = await stopped;
  log.info('shutting down', { signal: why });
  process.off('SIGUSR1', onUsr1);
  // Stop accepting HTTP first (readyz turns 503 through notReady), then the controller.
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await Promise.all([controller.stop(), bitnamiCtl?.stop()]);
  setTimeout(() => server.closeAllConnections(), 2000).unref();
  await closed;
  log.info('stopped');
  return EXIT_OK;
}
