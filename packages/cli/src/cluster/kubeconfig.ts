import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { ExitError, UsageError } from '../errors.js';
import { yaml } from '../yaml-lazy.js';

/**
 * Kubeconfig loading for the commands that talk to a cluster (internal).
 *
 * Follows kubectl's rules, so `sealkit cert` reaches the cluster `kubectl get` reaches:
 * `--kubeconfig FILE`, else every file of `KUBECONFIG` (merged: the first file to define a
 * name wins, missing files are skipped), else `~/.kube/config`, else the pod's service account.
 * Paths inside a kubeconfig are relative to the file that holds them.
 *
 * Nothing read here is ever put into an error message: a kubeconfig holds tokens and keys.
 */

/** The `exec` stanza of a kubeconfig user (client.authentication.k8s.io credential plugins). */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
}

/** How requests authenticate. Files are read when the connection is opened, not here. */
export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'token-file'; path: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'exec'; exec: ExecConfig; dir: string };

/** Bytes given inline (`*-data`, base64) or as a file path (absolute, resolved against its kubeconfig). */
export type Material = { data: Buffer } | { path: string };

/** Everything needed to reach one API server, before any file but the kubeconfig is read. */
export interface ConnectionSpec {
  /** `context "NAME"` or `in-cluster service account`: for messages. */
  readonly source: string;
  readonly server: string;
  readonly ca?: Material;
  readonly clientCert?: Material;
  readonly clientKey?: Material;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly auth: AuthSpec;
  /** The context's default namespace, if it sets one. */
  readonly namespace?: string;
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
    if (!isRecord(file.doc)) throw new ExitError(`kubeconfig ${file.path}: not a kubeconfig (expected a mapping)`);
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
      if (!Array.isArray(entries)) throw new ExitError(`kubeconfig ${file.path}: ${list} must be a list`);
      for (const entry of entries) {
        const name = isRecord(entry) ? str(entry.name) : undefined;
        if (name === undefined || !isRecord(entry)) continue;
        if (!into.has(name)) into.set(name, { value: isRecord(entry[field]) ? entry[field] : {}, dir });
      }
    }
  }
  return { files: files.map((f) => f.path), ...(currentContext === undefined ? {} : { currentContext }), contexts, clusters, users };
}

function material(value: Record<string, unknown>, dataField: string, fileField: string, dir: string, what: string): Material | undefined {
  const data = str(value[dataField]);
  if (data !== undefined) {
    // Never echo the bad value: it may be a private key.
    if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw new ExitError(`${what}: ${dataField} is not base64`);
    return { data: Buffer.from(data, 'base64') };
  }
  const file = str(value[fileField]);
  if (file !== undefined) return { path: isAbsolute(file) ? file : join(dir, file) };
  return undefined;
}

function execConfig(raw: unknown, where: string): ExecConfig {
  if (!isRecord(raw) || str(raw.command) === undefined) throw new ExitError(`${where}: exec needs a command`);
  const args = Array.isArray(raw.args) ? raw.args.map(String) : [];
  const env = Array.isArray(raw.env)
    ? raw.env.filter(isRecord).map((e) => ({ name: String(e.name ?? ''), value: String(e.value ?? '') })).filter((e) => e.name !== '')
    : [];
  const installHint = str(raw.installHint);
  return {
    command: str(raw.command) as string,
    args,
    env,
    apiVersion: str(raw.apiVersion) ?? 'client.authentication.k8s.io/v1',
    ...(installHint === undefined ? {} : { installHint }),
    provideClusterInfo: raw.provideClusterInfo === true,
  };
}

function authSpec(user: Named, where: string): AuthSpec {
  const u = user.value;
  const token = str(u.token);
  if (token !== undefined) return { kind: 'token', token };
  const tokenFile = str(u.tokenFile);
  if (tokenFile !== undefined) return { kind: 'token-file', path: isAbsolute(tokenFile) ? tokenFile : join(user.dir, tokenFile) };
  if (u.exec !== undefined && u.exec !== null) return { kind: 'exec', exec: execConfig(u.exec, where), dir: user.dir };
  const provider = u['auth-provider'];
  if (isRecord(provider)) {
    // The one legacy provider client-go still has is oidc; its current id-token is a bearer token.
    // Refreshing it is kubectl's job (or better, an exec plugin such as kubelogin).
    const config = isRecord(provider.config) ? provider.config : {};
    const idToken = str(config['id-token']);
    if (str(provider.name) === 'oidc' && idToken !== undefined) return { kind: 'token', token: idToken };
    throw new ExitError(`${where}: auth-provider "${str(provider.name) ?? '?'}" is not supported`, {
      hint: 'use an exec credential plugin in the kubeconfig (e.g. kubelogin, gke-gcloud-auth-plugin), or pass --cert FILE',
    });
  }
  const username = str(u.username);
  if (username !== undefined) return { kind: 'basic', username, password: typeof u.password === 'string' ? u.password : '' };
  return { kind: 'none' };
}

/** The connection a context describes: pure, for unit tests; files are read later. */
export function resolveContext(merged: MergedKubeconfig, contextName?: string): ConnectionSpec {
  const files = merged.files.join(delimiter);
  const name = contextName ?? merged.currentContext;
  if (name === undefined) {
    throw new UsageError(`kubeconfig ${files}: no current context`, {
      hint: 'pass --context NAME, or run kubectl config use-context NAME',
    });
  }
  const context = merged.contexts.get(name);
  if (context === undefined) {
    throw new UsageError(`kubeconfig ${files}: no context named "${name}"`, {
      hint: contextName === undefined ? 'fix current-context, or pass --context NAME' : 'kubectl config get-contexts lists the contexts',
    });
  }
  const source = `context "${name}"`;
  const clusterName = str(context.value.cluster);
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (cluster === undefined) {
    throw new ExitError(`kubeconfig ${files}: ${source} names ${clusterName === undefined ? 'no cluster' : `cluster "${clusterName}", which is not defined`}`);
  }
  const server = str(cluster.value.server);
  if (server === undefined) throw new ExitError(`kubeconfig ${files}: cluster "${clusterName}" has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ExitError(`kubeconfig ${files}: cluster "${clusterName}" has an invalid server URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ExitError(`kubeconfig ${files}: cluster "${clusterName}": server must be an http(s) URL`);
  }
  if (str(cluster.value['proxy-url']) !== undefined) {
    throw new ExitError(`kubeconfig ${files}: cluster "${clusterName}" uses proxy-url, which sealkit does not support yet`, {
      hint: 'fetch the public key with kubectl (see docs/operations.md) and pass --cert FILE',
    });
  }
  const userName = str(context.value.user);
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw new ExitError(`kubeconfig ${files}: ${source} names user "${userName}", which is not defined`);
  }
  const userWhere = `kubeconfig ${files}: user "${userName ?? ''}"`;
  const ca = material(cluster.value, 'certificate-authority-data', 'certificate-authority', cluster.dir, `kubeconfig ${files}: cluster "${clusterName}"`);
  const clientCert = user && material(user.value, 'client-certificate-data', 'client-certificate', user.dir, userWhere);
  const clientKey = user && material(user.value, 'client-key-data', 'client-key', user.dir, userWhere);
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new ExitError(`${userWhere}: a client certificate needs both the certificate and its key`);
  }
  const tlsServerName = str(cluster.value['tls-server-name']);
  const namespace = str(context.value.namespace);
  return {
    source,
    server: server.replace(/\/+$/, ''),
    ...(ca === undefined ? {} : { ca }),
    ...(clientCert === undefined ? {} : { clientCert }),
    ...(clientKey === undefined ? {} : { clientKey }),
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
    auth: user === undefined ? { kind: 'none' } : authSpec(user, userWhere),
    ...(namespace === undefined ? {} : { namespace }),
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod's own service account, as client-go's in-cluster config (no kubeconfig anywhere). */
export function inClusterSpec(env: NodeJS.ProcessEnv, saDir = SERVICE_ACCOUNT_DIR): ConnectionSpec | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === '' || port === undefined || port === '') return undefined;
  return {
    source: 'the in-cluster service account',
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: { path: join(saDir, 'ca.crt') },
    insecureSkipTlsVerify: false,
    auth: { kind: 'token-file', path: join(saDir, 'token') },
  };
}

export interface KubeconfigSelection {
  /** `--kubeconfig FILE` */
  kubeconfig?: string | undefined;
  /** `--context NAME` */
  context?: string | undefined;
}

/**
 * The kubeconfig files to read, by kubectl's precedence. `explicit` files must exist;
 * the others are skipped when missing. An empty list means: no kubeconfig at all.
 */
export function kubeconfigPaths(selection: KubeconfigSelection, env: NodeJS.ProcessEnv, home = homedir()): { paths: string[]; explicit: boolean } {
  if (selection.kubeconfig !== undefined && selection.kubeconfig !== '') return { paths: [selection.kubeconfig], explicit: true };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length > 0) return { paths: [...new Set(list)].filter((p) => existsSync(p)), explicit: false };
  const fallback = join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : home, '.kube', 'config');
  return { paths: existsSync(fallback) ? [fallback] : [], explicit: false };
}

/** Reads and parses one kubeconfig; a syntax error gives a position, never the text. */
export async function readKubeconfig(path: string): Promise<KubeconfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new ExitError(`--kubeconfig ${path}: cannot read: ${why}`, { cause: err });
  }
  const doc = yaml().parseDocument(text);
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    throw new ExitError(`kubeconfig ${path}: invalid YAML${at === undefined ? '' : ` at line ${at.line}, column ${at.col}`}`);
  }
  return { path, doc: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/** Finds the cluster to talk to: kubeconfig (flag, KUBECONFIG, ~/.kube/config), else in-cluster. */
export async function loadConnectionSpec(selection: KubeconfigSelection, env: NodeJS.ProcessEnv = process.env): Promise<ConnectionSpec> {
  const { paths } = kubeconfigPaths(selection, env);
  if (paths.length === 0) {
    const inCluster = selection.context === undefined ? inClusterSpec(env) : undefined;
    if (inCluster !== undefined) return inCluster;
    throw new NoClusterError();
  }
  const files = await Promise.all(paths.map(readKubeconfig));
  return resolveContext(mergeKubeconfigs(files), selection.context);
}

/** No kubeconfig anywhere and not in a pod: there is no cluster to ask. */
export class NoClusterError extends UsageError {
  constructor() {
    super('no cluster configured: no --kubeconfig, KUBECONFIG names no existing file, and ~/.kube/config does not exist', {
      hint: 'pass --kubeconfig FILE or set KUBECONFIG',
    });
    this.name = 'NoClusterError';
  }
}
