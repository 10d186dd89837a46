import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { ExitError, UsageError } from '../errors.js';
import { writeOutput } from '../files/user-files.js';
import type { Io } from '../io.js';
import { describeObject, parseManifests, readInput } from '../input/manifests.js';
import { formatManifests, type OutputFormat } from '../output/manifests.js';
import type { RegisterCommand } from '../types.js';
import { inputFileOption, namespaceOption, outputFormatOption, writeFileOption } from './options.js';

// `sealkit ref`: writes a RemoteSecret (a reference to values in Vault; the controller fetches
// them), and with --check resolves the references against Vault with the user's own
// VAULT_ADDR/VAULT_TOKEN, reporting which keys and properties exist, never their values.
//
// The KV path rules below are the controller's (packages/controller/src/remote/kv-path.ts): the key
// is relative to the mount, KV v2 reads are <mount>/data/<key>, nothing is ever searched for "data".
// They are repeated here because the CLI and the controller never import each other.

const API_VERSION = 'sealkit.dev/v1alpha1';
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)$/;

interface RefFlags {
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
  sealkit ref --check -f db.remote.yaml --mount secret`;

export const registerRef: RegisterCommand = (program, { io }) => {
  const groups: RefGroup[] = [];
  const cmd = program
    .command('ref')
    .description('write a RemoteSecret: a reference to values in Vault that the controller fetches into a Secret')
    .argument('[name]', 'name of the RemoteSecret (and, by default, of the Secret it writes)')
    .addOption(namespaceOption())
    .option('--store <name>', 'the RemoteStore (or, with --cluster-store, ClusterRemoteStore) to read through')
    .option('--cluster-store', 'the store is a ClusterRemoteStore')
    .option('--key <path>', 'a Vault key, relative to the mount; starts a group for --property/--version')
    .option('--property <name[=secretKey]>', 'a field of the last --key, stored as secretKey (default: name)')
    // Not --version: the program's own -V/--version would take it.
    .option('--key-version <n>', 'pin the last --key or --extract to this KV v2 version')
    .option('--extract <path>', 'take every field of this Vault key as Secret keys')
    .option('--refresh <duration>', 'how often to read Vault again, e.g. 1h, 30m ("0": fetch once; controller default 1h)')
    .option('--target <name>', 'name of the Secret to write (default: NAME)')
    .option('--creation-policy <policy>', 'Owner (default), Orphan or Merge')
    .option('--deletion-policy <policy>', 'Retain (default) or Delete, when every referenced key is gone from Vault')
    .option('--type <type>', 'type of the Secret written (default Opaque)')
    .addOption(inputFileOption())
    .addOption(writeFileOption())
    .addOption(outputFormatOption())
    .option('--check', 'resolve the references against Vault (VAULT_ADDR, VAULT_TOKEN) and report what exists')
    .option('--mount <path>', 'with --check: the KV mount of the store (default: secret)')
    .option('--kv-version <v1|v2>', 'with --check: the KV version (default: detected)')
    .addHelpText('after', EXAMPLES);
  // Commander reports options in command-line order through these events: that order is what
  // ties a --property to the --key before it.
  const last = (flag: string): RefGroup => {
    const g = groups[groups.length - 1];
    if (!g) throw new UsageError(`${flag} must follow a --key${flag === '--key-version' ? ' or --extract' : ''}`, { hint: "see 'sealkit ref --help'" });
    return g;
  };
  cmd.on('option:key', (v: string) => groups.push({ kind: 'key', key: v, properties: [] }));
  cmd.on('option:extract', (v: string) => groups.push({ kind: 'extract', key: v, properties: [] }));
  cmd.on('option:property', (v: string) => {
    const g = last('--property');
    if (g.kind !== 'key') throw new UsageError('--property must follow a --key (an --extract takes every field)');
    const eq = v.indexOf('=');
    const property = eq < 0 ? v : v.slice(0, eq);
    const secretKey = eq < 0 ? v : v.slice(eq + 1);
    if (property === '') throw new UsageError(`--property "${v}": the property name is empty`);
    if (!SECRET_KEY.test(secretKey)) {
      throw new UsageError(`--property "${v}": "${secretKey}" is not a valid Secret key (letters, digits, '-', '_', '.')`, {
        hint: `name the Secret key: --property ${property}=KEY`,
      });
    }
    g.properties.push({ property, secretKey });
  });
  cmd.on('option:key-version', (v: string) => {
    const g = last('--key-version');
    if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--key-version "${v}" must be a positive integer (a KV v2 version)`);
    if (g.version !== undefined) throw new UsageError(`--key-version given twice for ${g.key}`);
    g.version = v;
  });
  cmd.action(async (name: string | undefined, flags: RefFlags) => {
    await ref(io, name, flags, groups);
  });
};

async function ref(io: Io, name: string | undefined, flags: RefFlags, groups: RefGroup[]): Promise<void> {
  const building = name !== undefined || groups.length > 0;
  let manifests: Record<string, unknown>[];
  if (building) {
    if (flags.file !== undefined) throw new UsageError('-f reads RemoteSecret manifests to --check; it cannot be combined with NAME or --key/--extract');
    manifests = [buildManifest(name, flags, groups)];
  } else {
    if (!flags.check) {
      throw new UsageError('nothing to do: give NAME with --key/--property or --extract, or --check with -f FILE', { hint: "see 'sealkit ref --help'" });
    }
    for (const f of ['store', 'refresh', 'target', 'creationPolicy', 'deletionPolicy', 'type'] as const) {
      if (flags[f] !== undefined) throw new UsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} builds a manifest; it needs NAME and --key/--extract`);
    }
    const { source, data } = await readInput(io, { file: flags.file }, 'RemoteSecret manifests');
    manifests = parseManifests(data, source).map((o) => {
      const v = o.value as Record<string, unknown> | null;
      if (!v || v.kind !== 'RemoteSecret') throw new ExitError(`${describeObject(o)} is not a RemoteSecret`);
      return v;
    });
  }
  if (flags.check !== true && (flags.mount !== undefined || flags.kvVersion !== undefined)) {
    throw new UsageError('--mount and --kv-version only apply with --check');
  }
  if (flags.check) {
    const ok = await check(io, manifests, flags);
    if (!ok) throw new ExitError('some references do not resolve in Vault (see above)', { hint: 'fix the key or property names, or the Vault policy of your token' });
    if (!building) return;
  }
  const text = formatManifests(manifests, flags.output ?? 'yaml');
  await writeOutput(io, text, flags.write);
}

function buildManifest(name: string | undefined, flags: RefFlags, groups: RefGroup[]): Record<string, unknown> {
  if (name === undefined) throw new UsageError('a NAME is required', { hint: 'sealkit ref NAME -n NAMESPACE --store STORE --key PATH --property NAME' });
  if (!DNS_NAME.test(name) || name.length > 253) throw new UsageError(`"${name}" is not a valid object name (lowercase letters, digits, '-', '.')`);
  if (flags.namespace === undefined) throw new UsageError('-n/--namespace is required: a RemoteSecret lives in the namespace of its Secret');
  if (flags.store === undefined) throw new UsageError('--store is required', { hint: 'name the RemoteStore (or ClusterRemoteStore with --cluster-store) that reaches Vault' });
  if (groups.length === 0) throw new UsageError('no data: add --key PATH --property NAME, or --extract PATH');
  const data: Record<string, unknown>[] = [];
  const dataFrom: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    checkPath(g.key, g.kind === 'key' ? '--key' : '--extract');
    if (g.kind === 'extract') {
      dataFrom.push({ extract: { key: g.key, ...(g.version ? { version: g.version } : {}) } });
      continue;
    }
    if (g.properties.length === 0) {
      throw new UsageError(`--key ${g.key} has no --property`, { hint: `add --property NAME after it, or use --extract ${g.key} to take every field` });
    }
    for (const p of g.properties) {
      if (seen.has(p.secretKey)) throw new UsageError(`the Secret key "${p.secretKey}" is given twice`, { hint: 'rename one: --property NAME=OTHER_KEY' });
      seen.add(p.secretKey);
      data.push({ secretKey: p.secretKey, remoteRef: { key: g.key, property: p.property, ...(g.version ? { version: g.version } : {}) } });
    }
  }
  if (flags.refresh !== undefined && !DURATION.test(flags.refresh)) throw new UsageError(`--refresh "${flags.refresh}" is not a duration (e.g. 1h, 30m, 90s, 0)`);
  const policy = (v: string | undefined, flag: string, allowed: string[]) => {
    if (v !== undefined && !allowed.includes(v)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
    return v;
  };
  const creationPolicy = policy(flags.creationPolicy, '--creation-policy', ['Owner', 'Orphan', 'Merge']);
  const deletionPolicy = policy(flags.deletionPolicy, '--deletion-policy', ['Retain', 'Delete']);
  if (flags.target !== undefined && !DNS_NAME.test(flags.target)) throw new UsageError(`--target "${flags.target}" is not a valid Secret name`);
  // Only what was asked for: no defaults written, so the manifest reads back unchanged (GitOps diffs).
  const target: Record<string, unknown> = {};
  if (flags.target !== undefined) target.name = flags.target;
  if (creationPolicy !== undefined) target.creationPolicy = creationPolicy;
  if (deletionPolicy !== undefined) target.deletionPolicy = deletionPolicy;
  if (flags.type !== undefined) target.template = { type: flags.type };
  return {
    apiVersion: API_VERSION,
    kind: 'RemoteSecret',
    metadata: { name, namespace: flags.namespace },
    spec: {
      storeRef: { name: flags.store, ...(flags.clusterStore ? { kind: 'ClusterRemoteStore' } : {}) },
      ...(flags.refresh !== undefined ? { refreshInterval: flags.refresh } : {}),
      ...(Object.keys(target).length ? { target } : {}),
      ...(data.length ? { data } : {}),
      ...(dataFrom.length ? { dataFrom } : {}),
    },
  };
}

function segments(path: string, what: string): string[] {
  const segs = path.replace(/^\/+|\/+$/g, '').split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..' || /[?#\u0000-\u001f]/.test(s))) {
    throw new UsageError(`${what} "${path}" is not a valid Vault path (empty, "." or ".." segment, or ? #)`);
  }
  return segs;
}
function checkPath(path: string, what: string): void {
  segments(path, what);
}
const encodePath = (path: string, what: string) => segments(path, what).map(encodeURIComponent).join('/');

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

type Read = { status: 'found'; data: Record<string, unknown>; version?: number } | { status: 'missing'; detail: string };

async function readKey(v: VaultClient, mount: string, kv: 'v1' | 'v2', key: string, version: string | undefined): Promise<Read> {
  const path = kv === 'v2' ? `${encodePath(mount, '--mount')}/data/${encodePath(key, 'key')}${version ? `?version=${version}` : ''}` : `${encodePath(mount, '--mount')}/${encodePath(key, 'key')}`;
  let body: { data?: Record<string, unknown> } | undefined;
  try {
    body = (await v.read(path)) as typeof body;
  } catch (err) {
    const e = err as { response?: { statusCode?: number; body?: { data?: { metadata?: Record<string, unknown> } } } };
    if (e?.response?.statusCode === 404) {
      const meta = e.response.body?.data?.metadata;
      if (meta && ((typeof meta.deletion_time === 'string' && meta.deletion_time) || meta.destroyed === true)) {
        return { status: 'missing', detail: `version ${version ?? meta.version} is ${meta.destroyed === true ? 'destroyed' : 'deleted'}` };
      }
      return { status: 'missing', detail: 'not found' };
    }
    throw vaultError(err, `reading ${key}`);
  }
  if (kv === 'v1') return { status: 'found', data: body?.data ?? {} };
  const inner = body?.data?.data as Record<string, unknown> | null | undefined;
  const meta = body?.data?.metadata as { version?: number } | undefined;
  if (!inner) return { status: 'missing', detail: 'not found' };
  return { status: 'found', data: inner, ...(typeof meta?.version === 'number' ? { version: meta.version } : {}) };
}

function hasProperty(data: Record<string, unknown>, property: string): boolean {
  if (Object.prototype.hasOwnProperty.call(data, property)) return true;
  let cur: unknown = data;
  for (const part of property.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return false;
    cur = (cur as Record<string, unknown>)[part];
  }
  return true;
}

async function detectKv(v: VaultClient, mount: string): Promise<'v1' | 'v2'> {
  let body: { data?: { type?: string; path?: string; options?: { version?: string } | null } };
  try {
    body = (await v.read(`sys/internal/ui/mounts/${encodePath(mount, '--mount')}`)) as typeof body;
  } catch (err) {
    const e = vaultError(err, `detecting the KV version of mount "${mount}"`);
    throw new ExitError(e.message, { hint: 'pass --kv-version v1|v2, and check --mount' });
  }
  const d = body?.data;
  if (d?.type !== 'kv' && d?.type !== 'generic') throw new ExitError(`mount "${mount}" is not a KV engine (type ${d?.type ?? 'unknown'})`, { hint: 'pass the store\'s --mount' });
  const want = `${segments(mount, '--mount').join('/')}/`;
  if (d.path && d.path !== want) {
    throw new ExitError(`mount "${mount}" is inside the Vault mount "${d.path}"`, { hint: `use --mount ${d.path.replace(/\/$/, '')} and start the keys with ${want.slice(d.path.length)}` });
  }
  return d.options?.version === '2' ? 'v2' : 'v1';
}

/** Resolves every reference; prints one line per reference on stderr; true when all resolve. */
async function check(io: Io, manifests: Record<string, unknown>[], flags: RefFlags): Promise<boolean> {
  const mount = flags.mount ?? 'secret';
  checkPath(mount, '--mount');
  if (flags.kvVersion !== undefined && flags.kvVersion !== 'v1' && flags.kvVersion !== 'v2') throw new UsageError('--kv-version must be v1 or v2');
  const v = vaultClient();
  const kv = (flags.kvVersion as 'v1' | 'v2' | undefined) ?? (await detectKv(v, mount));
  let ok = true;
  const cache = new Map<string, Promise<Read>>();
  const read = (key: string, version: string | undefined) => {
    const k = `${key}\u0000${version ?? ''}`;
    let p = cache.get(k);
    if (!p) cache.set(k, (p = readKey(v, mount, kv, key, version)));
    return p;
  };
  const out: string[] = [];
  for (const m of manifests) {
    const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
    const spec = (m.spec ?? {}) as { data?: { secretKey?: string; remoteRef?: { key?: string; property?: string; version?: string } }[]; dataFrom?: { extract?: { key?: string; version?: string } }[] };
    const who = `${md.namespace ?? ''}/${md.name ?? ''}`;
    for (const d of spec.data ?? []) {
      const key = String(d.remoteRef?.key ?? '');
      const version = d.remoteRef?.version;
      const where = `${mount}/${key}${version ? `@${version}` : ''}`;
      const r = await read(key, version);
      if (r.status === 'missing') {
        ok = false;
        out.push(`${who}: ${d.secretKey}: MISSING: key ${where} ${r.detail}${hintFor(mount, key, kv)}`);
        continue;
      }
      const prop = d.remoteRef?.property;
      const ver = r.version !== undefined ? ` (version ${r.version})` : '';
      if (prop === undefined || prop === '') out.push(`${who}: ${d.secretKey}: ok: key ${where}${ver}, whole secret`);
      else if (hasProperty(r.data, prop)) out.push(`${who}: ${d.secretKey}: ok: ${where} property ${prop}${ver}`);
      else {
        ok = false;
        const fields = Object.keys(r.data).sort();
        out.push(`${who}: ${d.secretKey}: MISSING: property ${prop} in ${where}${ver} (fields: ${fields.length ? fields.join(', ') : 'none'})`);
      }
    }
    for (const e of spec.dataFrom ?? []) {
      const key = String(e.extract?.key ?? '');
      const where = `${mount}/${key}${e.extract?.version ? `@${e.extract.version}` : ''}`;
      const r = await read(key, e.extract?.version);
      if (r.status === 'missing') {
        ok = false;
        out.push(`${who}: extract: MISSING: key ${where} ${r.detail}${hintFor(mount, key, kv)}`);
      } else {
        const fields = Object.keys(r.data).sort();
        out.push(`${who}: extract: ok: ${where}${r.version !== undefined ? ` (version ${r.version})` : ''} gives ${fields.length} key${fields.length === 1 ? '' : 's'}: ${fields.join(', ')}`);
      }
    }
  }
  io.writeErr(`check against ${process.env.VAULT_ADDR} (mount ${mount}, KV ${kv}):\n${out.map((l) => `  ${l}\n`).join('')}`);
  return ok;
}

function hintFor(mount: string, key: string, kv: 'v1' | 'v2'): string {
  const m = segments(mount, '--mount').join('/');
  const k = key.replace(/^\/+/, '');
  if (k.startsWith(`${m}/`)) return ` (keys are relative to the mount: try ${k.slice(m.length + 1)})`;
  if (kv === 'v2' && k.startsWith('data/')) return ` (sealkit adds KV v2's data/ itself: try ${k.slice(5)})`;
  return '';
}
