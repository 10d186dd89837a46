// sealkit-controller end to end: the real binary, the real kube-apiserver (+ kube-controller-manager
// for garbage collection), running with its ServiceAccount's own token and the RBAC from deploy/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspectValue } from '@sealkit/core';
import { requireKube } from '../infra/env.js';
import {
  REPO, apply, controllerIdentity, createNamespace, decoded, ensureCrd, fetchCertPem, getJson, keySecrets,
  kubectl, readyCondition, run, sleep, waitFor, waitReady,
} from './lib/kube.js';
import { ControllerProcess } from './lib/controller-process.js';
import { seal } from './lib/seal.js';

let ctlNs: string;
let app: string;
let other: string;
let kubeconfig: string;
let ctl: ControllerProcess;
let cert: string;

beforeAll(async () => {
  requireKube({ gc: true });
  await ensureCrd();
  ctlNs = await createNamespace('skc');
  app = await createNamespace('app');
  other = await createNamespace('other');
  kubeconfig = await controllerIdentity(ctlNs);
  ctl = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app, other], identity: 'main', args: ['--resync-period', '2s'] });
  cert = await fetchCertPem(ctlNs);
});

afterAll(async () => {
  await ctl?.stop();
  for (const ns of [app, other, ctlNs]) if (ns) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
});

describe('keys', () => {
  it('generates one X25519 key on first start, stored as a labelled Secret in the controller namespace', async () => {
    const keys = await keySecrets(ctlNs);
    expect(keys).toHaveLength(1);
    const k = keys[0];
    expect(k.metadata.name).toMatch(/^sealkit-key-[0-9a-f]{16}$/);
    expect(k.metadata.annotations['sealkit.dev/key-id']).toBe(k.metadata.name.slice('sealkit-key-'.length));
    expect(Buffer.from(k.data['private.pem'], 'base64').toString()).toContain('BEGIN PRIVATE KEY');
  });

  it('publishes the public key in a ConfigMap any authenticated user can read, and on GET /v1/cert.pem', async () => {
    const { saKubeconfig } = await import('../infra/env.js');
    // a user with no RBAC of its own
    const nobody = await saKubeconfig(app, 'nobody', { create: true });
    const viaNobody = await fetchCertPem(ctlNs, nobody);
    expect(viaNobody).toBe(cert);
    expect(cert).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const res = await fetch(`${ctl.url}/v1/cert.pem`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(cert);
    const cm = await getJson(['configmap', 'sealkit-cert', '-n', ctlNs]);
    const id = (await keySecrets(ctlNs))[0].metadata.annotations['sealkit.dev/key-id'];
    expect(cm.data['key-id']).toBe(id);
    expect(res.headers.get('x-sealkit-key-id')).toBe(id);
    expect(JSON.parse(cm.data['keys.json'])).toEqual([expect.objectContaining({ keyId: id, active: true })]);
    // and openssl reads it
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-'));
    writeFileSync(path.join(dir, 'cert.pem'), cert);
    const o = await run('openssl', ['pkey', '-pubin', '-in', path.join(dir, 'cert.pem'), '-noout', '-text']);
    expect(o.stdout).toContain('X25519');
  });
});

describe('unsealing', () => {
  it('turns a SealedSecret sealed with the sealkit CLI into a Secret with the right bytes; kubectl wait works', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-'));
    const certFile = path.join(dir, 'cert.pem');
    writeFileSync(certFile, cert);
    const secretYaml = (await kubectl(['create', 'secret', 'generic', 'db', '-n', app, '--from-literal=password=hunter2', '--from-literal=user=admin', '--dry-run=client', '-o', 'yaml'])).stdout;
    const sealed = await run(process.execPath, [path.join(REPO, 'packages/cli/bin/sealkit.js'), 'seal', '--cert', certFile], { input: secretYaml });
    expect(sealed.stdout).not.toContain('hunter2');
    await kubectl(['apply', '-f', '-'], { input: sealed.stdout });
    await kubectl(['wait', '--for=condition=Ready', 'sealedsecrets.sealkit.dev/db', '-n', app, '--timeout=30s']);
    const s = await getJson(['secret', 'db', '-n', app]);
    expect(decoded(s)).toEqual({ password: 'hunter2', user: 'admin' });
    expect(s.metadata.labels['app.kubernetes.io/managed-by']).toBe('sealkit');
    const ss = await getJson(['sealedsecrets.sealkit.dev', 'db', '-n', app]);
    expect(s.metadata.ownerReferences).toEqual([
      { apiVersion: 'sealkit.dev/v1alpha1', kind: 'SealedSecret', name: 'db', uid: ss.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(readyCondition(ss)).toMatchObject({ status: 'True', reason: 'Unsealed', observedGeneration: 1 });
    expect(ss.status.observedGeneration).toBe(1);
    const printed = (await kubectl(['get', 'sealedsecrets.sealkit.dev', 'db', '-n', app])).stdout;
    expect(printed).toMatch(/NAME\s+READY\s+REASON\s+AGE/);
    expect(printed).toMatch(/db\s+True\s+Unsealed/);
  });

  it('carries template type, labels, annotations (sync waves) and immutability; binary values intact', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 254, 10, 0]);
    const m = seal(cert, {
      binary: { 'blob.bin': bin },
      namespace: app, name: 'tls-ish', type: 'kubernetes.io/basic-auth', immutable: true,
      labels: { team: 'a' }, annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      data: { username: 'u', password: 'p' },
    });
    await apply(m);
    await waitReady(app, 'tls-ish');
    const s = await getJson(['secret', 'tls-ish', '-n', app]);
    expect(s.type).toBe('kubernetes.io/basic-auth');
    expect(s.immutable).toBe(true);
    expect(s.metadata.labels).toEqual({ team: 'a', 'app.kubernetes.io/managed-by': 'sealkit' });
    expect(s.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(Buffer.from(s.data['blob.bin'], 'base64').equals(bin)).toBe(true);
  });

  it('namespace-wide and cluster-wide scopes open under another name / in another namespace; strict does not', async () => {
    const nsWide = seal(cert, { namespace: app, name: 'original', data: { k: 'ns-wide' } }, 'namespace');
    nsWide.metadata.name = 'renamed';
    await apply(nsWide);
    await waitReady(app, 'renamed');
    expect(decoded(await getJson(['secret', 'renamed', '-n', app]))).toEqual({ k: 'ns-wide' });

    const clusterWide = seal(cert, { namespace: app, name: 'cw', data: { k: 'cluster-wide' } }, 'cluster');
    clusterWide.metadata.namespace = other;
    clusterWide.metadata.name = 'cw-moved';
    await apply(clusterWide);
    await waitReady(other, 'cw-moved');
    expect(decoded(await getJson(['secret', 'cw-moved', '-n', other]))).toEqual({ k: 'cluster-wide' });

    const strict = seal(cert, { namespace: app, name: 'strict1', data: { k: 'v' } });
    strict.metadata.name = 'strict-renamed';
    await apply(strict);
    const ss = await waitReady(app, 'strict-renamed', 'False', 30_000, 'ScopeMismatch');
    expect(readyCondition(ss).message).toMatch(/scope|sealed for/i);
    expect(await getJson(['secret', 'strict-renamed', '-n', app])).toBeUndefined();
  });

  it('moved namespace: Ready=False with ScopeMismatch, an Event, and the last good Secret untouched', async () => {
    await apply(seal(cert, { namespace: other, name: 'mv', data: { password: 'good' } }));
    await waitReady(other, 'mv');
    const before = await getJson(['secret', 'mv', '-n', other]);
    // the same object now carries values sealed for the same name in another namespace
    const moved = seal(cert, { namespace: app, name: 'mv', data: { password: 'evil' } });
    moved.metadata.namespace = other;
    await apply(moved);
    const ss = await waitReady(other, 'mv', 'False', 30_000, 'ScopeMismatch');
    expect(ss.status.observedGeneration).toBe(2);
    expect(readyCondition(ss).message).toContain('left unchanged');
    const after = await getJson(['secret', 'mv', '-n', other]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(decoded(after)).toEqual({ password: 'good' });
    await waitFor('ScopeMismatch event', async () => {
      const ev = await getJson(['events', '-n', other, '--field-selector', `involvedObject.name=mv,reason=ScopeMismatch`]);
      return ev.items.length > 0 && ev.items[0].type === 'Warning';
    });
  });

  it('tampered value -> AuthenticationFailed; unknown key -> UnknownKey; both keep no plaintext in status', async () => {
    const t = seal(cert, { namespace: app, name: 'tampered', data: { k: 'secret-value' } });
    const raw = Buffer.from(t.spec.encryptedData.k, 'base64');
    raw[raw.length - 3] ^= 0x40;
    t.spec.encryptedData.k = raw.toString('base64');
    await apply(t);
    await waitReady(app, 'tampered', 'False', 30_000, 'AuthenticationFailed');
    const { generateKeyPair, encodePublicKeyPem } = await import('@sealkit/core');
    const foreign = encodePublicKeyPem(generateKeyPair().publicKey);
    await apply(seal(foreign, { namespace: app, name: 'foreign', data: { k: 'secret-value' } }));
    const ss = await waitReady(app, 'foreign', 'False', 30_000, 'UnknownKey');
    expect(JSON.stringify(ss.status)).not.toContain('secret-value');
    expect(await getJson(['secret', 'foreign', '-n', app])).toBeUndefined();
  });

  it('an existing Secret it does not own is not overwritten (status + Event); the opt-in annotation hands it over', async () => {
    await kubectl(['create', 'secret', 'generic', 'theirs', '-n', app, '--from-literal=password=mine']);
    await apply(seal(cert, { namespace: app, name: 'theirs', data: { password: 'sealed' } }));
    const ss = await waitReady(app, 'theirs', 'False', 30_000, 'SecretNotOwned');
    expect(readyCondition(ss).message).toContain('sealkit.dev/managed=true');
    await sleep(1500);
    expect(decoded(await getJson(['secret', 'theirs', '-n', app]))).toEqual({ password: 'mine' });
    await waitFor('SecretNotOwned event', async () => (await getJson(['events', '-n', app, '--field-selector', 'involvedObject.name=theirs,reason=SecretNotOwned'])).items.length > 0);
    await kubectl(['annotate', 'secret', 'theirs', '-n', app, 'sealkit.dev/managed=true']);
    await waitReady(app, 'theirs', 'True', 60_000);
    const s = await getJson(['secret', 'theirs', '-n', app]);
    expect(decoded(s)).toEqual({ password: 'sealed' });
    expect(s.metadata.ownerReferences[0].uid).toBe(ss.metadata.uid);
  });

  it('heals drift: data edited, Secret deleted, label removed', async () => {
    await apply(seal(cert, { namespace: app, name: 'drift', data: { password: 'right' } }));
    await waitReady(app, 'drift');
    await kubectl(['patch', 'secret', 'drift', '-n', app, '--type=merge', '-p', JSON.stringify({ data: { password: Buffer.from('wrong').toString('base64'), extra: 'eA==' } })]);
    await waitFor('edited Secret restored', async () => JSON.stringify(decoded(await getJson(['secret', 'drift', '-n', app]))) === JSON.stringify({ password: 'right' }));
    await kubectl(['delete', 'secret', 'drift', '-n', app]);
    await waitFor('deleted Secret recreated', async () => decoded(await getJson(['secret', 'drift', '-n', app])).password === 'right');
    await kubectl(['label', 'secret', 'drift', '-n', app, 'app.kubernetes.io/managed-by-']);
    await waitFor('label restored', async () => (await getJson(['secret', 'drift', '-n', app])).metadata.labels?.['app.kubernetes.io/managed-by'] === 'sealkit');
    await waitFor('SecretRestored event', async () => (await getJson(['events', '-n', app, '--field-selector', 'involvedObject.name=drift,reason=SecretRestored'])).items.length > 0);
  });

  it('a spec change updates the Secret; a failing update keeps the last good one', async () => {
    await apply(seal(cert, { namespace: app, name: 'upd', data: { a: '1' } }));
    await waitReady(app, 'upd');
    await apply(seal(cert, { namespace: app, name: 'upd', data: { a: '2', b: '3' }, labels: { v: '2' } }));
    await waitFor('updated Secret', async () => JSON.stringify(decoded(await getJson(['secret', 'upd', '-n', app]))) === JSON.stringify({ a: '2', b: '3' }));
    expect((await getJson(['secret', 'upd', '-n', app])).metadata.labels.v).toBe('2');
  });

  it('SealedSecret deleted -> Secret garbage-collected', async () => {
    await apply(seal(cert, { namespace: app, name: 'gc-me', data: { a: '1' } }));
    await waitReady(app, 'gc-me');
    await kubectl(['delete', 'sealedsecrets.sealkit.dev', 'gc-me', '-n', app]);
    await waitFor('Secret garbage-collected', async () => (await getJson(['secret', 'gc-me', '-n', app])) === undefined, 60_000, 500);
  });

  it('a resync with nothing changed writes nothing', async () => {
    await waitReady(app, 'db');
    const before = await getJson(['secrets,sealedsecrets.sealkit.dev', '-n', app]);
    const writes = await ctl.metric('sealkit_secret_writes_total', '{op="create"}');
    const patches = await ctl.metric('sealkit_status_patches_total');
    await sleep(5000); // resync period is 2 s here
    const after = await getJson(['secrets,sealedsecrets.sealkit.dev', '-n', app]);
    const rvs = (l: any) => Object.fromEntries(l.items.map((o: any) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    expect(rvs(after)).toEqual(rvs(before));
    expect(await ctl.metric('sealkit_secret_writes_total', '{op="create"}')).toBe(writes);
    expect(await ctl.metric('sealkit_status_patches_total')).toBe(patches);
    // but reconciles did run
    expect(await ctl.metric('sealkit_reconcile_total', '{result="unchanged"}')).toBeGreaterThan(0);
  });
});

describe('HTTP API', () => {
  it('POST /v1/verify says which values open here and why not, with no plaintext', async () => {
    const good = seal(cert, { namespace: app, name: 'v', data: { a: 'plain-a', b: 'plain-b' } });
    let r = await fetch(`${ctl.url}/v1/verify`, { method: 'POST', body: JSON.stringify(good), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    let body = await r.json();
    expect(body.ok).toBe(true);
    expect(body.values.a).toMatchObject({ ok: true, scope: 'strict' });
    const bad = structuredClone(good);
    bad.metadata.namespace = other;
    const { stringify } = await import('yaml');
    r = await fetch(`${ctl.url}/v1/verify`, { method: 'POST', body: stringify(bad), headers: { 'content-type': 'application/yaml' } });
    expect(r.status).toBe(409);
    const text = await r.text();
    expect(text).not.toContain('plain-');
    body = JSON.parse(text);
    expect(body.values.a).toMatchObject({ ok: false, reason: 'ScopeMismatch' });
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${ctl.url}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${ctl.url}/metrics`)).text();
    for (const name of ['sealkit_reconcile_total', 'sealkit_reconcile_errors_total', 'sealkit_workqueue_depth', 'sealkit_unseal_duration_seconds_bucket', 'sealkit_keys', 'sealkit_leader']) {
      expect(m).toContain(name);
    }
    expect(m).toMatch(/sealkit_reconcile_errors_total\{reason="ScopeMismatch"\} \d+/);
  });

  it('never logs secret values', () => {
    const text = ctl.logText();
    for (const v of ['hunter2', 'secret-value', 'plain-a', 'PRIVATE KEY', 'Bearer']) expect(text).not.toContain(v);
    expect(requireKube().adminToken && text.includes(requireKube().adminToken)).toBeFalsy();
  });
});

describe('rotation', () => {
  it('SIGUSR1 rotates: new active key published, old SealedSecrets still open, /v1/reseal moves them to the new key', async () => {
    const oldId = (await keySecrets(ctlNs))[0].metadata.annotations['sealkit.dev/key-id'];
    const old = seal(cert, { namespace: app, name: 'rot', data: { a: 'before-rotation' } });
    await apply(old);
    await waitReady(app, 'rot');
    ctl.signal('SIGUSR1');
    await waitFor('second key', async () => (await keySecrets(ctlNs)).length === 2);
    const newCert = await waitFor('ConfigMap with the new key', async () => {
      const pem = await fetchCertPem(ctlNs);
      return pem !== cert ? pem : undefined;
    });
    const cm = await getJson(['configmap', 'sealkit-cert', '-n', ctlNs]);
    const newId = cm.data['key-id'];
    expect(newId).not.toBe(oldId);
    expect(JSON.parse(cm.data['keys.json']).map((k: any) => k.keyId)).toEqual([newId, oldId]);
    await waitFor('/v1/cert.pem serves the new key', async () => (await (await fetch(`${ctl.url}/v1/cert.pem`)).text()) === newCert);

    // old object still reconciles fine (drift after rotation is healed with the old key)
    await kubectl(['delete', 'secret', 'rot', '-n', app]);
    await waitFor('old-key Secret recreated', async () => decoded(await getJson(['secret', 'rot', '-n', app])).a === 'before-rotation');

    const { stringify, parse } = await import('yaml');
    const r = await fetch(`${ctl.url}/v1/reseal`, { method: 'POST', body: stringify(old), headers: { 'content-type': 'application/yaml' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sealkit-key-id')).toBe(newId);
    const text = await r.text();
    expect(text).not.toContain('before-rotation');
    const resealed = parse(text);
    expect(inspectValue(resealed.spec.encryptedData.a)).toMatchObject({ keyIds: [newId], scope: 'strict', namespace: app, name: 'rot' });
    expect(resealed.spec.encryptedData.a).not.toBe(old.spec.encryptedData.a);
    await apply(resealed);
    await waitFor('resealed object converges', async () => {
      const ss = await getJson(['sealedsecrets.sealkit.dev', 'rot', '-n', app]);
      return ss.metadata.generation === 2 && ss.status?.observedGeneration === 2 && readyCondition(ss)?.status === 'True';
    });
    expect(decoded(await getJson(['secret', 'rot', '-n', app])).a).toBe('before-rotation');
    cert = newCert;
  });

  it('`sealkit-controller rotate` adds a key that the running controller picks up', async () => {
    const before = (await keySecrets(ctlNs)).length;
    const r = await run(process.execPath, [path.join(REPO, 'packages/controller/bin/sealkit-controller.js'), 'rotate', '--kubeconfig', kubeconfig, '--namespace', ctlNs]);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect((await keySecrets(ctlNs)).length).toBe(before + 1);
    await waitFor('ConfigMap names the new key', async () => (await getJson(['configmap', 'sealkit-cert', '-n', ctlNs])).data['key-id'] === id);
    cert = await fetchCertPem(ctlNs);
  });
});
