// How long the HTTP API waits for a client. Node's defaults let a client that sends its headers
// and then nothing (or a body one byte a minute) hold a connection for 5 minutes, and only check
// every 30 s: a few hundred such clients would exhaust file descriptors. These bounds are generous
// for the API's small bodies (1 MiB at most) on any real network, and answer 408 when they pass.
import type http from 'node:http';

export const CLIENT_TIMEOUTS: http.ServerOptions = {
  /** the request line and headers must arrive within this */
  headersTimeout: 10_000,
  /** the whole request, body included */
  requestTimeout: 30_000,
  /** how often timed-out connections are looked for */
  connectionsCheckingInterval: 2_000,
};
