import {
  CONFIGMAP_CERT_FIELD,
  CONTROLLER_HTTP_PATHS,
  CONTROLLER_SERVICE_NAME,
  CONTROLLER_SERVICE_PORT,
  DEFAULT_CONTROLLER_NAMESPACE,
  DROPPED_RECIPIENTS_HEADER,
  KEY_ID_HEADER,
  PUBLIC_KEYS_CONFIGMAP,
  decodePublicKeysPem,
  keyId,
  SCOPES,
  type Scope,
  type ValueVerdict,
  type VerifyAnswer,
} from '@sealkit/core';
import { resourcePath, serviceProxyPath as kubeServiceProxyPath } from '@sealkit/kube';
import { ExitError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { describeStatus, statusReason, type ApiClient, type ApiResponse } from './api.js';

/**
 * What the CLI asks of the sealkit controller through the Kubernetes API (internal): the public
 * keys (ConfigMap, else the controller's /v1/cert.pem through the API server's service proxy),
 * and /v1/verify and /v1/reseal through the same proxy. Only ciphertext and public keys travel.
 */

/** Where the controller runs (docs/operations.md). */
export interface ControllerRef {
  readonly namespace: string;
  /** Name of its Service. */
  readonly name: string;
  /** Name (or number) of the Service port serving the HTTP API. */
  readonly port: string;
}

// The controller's names are @sealkit/core's (the controller publishes under the same ones).
export { DEFAULT_CONTROLLER_NAMESPACE };
export const DEFAULT_CONTROLLER_NAME = CONTROLLER_SERVICE_NAME;
export const DEFAULT_CONTROLLER_PORT = CONTROLLER_SERVICE_PORT;
/** The controller publishes its public keys here, readable by every authenticated user. */
export const CERT_CONFIGMAP = PUBLIC_KEYS_CONFIGMAP;
export const CERT_CONFIGMAP_FIELD = CONFIGMAP_CERT_FIELD;

export function configMapPath(namespace: string, name: string): string {
  return resourcePath({ version: 'v1', resource: 'configmaps', namespace, name });
}

/**
 * The API server's service proxy to the controller's plain-HTTP port:
 * `/api/v1/namespaces/NS/services/http:NAME:PORT/proxy/PATH`.
 */
export function serviceProxyPath(ref: ControllerRef, path: string): string {
  return kubeServiceProxyPath(ref.namespace, ref.name, ref.port, path);
}

/** The resource name RBAC sees for the proxy subresource (resourceNames must list exactly this). */
export function proxyName(ref: ControllerRef): string {
  return `http:${ref.name}:${ref.port}`;
}

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** The active public key of the cluster, and where it came from. */
export interface ClusterCert {
  /** PEM, ending in a newline. */
  readonly pem: string;
  readonly keys: Uint8Array[];
  /** Key id of the (first, i.e. active) key. */
  readonly keyId: string;
  /** `ConfigMap sealkit/sealkit-cert` or `service sealkit/sealkit-controller`. */
  readonly source: string;
}

function checkPem(pem: string, source: string): ClusterCert {
  // A controller would never publish a private key; refuse to pass one on if something did.
  if (PRIVATE_KEY_PEM.test(pem)) throw new ExitError(`${source}: holds a private key instead of a public key; refusing to use it`);
  const keys = withContext(source, () => decodePublicKeysPem(pem));
  const first = keys[0];
  if (first === undefined) throw new ExitError(`${source}: no public key in it`);
  return { pem: pem.endsWith('\n') ? pem : `${pem}\n`, keys, keyId: keyId(first), source };
}

function unauthorized(client: ApiClient, res: ApiResponse): ExitError {
  return new ExitError(`the API server ${client.server} rejected our credentials (${describeStatus(res)})`, {
    hint: 'log in again, or refresh the token of this kubeconfig context (kubectl get ns shows the same)',
  });
}

/** A short text/plain answer of the controller itself (its messages never carry values). */
function controllerText(res: ApiResponse): string | undefined {
  if (!String(res.headers['content-type'] ?? '').startsWith('text/plain')) return undefined;
  const text = res.body.toString('utf8').trim();
  return text.length > 0 && text.length <= 200 && /^[\x20-\x7e]+$/.test(text) ? text : undefined;
}

/**
 * Why a request through the service proxy failed, for one line of an error message. The API
 * server answers 503 both for a missing Service and for one without a ready endpoint; looking
 * the Service up (when we may) tells the two apart.
 */
export async function describeProxyFailure(client: ApiClient, res: ApiResponse, ref: ControllerRef, verb: 'get' | 'create'): Promise<string> {
  const fromApiServer = statusReason(res) !== undefined;
  if (res.status === 403 && fromApiServer) {
    return `${describeStatus(res)}: your user may not ${verb} services/proxy "${proxyName(ref)}" in namespace ${ref.namespace}`;
  }
  if ((res.status === 503 || res.status === 502 || res.status === 404) && fromApiServer) {
    const svc = await client.request({ method: 'GET', path: resourcePath({ version: 'v1', resource: 'services', namespace: ref.namespace, name: ref.name }) }).catch(() => undefined);
    if (svc?.status === 404) return `no Service ${ref.namespace}/${ref.name} (${describeStatus(res)})`;
    const what = svc?.status === 200 ? 'the Service has no ready endpoint (is the controller running?), or the controller does not answer' : 'no ready endpoint, or the controller does not answer';
    return `the API server cannot reach the controller: ${what} (${describeStatus(res)})`;
  }
  const said = controllerText(res);
  return `${describeStatus(res)}${said === undefined ? '' : `: ${said}`}`;
}

/**
 * Fetches the cluster's active public key: from ConfigMap `sealkit-cert` (needs only `get
 * configmaps`, works without a running controller), else from the controller's /v1/cert.pem through
 * the API server's service proxy. When both fail the error says why for each.
 */
export async function fetchClusterCert(client: ApiClient, ref: ControllerRef): Promise<ClusterCert> {
  const failures: string[] = [];
  let forbidden = false;
  const cmName = `ConfigMap ${ref.namespace}/${CERT_CONFIGMAP}`;
  const cm = await client.request({ method: 'GET', path: configMapPath(ref.namespace, CERT_CONFIGMAP) });
  if (cm.status === 401) throw unauthorized(client, cm);
  if (cm.status === 200) {
    let pem: unknown;
    try {
      pem = (JSON.parse(cm.body.toString('utf8')) as { data?: Record<string, unknown> }).data?.[CERT_CONFIGMAP_FIELD];
    } catch {
      pem = undefined;
    }
    if (typeof pem === 'string' && pem.trim() !== '') return checkPem(pem, cmName);
    failures.push(`${cmName} has no ${CERT_CONFIGMAP_FIELD}`);
  } else if (cm.status === 404) {
    failures.push(`${cmName} not found`);
  } else {
    forbidden = cm.status === 403;
    failures.push(`${cmName}: ${describeStatus(cm)}`);
  }

  const svcName = `service ${ref.namespace}/${ref.name}:${ref.port} (API server proxy)`;
  const proxied = await client.request({
    method: 'GET',
    path: serviceProxyPath(ref, CONTROLLER_HTTP_PATHS.cert),
    accept: 'application/x-pem-file, text/plain;q=0.5',
  });
  if (proxied.status === 401) throw unauthorized(client, proxied);
  if (proxied.status === 200) return checkPem(proxied.body.toString('utf8'), `${svcName} /v1/cert.pem`);
  if (proxied.status === 403) forbidden = true;
  failures.push(`${svcName}: ${await describeProxyFailure(client, proxied, ref, 'get')}`);

  throw new ExitError(`cannot get the cluster's public key: ${failures.join('; ')}`, {
    hint: forbidden
      ? `ask for "get" on configmaps/${CERT_CONFIGMAP} in namespace ${ref.namespace} (deploy/rbac.yaml grants it to all authenticated users), or pass --cert FILE`
      : `is the sealkit controller installed in namespace ${ref.namespace}? Point at it with --controller-namespace/--controller-name, or pass --cert FILE to work offline`,
  });
}

function cleanText(value: unknown, max = 500): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Reads a verify answer defensively: only the documented fields, as the documented types. */
export function parseVerifyAnswer(body: Buffer): VerifyAnswer | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.ok !== 'boolean' || typeof r.values !== 'object' || r.values === null) return undefined;
  const values: Record<string, ValueVerdict> = {};
  for (const [key, v] of Object.entries(r.values as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) return undefined;
    const x = v as Record<string, unknown>;
    const verdict: ValueVerdict = { ok: x.ok === true };
    if (typeof x.scope === 'string' && (SCOPES as readonly string[]).includes(x.scope)) verdict.scope = x.scope as Scope;
    if (Array.isArray(x.keyIds)) verdict.keyIds = x.keyIds.filter((id): id is string => typeof id === 'string');
    const reason = cleanText(x.reason, 60);
    if (reason !== undefined) verdict.reason = reason;
    const message = cleanText(x.message);
    if (message !== undefined) verdict.message = message;
    values[key] = verdict;
  }
  return { ok: r.ok, namespace: String(r.namespace ?? ''), name: String(r.name ?? ''), values };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs to the controller through the proxy; waits and retries when it rate-limits (429). */
async function postToController(client: ApiClient, ref: ControllerRef, path: string, body: string): Promise<ApiResponse> {
  for (let attempt = 1; ; attempt++) {
    const res = await client.request({ method: 'POST', path: serviceProxyPath(ref, path), body, contentType: 'application/json', accept: 'application/json' });
    if (res.status === 401) throw unauthorized(client, res);
    if (res.status !== 429 || attempt >= 8) return res;
    const after = Number(res.headers['retry-after']);
    await sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 500 * attempt, 5000));
  }
}

async function proxyError(client: ApiClient, res: ApiResponse, ref: ControllerRef, what: string, endpoint: string): Promise<ExitError> {
  const forbidden = res.status === 403 && statusReason(res) !== undefined;
  const why = await describeProxyFailure(client, res, ref, 'create');
  return new ExitError(`${what}: the controller could not check it: ${endpoint} via service ${ref.namespace}/${ref.name}: ${why}`, {
    hint: forbidden
      ? `ask for "create" on services/proxy (resourceNames: ${proxyName(ref)}) in namespace ${ref.namespace}; see "Permissions" in docs/cli.md`
      : `is the sealkit controller running in namespace ${ref.namespace}? (kubectl -n ${ref.namespace} get endpoints ${ref.name}); point at it with --controller-namespace/--controller-name`,
  });
}

/** Asks the controller whether every value of one SealedSecret opens in this cluster. */
export async function verifyOnCluster(client: ApiClient, ref: ControllerRef, manifest: object, what: string): Promise<VerifyAnswer> {
  const res = await postToController(client, ref, CONTROLLER_HTTP_PATHS.verify, JSON.stringify(manifest));
  if (res.status === 200 || res.status === 409) {
    const answer = parseVerifyAnswer(res.body);
    if (answer !== undefined) return answer;
  }
  throw await proxyError(client, res, ref, what, 'POST /v1/verify');
}

export type ResealResult =
  | { ok: true; manifest: Record<string, unknown>; keyId?: string; droppedRecipients: string[] }
  | { ok: false; answer: VerifyAnswer };

/** Asks the controller to re-seal one SealedSecret to its active key. Only ciphertext travels. */
export async function resealOnCluster(client: ApiClient, ref: ControllerRef, manifest: object, what: string): Promise<ResealResult> {
  const res = await postToController(client, ref, CONTROLLER_HTTP_PATHS.reseal, JSON.stringify(manifest));
  if (res.status === 409) {
    const answer = parseVerifyAnswer(res.body);
    if (answer !== undefined) return { ok: false, answer };
  }
  if (res.status === 200) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const header = (name: string) => {
        const v = res.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const id = header(KEY_ID_HEADER.toLowerCase());
      const dropped = (header(DROPPED_RECIPIENTS_HEADER.toLowerCase()) ?? '').split(',').map((s) => s.trim()).filter((s) => /^[0-9a-f]+$/.test(s));
      return { ok: true, manifest: parsed as Record<string, unknown>, ...(id !== undefined && /^[0-9a-f]+$/.test(id) ? { keyId: id } : {}), droppedRecipients: dropped };
    }
    throw new ExitError(`${what}: POST /v1/reseal answered 200 without a SealedSecret in JSON`);
  }
  throw await proxyError(client, res, ref, what, 'POST /v1/reseal');
}
