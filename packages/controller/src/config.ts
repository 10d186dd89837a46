import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { BadInputError, BITNAMI_KEY_PREFIX, parseDuration as parseCoreDuration } from '@sealkit/core';
import type { BitnamiOptions } from './bitnami/controller.js';
import { CUSTODY_NAMES, type CustodyName } from './keys/custody/custody.js';
import { SERVICE_ACCOUNT_TOKEN_FILE, type KeyCustodyConfig } from './keys/custody/create.js';
import { BITNAMI_LEASE_NAME, LEASE_NAME } from './constants.js';
import { parseLogLevel, type LogLevel } from './runtime/log.js';

export class UsageError extends Error {}

export interface Config {
  command: 'run' | 'rotate' | 'custody-migrate' | 'help' | 'version';
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string;
  /** Namespaces whose SealedSecrets and RemoteSecrets this controller handles; empty = all. */
  watchNamespaces: string[];
  listen: { host: string; port: number };
  keyRenewPeriodMs: number;
  workers: number;
  resyncPeriodMs: number;
  maxBackoffMs: number;
  /** --rollout-on-change: also restart workloads annotated sealkit.dev/restart-on-change (watches Deployments, StatefulSets, DaemonSets). */
  rolloutOnChange: boolean;
  leaderElect: boolean;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity: string;
  logLevel: LogLevel;
  /** --bitnami: Bitnami SealedSecrets too; undefined when the mode is off. */
  bitnami: BitnamiOptions | undefined;
  /** How the private keys are stored in their Secrets (--key-custody*). */
  keyCustody: KeyCustodyConfig;
  /** `custody migrate --to X [--dry-run]`. */
  migrate: { to: CustodyName; dryRun: boolean } | undefined;
}

interface FlagSpec {
  section: Section;
  env: string[];
  help: string;
  default?: string;
  boolean?: boolean;
}

type Section = 'Kubernetes' | 'SealedSecrets and keys' | 'Key custody (docs/operations.md#key-custody-private-keys-never-plaintext-at-rest)' | 'All kinds (SealedSecrets, RemoteSecrets, Bitnami SealedSecrets)' | 'Leader election' | 'Bitnami Sealed Secrets mode (docs/migrating-from-bitnami.md)' | 'Process';
const KUBE: Section = 'Kubernetes';
const KEYS: Section = 'SealedSecrets and keys';
const CUSTODY: Section = 'Key custody (docs/operations.md#key-custody-private-keys-never-plaintext-at-rest)';
const ALL: Section = 'All kinds (SealedSecrets, RemoteSecrets, Bitnami SealedSecrets)';
const LEADER: Section = 'Leader election';
const BITNAMI: Section = 'Bitnami Sealed Secrets mode (docs/migrating-from-bitnami.md)';
const PROCESS: Section = 'Process';

/**
 * Every flag of every mode: its section in --help, its environment variables (first set wins; the
 * flag beats them all) and default. docs/operations.md lists the same table.
 */
export const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { section: KUBE, env: ['SEALKIT_KUBECONFIG', 'KUBECONFIG'], help: 'kubeconfig file; in-cluster config when unset' },
  context: { section: KUBE, env: ['SEALKIT_CONTEXT'], help: 'kubeconfig context (default: its current context)' },
  namespace: { section: KUBE, env: ['SEALKIT_NAMESPACE', 'POD_NAMESPACE'], help: "controller namespace: key Secrets, public-key ConfigMap, leases (default: the pod's namespace, else sealkit)" },
  'watch-namespaces': { section: ALL, env: ['SEALKIT_WATCH_NAMESPACES'], help: 'comma-separated namespaces whose SealedSecrets, RemoteSecrets and RemoteStores to handle (default: all namespaces)' },
  workers: { section: ALL, env: ['SEALKIT_WORKERS'], default: '32', help: 'objects reconciled in parallel, per kind (bounds API writes in flight)' },
  'resync-period': { section: ALL, env: ['SEALKIT_RESYNC_PERIOD'], default: '10m', help: 're-check every SealedSecret and the public-key ConfigMap this often (writes only on a difference; 0 disables); RemoteSecrets refresh on their own spec.refreshInterval' },
  'max-backoff': { section: ALL, env: ['SEALKIT_MAX_BACKOFF'], default: '5m', help: 'longest wait between retries of a failing object (retries never stop)' },
  'rollout-on-change': { section: ALL, env: ['SEALKIT_ROLLOUT_ON_CHANGE'], default: 'false', boolean: true, help: 'also restart Deployments, StatefulSets and DaemonSets annotated sealkit.dev/restart-on-change=true when a managed Secret they use changes (watches those kinds: needs the rollout RBAC); spec.rolloutRestartTargets work without it' },
  'key-renew-period': { section: KEYS, env: ['SEALKIT_KEY_RENEW_PERIOD'], default: '720h', help: 'generate a new active key this often (0 disables)' },
  'key-custody': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY'], default: 'plaintext', help: 'how key Secrets hold private keys: plaintext (PKCS#8 PEM) or vault-transit (only a Vault Transit ciphertext)' },
  'key-custody-vault-addr': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_VAULT_ADDR'], help: 'Vault address for vault-transit, e.g. https://vault.vault:8200' },
  'key-custody-vault-ca-file': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_VAULT_CA_FILE'], help: "PEM CA bundle for Vault's TLS certificate (default: system roots)" },
  'key-custody-vault-auth-path': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_VAULT_AUTH_PATH'], default: 'kubernetes', help: "mount of Vault's Kubernetes auth method" },
  'key-custody-vault-role': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_VAULT_ROLE'], help: 'Kubernetes auth role the controller logs in with' },
  'key-custody-vault-token-file': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_VAULT_TOKEN_FILE'], default: SERVICE_ACCOUNT_TOKEN_FILE, help: 'ServiceAccount JWT presented to Vault (re-read at every login)' },
  'key-custody-transit-mount': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_TRANSIT_MOUNT'], default: 'transit', help: 'Transit secrets engine mount' },
  'key-custody-transit-key': { section: CUSTODY, env: ['SEALKIT_KEY_CUSTODY_TRANSIT_KEY'], default: 'sealkit', help: 'Transit key that wraps the private keys' },
  to: { section: CUSTODY, env: [], help: 'custody migrate: the custody to rewrite the key Secrets to (plaintext or vault-transit)' },
  'dry-run': { section: CUSTODY, env: [], default: 'false', boolean: true, help: 'custody migrate: print what would change (Vault is still asked), write nothing' },
  'leader-elect': { section: LEADER, env: ['SEALKIT_LEADER_ELECT'], default: 'true', boolean: true, help: 'elect one writing replica through a Lease (--no-leader-elect: this replica writes at once)' },
  'lease-name': { section: LEADER, env: ['SEALKIT_LEASE_NAME'], default: LEASE_NAME, help: 'Lease electing the replica that writes for SealedSecrets, RemoteSecrets and keys' },
  'lease-duration': { section: LEADER, env: ['SEALKIT_LEASE_DURATION'], default: '15s', help: 'how long a standby waits for a silent leader' },
  'renew-deadline': { section: LEADER, env: ['SEALKIT_RENEW_DEADLINE'], default: '10s', help: 'a leader whose renew does not complete within this long stops writing at once' },
  'retry-period': { section: LEADER, env: ['SEALKIT_RETRY_PERIOD'], default: '2s', help: 'lease renew / acquire interval' },
  identity: { section: LEADER, env: ['SEALKIT_IDENTITY', 'POD_NAME'], help: 'leader election identity (default: hostname_random)' },
  bitnami: { section: BITNAMI, env: ['SEALKIT_BITNAMI'], default: 'false', boolean: true, help: "also reconcile bitnami.com/v1alpha1 SealedSecrets with the Bitnami controller's keys (replaces the Bitnami controller)" },
  'bitnami-key-namespace': { section: BITNAMI, env: ['SEALKIT_BITNAMI_KEY_NAMESPACE'], default: 'kube-system', help: 'namespace of the Bitnami key Secrets (label sealedsecrets.bitnami.com/sealed-secrets-key=active)' },
  'bitnami-key-prefix': { section: BITNAMI, env: ['SEALKIT_BITNAMI_KEY_PREFIX'], default: BITNAMI_KEY_PREFIX, help: 'the Bitnami --key-prefix (a legacy key Secret of this name is read too)' },
  'bitnami-decrypt-workers': { section: BITNAMI, env: ['SEALKIT_BITNAMI_DECRYPT_WORKERS'], help: 'threads for the RSA work (default: CPUs, at most 4; 0 = main thread)' },
  'bitnami-resync-period': { section: BITNAMI, env: ['SEALKIT_BITNAMI_RESYNC_PERIOD'], default: '0', help: 're-check every Bitnami SealedSecret this often (0: only on changes, as Bitnami)' },
  'bitnami-lease-name': { section: BITNAMI, env: ['SEALKIT_BITNAMI_LEASE_NAME'], default: BITNAMI_LEASE_NAME, help: 'Lease electing the replica that reconciles Bitnami SealedSecrets' },
  listen: { section: PROCESS, env: ['SEALKIT_LISTEN'], default: '0.0.0.0:8080', help: 'HTTP address: /healthz /readyz /metrics /v1/*' },
  'log-level': { section: PROCESS, env: ['SEALKIT_LOG_LEVEL'], default: 'info', help: 'debug, info, warn or error' },
};

const SECTIONS: Section[] = [KUBE, ALL, KEYS, CUSTODY, LEADER, BITNAMI, PROCESS];

export const USAGE = `Usage: sealkit-controller [run] [flags]
       sealkit-controller rotate [flags]    generate a new active key now (running controllers pick it up)
       sealkit-controller custody migrate --to plaintext|vault-transit [--dry-run] [flags]
                                            rewrite the key Secrets in place under another key custody

Turns sealkit.dev/v1alpha1 SealedSecrets and RemoteSecrets (values from Vault, through RemoteStores
and ClusterRemoteStores) into Secrets, and with --bitnami also bitnami.com/v1alpha1 SealedSecrets.
Flags (each also settable by environment; booleans take --flag, --no-flag or --flag=true|false):
${SECTIONS.map(
  (section) =>
    `\n${section}:\n` +
    Object.entries(FLAGS)
      .filter(([, s]) => s.section === section)
      .map(([k, s]) => `  --${k.padEnd(24)} ${s.help}${s.default ? ` [${s.default}]` : ''}\n  ${' '.repeat(26)} env: ${s.env.join(', ')}`)
      .join('\n'),
).join('\n')}

  --help, --version
`;

/** A duration flag, read with the one duration parser (@sealkit/core: Go's syntax plus days). */
export function parseDuration(value: string, flag: string): number {
  try {
    return parseCoreDuration(value.trim(), `--${flag}`);
  } catch (err) {
    if (err instanceof BadInputError) throw new UsageError(err.message);
    throw err;
  }
}

const TRUE = /^(true|1|yes)$/i;
const FALSE = /^(false|0|no)$/i;

function parseBool(value: string, what: string): boolean {
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw new UsageError(`--${what}: expected true or false, got '${value}'`);
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: expected HOST:PORT (e.g. 0.0.0.0:8080), got '${value}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Booleans as users have always written them (`--leader-elect=false`, `--leader-elect false`) in
 * the form parseArgs takes (`--no-leader-elect`).
 */
function normalizeBooleans(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    const spec = m ? FLAGS[m[1]!] : undefined;
    if (!m || !spec?.boolean) {
      out.push(a);
      continue;
    }
    let value = m[2];
    if (value === undefined && argv[i + 1] !== undefined && (TRUE.test(argv[i + 1]!) || FALSE.test(argv[i + 1]!))) value = argv[++i];
    out.push(value === undefined || parseBool(value, m[1]!) ? `--${m[1]}` : `--no-${m[1]}`);
  }
  return out;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: normalizeBooleans(argv),
      options: {
        ...Object.fromEntries(Object.entries(FLAGS).map(([k, s]) => [k, { type: s.boolean ? ('boolean' as const) : ('string' as const) }])),
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs explains at length; one line naming the flag is enough.
    const flag = /'(-[^']*)'/.exec((err as Error).message)?.[1];
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown flag ${flag}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag} needs a value`);
    throw new UsageError((err as Error).message.split('. ')[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' } as Config;
  if (values.version) return { command: 'version' } as Config;
  let command: Config['command'] = 'run';
  if (positionals[0] === 'run' || positionals[0] === 'rotate') command = positionals.shift() as 'run' | 'rotate';
  else if (positionals[0] === 'custody') {
    positionals.shift();
    if (positionals.shift() !== 'migrate') throw new UsageError("custody: expected 'custody migrate --to plaintext|vault-transit'");
    command = 'custody-migrate';
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);

  const get = (name: string): string | undefined => {
    const v = values[name];
    if (v !== undefined) return String(v);
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
    rolloutOnChange: parseBool(get('rollout-on-change')!, 'rollout-on-change'),
    leaderElect: parseBool(get('leader-elect')!, 'leader-elect'),
    leaseName: get('lease-name')!,
    leaseDurationMs: parseDuration(get('lease-duration')!, 'lease-duration'),
    renewDeadlineMs: parseDuration(get('renew-deadline')!, 'renew-deadline'),
    retryPeriodMs: parseDuration(get('retry-period')!, 'retry-period'),
    identity: get('identity') ?? `${hostname()}_${randomBytes(4).toString('hex')}`,
    logLevel,
    bitnami: parseBool(get('bitnami')!, 'bitnami') ? bitnamiOptions(get) : undefined,
    keyCustody: keyCustodyConfig(get),
    migrate: undefined,
  };
  if (command === 'custody-migrate') {
    const to = get('to');
    if (!to) throw new UsageError('custody migrate: --to is required (plaintext or vault-transit)');
    cfg.migrate = { to: custodyName(to, 'to'), dryRun: parseBool(get('dry-run')!, 'dry-run') };
    if (cfg.migrate.to === 'vault-transit') requireVaultCustodyFlags(cfg.keyCustody);
  } else {
    if (values.to !== undefined || values['dry-run'] !== undefined) throw new UsageError('--to and --dry-run belong to custody migrate');
    if (cfg.keyCustody.custody === 'vault-transit') requireVaultCustodyFlags(cfg.keyCustody);
  }
  if (cfg.kubeconfig && cfg.kubeconfig.includes(':')) cfg.kubeconfig = cfg.kubeconfig.split(':')[0];
  if (!NAMESPACE.test(cfg.namespace)) throw new UsageError(`--namespace: '${cfg.namespace}' is not a valid namespace name`);
  for (const ns of cfg.watchNamespaces) if (!NAMESPACE.test(ns)) throw new UsageError(`--watch-namespaces: '${ns}' is not a valid namespace name`);
  if (cfg.leaderElect && !(cfg.leaseDurationMs > cfg.renewDeadlineMs && cfg.renewDeadlineMs > cfg.retryPeriodMs)) {
    throw new UsageError('leader election needs --lease-duration > --renew-deadline > --retry-period');
  }
  if (cfg.maxBackoffMs < 1000) throw new UsageError('--max-backoff must be at least 1s');
  return cfg;
}

function custodyName(value: string, flag: string): CustodyName {
  if (!(CUSTODY_NAMES as readonly string[]).includes(value)) throw new UsageError(`--${flag}: expected ${CUSTODY_NAMES.join(' or ')}, got '${value}'`);
  return value as CustodyName;
}

function keyCustodyConfig(get: (name: string) => string | undefined): KeyCustodyConfig {
  return {
    custody: custodyName(get('key-custody')!, 'key-custody'),
    vault: {
      addr: get('key-custody-vault-addr'),
      role: get('key-custody-vault-role'),
      authPath: get('key-custody-vault-auth-path')!,
      transitMount: get('key-custody-transit-mount')!,
      transitKey: get('key-custody-transit-key')!,
      caFile: get('key-custody-vault-ca-file'),
      tokenFile: get('key-custody-vault-token-file')!,
    },
  };
}

function requireVaultCustodyFlags(c: KeyCustodyConfig): void {
  if (!c.vault.addr) throw new UsageError('vault-transit custody needs --key-custody-vault-addr');
  if (!/^https?:\/\/[^/]+/.test(c.vault.addr)) throw new UsageError(`--key-custody-vault-addr: expected http(s)://host:port, got '${c.vault.addr}'`);
  if (!c.vault.role) throw new UsageError('vault-transit custody needs --key-custody-vault-role (a Kubernetes auth role)');
}

function bitnamiOptions(get: (name: string) => string | undefined): BitnamiOptions {
  const keyNamespace = get('bitnami-key-namespace')!;
  if (!NAMESPACE.test(keyNamespace)) throw new UsageError(`--bitnami-key-namespace: '${keyNamespace}' is not a valid namespace name`);
  const keyPrefix = get('bitnami-key-prefix')!;
  if (!/^[a-z0-9-]{1,245}$/.test(keyPrefix)) throw new UsageError(`--bitnami-key-prefix: '${keyPrefix}' is not a valid key prefix`);
  const workersText = get('bitnami-decrypt-workers');
  const decryptWorkers = workersText === undefined ? Math.max(1, Math.min(4, availableParallelism())) : Number(workersText);
  if (!Number.isInteger(decryptWorkers) || decryptWorkers < 0 || decryptWorkers > 64) {
    throw new UsageError('--bitnami-decrypt-workers: expected an integer from 0 to 64');
  }
  const leaseName = get('bitnami-lease-name')!;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(leaseName)) throw new UsageError(`--bitnami-lease-name: '${leaseName}' is not a valid name`);
  return { keyNamespace, keyPrefix, decryptWorkers, resyncPeriodMs: parseDuration(get('bitnami-resync-period')!, 'bitnami-resync-period'), leaseName };
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
