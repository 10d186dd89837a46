import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { KubeconfigError } from './errors.js';

/**
 * Which cluster to talk to, and how, by kubectl's rules (client-go's clientcmd):
 *
 * - files: `--kubeconfig FILE` alone (it must exist); else every file of `KUBECONFIG`, merged
 *   (missing ones skipped, duplicates once); else `~/.kube/config`; else the pod's service account;
 * - merging: the first file to set a value or a name wins, and a named entry is taken whole from
 *   the first file that defines it (kubernetes.io, "Organizing Cluster Access Using kubeconfig
 *   Files"); the first `current-context` wins;
 * - paths in a file (certificate-authority, client-certificate, client-key, tokenFile, an exec
 *   command with a slash) are relative to that file;
 * - command-line overrides (`--server`, `--token`, `--as`, ...) apply on top, as kubectl's flags.
 *
 * Everything here is pure but the reading of kubeconfig files: the CA, certificate and token files
 * are named (`Material`), and read when a connection is opened (./connection.ts).
 * Nothing read from a kubeconfig ever goes into an error message: it holds tokens and keys.
 */

/** Bytes given inline (`*-data`, base64-decoded) or as an absolute file path. */
export type Material = { data: Buffer } | { path: string };

/** The `exec` stanza of a kubeconfig user (client.authentication.k8s.io credential plugins). */
export interface ExecConfig {
  /** A command with a slash is resolved against the kubeconfig that named it; others are looked up in PATH. */
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
  /** Never, IfAvailable, Always. */
  interactiveMode?: string;
}

/** How requests authenticate, one technique per user (kubectl refuses two). */
export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  /** Re-read while the process runs: service-account tokens rotate. */
  | { kind: 'token-file'; path: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'exec'; exec: ExecConfig };

/** Impersonation headers (kubectl --as, --as-group; kubeconfig `as`, `as-groups`, `as-uid`, `as-user-extra`). */
export interface Impersonation {
  user: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** Everything needed to reach one API server, before any file but the kubeconfig is read. */
export interface ConnectionSpec {
  /** `context "NAME"`, `the in-cluster service account`, `--server`: for messages. */
  readonly source: string;
  /** Without a trailing slash; may carry a path prefix (Rancher: /k8s/clusters/c-1). */
  readonly server: string;
  readonly ca?: Material;
  readonly clientCert?: Material;
  readonly clientKey?: Material;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  /** http://, https:// or socks5:// proxy every connection goes through (kubeconfig `proxy-url`). */
  readonly proxyUrl?: string;
  readonly auth: AuthSpec;
  readonly impersonate?: Impersonation;
  /** The context's namespace (or the pod's, in a cluster), if one is set. */
  readonly namespace?: string;
}

/** What the user chose on the command line: kubectl's flags of the same names. */
export interface KubeSelection {
  /** `--kubeconfig FILE`: this file only. */
  kubeconfig?: string | undefined;
  /** `--context NAME` */
  context?: string | undefined;
  /** `--server URL`: replaces the cluster's server (and its tls-server-name). */
  server?: string | undefined;
  /** `--token`: bearer token, replacing the user's own technique. */
  token?: string | undefined;
  /** `--as USER` */
  as?: string | undefined;
  /** `--as-group GROUP`, repeatable. */
  asGroups?: readonly string[] | undefined;
  /** `--insecure-skip-tls-verify` */
  insecureSkipTlsVerify?: boolean | undefined;
  /** `--certificate-authority FILE`: replaces the cluster's CA (and an insecure setting). */
  certificateAuthority?: string | undefined;
}

/** One parsed kubeconfig file. */
export interface KubeconfigFile {
  readonly path: string;
  readonly doc: unknown;
}

interface Named {
  readonly value: Record<string, unknown>;
  /** Directory of the file that defined it: relative paths resolve against it. */
  readonly dir: string;
}

/** Several kubeconfig files seen as one, the way kubectl merges KUBECONFIG. */
export interface MergedKubeconfig {
  readonly files: readonly string[];
  readonly currentContext?: string;
  readonly contexts: ReadonlyMap<string, Named>;
  readonly clusters: ReadonlyMap<string, Named>;
  readonly users: ReadonlyMap<string, Named>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Merges kubeconfig files in order: the first definition of a name, and the first current-context, win. */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): MergedKubeconfig {
  const contexts = new Map<string, Named>();
  const clusters = new Map<string, Named>();
  const users = new Map<string, Named>();
  let currentContext: string | undefined;
  for (const file of files) {
    if (file.doc === null || file.doc === undefined) continue;
    if (!isRecord(file.doc)) throw new KubeconfigError(`kubeconfig ${file.path}: not a kubeconfig (expected a mapping)`);
    const dir = dirname(resolve(file.path));
    currentContext ??= str(file.doc['current-context']);
    const sections: Array<[string, string, Map<string, Named>]> = [
      ['contexts', 'context', contexts],
      ['clusters', 'cluster', clusters],
      ['users', 'user', users],
    ];
    for (const [list, field, into] of sections) {
      const entries = file.doc[list];
      if (entries === undefined || entries === null) continue;
      if (!Array.isArray(entries)) throw new KubeconfigError(`kubeconfig ${file.path}: ${list} must be a list`);
      for (const entry of entries) {
        const name = isRecord(entry) ? str(entry.name) : undefined;
        if (name === undefined || !isRecord(entry)) continue;
        if (!into.has(name)) into.set(name, { value: isRecord(entry[field]) ? entry[field] : {}, dir });
      }
    }
  }
  return { files: files.map((f) => f.path), ...(currentContext === undefined ? {} : { currentContext }), contexts, clusters, users };
}

const localPath = (file: string, dir: string) => (isAbsolute(file) ? file : join(dir, file));

function material(value: Record<string, unknown>, dataField: string, fileField: string, dir: string, what: string): Material | undefined {
  const data = str(value[dataField]);
  if (data !== undefined) {
    // Never echo the bad value: it may be a private key.
    if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw new KubeconfigError(`${what}: ${dataField} is not base64`);
    return { data: Buffer.from(data, 'base64') };
  }
  const file = str(value[fileField]);
  return file === undefined ? undefined : { path: localPath(file, dir) };
}

function execConfig(raw: unknown, where: string): ExecConfig {
  if (!isRecord(raw) || str(raw.command) === undefined) throw new KubeconfigError(`${where}: exec needs a command`);
  const apiVersion = str(raw.apiVersion);
  if (apiVersion !== 'client.authentication.k8s.io/v1' && apiVersion !== 'client.authentication.k8s.io/v1beta1') {
    throw new KubeconfigError(`${where}: exec apiVersion must be client.authentication.k8s.io/v1 or v1beta1`, {
      hint: 'v1alpha1 credential plugins were removed from kubectl 1.24; update the plugin and its kubeconfig entry',
    });
  }
  const args = Array.isArray(raw.args) ? raw.args.map(String) : [];
  const env = Array.isArray(raw.env)
    ? raw.env.filter(isRecord).map((e) => ({ name: String(e.name ?? ''), value: String(e.value ?? '') })).filter((e) => e.name !== '')
    : [];
  const installHint = str(raw.installHint);
  const interactiveMode = str(raw.interactiveMode);
  return {
    command: str(raw.command) as string,
    args,
    env,
    apiVersion,
    ...(installHint === undefined ? {} : { installHint }),
    provideClusterInfo: raw.provideClusterInfo === true,
    ...(interactiveMode === undefined ? {} : { interactiveMode }),
  };
}

/**
 * The user's technique, by client-go's precedence: a token (a tokenFile beside it wins, as it is
 * re-read), else a token file, else basic auth; an exec plugin only when none of those and no client
 * certificate is set (client-go skips the plugin then). Token and basic auth together: refused.
 */
function authSpec(user: Named, hasClientCert: boolean, where: string): AuthSpec {
  const u = user.value;
  const token = str(u.token);
  const tokenFile = str(u.tokenFile);
  const username = str(u.username);
  if ((token !== undefined || tokenFile !== undefined) && username !== undefined) {
    throw new KubeconfigError(`${where}: username/password or a bearer token may be set, but not both`);
  }
  if (tokenFile !== undefined) return { kind: 'token-file', path: localPath(tokenFile, user.dir) };
  if (token !== undefined) return { kind: 'token', token };
  if (username !== undefined) return { kind: 'basic', username, password: typeof u.password === 'string' ? u.password : '' };
  const provider = u['auth-provider'];
  if (isRecord(provider)) {
    // The one legacy provider client-go still has is oidc; its current id-token is a bearer token.
    // Refreshing it is kubectl's job (or better, an exec plugin such as kubelogin).
    const config = isRecord(provider.config) ? provider.config : {};
    const idToken = str(config['id-token']);
    if (str(provider.name) === 'oidc' && idToken !== undefined) return { kind: 'token', token: idToken };
    throw new KubeconfigError(`${where}: auth-provider "${str(provider.name) ?? '?'}" is not supported`, {
      hint: 'use an exec credential plugin in the kubeconfig (e.g. kubelogin, gke-gcloud-auth-plugin)',
    });
  }
  if (u.exec !== undefined && u.exec !== null && !hasClientCert) {
    const exec = execConfig(u.exec, where);
    return { kind: 'exec', exec: { ...exec, command: exec.command.includes(sep) ? localPath(exec.command, user.dir) : exec.command } };
  }
  return { kind: 'none' };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function impersonation(user: Record<string, unknown>, selection: KubeSelection, where: string): Impersonation | undefined {
  const name = str(selection.as) ?? str(user.as);
  const groups = selection.asGroups !== undefined && selection.asGroups.length > 0 ? [...selection.asGroups] : stringList(user['as-groups']);
  const uid = str(user['as-uid']);
  const extra: Record<string, string[]> = {};
  if (isRecord(user['as-user-extra'])) for (const [k, v] of Object.entries(user['as-user-extra'])) extra[k] = stringList(v);
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) {
      throw new KubeconfigError(`${where}: impersonating groups, a uid or user extras needs a user to impersonate`, {
        usage: selection.asGroups !== undefined && selection.asGroups.length > 0,
        hint: 'add --as USER',
      });
    }
    return undefined;
  }
  return { user: name, groups, ...(uid === undefined ? {} : { uid }), extra };
}

function checkServer(server: string, where: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`${where}: invalid server URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubeconfigError(`${where}: server must be an http(s) URL`);
  return server.replace(/\/+$/, '');
}

function checkProxy(proxy: string | undefined, where: string): string | undefined {
  if (proxy === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new KubeconfigError(`${where}: proxy-url is not a URL`);
  }
  // client-go's set: http, https and socks5
  if (!['http:', 'https:', 'socks5:'].includes(url.protocol)) {
    throw new KubeconfigError(`${where}: proxy-url scheme ${url.protocol.replace(/:$/, '')} is not supported (http, https and socks5 are)`);
  }
  return proxy;
}

/**
 * The connection a context describes, with the command-line overrides applied: pure (no file is
 * read), for unit tests. `--server` without any context gives a connection made of flags alone.
 */
export function resolveContext(merged: MergedKubeconfig, selection: KubeSelection = {}): ConnectionSpec {
  const files = merged.files.join(delimiter);
  const at = `kubeconfig ${files}`;
  const name = str(selection.context) ?? merged.currentContext;
  const override = str(selection.server);
  if (name === undefined && override === undefined) {
    throw new KubeconfigError(`${at}: no current context`, { usage: true, hint: 'pass --context NAME, or run kubectl config use-context NAME' });
  }
  const context = name === undefined ? undefined : merged.contexts.get(name);
  if (name !== undefined && context === undefined) {
    throw new KubeconfigError(`${at}: no context named "${name}"`, {
      usage: true,
      hint: selection.context === undefined ? 'fix current-context, or pass --context NAME' : 'kubectl config get-contexts lists the contexts',
    });
  }
  const source = name === undefined ? '--server' : `context "${name}"`;
  const clusterName = str(context?.value.cluster);
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (cluster === undefined && override === undefined) {
    throw new KubeconfigError(`${at}: ${source} names ${clusterName === undefined ? 'no cluster' : `cluster "${clusterName}", which is not defined`}`);
  }
  const c = cluster?.value ?? {};
  const clusterAt = clusterName === undefined ? at : `${at}: cluster "${clusterName}"`;
  const rawServer = override ?? str(c.server);
  if (rawServer === undefined) throw new KubeconfigError(`${clusterAt} has no server`, { hint: 'pass --server URL, or fix the kubeconfig' });
  const server = checkServer(rawServer, override === undefined ? clusterAt : '--server');

  // client-go: --certificate-authority or --insecure-skip-tls-verify replace the cluster's CA and
  // insecure setting together; --server clears the cluster's tls-server-name.
  const tlsOverride = selection.insecureSkipTlsVerify === true || str(selection.certificateAuthority) !== undefined;
  const ca = tlsOverride
    ? (str(selection.certificateAuthority) === undefined ? undefined : { path: resolve(selection.certificateAuthority!) })
    : cluster && material(c, 'certificate-authority-data', 'certificate-authority', cluster.dir, clusterAt);
  const insecureSkipTlsVerify = tlsOverride ? selection.insecureSkipTlsVerify === true : c['insecure-skip-tls-verify'] === true;
  if (insecureSkipTlsVerify && ca !== undefined) {
    // client-go's transport refuses the pair: a CA that is then not checked is a mistake.
    throw new KubeconfigError(`${clusterAt}: specifying a root certificates file with the insecure flag is not allowed`, {
      hint: 'remove certificate-authority(-data) or insecure-skip-tls-verify',
    });
  }
  const tlsServerName = override === undefined ? str(c['tls-server-name']) : undefined;
  const proxyUrl = checkProxy(str(c['proxy-url']), clusterAt);

  const userName = str(context?.value.user);
  const user = userName === undefined ? undefined : merged.users.get(userName);
  // kubectl tolerates a context naming a user that is not defined: it then has no credentials.
  const userAt = `${at}: user "${userName ?? ''}"`;
  const clientCert = user && material(user.value, 'client-certificate-data', 'client-certificate', user.dir, userAt);
  const clientKey = user && material(user.value, 'client-key-data', 'client-key', user.dir, userAt);
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new KubeconfigError(`${userAt}: a client certificate needs both the certificate and its key`);
  }
  const token = str(selection.token);
  const auth: AuthSpec = token !== undefined ? { kind: 'token', token } : user === undefined ? { kind: 'none' } : authSpec(user, clientCert !== undefined, userAt);
  const impersonate = impersonation(user?.value ?? {}, selection, userAt);
  const namespace = str(context?.value.namespace);
  return {
    source,
    server,
    ...(ca === undefined ? {} : { ca }),
    ...(clientCert === undefined ? {} : { clientCert }),
    ...(clientKey === undefined ? {} : { clientKey }),
    insecureSkipTlsVerify,
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
    ...(proxyUrl === undefined ? {} : { proxyUrl }),
    auth,
    ...(impersonate === undefined ? {} : { impersonate }),
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/** Where a pod finds its service account (client-go's rest.InClusterConfig). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod's own service account, as client-go's in-cluster config, or undefined when not in a pod
 * (KUBERNETES_SERVICE_HOST/PORT unset). The namespace is POD_NAMESPACE, else the namespace file.
 */
export function inClusterSpec(env: NodeJS.ProcessEnv = process.env, saDir = SERVICE_ACCOUNT_DIR, selection: KubeSelection = {}): ConnectionSpec | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === '' || port === undefined || port === '') return undefined;
  let namespace = str(env.POD_NAMESPACE);
  if (namespace === undefined) {
    try {
      namespace = str(readFileSync(join(saDir, 'namespace'), 'utf8').trim());
    } catch {
      namespace = undefined;
    }
  }
  const token = str(selection.token);
  const ca = str(selection.certificateAuthority);
  const impersonate = impersonation({}, selection, 'in-cluster config');
  return {
    source: 'the in-cluster service account',
    server: str(selection.server) ?? `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...(selection.insecureSkipTlsVerify === true && ca === undefined ? {} : { ca: { path: ca === undefined ? join(saDir, 'ca.crt') : resolve(ca) } }),
    insecureSkipTlsVerify: selection.insecureSkipTlsVerify === true && ca === undefined,
    auth: token === undefined ? { kind: 'token-file', path: join(saDir, 'token') } : { kind: 'token', token },
    ...(impersonate === undefined ? {} : { impersonate }),
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/**
 * The kubeconfig files to read, by kubectl's precedence. `explicit` (--kubeconfig) files must
 * exist; the others are skipped when missing. An empty list means: no kubeconfig at all.
 */
export function kubeconfigPaths(selection: Pick<KubeSelection, 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env, home = homedir()): { paths: string[]; explicit: boolean } {
  if (selection.kubeconfig !== undefined && selection.kubeconfig !== '') return { paths: [selection.kubeconfig], explicit: true };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length > 0) return { paths: [...new Set(list)].filter((p) => existsSync(p) && !statSync(p).isDirectory()), explicit: false };
  const fallback = join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : home, '.kube', 'config');
  return { paths: existsSync(fallback) ? [fallback] : [], explicit: false };
}

/** yaml is loaded on the first kubeconfig read: in-cluster config, `--server` alone and `sealkit seal --cert URL` never need it. */
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/**
 * Reads and parses one kubeconfig; a syntax error gives a position, never the text. `label` names
 * where the path came from in a message about reading it (`--kubeconfig` for the flag).
 */
export function readKubeconfig(path: string, label = 'kubeconfig'): KubeconfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (code ?? 'unreadable');
    throw new KubeconfigError(`${label} ${path}: cannot read: ${why}`, { cause: err });
  }
  const doc = yaml().parseDocument(text);
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    throw new KubeconfigError(`kubeconfig ${path}: invalid YAML${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`}`);
  }
  return { path, doc: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/**
 * Finds the cluster to talk to, as kubectl does: the kubeconfig files (flag, KUBECONFIG,
 * ~/.kube/config) merged with the flags; with no kubeconfig, `--server` alone, else the pod's
 * service account; else a KubeconfigError with code `no-cluster`.
 */
export function loadConnectionSpec(selection: KubeSelection = {}, env: NodeJS.ProcessEnv = process.env, saDir = SERVICE_ACCOUNT_DIR): ConnectionSpec {
  const { paths, explicit } = kubeconfigPaths(selection, env);
  if (paths.length === 0) {
    if (str(selection.server) !== undefined) return resolveContext(mergeKubeconfigs([]), { ...selection, context: undefined });
    const inCluster = selection.context === undefined ? inClusterSpec(env, saDir, selection) : undefined;
    if (inCluster !== undefined) return inCluster;
    throw new KubeconfigError('no cluster configured: no --kubeconfig, KUBECONFIG names no existing file, and ~/.kube/config does not exist', {
      usage: true,
      code: 'no-cluster',
      hint: 'pass --kubeconfig FILE or set KUBECONFIG',
    });
  }
  return resolveContext(mergeKubeconfigs(paths.map((p) => readKubeconfig(p, explicit ? '--kubeconfig' : 'kubeconfig'))), selection);
}

/** The namespace kubectl would use: `-n` given, else the context's (or pod's) namespace, else "default". */
export function effectiveNamespace(spec: Pick<ConnectionSpec, 'namespace'> | undefined, flag?: string): string {
  return str(flag) ?? str(spec?.namespace) ?? 'default';
}
