import { spawn } from 'node:child_process';
import { ExecPluginError } from './errors.js';
import type { ExecConfig } from './kubeconfig.js';

/**
 * client.authentication.k8s.io credential plugins (kubeconfig `exec`: aws eks get-token,
 * gke-gcloud-auth-plugin, kubelogin, ...), run as client-go runs them: KUBERNETES_EXEC_INFO in the
 * environment, the stanza's env on top of ours, stderr passed through (plugins print login prompts
 * there), stdin never given (it may be the Secret being sealed). What the plugin prints on stdout is
 * a credential and never appears in an error.
 */

/** What a plugin returned: a bearer token and/or a client certificate (PEM), and until when. */
export interface ExecCredential {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** ms since the epoch; undefined: valid until the server says otherwise (a 401). */
  expiresAt?: number;
}

/** The cluster described to plugins that ask for it (`provideClusterInfo: true`). */
export interface ExecClusterInfo {
  server: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
  caData?: Buffer;
  proxyUrl?: string;
}

const MAX_OUTPUT = 1 << 20;

export function runExecPlugin(exec: ExecConfig, cluster: ExecClusterInfo, signal?: AbortSignal): Promise<ExecCredential> {
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo
        ? {
            cluster: {
              server: cluster.server,
              ...(cluster.tlsServerName === undefined ? {} : { 'tls-server-name': cluster.tlsServerName }),
              'insecure-skip-tls-verify': cluster.insecureSkipTlsVerify,
              ...(cluster.caData === undefined ? {} : { 'certificate-authority-data': cluster.caData.toString('base64') }),
              ...(cluster.proxyUrl === undefined ? {} : { 'proxy-url': cluster.proxyUrl }),
            },
          }
        : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const { name, value } of exec.env) env[name] = value;
  const what = `kubeconfig exec plugin "${exec.command}"`;
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, { env, stdio: ['ignore', 'pipe', 'inherit'], ...(signal === undefined ? {} : { signal }) });
    const out: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_OUTPUT) out.push(c);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') return reject(signal?.reason ?? err);
      reject(new ExecPluginError(`${what}: ${err.code === 'ENOENT' ? 'not found' : 'cannot run'}`, exec.installHint ?? 'install it, or put it on PATH', { cause: err }));
    });
    child.on('close', (code) => {
      if (signal?.aborted) return reject(signal.reason);
      if (code !== 0) {
        reject(new ExecPluginError(`${what} failed (exit ${code ?? 'signal'})`, 'run it yourself to see why (a login may have expired)'));
        return;
      }
      try {
        resolve(parseExecCredential(Buffer.concat(out), exec.apiVersion, what));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Reads an ExecCredential defensively; errors name what is missing, never what was there. */
export function parseExecCredential(stdout: Buffer, apiVersion: string, what: string): ExecCredential {
  let parsed: { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> };
  try {
    parsed = JSON.parse(stdout.toString('utf8')) as typeof parsed;
  } catch {
    throw new ExecPluginError(`${what} did not print an ExecCredential (JSON) on stdout`);
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.kind !== 'ExecCredential') {
    throw new ExecPluginError(`${what} did not print an ExecCredential (JSON) on stdout`);
  }
  if (parsed.apiVersion !== apiVersion) {
    // client-go refuses a mismatch: the two versions do not mean the same fields.
    throw new ExecPluginError(`${what} answered in a different apiVersion than the kubeconfig asks for (${apiVersion})`);
  }
  const status = parsed.status ?? {};
  const token = typeof status.token === 'string' && status.token !== '' ? status.token : undefined;
  const cert = typeof status.clientCertificateData === 'string' && status.clientCertificateData !== '' ? Buffer.from(status.clientCertificateData) : undefined;
  const key = typeof status.clientKeyData === 'string' && status.clientKeyData !== '' ? Buffer.from(status.clientKeyData) : undefined;
  if ((cert === undefined) !== (key === undefined)) throw new ExecPluginError(`${what} returned a client certificate without its key (or a key without its certificate)`);
  if (token === undefined && cert === undefined) {
    throw new ExecPluginError(`${what} returned no credential (expected status.token or status.clientCertificateData/clientKeyData)`);
  }
  const expiresAt = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
  return {
    ...(token === undefined ? {} : { token }),
    ...(cert === undefined || key === undefined ? {} : { cert, key }),
    ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
  };
}
