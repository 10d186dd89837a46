// Shared by the fault drills (test/e2e/faults/*.test.ts): a fast admin client for the real
// apiserver (thousands of objects in seconds, which kubectl cannot do), the apiserver's own request
// counters, an oracle of what every Secret must contain, and a figures table each drill prints.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { requireKube } from '../../infra/env.js';
import { controllerIdentity, createNamespace, ensureCrd, fetchCertPem, kubectl, waitFor } from '../lib/kube.js';
import { seal } from '../lib/seal.js';

export const SS_API = '/apis/sealkit.dev/v1alpha1';
export const ssPath = (ns: string, name?: string) => `${SS_API}/namespaces/${ns}/sealedsecrets${name ? `/${name}` : ''}`;
export const secretPath = (ns: string, name?: string) => `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`;

export class ApiStatusError extends Error {
  constructor(readonly status: number, message: string, readonly retryAfterS?: number) {
    super(message);
  }
}

/**
 * The harness's admin identity over HTTPS with keep-alive, many requests in flight. It counts its
 * own requests, so a drill can subtract them from the apiserver's counters.
 */
export class AdminApi {
  requests = 0;
  /** LIST pages it requested (part of `requests`) */
  listPages = 0;
  private readonly agent: https.Agent;
  private readonly server: URL;
  private readonly token: string;

  constructor() {
    const kube = requireKube();
    this.server = new URL(kube.server);
    this.token = kube.adminToken;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: readFileSync(kube.caFile) });
  }

  /**
   * One API call. An overloaded or restarting apiserver (429, 500, 503, 504, a refused or reset
   * connection) is retried for up to a minute, after Retry-After when given: the drills overload
   * and kill the apiserver's backends on purpose, and the test's own writes must still land.
   */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<any> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, body, contentType);
      } catch (err) {
        const transient = err instanceof ApiStatusError ? [429, 500, 503, 504].includes(err.status) : /ECONNREFUSED|ECONNRESET|socket hang up|timed out/.test(String(err));
        if (!transient || Date.now() > deadline) throw err;
        const after = err instanceof ApiStatusError && err.retryAfterS ? err.retryAfterS * 1000 : Math.min(2000, 100 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, after));
      }
    }
  }

  private once(method: string, path: string, body: unknown, contentType: string): Promise<any> {
    this.requests++;
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          timeout: 60_000,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve(text && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text);
            else reject(new ApiStatusError(code, `${method} ${path}: HTTP ${code} ${text.slice(0, 300)}`, Number(res.headers['retry-after']) || undefined));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Every item of a collection (pages of 500). */
  async list(path: string, query = ''): Promise<any[]> {
    const items: any[] = [];
    let cont = '';
    do {
      this.listPages++;
      const page = await this.request('GET', `${path}?limit=500${query ? `&${query}` : ''}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      items.push(...page.items);
      cont = page.metadata?.continue ?? '';
    } while (cont);
    return items;
  }

  /** Creates or replaces (PUT with the live resourceVersion) an object. */
  async upsert(collection: string, obj: any): Promise<void> {
    try {
      await this.request('POST', collection, obj);
    } catch (err) {
      if (!(err instanceof ApiStatusError) || err.status !== 409) throw err;
      const path = `${collection}/${obj.metadata.name}`;
      for (;;) {
        const live = await this.request('GET', path);
        try {
          await this.request('PUT', path, { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } });
          return;
        } catch (e) {
          if (!(e instanceof ApiStatusError) || e.status !== 409) throw e;
        }
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs fn(i) for i in [0, count) with `concurrency` at a time. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** The apiserver's apiserver_request_total, summed by verb and by code, for some resources. */
export async function apiserverRequests(api: AdminApi, resources?: string[]): Promise<{ total: number; byVerb: Record<string, number>; byCode: Record<string, number> }> {
  const text: string = await api.request('GET', '/metrics');
  const byVerb: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const res = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    if (resources && !resources.includes(res)) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '';
    const code = /code="([^"]*)"/.exec(line)?.[1] ?? '';
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    byVerb[verb] = (byVerb[verb] ?? 0) + v;
    byCode[code] = (byCode[code] ?? 0) + v;
    total += v;
  }
  return { total, byVerb, byCode };
}

/** What each managed Secret must contain: the last value the drill sealed for it. */
export class Oracle {
  readonly expected = new Map<string, Record<string, string>>();

  set(name: string, data: Record<string, string>): void {
    this.expected.set(name, data);
  }

  /**
   * Compares every expected Secret of `ns` with the live ones. lost = missing, blanked = present
   * with no data, wrong = some value differs. Values are compared, never printed.
   */
  async check(api: AdminApi, ns: string): Promise<{ ok: number; lost: string[]; blanked: string[]; wrong: string[] }> {
    const live = new Map((await api.list(secretPath(ns))).map((s) => [s.metadata.name as string, s]));
    const r = { ok: 0, lost: [] as string[], blanked: [] as string[], wrong: [] as string[] };
    for (const [name, want] of this.expected) {
      const s = live.get(name);
      if (!s) r.lost.push(name);
      else if (!s.data || Object.keys(s.data).length === 0) r.blanked.push(name);
      else if (Object.entries(want).some(([k, v]) => Buffer.from(s.data[k] ?? '', 'base64').toString('utf8') !== v)) r.wrong.push(name);
      else r.ok++;
    }
    return r;
  }

  /** Polls until every Secret matches; returns how long it took. */
  async converged(api: AdminApi, ns: string, timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    let last = { ok: 0, lost: [] as string[], blanked: [] as string[], wrong: [] as string[] };
    await waitFor(`${this.expected.size} Secrets in ${ns} to match the oracle`, async () => {
      last = await this.check(api, ns);
      if (last.ok === this.expected.size) return true;
      throw new Error(`ok ${last.ok}, lost ${last.lost.length}, blanked ${last.blanked.length}, wrong ${last.wrong.length}`);
    }, timeoutMs, 1000);
    return Date.now() - t0;
  }
}

/** SealedSecrets sealed with the controller's public key, written N at a time through the admin client. */
export async function writeSealed(api: AdminApi, cert: string, ns: string, items: { name: string; data: Record<string, string> }[], concurrency = 16): Promise<void> {
  await pool(items.length, concurrency, async (i) => {
    const it = items[i]!;
    await api.upsert(ssPath(ns), seal(cert, { namespace: ns, name: it.name, data: it.data }));
  });
}

/** Counts SealedSecrets of `ns` that are Ready for their current generation. */
export async function readyCount(api: AdminApi, ns: string): Promise<number> {
  const items = await api.list(ssPath(ns));
  return items.filter((s) => s.status?.observedGeneration === s.metadata.generation && (s.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
}

/** A controller namespace with deploy/'s ServiceAccount + RBAC, an app namespace, and the CRD. */
export async function controllerSetup(prefix: string): Promise<{ ctlNs: string; app: string; kubeconfig: string }> {
  requireKube({ gc: true });
  await ensureCrd();
  const ctlNs = await createNamespace(`${prefix}-ctl`);
  const app = await createNamespace(`${prefix}-app`);
  const kubeconfig = await controllerIdentity(ctlNs);
  return { ctlNs, app, kubeconfig };
}

export async function dropNamespaces(...names: (string | undefined)[]): Promise<void> {
  for (const ns of names) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
}

export { fetchCertPem };

/** etcd's own /health says so (after a respawn). */
export async function etcdHealthy(): Promise<boolean> {
  const body: any = await fetch(`${requireKube().etcdUrl}/health`).then((r) => r.json()).catch(() => ({}));
  return body.health === 'true';
}

/** Prints a drill's figures as one block the CI log keeps (and docs/operations.md quotes). */
export function printFigures(drill: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  process.stdout.write(`\n[fault drill] ${drill}\n${lines.join('\n')}\n`);
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
