import type { IncomingHttpHeaders } from 'node:http';
import {
  describeHttpStatus,
  describeNetworkError,
  ExecPluginError,
  KubeconfigError,
  ResponseTooLargeError,
  statusReasonOf,
  type HttpKubeClient,
  type RawRequest,
} from '@sealkit/kube';
import { ExitError } from '../errors.js';

/**
 * The CLI's view of the Kubernetes API (internal): raw answers (the controller answers through the
 * API server's service proxy with PEM, text or JSON), and failures to reach the cluster as one-line
 * ExitErrors naming the server and the context. The transport is @sealkit/kube's.
 */

export interface ApiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute API path, e.g. `/api/v1/namespaces/sealkit/configmaps/sealkit-cert`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
}

/** The transport commands use: one method, so tests can hand in a fake. */
export interface ApiClient {
  /** The API server, for messages (`https://10.0.0.1:6443`). */
  readonly server: string;
  /** Resolves for any HTTP status; rejects (ExitError) when the API server cannot be reached at all. */
  request(req: ApiRequest): Promise<ApiResponse>;
}

/** Responses are public keys or SealedSecrets: anything much larger is not what we asked for. */
export const MAX_RESPONSE_BYTES = 8 << 20;

/** Wraps a kube client: network failures, deadlines and oversized answers become one-line ExitErrors. */
export function cliApiClient(client: HttpKubeClient, source: string): ApiClient {
  return {
    server: client.server,
    async request(req) {
      const raw: RawRequest = {
        method: req.method,
        path: req.path,
        ...(req.body === undefined ? {} : { body: req.body }),
        ...(req.contentType === undefined ? {} : { contentType: req.contentType }),
        ...(req.accept === undefined ? {} : { accept: req.accept }),
      };
      try {
        return await client.send(raw);
      } catch (err) {
        if (err instanceof ResponseTooLargeError) {
          throw new ExitError(`the API server ${client.server} sent a response larger than ${err.limit} bytes`, { cause: err });
        }
        // Credentials that could not be had are not a network problem: the caller reports them.
        if (err instanceof ExitError || err instanceof ExecPluginError || err instanceof KubeconfigError) throw err;
        const { reason, hint } = describeNetworkError(err);
        throw new ExitError(`cannot reach the API server ${client.server} (${source}): ${reason}`, { hint, cause: err });
      }
    },
  };
}

/** The reason of a Kubernetes `Status` error body (`Forbidden`, `NotFound`, ...); its message is not used. */
export function statusReason(res: ApiResponse): string | undefined {
  return statusReasonOf(res.body, String(res.headers['content-type'] ?? ''));
}

/**
 * `HTTP 403 Forbidden`, for messages. Deliberately built from the status code and the Status
 * reason only: API error bodies can echo request content, which here may be ciphertext or
 * (from a misbehaving proxy) anything else.
 */
export function describeStatus(res: ApiResponse): string {
  return describeHttpStatus(res.status, statusReason(res));
}
