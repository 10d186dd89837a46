// Drill: the controller's key Secret is deleted or edited. While the controller runs, it puts the
// Secret back from the key it holds (like the public-key ConfigMap), and says so; deleted while no
// controller runs, the next start reports it loudly: SealedSecrets sealed to the lost key are
// UnknownKey, their Secrets are kept, one summary log line names the lost key, and no new key
// silently takes its place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerProcess } from '../lib/controller-process.js';
import { apply, decoded, getJson, keySecrets, kubectl, readyCondition, waitFor, waitReady } from '../lib/kube.js';
import { seal } from '../lib/seal.js';
import { controllerSetup, dropNamespaces, fetchCertPem, printFigures, seconds } from './support.js';

let ctlNs: string;
let app: string;
let kubeconfig: string;
const running: ControllerProcess[] = [];
const start = async (identity: string) => {
  const p = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity });
  running.push(p);
  return p;
};

beforeAll(async () => {
  ({ ctlNs, app, kubeconfig } = await controllerSetup('fkey'));
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await dropNamespaces(app, ctlNs);
});

const keyIdOf = (s: any) => s.metadata.labels?.['sealkit.dev/key-id'] ?? s.metadata.name.replace(/^sealkit-key-/, '');

describe('key Secret deleted or edited', () => {
  it('while the controller runs: deleted, then edited, it is put back from the key in memory', async () => {
    const ctl = await start('keeper');
    const cert = await fetchCertPem(ctlNs);
    const [key] = await keySecrets(ctlNs);
    const original = key.data;
    await apply(seal(cert, { namespace: app, name: 'before', data: { v: 'before' } }));
    await waitReady(app, 'before');

    const t0 = Date.now();
    await kubectl(['delete', 'secret', key.metadata.name, '-n', ctlNs]);
    const back = await waitFor('the key Secret to be restored', async () => (await keySecrets(ctlNs)).find((s) => s.metadata.name === key.metadata.name), 60_000, 200);
    const restoredMs = Date.now() - t0;
    expect(back.data).toEqual(original);
    expect(await keySecrets(ctlNs)).toHaveLength(1); // restored, not replaced
    expect(await fetchCertPem(ctlNs)).toBe(cert);

    const t1 = Date.now();
    await kubectl(['patch', 'secret', key.metadata.name, '-n', ctlNs, '--type=merge', '-p', JSON.stringify({ data: Object.fromEntries(Object.keys(original).map((k) => [k, Buffer.from('garbage').toString('base64')])) })]);
    await waitFor('the edited key Secret to be restored', async () => JSON.stringify((await getJson(['secret', key.metadata.name, '-n', ctlNs])).data) === JSON.stringify(original), 60_000, 200);
    const healedMs = Date.now() - t1;

    // The key never left the controller: values sealed to it still open.
    await apply(seal(cert, { namespace: app, name: 'after', data: { v: 'after' } }));
    await waitReady(app, 'after');
    const events = (await getJson(['events', '-n', ctlNs]))?.items ?? [];
    printFigures('key Secret deleted / edited while the controller runs', {
      'restored after deletion': seconds(restoredMs),
      'restored after edit': seconds(healedMs),
      'Events in the controller namespace': events.map((e: any) => e.reason).join(', ') || 'none',
    });
    expect(events.some((e: any) => /key/i.test(`${e.reason} ${e.message}`))).toBe(true);
    expect(ctl.lines.some((l) => /restor/i.test(l.msg ?? '') && JSON.stringify(l).includes(keyIdOf(key)))).toBe(true);
    await ctl.stop();
  });

  it('an old key nothing is sealed to may still be retired by deleting its Secret (docs/operations.md, Rotation): let go, not restored', async () => {
    const ctl = await start('retire');
    const before = (await keySecrets(ctlNs)).map((s) => s.metadata.name);
    ctl.signal('SIGUSR1'); // an unused key ...
    await waitFor('a second key', async () => (await keySecrets(ctlNs)).length === before.length + 1, 30_000, 200);
    const unused = (await keySecrets(ctlNs)).find((s) => !before.includes(s.metadata.name))!;
    ctl.signal('SIGUSR1'); // ... and a newer active one, so the unused key is neither used nor active
    await waitFor('a third key', async () => (await keySecrets(ctlNs)).length === before.length + 2, 30_000, 200);
    await kubectl(['delete', 'secret', unused.metadata.name, '-n', ctlNs]);
    await waitFor('the retirement to be logged', async () => ctl.lines.some((l) => /retired/.test(l.msg ?? '') && JSON.stringify(l).includes(keyIdOf(unused))), 30_000, 200);
    // the key still in use (sealed to by 'before' and 'after') and the active key are all still there
    const left = (await keySecrets(ctlNs)).map((s) => s.metadata.name);
    expect(left).toHaveLength(before.length + 1);
    expect(left).toEqual(expect.arrayContaining(before));
    expect(left).not.toContain(unused.metadata.name);
    expect(ctl.lines.some((l) => /restored/.test(l.msg ?? '') && JSON.stringify(l).includes(keyIdOf(unused)))).toBe(false);
    await ctl.stop();
  });

  it('deleted while no controller runs: the next start reports it loudly and lists what it sealed as UnknownKey', async () => {
    const first = await start('before-loss');
    const cert = await fetchCertPem(ctlNs);
    const names = ['lost-a', 'lost-b', 'lost-c'];
    await apply(names.map((n) => seal(cert, { namespace: app, name: n, data: { v: n } })));
    for (const n of names) await waitReady(app, n);
    await first.stop();
    const keys = await keySecrets(ctlNs);
    const lostIds = keys.map(keyIdOf);
    for (const k of keys) await kubectl(['delete', 'secret', k.metadata.name, '-n', ctlNs]);

    const next = await ControllerProcess.start({ kubeconfig, namespace: ctlNs, watchNamespaces: [app], identity: 'after-loss', waitReady: false });
    running.push(next);
    for (const n of [...names, 'before', 'after']) {
      const ss = await waitReady(app, n, 'False', 60_000);
      expect(readyCondition(ss).reason).toBe('UnknownKey');
      // the Secret written before the loss is kept
      expect(decoded(await getJson(['secret', n, '-n', app])).v).toBe(n);
    }
    const loud = next.lines.filter((l) => (l.level === 'error' || l.level === 'warn') && lostIds.some((id) => JSON.stringify(l).includes(id)));
    printFigures('key Secret deleted while stopped', { 'lost key ids': lostIds.join(', '), 'loud log lines naming them': loud.length });
    expect(loud).toHaveLength(1);
    // no new key silently took the lost one's place
    const generated = next.lines.filter((l) => l.msg === 'generated key');
    expect(generated.every((l) => l.level !== 'info')).toBe(true);
  });
});
