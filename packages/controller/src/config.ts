import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { parseLogLevel, type LogLevel } from './runtime/log.js';

export class UsageError extends Error {}

export interface Config {
  command: 'run' | 'rotate' | 'help' | 'version';
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string;
  /** Namespaces whose SealedSecrets this controller handles; empty = all. */
  watchNamespaces: string[];
  listen: { host: string; port: number };
  keyRenewPeriodMs: number;
  workers: number;
  resyncPeriodMs: number;
  maxBackoffMs: number;
  leaderElect: boolean;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity: string;
  logLevel: LogLevel;
}

interface FlagSpec {
  env: string[];
  help: string;
  default?: string;
  boolean?: boolean;
}

/** Every flag, its environment variables (first set wins; the flag beats them all) and default. */
export const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { env: ['SEALKIT_KUBECONFIG', 'KUBECONFIG'], help: 'kubeconfig file; in-cluster config when unset' },
  context: { env: ['SEALKIT_CONTEXT'], help: 'kubeconfig context (default: its current context)' },
  namespace: { env: ['SEALKIT_NAMESPACE', 'POD_NAMESPACE'], help: "controller namespace: key Secrets, public-key ConfigMap, lease (default: the pod's namespace, else sealkit)" },
  'watch-namespaces': { env: ['SEALKIT_WATCH_NAMESPACES'], help: 'comma-separated namespaces whose SealedSecrets to handle (default: all namespaces)' },
  listen: { env: ['SEALKIT_LISTEN'], default: '0.0.0.0:8080', help: 'HTTP address: /healthz /readyz /metrics /v1/*' },
  'key-renew-period': { env: ['SEALKIT_KEY_RENEW_PERIOD'], default: '720h', help: 'generate a new active key this often (0 disables)' },
  workers: { env: ['SEALKIT_WORKERS'], default: '32', help: 'SealedSecrets reconciled in parallel (bounds API writes in flight)' },
  'resync-period': { env: ['SEALKIT_RESYNC_PERIOD'], default: '10m', help: 're-check every SealedSecret this often (writes only on a difference; 0 disables)' },
  'max-backoff': { env: ['SEALKIT_MAX_BACKOFF'], default: '5m', help: 'longest wait between retries of a failing object (retries never stop)' },
  'leader-elect': { env: ['SEALKIT_LEADER_ELECT'], default: 'true', boolean: true, help: 'elect one active replica through a Lease' },
  'lease-name': { env: ['SEALKIT_LEASE_NAME'], default: 'sealkit-controller', help: 'name of the coordination.k8s.io Lease' },
  'lease-duration': { env: ['SEALKIT_LEASE_DURATION'], default: '15s', help: 'how long a standby waits for a silent leader' },
  'renew-deadline': { env: ['SEALKIT_RENEW_DEADLINE'], default: '10s', help: 'a leader that cannot renew for this long steps down' },
  'retry-period': { env: ['SEALKIT_RETRY_PERIOD'], default: '2s', help: 'lease renew / acquire interval' },
  identity: { env: ['SEALKIT_IDENTITY', 'POD_NAME'], help: 'leader election identity (default: hostname_random)' },
  'log-level': { env: ['SEALKIT_LOG_LEVEL'], default: 'info', help: 'debug, info, warn or error' },
};

export const USAGE = `Usage: sealkit-controller [run] [flags]
       sealkit-controller rotate [flags]    generate a new active key now (running controllers pick it up)

Turns sealkit.dev/v1alpha1 SealedSecrets into Secrets. Flags (each also settable by environment):
${Object.entries(FLAGS)
  .map(([k, s]) => `  --${k.padEnd(18)} ${s.help}${s.default ? ` [${s.default}]` : ''}\n  ${' '.repeat(20)} env: ${s.env.join(', ')}`)
  .join('\n')}
  --help, --version
`;

/** Go-style durations ("720h", "1h30m", "15s", "500ms") plus days ("30d"); "0" means zero. */
export function parseDuration(value: string, what: string): number {
  const v = value.trim();
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== v.length || v.length === 0) throw new UsageError(`--${what}: '${value}' is not a duration (e.g. 720h, 30d, 10m, 15s)`);
  return Math.round(total);
}

function parseBool(value: string, what: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new UsageError(`--${what}: expected true or false, got '${value}'`);
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: expected HOST:PORT (e.g. 0.0.0.0:8080), got '${value}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const given: Record<string, string> = {};
  let command: Config['command'] = 'run';
  const args = [...argv];
  if (args[0] === 'run' || args[0] === 'rotate') command = args.shift() as 'run' | 'rotate';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') return { command: 'help' } as Config;
    if (a === '--version') return { command: 'version' } as Config;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (name.startsWith('no-') && FLAGS[name.slice(3)]?.boolean && value === undefined) {
      given[name.slice(3)] = 'false';
      continue;
    }
    const spec = FLAGS[name];
    if (!spec) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (value === undefined) {
      if (spec.boolean && (args[i + 1] === undefined || args[i + 1]!.startsWith('--'))) value = 'true';
      else {
        value = args[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
      }
    }
    given[name] = value;
  }
  const get = (name: string): string | undefined => {
    if (given[name] !== undefined) return given[name];
    for (const e of FLAGS[name]!.env) if (env[e]) return env[e];
    return FLAGS[name]!.default;
  };
  const workers = Number(get('workers'));
  if (!Number.isInteger(workers) || workers < 1 || workers > 1000) throw new UsageError('--workers: expected an integer from 1 to 1000');
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(get('log-level')!);
  } catch (e) {
    throw new UsageError(`--log-level: ${(e as Error).message}`);
  }
  const cfg: Config = {
    command,
    kubeconfig: get('kubeconfig'),
    context: get('context'),
    namespace: get('namespace') ?? inClusterNamespace() ?? 'sealkit',
    watchNamespaces: (get('watch-namespaces') ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    listen: parseListen(get('listen')!),
    keyRenewPeriodMs: parseDuration(get('key-renew-period')!, 'key-renew-period'),
    workers,
    resyncPeriodMs: parseDuration(get('resync-period')!, 'resync-period'),
    maxBackoffMs: parseDuration(get('max-backoff')!, 'max-backoff'),
    leaderElect: parseBool(get('leader-elect')!, 'leader-elect'),
    leaseName: get('lease-name')!,
    leaseDurationMs: parseDuration(get('lease-duration')!, 'lease-duration'),
    renewDeadlineMs: parseDuration(get('renew-deadline')!, 'renew-deadline'),
    retryPeriodMs: parseDuration(get('retry-period')!, 'retry-period'),
    identity: get('identity') ?? `${hostname()}_${randomBytes(4).toString('hex')}`,
    logLevel,
  };
  if (cfg.kubeconfig && cfg.kubeconfig.includes(':')) cfg.kubeconfig = cfg.kubeconfig.split(':')[0];
  const nsRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (!nsRe.test(cfg.namespace)) throw new UsageError(`--namespace: '${cfg.namespace}' is not a valid namespace name`);
  for (const ns of cfg.watchNamespaces) if (!nsRe.test(ns)) throw new UsageError(`--watch-namespaces: '${ns}' is not a valid namespace name`);
  if (cfg.leaderElect && !(cfg.leaseDurationMs > cfg.renewDeadlineMs && cfg.renewDeadlineMs > cfg.retryPeriodMs)) {
    throw new UsageError('leader election needs --lease-duration > --renew-deadline > --retry-period');
  }
  if (cfg.maxBackoffMs < 1000) throw new UsageError('--max-backoff must be at least 1s');
  return cfg;
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
