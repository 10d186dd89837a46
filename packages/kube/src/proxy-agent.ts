import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * Agents that reach the API server through an HTTP(S) proxy (kubeconfig `proxy-url`) with
 * CONNECT tunnels, so TLS stays end to end between us and the API server and connections are
 * still pooled per agent. Proxy credentials in the URL (http://user:pass@proxy:3128) are sent as
 * Proxy-Authorization and never shown.
 */

type Callback = (err: Error | null, stream: Duplex) => void;
/** The callback form has no socket to pass on failure. */
const NO_SOCKET = undefined as unknown as Duplex;

function tunnel(proxy: URL, host: string, port: number, done: (err: Error | null, socket?: Duplex) => void): void {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxy.username === '' ? {} : { 'Proxy-Authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` };
  const req = (proxy.protocol === 'https:' ? https : http).request({
    host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port),
    method: 'CONNECT',
    path: target,
    headers: { Host: target, ...auth },
    agent: false,
  });
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      done(Object.assign(new Error(`proxy answered CONNECT with HTTP ${res.statusCode}`), { code: 'EPROXY' }));
      return;
    }
    done(null, socket);
  });
  req.once('error', (err) => done(err));
  req.end();
}

interface ConnectOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
}

const hostOf = (o: ConnectOptions) => String(o.hostname ?? o.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');

/** TLS to the API server inside a CONNECT tunnel. */
export class HttpsProxyAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  // Node's Agent accepts an asynchronous createConnection (callback form); the typings do not say so.
  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    tunnel(this.proxy, hostOf(options), Number(options.port ?? 443), (err, socket) => {
      if (err !== null || socket === undefined) return callback?.(err ?? new Error('proxy tunnel failed'), NO_SOCKET);
      callback?.(null, tls.connect({ ...(options as tls.ConnectionOptions), socket }));
    });
    return undefined;
  }
}

/** Plain HTTP to the API server inside a CONNECT tunnel (a local or test API server). */
export class HttpProxyAgent extends http.Agent {
  constructor(
    private readonly proxy: URL,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    tunnel(this.proxy, hostOf(options), Number(options.port ?? 80), (err, socket) => {
      if (err !== null || socket === undefined) return callback?.(err ?? new Error('proxy tunnel failed'), NO_SOCKET);
      callback?.(null, socket);
    });
    return undefined;
  }
}
