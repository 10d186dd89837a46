import http from 'node:http';
import { encodePublicKeyPem, type VerifyAnswer } from '@sealkit/core';
import { answerBitnami, bitnamiCertificate, isBitnamiManifest, type BitnamiHttpDeps } from '../bitnami/http.js';
import type { KeyringStore } from '../keys/keyring-store.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { errorFields } from '@sealkit/kube';
import { parseSealedSecret, render, RequestError, reseal, verify } from './sealed-ops.js';
import { CLIENT_TIMEOUTS } from './client-timeouts.js';

export interface ServerDeps {
  keys: KeyringStore;
  metrics: Metrics;
  log: Logger;
  /** Why the controller is not ready yet (empty when ready). */
  notReady(): string[];
  maxBodyBytes?: number;
  /** verify/reseal requests per second (token bucket, burst twice that). */
  opsPerSecond?: number;
  /** --bitnami: Bitnami SealedSecrets on /v1/verify and /v1/reseal, and GET /v1/bitnami/cert.pem. */
  bitnami?: BitnamiHttpDeps;
}

const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** A manifest fit to commit: no status, no server-set metadata, no kubectl last-applied copy. */
function cleanManifest(m: any): any {
  const metadata = { ...(m.metadata ?? {}) };
  for (const f of SERVER_FIELDS) delete metadata[f];
  if (metadata.annotations) {
    const { ['kubectl.kubernetes.io/last-applied-configuration']: _drop, ...rest } = metadata.annotations;
    metadata.annotations = rest;
    if (Object.keys(rest).length === 0) delete metadata.annotations;
  }
  const { status: _status, ...restOf } = m;
  return { ...restOf, metadata };
}

/**
 * The controller's HTTP API. Public keys only ever leave; verify answers yes/no per value with
 * a reason; reseal returns ciphertext. Plaintext never appears in a response or a log.
 */
export function createHttpServer(d: ServerDeps): http.Server {
  const maxBody = d.maxBodyBytes ?? 1 << 20;
  const rate = d.opsPerSecond ?? 20;
  let tokens = rate * 2;
  let last = Date.now();
  const take = () => {
    const now = Date.now();
    tokens = Math.min(rate * 2, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const send = (res: http.ServerResponse, route: string, code: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
    d.metrics.httpRequests.inc({ route, code: String(code) });
    res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
    res.end(body);
  };
  const sendJson = (res: http.ServerResponse, route: string, code: number, obj: unknown, extra: Record<string, string> = {}) =>
    send(res, route, code, JSON.stringify(obj, null, 2) + '\n', 'application/json', extra);

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          reject(new RequestError(413, `request body larger than ${maxBody} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://controller');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /healthz':
        return send(res, path, 200, 'ok\n');
      case 'GET /readyz': {
        const why = d.notReady();
        return why.length ? send(res, path, 503, `not ready: ${why.join('; ')}\n`) : send(res, path, 200, 'ok\n');
      }
      case 'GET /metrics':
        return send(res, path, 200, await d.metrics.render(), d.metrics.contentType);
      case 'GET /v1/cert.pem': {
        const active = d.keys.active();
        if (!active?.pair) return send(res, path, 503, 'no key yet: the controller has not loaded or created its key\n');
        return send(res, path, 200, encodePublicKeyPem(active.pair.publicKey), 'application/x-pem-file', { 'X-Sealkit-Key-Id': active.keyId });
      }
      case 'GET /v1/keys':
        return sendJson(res, path, 200, { keys: d.keys.publicKeys() });
      case 'POST /v1/verify':
      case 'POST /v1/reseal': {
        if (!take()) return send(res, path, 429, 'too many requests; retry shortly\n', 'text/plain; charset=utf-8', { 'Retry-After': '1' });
        const unsealer = d.keys.unsealer();
        const active = d.keys.active();
        if (!unsealer || !active?.pair) return send(res, path, 503, 'no keys loaded yet\n');
        const body = await readBody(req);
        const { manifest, format } = parseSealedSecret(body, req.headers['content-type']);
        if (isBitnamiManifest(manifest)) {
          if (!d.bitnami) return sendJson(res, path, 409, bitnamiNotEnabled(manifest));
          const a = answerBitnami(path as '/v1/verify' | '/v1/reseal', manifest, format, req.headers.accept, d.bitnami, active.pair.publicKey);
          return send(res, path, a.code, a.body, a.type, a.headers);
        }
        if (path === '/v1/verify') {
          const { answer, opened } = verify(manifest, unsealer);
          for (const v of opened.values()) v.fill(0);
          return sendJson(res, path, answer.ok ? 200 : 409, answer);
        }
        const own = new Set(d.keys.entries().map((e) => e.keyId));
        const out = reseal(manifest, unsealer, active.pair.publicKey, own);
        if (!out.manifest) return sendJson(res, path, 409, out.answer);
        const wantJson = /json/i.test(String(req.headers.accept ?? '')) || (format === 'json' && !/yaml/i.test(String(req.headers.accept ?? '')));
        const extra: Record<string, string> = { 'X-Sealkit-Key-Id': active.keyId };
        if (out.dropped.length) extra['X-Sealkit-Dropped-Recipients'] = out.dropped.join(',');
        return send(res, path, 200, render(cleanManifest(out.manifest), wantJson ? 'json' : 'yaml'), wantJson ? 'application/json' : 'application/yaml', extra);
      }
      case 'GET /v1/bitnami/cert.pem':
        if (d.bitnami) {
          const a = bitnamiCertificate(d.bitnami);
          return send(res, path, a.code, a.body, a.type);
        }
        return send(res, 'other', 404, 'not found (start the controller with --bitnami)\n');
      default:
        if (['/healthz', '/readyz', '/metrics', '/v1/cert.pem', '/v1/keys', '/v1/verify', '/v1/reseal'].includes(path)) {
          return send(res, 'other', 405, 'method not allowed\n');
        }
        return send(res, 'other', 404, 'not found\n');
    }
  };

  return http.createServer(CLIENT_TIMEOUTS, (req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof RequestError) {
        if (!res.headersSent) send(res, 'error', err.status, err.message + '\n');
        return;
      }
      d.log.error('http handler failed', { path: req.url?.split('?')[0], ...errorFields(err) });
      if (!res.headersSent) send(res, 'error', 500, 'internal error\n');
    });
  });
}

/** The verify answer for a Bitnami SealedSecret sent to a controller without its Bitnami keys. */
function bitnamiNotEnabled(manifest: any): VerifyAnswer {
  const meta = manifest?.metadata ?? {};
  return {
    ok: false,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: typeof meta.name === 'string' ? meta.name : '',
    values: {
      '(manifest)': {
        ok: false,
        reason: 'InvalidSpec',
        message: 'a bitnami.com/v1alpha1 SealedSecret: this controller opens those only when started with --bitnami',
      },
    },
  };
}
