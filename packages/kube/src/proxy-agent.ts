import http from 'node:http';
import https from 'node:https';
import net, { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * Agents that reach the API server through a proxy (kubeconfig `proxy-url`), as client-go does:
 * http:// and https:// proxies with CONNECT tunnels, socks5:// proxies (RFC 1928, the host name
 * resolved by the proxy, as with `ssh -D`). TLS stays end to end between us and the API server and
 * connections are still pooled per agent. Proxy credentials in the URL (http://user:pass@proxy:3128)
 * are sent to the proxy (Proxy-Authorization, or RFC 1929 for SOCKS) and never shown.
 */

type Callback = (err: Error | null, stream: Duplex) => void;
/** The callback form has no socket to pass on failure. */
const NO_SOCKET = undefined as unknown as Duplex;

const proxyError = (message: string) => Object.assign(new Error(message), { code: 'EPROXY' });

function tunnel(proxy: URL, host: string, port: number, done: (err: Error | null, socket?: Duplex) => void): void {
  if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:') return socksTunnel(proxy, host, port, done);
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
      done(proxyError(`proxy answered CONNECT with HTTP ${res.statusCode}`));
      return;
    }
    done(null, socket);
  });
  req.once('error', (err) => done(err));
  req.end();
}

/** A SOCKS5 CONNECT (RFC 1928), with username/password (RFC 1929) when the URL carries them. */
function socksTunnel(proxy: URL, host: string, port: number, done: (err: Error | null, socket?: Duplex) => void): void {
  const user = Buffer.from(decodeURIComponent(proxy.username));
  const pass = Buffer.from(decodeURIComponent(proxy.password));
  const socket = net.connect(proxy.port === '' ? 1080 : Number(proxy.port), proxy.hostname.replace(/^\[(.*)\]$/, '$1'));
  let buffered = Buffer.alloc(0);
  let step: 'method' | 'auth' | 'connect' = 'method';
  let finished = false;
  const finish = (err: Error | null) => {
    if (finished) return;
    finished = true;
    socket.off('data', onData);
    if (err !== null) {
      socket.destroy();
      done(err);
    } else {
      done(null, socket);
    }
  };
  const sendConnect = () => {
    const family = host.includes('.') && host.includes(':') ? 0 : isIP(host); // v4-in-v6 forms go as names
    const address =
      family === 4
        ? Buffer.from([0x01, ...host.split('.').map(Number)])
        : family === 6
          ? Buffer.concat([Buffer.from([0x04]), ipv6Bytes(host)])
          : Buffer.concat([Buffer.from([0x03, Buffer.byteLength(host)]), Buffer.from(host)]);
    step = 'connect';
    socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), address, Buffer.from([port >> 8, port & 0xff])]));
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (step === 'method') {
      if (buffered.length < 2) return;
      const method = buffered[1];
      buffered = buffered.subarray(2);
      if (method === 0x00) return sendConnect();
      if (method === 0x02 && user.length > 0) {
        step = 'auth';
        socket.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]));
        return;
      }
      return finish(proxyError('the SOCKS proxy accepts none of our authentication methods'));
    }
    if (step === 'auth') {
      if (buffered.length < 2) return;
      const ok = buffered[1] === 0x00;
      buffered = buffered.subarray(2);
      return ok ? sendConnect() : finish(proxyError('the SOCKS proxy refused our username/password'));
    }
    // CONNECT reply: VER REP RSV ATYP BND.ADDR BND.PORT
    if (buffered.length < 5) return;
    if (buffered[1] !== 0x00) return finish(proxyError(`the SOCKS proxy could not connect (reply ${buffered[1]})`));
    const atyp = buffered[3];
    const length = 4 + (atyp === 0x01 ? 4 : atyp === 0x04 ? 16 : 1 + buffered[4]!) + 2;
    if (buffered.length < length) return;
    const rest = buffered.subarray(length);
    finish(null);
    if (rest.length > 0) socket.unshift(rest);
  };
  socket.on('data', onData);
  socket.once('connect', () => {
    socket.write(Buffer.from(user.length > 0 ? [0x05, 0x02, 0x00, 0x02] : [0x05, 0x01, 0x00]));
  });
  socket.once('error', (err) => finish(err));
  socket.once('close', () => finish(proxyError('the SOCKS proxy closed the connection')));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const t = address.includes('::') ? words(tail) : [];
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return Buffer.from(all.flatMap((w) => [w >> 8, w & 0xff]));
}

interface ConnectOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
}

const hostOf = (o: ConnectOptions) => String(o.hostname ?? o.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');

/** TLS to the API server inside a proxy tunnel. */
export class TlsTunnelAgent extends https.Agent {
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

/** Plain HTTP to the API server inside a proxy tunnel (a local or test API server). */
export class PlainTunnelAgent extends http.Agent {
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
