// Starts the real controller binary as a child process, as tests and benchmarks do.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO, waitFor } from './kube.js';

export const CONTROLLER_BIN = path.join(REPO, 'packages/controller/bin/sealkit-controller.js');

export interface StartOptions {
  kubeconfig: string;
  /** controller namespace (keys, ConfigMap, Lease) */
  namespace: string;
  /** namespaces whose SealedSecrets it handles (tests share one cluster) */
  watchNamespaces: string[];
  identity?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** wait for /readyz (default true) */
  waitReady?: boolean;
}

/** A running sealkit-controller; its JSON log lines are kept for assertions. */
export class ControllerProcess {
  readonly lines: any[] = [];
  private raw = '';
  url = '';
  exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly opts: StartOptions) {
    this.exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))));
    const onData = (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.raw.indexOf('\n')) >= 0) {
        const line = this.raw.slice(0, nl);
        this.raw = this.raw.slice(nl + 1);
        try {
          const obj = JSON.parse(line);
          this.lines.push(obj);
          if (obj.msg === 'starting' && obj.listen) this.url = `http://${obj.listen}`;
        } catch {
          this.lines.push({ text: line });
        }
        if (process.env.SEALKIT_E2E_LOGS) process.stderr.write(`[ctl ${opts.identity ?? ''}] ${line}\n`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  }

  static async start(o: StartOptions): Promise<ControllerProcess> {
    // process.execPath: the Node 24 running this test (the `node` devDependency), never the system one.
    const args = [
      CONTROLLER_BIN,
      '--kubeconfig', o.kubeconfig,
      '--namespace', o.namespace,
      '--watch-namespaces', o.watchNamespaces.join(','),
      '--listen', '127.0.0.1:0',
      ...(o.identity ? ['--identity', o.identity] : []),
      ...(o.args ?? []),
    ];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ControllerProcess(child, o);
    await waitFor('controller to start listening', async () => {
      if (child.exitCode !== null) throw new Error(`controller exited (${child.exitCode}): ${p.logText().slice(-2000)}`);
      return p.url;
    }, 20_000, 50);
    if (o.waitReady !== false) await p.waitReady();
    return p;
  }

  logText(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  has(msg: string, pred: (l: any) => boolean = () => true): boolean {
    return this.lines.some((l) => l.msg === msg && pred(l));
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(`controller ${this.opts.identity ?? ''} /readyz`, async () => {
      if (this.child.exitCode !== null) throw new Error(`controller exited: ${this.logText().slice(-2000)}`);
      const r = await fetch(`${this.url}/readyz`).catch(() => undefined);
      return r?.status === 200;
    }, timeoutMs, 100);
  }

  async metric(name: string, labels = ''): Promise<number | undefined> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
    return line ? Number(line.split(' ').pop()) : undefined;
  }

  async isLeader(): Promise<boolean> {
    return (await this.metric('sealkit_leader')) === 1;
  }

  /** SIGTERM and wait: the graceful path (lease released). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: a crash, nothing released. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }
}
