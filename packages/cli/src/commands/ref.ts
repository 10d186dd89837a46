import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  BadInputError,
  CLUSTER_REMOTE_SECRET_KIND,
  CLUSTER_REMOTE_STORE_KIND,
  CREATION_POLICIES,
  DELETION_POLICIES,
  REMOTE_API_VERSION,
  REMOTE_SECRET_KIND,
  interpretKvRead,
  isSecretKey,
  kvReadPath,
  lookupProperty,
  mountInfoPath,
  normalizeMount,
  notFoundHint,
  pathSegments,
  planRemoteSecret,
  type KvReadOutcome,
  type KvVersion,
  type RemoteSecretPlan,
} from '@sealkit/core';
import { Option } from 'commander';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { writeOutput } from '../files/user-files.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput } from '../input/manifests.js';
import { formatManifests, type OutputFormat } from '../output/manifests.js';
import type { RegisterCommand } from '../types.js';
import { inputFileOption, namespaceOption, outputFormatOption, writeFileOption } from './options.js';
import { checkClusterFlags, clusterCheckPlan, clusterManifest, type ClusterRefFlags } from './ref-cluster.js';
import { dynamicRef, refuseDynamicOnly, type DynamicRefFlags } from './ref-dynamic.js';
import { pushRef } from './ref-push.js';

// `sealkit ref`: writes a RemoteSecret (a reference to values in Vault; the controller fetches
// them), and with --check resolves the references against Vault with the user's own
// VAULT_ADDR/VAULT_TOKEN, reporting which keys and properties exist, never their values.
//
// Every rule is @sealkit/core's, the same the controller applies: the manifest is checked with
// planRemoteSecret before it is written or checked against Vault, and the Vault paths and the
// meaning of a read (key relative to the mount, KV v2 reads at <mount>/data/<key>, nothing ever
// searched for "data", dotted properties) are core's kvReadPath / interpretKvRead / lookupProperty.

interface RefFlags extends DynamicRefFlags, ClusterRefFlags {
  namespace?: string;
  store?: string;
  clusterStore?: boolean;
  refresh?: string;
  target?: string;
  creationPolicy?: string;
  deletionPolicy?: string;
  type?: string;
  file?: string;
  write?: string;
  output?: OutputFormat;
  check?: boolean;
  mount?: string;
  kvVersion?: string;
  push?: string;
}

/** One `--key` with the `--property` flags that follow it, or one `--extract`. */
interface RefGroup {
  kind: 'key' | 'extract';
  key: string;
  version?: string;
  properties: { property: string; secretKey: string }[];
}

const EXAMPLES = `
Each --key starts a group; the --property and --key-version flags after it belong to it.
--property NAME takes the field NAME as the Secret key NAME; NAME=KEY stores it under KEY.
--extract KEY takes every field of KEY. Keys are relative to the store's mount (no "data/").

Examples:
  sealkit ref db -n prod --store vault --key prod/db --property password --property username=user --refresh 1h
  sealkit ref db -n prod --store vault --cluster-store --extract prod/db -w db.remote.yaml
  sealkit ref api -n prod --store vault --key prod/api --key-version 3 --property token

  # resolve against Vault first (your VAULT_ADDR / VAULT_TOKEN; values are never printed)
  sealkit ref db -n prod --store vault --key prod/db --property password --check --mount secret
  sealkit ref --check -f db.remote.yaml --mount secret

  # a ClusterRemoteSecret: the same RemoteSecret in every namespace labelled team=payments
  sealkit ref db --cluster --namespace-selector team=payments --store vault --cluster-store --key shared/db --property password
  sealkit ref db --cluster --namespaces app1,app2 --store vault --cluster-store --extract shared/db

  # a DynamicSecret: credentials Vault issues with a lease (renewed, replaced, revoked by the controller)
  sealkit ref app-db -n prod --store vault --dynamic database/creds/app
  sealkit ref web-tls -n prod --store vault --dynamic pki/issue/web --method POST --param common_name=web.example --type kubernetes.io/tls

  # a PushSecret: the controller writes keys of the Secret db to the Vault key prod/db when they change
  # (--property VAULT_FIELD=SECRET_KEY; no --property: every key of the Secret)
  sealkit ref db-push -n prod --store vault --push db --key prod/db --property db_password=password --deletion-policy Delete`;

export const registerRef: RegisterCommand = (program, { io }) => {
  const groups: RefGroup[] = [];
  const cmd = program
    .command('ref')
    .description('write a RemoteSecret: a reference to values in Vault that the controller fetches into a Secret')
    .argument('[name]', 'name of the RemoteSecret (and, by default, of the Secret it writes)')
    .addOption(namespaceOption())
    .option('--store <name>', 'the RemoteStore (or, with --cluster-store, ClusterRemoteStore) to read through')
    .option('--cluster-store', 'the store is a ClusterRemoteStore')
    .option('--key <path>', 'a Vault key, relative to the mount; starts a group for --property/--key-version')
    .option('--property <name[=secretKey]>', 'a field of the last --key, stored as secretKey (default: name)')
    .option('--key-version <n>', 'pin the last --key or --extract to this KV v2 version')
    // Not --version (that is `sealkit --version`): a hidden option, so the mistake gets a pointer.
    .addOption(new Option('--version [n]').hideHelp())
    .option('--extract <path>', 'take every field of this Vault key as Secret keys')
    .option('--refresh <duration>', 'how often to read Vault again, e.g. 1h, 30m, 1d ("0": fetch once; at least 1s; controller default 1h)')
    .option('--target <name>', 'name of the Secret to write (default: NAME)')
    .option('--creation-policy <policy>', `${CREATION_POLICIES.join(', ')} (default ${CREATION_POLICIES[0]})`)
    .option('--deletion-policy <policy>', `${DELETION_POLICIES.join(' or ')} (default ${DELETION_POLICIES[0]}), when every referenced key is gone from Vault (with --push: when the PushSecret is deleted, for the Vault key)`)
    .option('--type <type>', 'type of the Secret written (default Opaque)')
    .addOption(inputFileOption())
    .addOption(writeFileOption())
    .addOption(outputFormatOption())
    .option('--check', 'resolve the references against Vault (VAULT_ADDR, VAULT_TOKEN) and report what exists')
    .option('--mount <path>', 'with --check: the KV mount of the store (default: secret)')
    .option('--kv-version <v1|v2>', 'with --check: the KV version (default: detected)')
    .option('--cluster', 'write a ClusterRemoteSecret instead: the RemoteSecret as a template, created in every namespace picked by the next three flags')
    .option('--namespace-selector <selector>', 'with --cluster: namespaces whose labels match (kubectl syntax: k=v, k!=v, k in (a,b), k, !k; repeatable, all must hold)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--namespaces <names>', 'with --cluster: namespaces by name, comma-separated (repeatable; with a selector, either picks a namespace)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all-namespaces', 'with --cluster: every namespace')
    .option('--dynamic <path>', 'write a DynamicSecret instead: credentials Vault issues with a lease at this path, mount included (e.g. database/creds/app)')
    .option('--method <GET|POST>', 'with --dynamic: how to ask (controller default GET; POST sends --param)')
    .option('--param <name=value>', 'with --dynamic --method POST: a body parameter (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--renewal-percent <n>', 'with --dynamic: renew at this share of the lease TTL (10-90, controller default 67)')
    .option('--push <secret>', 'write a PushSecret instead: the controller writes keys of this Secret (same namespace) to the one --key in Vault when they change')
    .addHelpText('after', EXAMPLES);
  // Commander reports options in command-line order through these events: that order is what
  // ties a --property to the --key before it.
  const last = (flag: string): RefGroup => {
    const g = groups[groups.length - 1];
    if (!g) throw new UsageError(`${flag} must follow a --key${flag === '--key-version' ? ' or --extract' : ''}`, { hint: "see 'sealkit ref --help'" });
    return g;
  };
  cmd.on('option:version', () => {
    throw new UsageError('ref has no --version: pin a KV v2 version with --key-version N after its --key or --extract', {
      hint: "'sealkit --version' prints the version of sealkit",
    });
  });
  cmd.on('option:key', (v: string) => groups.push({ kind: 'key', key: v, properties: [] }));
  cmd.on('option:extract', (v: string) => groups.push({ kind: 'extract', key: v, properties: [] }));
  cmd.on('option:property', (v: string) => {
    const g = last('--property');
    if (g.kind !== 'key') throw new UsageError('--property must follow a --key (an --extract takes every field)');
    const eq = v.indexOf('=');
    const property = eq < 0 ? v : v.slice(0, eq);
    const secretKey = eq < 0 ? v : v.slice(eq + 1);
    if (property === '') throw new UsageError(`--property "${v}": the property name is empty`);
    if (!isSecretKey(secretKey)) {
      throw new UsageError(`--property "${v}": "${secretKey}" is not a valid Secret key (letters, digits, '-', '_', '.')`, {
        hint: `name the Secret key: --property ${property}=KEY`,
      });
    }
    g.properties.push({ property, secretKey });
  });
  cmd.on('option:key-version', (v: string) => {
    const g = last('--key-version');
    // Its syntax is checked with the whole manifest (planRemoteSecret), by the controller's rule.
    if (g.version !== undefined) throw new UsageError(`--key-version given twice for ${g.key}`);
    g.version = v;
  });
  cmd.action(async (name: string | undefined, flags: RefFlags) => {
    await ref(io, name, flags, groups);
  });
};

async function ref(io: Io, name: string | undefined, flags: RefFlags, groups: RefGroup[]): Promise<void> {
  if (flags.cluster && (flags.push !== undefined || flags.dynamic !== undefined)) {
    throw new UsageError(`--cluster writes a ClusterRemoteSecret (RemoteSecrets); it cannot be combined with ${flags.push !== undefined ? '--push' : '--dynamic'}`);
  }
  checkClusterFlags(flags);
  if (flags.push !== undefined) {
    refuseDynamicOnly(flags);
    return pushRef(io, name, flags as RefFlags & Record<string, unknown>, groups);
  }
  if (flags.dynamic !== undefined) return dynamicRef(io, name, flags as RefFlags & Record<string, unknown>, groups.length);
  refuseDynamicOnly(flags);
  const building = name !== undefined || groups.length > 0;
  let manifests: Record<string, unknown>[];
  let plans: RemoteSecretPlan[];
  if (building) {
    if (flags.file !== undefined) throw new UsageError('-f reads RemoteSecret manifests to --check; it cannot be combined with NAME or --key/--extract');
    const manifest = buildManifest(name, flags, groups);
    if (flags.cluster) {
      manifests = [clusterManifest(manifest as { metadata: Record<string, unknown>; spec: unknown }, flags)];
      // --check reads the template's references once, labelled with the kind (no namespace yet).
      plans = [{ ...planFromFlags(manifest, 'default'), namespace: CLUSTER_REMOTE_SECRET_KIND }];
    } else {
      manifests = [manifest];
      plans = [planFromFlags(manifest)];
    }
  } else {
    if (!flags.check) {
      throw new UsageError('nothing to do: give NAME with --key/--property or --extract, or --check with -f FILE', { hint: "see 'sealkit ref --help'" });
    }
    for (const f of ['store', 'refresh', 'target', 'creationPolicy', 'deletionPolicy', 'type'] as const) {
      if (flags[f] !== undefined) throw new UsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} builds a manifest; it needs NAME and --key/--extract`);
    }
    const { source, data } = await readInput(io, { file: flags.file }, 'RemoteSecret manifests');
    const objects = parseManifests(data, source);
    manifests = objects.map((o) => {
      const v = o.value as Record<string, unknown> | null;
      if (!v || (v.kind !== REMOTE_SECRET_KIND && v.kind !== CLUSTER_REMOTE_SECRET_KIND)) throw new ExitError(`${describeObject(o)} is not a RemoteSecret or ClusterRemoteSecret`);
      return v;
    });
    // The controller's own check, so a manifest that would fail in the cluster fails here first.
    // A manifest without a namespace gets the one it would be applied to (-n, else "default"); a
    // ClusterRemoteSecret is checked as a whole and its template's references are resolved.
    plans = objects.map((o) => withContext(describeObject(o), () => ((o.value as { kind?: unknown }).kind === CLUSTER_REMOTE_SECRET_KIND ? clusterCheckPlan(o.value) : planRemoteSecret(o.value, { namespace: flags.namespace ?? 'default' }))));
  }
  if (flags.check !== true && (flags.mount !== undefined || flags.kvVersion !== undefined)) {
    throw new UsageError('--mount and --kv-version only apply with --check');
  }
  if (flags.check) {
    const ok = await check(io, plans, flags);
    if (!ok) throw new ExitError('some references do not resolve in Vault (see above)', { hint: 'fix the key or property names, or the Vault policy of your token' });
    if (!building) return;
  }
  const text = formatManifests(manifests, flags.output ?? 'yaml');
  await writeOutput(io, text, flags.write);
}

function buildManifest(name: string | undefined, flags: RefFlags, groups: RefGroup[]): Record<string, unknown> {
  if (name === undefined) throw new UsageError('a NAME is required', { hint: 'sealkit ref NAME -n NAMESPACE --store STORE --key PATH --property NAME' });
  if (flags.namespace === undefined && !flags.cluster) throw new UsageError('-n/--namespace is required: a RemoteSecret lives in the namespace of its Secret', { hint: 'or --cluster with --namespace-selector to write a ClusterRemoteSecret for many namespaces' });
  if (flags.store === undefined) throw new UsageError('--store is required', { hint: 'name the RemoteStore (or ClusterRemoteStore with --cluster-store) that reaches Vault' });
  if (groups.length === 0) throw new UsageError('no data: add --key PATH --property NAME, or --extract PATH');
  const data: Record<string, unknown>[] = [];
  const dataFrom: Record<string, unknown>[] = [];
  for (const g of groups) {
    if (g.kind === 'extract') {
      dataFrom.push({ extract: { key: g.key, ...(g.version ? { version: g.version } : {}) } });
      continue;
    }
    if (g.properties.length === 0) {
      throw new UsageError(`--key ${g.key} has no --property`, { hint: `add --property NAME after it, or use --extract ${g.key} to take every field` });
    }
    for (const p of g.properties) {
      data.push({ secretKey: p.secretKey, remoteRef: { key: g.key, property: p.property, ...(g.version ? { version: g.version } : {}) } });
    }
  }
  // Only what was asked for: no defaults written, so the manifest reads back unchanged (GitOps diffs).
  const target: Record<string, unknown> = {};
  if (flags.target !== undefined) target.name = flags.target;
  if (flags.creationPolicy !== undefined) target.creationPolicy = flags.creationPolicy;
  if (flags.deletionPolicy !== undefined) target.deletionPolicy = flags.deletionPolicy;
  if (flags.type !== undefined) target.template = { type: flags.type };
  return {
    apiVersion: REMOTE_API_VERSION,
    kind: REMOTE_SECRET_KIND,
    metadata: { name, ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}) },
    spec: {
      storeRef: { name: flags.store, ...(flags.clusterStore ? { kind: CLUSTER_REMOTE_STORE_KIND } : {}) },
      ...(flags.refresh !== undefined ? { refreshInterval: flags.refresh } : {}),
      ...(Object.keys(target).length ? { target } : {}),
      ...(data.length ? { data } : {}),
      ...(dataFrom.length ? { dataFrom } : {}),
    },
  };
}

/** Which flag wrote which manifest field, so a rule's message names what the user typed. */
const FIELD_FLAGS: readonly [RegExp, string, string?][] = [
  [/^metadata\.name\b/, 'NAME'],
  [/^metadata\.namespace\b/, '-n/--namespace'],
  [/^spec\.storeRef\.name\b/, '--store'],
  [/^spec\.refreshInterval\b/, '--refresh'],
  [/^spec\.target\.name\b/, '--target'],
  [/^spec\.target\.creationPolicy\b/, '--creation-policy'],
  [/^spec\.target\.deletionPolicy\b/, '--deletion-policy'],
  [/^spec\.target\.template\.type\b/, '--type'],
  [/^spec\.data\[\d+\]\.secretKey\b/, '--property', 'rename it: --property NAME=OTHER_KEY'],
  [/^spec\.data\[\d+\]\.remoteRef\.key\b/, '--key'],
  [/^spec\.data\[\d+\]\.remoteRef\.version\b/, '--key-version'],
  [/^spec\.dataFrom\[\d+\]\.extract\.key\b/, '--extract'],
  [/^spec\.dataFrom\[\d+\]\.extract\.version\b/, '--key-version'],
];

/** Checks the manifest built from flags with core's rules; a failure is a usage error naming the flag. */
function planFromFlags(manifest: Record<string, unknown>, namespace?: string): RemoteSecretPlan {
  try {
    return planRemoteSecret(manifest, namespace !== undefined ? { namespace } : {});
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    for (const [field, flag, hint] of FIELD_FLAGS) {
      if (field.test(e.message)) throw new UsageError(e.message.replace(field, flag), { hint: hint ?? "see 'sealkit ref --help'" });
    }
    throw new UsageError(e.message, { hint: "see 'sealkit ref --help'" });
  }
}

/** Core's path rules for a flag: a bad --mount is a usage error. */
function checkedFlag<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BadInputError) throw new UsageError(e.message);
    throw e;
  }
}

// ---- --check ------------------------------------------------------------------------------

interface VaultClient {
  read(path: string): Promise<unknown>;
}

/** A Vault failure, reduced to what is safe to print: status and Vault's short error strings. */
function vaultError(err: unknown, what: string): ExitError {
  const e = err as { response?: { statusCode?: number; body?: { errors?: unknown } }; code?: unknown } | null;
  const status = e?.response?.statusCode;
  if (typeof status === 'number') {
    const errors = Array.isArray(e?.response?.body?.errors) ? (e.response.body.errors as unknown[]).filter((x): x is string => typeof x === 'string').map((s) => s.split('\n')[0]!.slice(0, 160)) : [];
    const hint = status === 403 ? 'check VAULT_TOKEN and its policy for this path' : undefined;
    return new ExitError(`${what}: Vault returned HTTP ${status}${errors.length ? ` (${errors.join('; ')})` : ''}`, hint ? { hint } : {});
  }
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(e.code) ? e.code : 'network error';
  return new ExitError(`${what}: cannot reach Vault (${code})`, { hint: 'check VAULT_ADDR' });
}

function vaultClient(): VaultClient {
  const addr = process.env.VAULT_ADDR;
  const token = process.env.VAULT_TOKEN;
  if (!addr) throw new ExitError('--check needs VAULT_ADDR (and VAULT_TOKEN) in the environment', { hint: 'export VAULT_ADDR=https://vault.example:8200 VAULT_TOKEN=...' });
  if (!token) throw new ExitError('--check needs VAULT_TOKEN in the environment', { hint: 'log in with `vault login` and export VAULT_TOKEN' });
  const require = createRequire(import.meta.url);
  const factory = require('node-vault') as (o: Record<string, unknown>) => VaultClient;
  return factory({
    endpoint: addr,
    token,
    namespace: process.env.VAULT_NAMESPACE || undefined,
    // node-vault's debug output can include request bodies: never enable it.
    debug: () => undefined,
    rpDefaults: { timeout: 10_000 },
    requestOptions: process.env.VAULT_CACERT ? { ca: readCa(process.env.VAULT_CACERT) } : {},
  });
}
function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ExitError(`VAULT_CACERT ${file}: cannot read`);
  }
}

/** Reads `key` (optionally a pinned KV v2 version) and says what the controller would make of it. */
async function readKey(v: VaultClient, mount: string, kv: KvVersion, key: string, version: number | undefined): Promise<KvReadOutcome> {
  let path: string;
  try {
    path = kvReadPath(mount, key, kv, version) + (version !== undefined ? `?version=${version}` : '');
  } catch (e) {
    // A version pin on a KV v1 mount: the controller reports the same.
    if (e instanceof BadInputError) return { found: false, reason: 'VersionNotFound', detail: e.message };
    throw e;
  }
  try {
    const body = (await v.read(path)) as { data?: Record<string, unknown> | null } | undefined;
    return interpretKvRead({ status: 200, data: body?.data ?? null }, kv, key, version);
  } catch (err) {
    const e = err as { response?: { statusCode?: number; body?: { data?: Record<string, unknown> | null } } };
    if (e?.response?.statusCode === 404) return interpretKvRead({ status: 404, data: e.response.body?.data ?? null }, kv, key, version);
    throw vaultError(err, `reading ${key}`);
  }
}

async function detectKv(v: VaultClient, mount: string): Promise<KvVersion> {
  let body: { data?: { type?: string; path?: string; options?: { version?: string } | null } };
  try {
    body = (await v.read(mountInfoPath(mount))) as typeof body;
  } catch (err) {
    const e = vaultError(err, `detecting the KV version of mount "${mount}"`);
    throw new ExitError(e.message, { hint: 'pass --kv-version v1|v2, and check --mount' });
  }
  const d = body?.data;
  if (d?.type !== 'kv' && d?.type !== 'generic') throw new ExitError(`mount "${mount}" is not a KV engine (type ${d?.type ?? 'unknown'})`, { hint: 'pass the store\'s --mount' });
  const want = normalizeMount(mount);
  if (d.path && d.path !== want) {
    throw new ExitError(`mount "${mount}" is inside the Vault mount "${d.path}"`, { hint: `use --mount ${d.path.replace(/\/$/, '')} and start the keys with ${want.slice(d.path.length)}` });
  }
  return d.options?.version === '2' ? 'v2' : 'v1';
}

/** Resolves every reference; prints one line per reference on stderr; true when all resolve. */
async function check(io: Io, plans: RemoteSecretPlan[], flags: RefFlags): Promise<boolean> {
  const mount = flags.mount ?? 'secret';
  checkedFlag(() => pathSegments(mount, '--mount'));
  if (flags.kvVersion !== undefined && flags.kvVersion !== 'v1' && flags.kvVersion !== 'v2') throw new UsageError('--kv-version must be v1 or v2');
  const v = vaultClient();
  const kv = (flags.kvVersion as KvVersion | undefined) ?? (await detectKv(v, mount));
  let ok = true;
  const cache = new Map<string, Promise<KvReadOutcome>>();
  const read = (key: string, version: number | undefined) => {
    const k = `${key}\u0000${version ?? ''}`;
    let p = cache.get(k);
    if (!p) cache.set(k, (p = readKey(v, mount, kv, key, version)));
    return p;
  };
  const missing = (key: string, r: Extract<KvReadOutcome, { found: false }>) => `MISSING: ${r.detail} in mount ${mount}${r.reason === 'KeyNotFound' ? notFoundHint(mount, key, kv) : ''}`;
  const out: string[] = [];
  for (const plan of plans) {
    const who = `${plan.namespace}/${plan.name}`;
    for (const d of plan.data) {
      const where = `${mount}/${d.key}${d.version !== undefined ? `@${d.version}` : ''}`;
      const r = await read(d.key, d.version);
      if (!r.found) {
        ok = false;
        out.push(`${who}: ${d.secretKey}: ${missing(d.key, r)}`);
        continue;
      }
      const ver = r.secret.version !== undefined ? ` (version ${r.secret.version})` : '';
      if (d.property === undefined) out.push(`${who}: ${d.secretKey}: ok: key ${where}${ver}, whole secret`);
      else if (lookupProperty(r.secret.data, d.property).found) out.push(`${who}: ${d.secretKey}: ok: ${where} property ${d.property}${ver}`);
      else {
        ok = false;
        const fields = Object.keys(r.secret.data).sort();
        out.push(`${who}: ${d.secretKey}: MISSING: property ${d.property} in ${where}${ver} (fields: ${fields.length ? fields.join(', ') : 'none'})`);
      }
    }
    for (const e of plan.dataFrom) {
      const where = `${mount}/${e.key}${e.version !== undefined ? `@${e.version}` : ''}`;
      const r = await read(e.key, e.version);
      if (!r.found) {
        ok = false;
        out.push(`${who}: extract: ${missing(e.key, r)}`);
      } else {
        const fields = Object.keys(r.secret.data).sort();
        out.push(`${who}: extract: ok: ${where}${r.secret.version !== undefined ? ` (version ${r.secret.version})` : ''} gives ${fields.length} key${fields.length === 1 ? '' : 's'}: ${fields.join(', ')}`);
      }
    }
  }
  io.writeErr(`check against ${process.env.VAULT_ADDR} (mount ${mount}, KV ${kv}):\n${out.map((l) => `  ${l}\n`).join('')}`);
  return ok;
}
