// The controller image as it runs in a cluster: built by deploy/image/build.sh (no Docker daemon,
// no base image), checked for reproducibility and content, then unpacked and run with runc exactly
// as deploy/deployment.yaml describes the pod (user, read-only root, /tmp emptyDir, capabilities,
// no new privileges, the ServiceAccount token from a TokenRequest mounted where client libraries
// look for it, the in-cluster environment), two containers at once against the real apiserver.
// Host network, as the apiserver listens on loopback; so each container gets its own port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireKube } from '../../infra/env.js';
import { DEPLOY, REPO, apply, controllerIdentity, createNamespace, decoded, fetchCertPem, getJson, kubectl, readDeployDocs, suffix, waitFor, waitReady } from '../lib/kube.js';
import { seal } from '../lib/seal.js';
import { ensureRemoteCrds } from '../remote-support.js';
import { exec, type Ran } from './tools.js';

const BUILD = path.join(DEPLOY, 'image/build.sh');
const EPOCH = '1767225600'; // any fixed SOURCE_DATE_EPOCH: both builds must agree
const work = mkdtempSync(path.join(tmpdir(), 'sealkit-image-'));
const sfx = suffix();

/** Reads an OCI layout's single image: its config and manifest. */
function ociImage(layout: string): { digest: string; manifest: any; config: any } {
  const blob = (d: string) => JSON.parse(readFileSync(path.join(layout, 'blobs/sha256', d.replace(/^sha256:/, '')), 'utf8'));
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const digest = index.manifests[0].digest;
  const manifest = blob(digest);
  return { digest, manifest, config: blob(manifest.config.digest) };
}

const deployment = readDeployDocs('deployment.yaml').find((d) => d.kind === 'Deployment');
const podSpec = deployment.spec.template.spec;
const container = podSpec.containers[0];

let digests: string[] = [];
let buildLog = '';
let buildSeconds = 0;
let image: ReturnType<typeof ociImage>;
let rootfs: string;

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('the image suite needs root: umoci unpacks image layers with their owners and runc starts containers (.ci/run runs as root; locally: sudo -E env PATH="$PATH" npx vitest run --project e2e test/e2e/install/image.test.ts)');
  }
  for (const out of ['oci-a', 'oci-b']) {
    const t0 = Date.now();
    const r = await exec('bash', [BUILD, '--out', path.join(work, out)], { env: { SOURCE_DATE_EPOCH: EPOCH } });
    buildSeconds ||= (Date.now() - t0) / 1000;
    buildLog ||= r.stderr;
    digests.push(r.stdout.trim());
  }
  image = ociImage(path.join(work, 'oci-a'));
  // umoci turns the image into a runtime bundle (rootfs + an OCI runtime config from the image config)
  await exec('umoci', ['unpack', '--image', `${path.join(work, 'oci-a')}:${image.config.config.Labels['org.opencontainers.image.version']}`, path.join(work, 'bundle')]);
  rootfs = path.join(work, 'bundle/rootfs');
  const size = /size: .*/.exec(buildLog)?.[0];
  process.stderr.write(`image: ${digests[0]}, ${size}, first build ${buildSeconds.toFixed(1)}s\n`);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('deploy/image/build.sh', () => {
  it('is reproducible: two builds give the same digest', () => {
    expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digests[1]).toBe(digests[0]);
    expect(image.digest).toBe(digests[0]);
  });

  it('carries the OCI labels: source, version, revision, created from SOURCE_DATE_EPOCH', async () => {
    const labels = image.config.config.Labels;
    const head = (await exec('git', ['-C', REPO, 'rev-parse', 'HEAD'])).stdout.trim();
    const version = JSON.parse(readFileSync(path.join(REPO, 'packages/controller/package.json'), 'utf8')).version;
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//),
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': head,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.created': new Date(Number(EPOCH) * 1000).toISOString().replace('.000Z', 'Z'),
    });
    expect(image.manifest.annotations['org.opencontainers.image.revision']).toBe(head);
    expect(image.config.created).toBe(labels['org.opencontainers.image.created']);
  });

  it('is a valid OCI image for other tools too (skopeo reads its config)', async () => {
    const r = JSON.parse((await exec('skopeo', ['inspect', '--config', `oci:${path.join(work, 'oci-a')}`])).stdout);
    expect(r.config.User).toBe('65532:65532');
    expect(r.rootfs.diff_ids).toHaveLength(1);
  });

  it('runs as UID/GID 65532, the user the Deployment names, with the Node 24 binary and the app', () => {
    expect(image.config.config.User).toBe(`${podSpec.securityContext.runAsUser}:${podSpec.securityContext.runAsGroup}`);
    expect(existsSync(path.join(rootfs, 'usr/local/bin/node'))).toBe(true);
    expect(existsSync(path.join(rootfs, 'app/bin/sealkit-controller.js'))).toBe(true);
    expect(readFileSync(path.join(rootfs, 'etc/ssl/certs/ca-certificates.crt'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('has no shell, no npm and no package manager; no maps, declarations or test helpers in the app', () => {
    for (const p of ['bin/sh', 'bin/bash', 'usr/bin/sh', 'usr/bin/dpkg', 'usr/bin/apt-get', 'usr/local/bin/npm', 'usr/local/lib/node_modules']) expect(existsSync(path.join(rootfs, p)), p).toBe(false);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(rootfs, p));
      }
    };
    walk(path.join(rootfs, 'app'));
    expect(files.filter((f) => /\.map$|\.d\.ts$|tsbuildinfo|test-support/.test(f))).toEqual([]);
    // the production dependencies are there (pnpm links them into node_modules)
    expect(existsSync(path.join(rootfs, 'app/node_modules/@sealkit/kube/package.json'))).toBe(true);
    expect(existsSync(path.join(rootfs, 'app/node_modules/yaml/package.json'))).toBe(true);
    // client-node is a test-only reference (@sealkit/kube's differential test): never shipped
    expect(existsSync(path.join(rootfs, 'app/node_modules/@kubernetes/client-node'))).toBe(false);
    expect(existsSync(path.join(rootfs, 'app/node_modules/vitest'))).toBe(false);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1).map((s) => `FROM ${s}`);
  const final = stages.at(-1)!;
  const instr = (stage: string, name: string) => stage.replace(/\\\n/g, ' ').split('\n').filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

  it('builds its root with the same script and package list, and adds nothing else to the final image', () => {
    expect(final).toMatch(/^FROM scratch$/m);
    expect(instr(final, 'COPY')).toEqual(['--from=root /rootfs/ /']);
    expect(instr(final, 'RUN')).toEqual([]);
    const root = stages.find((s) => /^FROM \S+ AS root$/m.test(s))!;
    expect(instr(root, 'RUN').join('\n')).toContain('/image/rootfs.sh /rootfs /debs /node /app');
    expect(instr(root, 'RUN').join('\n')).toContain("apt-get download -q $(grep -v '^#' /image/packages.txt)");
    expect(instr(root, 'COPY')).toContain('deploy/image/packages.txt deploy/image/rootfs.sh /image/');
  });

  it('takes the same Node.js version as the workspace (the npm node package build.sh uses)', () => {
    const pinned = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).devDependencies.node;
    expect(/^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pinned);
  });

  it('sets the same user, entrypoint, command, environment, working directory, port and labels as build.sh', () => {
    const c = image.config.config;
    expect(instr(final, 'USER')).toEqual([c.User]);
    expect(JSON.parse(instr(final, 'ENTRYPOINT')[0]!)).toEqual(c.Entrypoint);
    expect(JSON.parse(instr(final, 'CMD')[0]!)).toEqual(c.Cmd);
    expect(instr(final, 'WORKDIR')).toEqual([c.WorkingDir]);
    expect(instr(final, 'EXPOSE').map((p) => `${p}/tcp`)).toEqual(Object.keys(c.ExposedPorts));
    expect(instr(final, 'ENV')[0]!.split(' ')).toEqual(c.Env);
    const labelKeys = [...instr(final, 'LABEL')[0]!.matchAll(/(org\.opencontainers\.image\.[a-z]+)=/g)].map((m) => m[1]).sort();
    expect(labelKeys).toEqual(Object.keys(c.Labels).filter((k) => k !== 'org.opencontainers.image.created').sort());
  });

  it('the root its steps produce has the same files as the image build.sh wrote', async () => {
    // The Dockerfile's root stage, run here: its inputs are what its other stages and apt-get
    // provide (the .deb files of packages.txt, the Node binary, the app from pnpm deploy --prod).
    // Docker itself is not available; the same script gets the same inputs.
    const stage = path.join(work, 'docker-root');
    mkdirSync(path.join(stage, 'debs'), { recursive: true });
    const pkgs = readFileSync(path.join(DEPLOY, 'image/packages.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    await exec('bash', ['-c', `chmod 0755 "$1" "$1/debs" && cd "$1/debs" && apt-get download -q ${pkgs.join(' ')}`, 'bash', stage]);
    await exec('npx', ['-y', 'pnpm@10.34.8', '--dir', REPO, '--filter', '@sealkit/controller', 'deploy', '--prod', '--legacy', path.join(stage, 'app')]);
    await exec('rm', ['-f', path.join(stage, 'app/node_modules/.modules.yaml'), path.join(stage, 'app/node_modules/.pnpm/lock.yaml')]);
    await exec(path.join(DEPLOY, 'image/rootfs.sh'), [path.join(stage, 'rootfs'), path.join(stage, 'debs'), path.join(REPO, 'node_modules/node/bin/node'), path.join(stage, 'app')]);
    const list = async (dir: string) => (await exec('bash', ['-c', 'cd "$1" && find . -mindepth 1 -printf "%P %y %m\\n" | LC_ALL=C sort', 'bash', dir])).stdout;
    const docker = await list(path.join(stage, 'rootfs'));
    expect(docker.split('\n').length).toBeGreaterThan(1000);
    expect(docker).toBe(await list(rootfs));
  });
});

// ---- running it as the pod would -------------------------------------------------------------

interface Container {
  id: string;
  pod: string;
  port: number;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

let ns: string;
let appNs: string;
const containers: Container[] = [];

/** Memory quantity (Mi/Gi) to bytes. */
const bytes = (q: string) => Number(/^(\d+)/.exec(q)![1]) * (q.endsWith('Gi') ? 1 << 30 : q.endsWith('Mi') ? 1 << 20 : 1);

/** The OCI runtime config for one replica: the image's, shaped by the Deployment's pod spec. */
function runtimeConfig(base: any, pod: string, port: number, saDir: string): any {
  const kube = requireKube();
  const server = new URL(kube.server);
  const cfg = structuredClone(base);
  const sc = { ...podSpec.securityContext, ...container.securityContext };
  cfg.process.terminal = false;
  // Kubernetes `args` replace the image's Cmd; the Entrypoint stays. Only --listen changes: two
  // replicas share the host network here.
  cfg.process.args = [...image.config.config.Entrypoint, ...container.args.map((a: string) => (a.startsWith('--listen=') ? `--listen=127.0.0.1:${port}` : a))];
  const fieldRef: Record<string, string> = { 'metadata.namespace': ns, 'metadata.name': pod };
  cfg.process.env = [
    ...cfg.process.env,
    ...container.env.map((e: any) => `${e.name}=${e.value ?? fieldRef[e.valueFrom.fieldRef.fieldPath]}`),
    `KUBERNETES_SERVICE_HOST=${server.hostname}`,
    `KUBERNETES_SERVICE_PORT=${server.port}`,
  ];
  cfg.process.user = { uid: sc.runAsUser, gid: sc.runAsGroup };
  cfg.process.noNewPrivileges = sc.allowPrivilegeEscalation === false;
  expect(sc.capabilities.drop).toEqual(['ALL']);
  cfg.process.capabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
  cfg.root = { path: rootfs, readonly: sc.readOnlyRootFilesystem === true };
  for (const m of container.volumeMounts) {
    const vol = podSpec.volumes.find((v: any) => v.name === m.name);
    expect(vol.emptyDir, `volume ${m.name} is an emptyDir`).toBeDefined();
    cfg.mounts.push({ destination: m.mountPath, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${bytes(vol.emptyDir.sizeLimit)}`] });
  }
  if (podSpec.automountServiceAccountToken !== false) {
    cfg.mounts.push({ destination: '/var/run/secrets/kubernetes.io/serviceaccount', type: 'bind', source: saDir, options: ['rbind', 'ro'] });
  }
  cfg.linux.namespaces = cfg.linux.namespaces.filter((n: any) => n.type !== 'network'); // hostNetwork
  cfg.linux.resources = { ...cfg.linux.resources, memory: { limit: bytes(container.resources.limits.memory) } };
  cfg.hostname = pod;
  return cfg;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as any).port;
      s.close(() => resolve(p));
    });
  });
}

async function startContainer(pod: string, saDir: string): Promise<Container> {
  const base = JSON.parse(readFileSync(path.join(work, 'bundle/config.json'), 'utf8'));
  const port = await freePort();
  const bundle = path.join(work, `bundle-${pod}`);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(runtimeConfig(base, pod, port, saDir)));
  const id = `sealkit-e2e-${sfx}-${pod.slice(-1)}`;
  const child = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  const c: Container = { id, pod, port, child, log: '', exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  child.stdout!.on('data', (d) => (c.log += d));
  child.stderr!.on('data', (d) => (c.log += d));
  containers.push(c);
  return c;
}

const get = (c: Container, p: string) => fetch(`http://127.0.0.1:${c.port}${p}`).catch(() => undefined);
async function isLeader(c: Container): Promise<boolean> {
  const text = await (await get(c, '/metrics'))?.text();
  return /^sealkit_leader 1$/m.test(text ?? '');
}
/** Runs node inside the container (as its user, with its namespaces), as a probe or check would. */
async function inside(c: Container, script: string): Promise<Ran> {
  const sc = { ...podSpec.securityContext, ...container.securityContext };
  return exec('runc', ['exec', '--user', `${sc.runAsUser}:${sc.runAsGroup}`, '--no-new-privs', c.id, '/usr/local/bin/node', '-e', script], { allowFail: true });
}

describe('run with runc as deploy/deployment.yaml says', () => {
  let a: Container;
  let b: Container;

  beforeAll(async () => {
    requireKube();
    await ensureRemoteCrds();
    ns = await createNamespace('img');
    appNs = await createNamespace('img-app');
    await controllerIdentity(ns); // deploy's ServiceAccount and RBAC, in this namespace
    const kube = requireKube();
    for (const pod of ['sealkit-controller-a', 'sealkit-controller-b']) {
      // What the kubelet mounts: a TokenRequest token for the pod's ServiceAccount, the CA, the namespace.
      const saDir = path.join(work, `sa-${pod}`);
      mkdirSync(saDir, { recursive: true });
      const token = (await kubectl(['create', 'token', podSpec.serviceAccountName, '-n', ns, '--duration=1h'])).stdout.trim();
      writeFileSync(path.join(saDir, 'token'), token);
      writeFileSync(path.join(saDir, 'ca.crt'), readFileSync(kube.caFile));
      writeFileSync(path.join(saDir, 'namespace'), ns);
      await exec('chmod', ['-R', 'a+rX', saDir]);
      const c = await startContainer(pod, saDir);
      if (pod.endsWith('a')) a = c;
      else b = c;
    }
  }, 300_000);

  afterAll(async () => {
    for (const c of containers) {
      await exec('runc', ['kill', c.id, 'KILL'], { allowFail: true });
      await exec('runc', ['delete', '--force', c.id], { allowFail: true });
    }
    for (const n of [ns, appNs]) if (n) await kubectl(['delete', 'namespace', n, '--wait=false'], { allowFail: true });
  });

  it('both answer the liveness and readiness probes, from the host (as the kubelet) and from inside', async () => {
    for (const c of [a, b]) {
      await waitFor(`${c.pod} readiness`, async () => {
        if (c.child.exitCode !== null) throw new Error(`${c.pod} exited ${c.child.exitCode}: ${c.log.slice(-2000)}`);
        return (await get(c, container.readinessProbe.httpGet.path))?.status === 200;
      }, 60_000, 250);
      expect((await get(c, container.livenessProbe.httpGet.path))?.status).toBe(200);
      for (const probe of [container.livenessProbe, container.readinessProbe]) {
        const r = await inside(c, `fetch('http://127.0.0.1:${c.port}${probe.httpGet.path}').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(2))`);
        expect(r.code, `${c.pod} ${probe.httpGet.path} from inside: ${r.stderr}`).toBe(0);
      }
    }
  });

  it('runs as 65532 with no capabilities, no new privileges, a read-only root and a writable /tmp', async () => {
    const r = await inside(a, `
      const fs = require('node:fs');
      const st = fs.readFileSync('/proc/self/status', 'utf8');
      const field = (n) => new RegExp('^' + n + ':\\\\s*(\\\\S+)', 'm').exec(st)[1];
      let rootWritable = true; try { fs.writeFileSync('/app/x', 'x'); } catch (e) { rootWritable = e.code; }
      fs.writeFileSync('/tmp/x', 'x');
      console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), capEff: field('CapEff'), capBnd: field('CapBnd'), noNewPrivs: field('NoNewPrivs'), rootWritable, node: process.version,
        sa: fs.readdirSync('/var/run/secrets/kubernetes.io/serviceaccount').sort() }));`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      uid: 65532, gid: 65532, capEff: '0000000000000000', capBnd: '0000000000000000', noNewPrivs: '1', rootWritable: 'EROFS',
      node: expect.stringMatching(/^v24\./), sa: ['ca.crt', 'namespace', 'token'],
    });
  });

  it('one becomes leader (the Lease names it), the other stands by; the leader publishes the key', async () => {
    const leader = await waitFor('a leader', async () => {
      const [la, lb] = [await isLeader(a), await isLeader(b)];
      return la !== lb ? (la ? a : b) : undefined;
    }, 60_000, 250);
    const lease = await getJson(['lease', 'sealkit-controller', '-n', ns]);
    expect(lease.spec.holderIdentity).toBe(leader.pod);
    const cert = await fetchCertPem(ns);
    expect(cert).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('turns a SealedSecret into a Secret', async () => {
    const cert = await fetchCertPem(ns);
    await apply(seal(cert, { namespace: appNs, name: 'db', data: { password: 'from-the-image' } }));
    await waitReady(appNs, 'db', 'True', 60_000);
    expect(decoded(await getJson(['secret', 'db', '-n', appNs]))).toEqual({ password: 'from-the-image' });
  });

  it('stops cleanly on SIGTERM within terminationGracePeriodSeconds; the standby takes over', async () => {
    const leader = (await isLeader(a)) ? a : b;
    const standby = leader === a ? b : a;
    const grace = podSpec.terminationGracePeriodSeconds * 1000;
    const t0 = Date.now();
    await exec('runc', ['kill', leader.id, 'TERM']);
    const code = await Promise.race([leader.exited, new Promise((r) => setTimeout(() => r('still running'), grace))]);
    expect(code, leader.log.slice(-2000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(grace);
    await waitFor('the standby to lead', () => isLeader(standby), 60_000, 250);
    expect((await getJson(['lease', 'sealkit-controller', '-n', ns])).spec.holderIdentity).toBe(standby.pod);
    await exec('runc', ['kill', standby.id, 'TERM']);
    expect(await standby.exited).toBe(0);
  });
});
