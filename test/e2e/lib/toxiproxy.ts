// A small typed client for the Toxiproxy server the harness starts (`up --with toxiproxy`), over
// its HTTP API (https://github.com/Shopify/toxiproxy#http-api), and the two proxies the fault drills
// need: one between a controller replica and the kube-apiserver, one between the controller and Vault.
//
//   const link = await apiserverProxy('leader-a');           // 127.0.0.1:PORT -> the apiserver
//   const kc = kubeconfigVia(controllerKubeconfig, link);     // same credentials, through the proxy
//   const heal = await link.blackhole();                      // stall: bytes dropped, nothing closed
//   await heal();                                             // the link works again
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { requireKube, requireToxiproxy, requireVault } from '../../infra/env.js';

/** Which direction a toxic acts on: upstream = requests towards the server, downstream = answers. */
export type ToxicStream = 'upstream' | 'downstream';

/** The toxics of Toxiproxy v2 that the drills use, with their attributes (times in ms unless noted). */
export type ToxicSpec =
  /** No data passes; the connection is closed after `timeout` ms, or never when 0 (a blackhole). */
  | { type: 'timeout'; attributes: { timeout: number } }
  /** Every chunk is delayed by latency +- jitter. */
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  /** TCP RST on every connection `timeout` ms after it starts (or after the toxic is added). */
  | { type: 'reset_peer'; attributes: { timeout: number } }
  /** At most `rate` KB/s. */
  | { type: 'bandwidth'; attributes: { rate: number } }
  /** Data cut into pieces of average_size +- size_variation bytes, `delay` microseconds apart. */
  | { type: 'slicer'; attributes: { average_size: number; size_variation?: number; delay?: number } }
  /** The connection is closed after `bytes` bytes. */
  | { type: 'limit_data'; attributes: { bytes: number } }
  /** The close is delayed by `delay` ms. */
  | { type: 'slow_close'; attributes: { delay: number } };

export interface ToxicOptions {
  /** Default: both directions (one toxic per direction). */
  stream?: ToxicStream | 'both';
  /** Probability (0..1) that a connection gets the toxic; default 1. */
  toxicity?: number;
}

/** Removes what an add* call added. Idempotent. */
export type Heal = () => Promise<void>;

export class ToxiproxyError extends Error {}

/** The Toxiproxy server's HTTP API. */
export class Toxiproxy {
  constructor(readonly url: string = requireToxiproxy().url) {}

  async request(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new ToxiproxyError(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text.trim().slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /**
   * A new proxy listening on a free 127.0.0.1 port, forwarding to `upstream` (host:port).
   * An old proxy of the same name (a crashed run) is replaced.
   */
  async createProxy(name: string, upstream: string): Promise<Proxy> {
    await this.request('DELETE', `/proxies/${encodeURIComponent(name)}`).catch((err) => {
      if (!(err instanceof ToxiproxyError) || !/HTTP 404/.test(err.message)) throw err;
    });
    const p = await this.request('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, enabled: true });
    return new Proxy(this, p.name, p.listen, upstream);
  }

  /** Every proxy enabled again and every toxic removed (Toxiproxy's POST /reset). */
  async reset(): Promise<void> {
    await this.request('POST', '/reset');
  }
}

/** One proxy: a listen address that forwards to an upstream, with toxics to add and remove. */
export class Proxy {
  private seq = 0;

  constructor(readonly api: Toxiproxy, readonly name: string, readonly listen: string, readonly upstream: string) {}

  get port(): number {
    return Number(this.listen.slice(this.listen.lastIndexOf(':') + 1));
  }

  private get path(): string {
    return `/proxies/${encodeURIComponent(this.name)}`;
  }

  /** Adds a toxic (on both directions unless told) and returns what removes it. */
  async add(spec: ToxicSpec, opts: ToxicOptions = {}): Promise<Heal> {
    const streams: ToxicStream[] = opts.stream === undefined || opts.stream === 'both' ? ['upstream', 'downstream'] : [opts.stream];
    const names: string[] = [];
    try {
      for (const stream of streams) {
        const name = `${spec.type}-${stream}-${++this.seq}`;
        await this.api.request('POST', `${this.path}/toxics`, { name, type: spec.type, stream, toxicity: opts.toxicity ?? 1, attributes: spec.attributes });
        names.push(name);
      }
    } catch (err) {
      await this.removeToxics(names);
      throw err;
    }
    let healed = false;
    return async () => {
      if (healed) return;
      healed = true;
      await this.removeToxics(names);
    };
  }

  private async removeToxics(names: string[]): Promise<void> {
    for (const n of names) {
      await this.api.request('DELETE', `${this.path}/toxics/${encodeURIComponent(n)}`).catch((err) => {
        if (!(err instanceof ToxiproxyError) || !/HTTP 404/.test(err.message)) throw err;
      });
    }
  }

  /** A link that stalls without closing: every byte in both directions is dropped until healed. */
  blackhole(): Promise<Heal> {
    return this.add({ type: 'timeout', attributes: { timeout: 0 } });
  }

  /** latency +- jitter ms on every chunk, both directions. */
  latency(latencyMs: number, jitterMs = 0): Promise<Heal> {
    return this.add({ type: 'latency', attributes: { latency: latencyMs, jitter: jitterMs } });
  }

  /** Every connection reset (TCP RST) `afterMs` after it opens; a reconnect gets the same. */
  resetPeer(afterMs: number): Promise<Heal> {
    return this.add({ type: 'reset_peer', attributes: { timeout: afterMs } }, { stream: 'downstream' });
  }

  /** At most `kbPerSecond` KB/s each way. */
  bandwidth(kbPerSecond: number): Promise<Heal> {
    return this.add({ type: 'bandwidth', attributes: { rate: kbPerSecond } });
  }

  /** Answers cut into small pieces (average `bytes`), `delayUs` microseconds apart. */
  slicer(bytes: number, variation = 0, delayUs = 0): Promise<Heal> {
    return this.add({ type: 'slicer', attributes: { average_size: bytes, size_variation: variation, delay: delayUs } }, { stream: 'downstream' });
  }

  /** Disabled: the listener closes and connections are refused (a link that is down, not stalled). */
  async setEnabled(enabled: boolean): Promise<void> {
    await this.api.request('POST', this.path, { enabled });
  }

  async delete(): Promise<void> {
    await this.api.request('DELETE', this.path).catch((err) => {
      if (!(err instanceof ToxiproxyError) || !/HTTP 404/.test(err.message)) throw err;
    });
  }
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
};

/** A proxy in front of the harness's kube-apiserver. */
export function apiserverProxy(name: string, api = new Toxiproxy()): Promise<Proxy> {
  return api.createProxy(name, hostPort(requireKube().server));
}

/** A proxy in front of a Vault server (the harness's unless `addr` is given). */
export function vaultProxy(name: string, addr = requireVault().addr, api = new Toxiproxy()): Promise<Proxy> {
  return api.createProxy(name, hostPort(addr));
}

/** `addr` (http://host:port) with the proxy's address instead: what a RemoteStore points at. */
export function addrVia(addr: string, proxy: Proxy): string {
  const u = new URL(addr);
  return `${u.protocol}//127.0.0.1:${proxy.port}`;
}

/**
 * A copy of `kubeconfig` (written next to it) whose clusters reach the apiserver through `proxy`:
 * same credentials and CA. The proxy listens on 127.0.0.1, a SAN of the serving cert, so TLS
 * verification still passes without a tls-server-name.
 */
export function kubeconfigVia(kubeconfig: string, proxy: Proxy): string {
  const doc = parse(readFileSync(kubeconfig, 'utf8'));
  for (const c of doc.clusters ?? []) c.cluster.server = addrVia(c.cluster.server, proxy);
  const out = `${kubeconfig}.via-${proxy.name}`;
  writeFileSync(out, stringify(doc), { mode: 0o600 });
  return out;
}
