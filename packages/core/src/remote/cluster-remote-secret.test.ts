import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { CLUSTER_REMOTE_SECRET_LABEL, MAX_CLUSTER_REMOTE_SECRET_NAME, fannedOutRemoteSecret, namespaceMatches, planClusterRemoteSecret } from './cluster-remote-secret.js';

const rsSpec = { storeRef: { name: 'vault', kind: 'ClusterRemoteStore' }, data: [{ secretKey: 'password', remoteRef: { key: 'shared/db', property: 'password' } }] };
const crs = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'db', uid: 'u1', generation: 3 }) => ({ metadata, spec });
const withTemplate = (extra: Record<string, unknown>, template: Record<string, unknown> = { spec: rsSpec }) => crs({ ...extra, template });

function planError(o: unknown): string {
  try {
    planClusterRemoteSecret(o);
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return (e as Error).message;
  }
  throw new Error('expected a BadInputError');
}

describe('planClusterRemoteSecret', () => {
  it('defaults the RemoteSecret name to its own, keeps the template spec as written (no defaults added)', () => {
    const p = planClusterRemoteSecret(withTemplate({ namespaceSelector: { matchLabels: { team: 'a' } } }));
    expect(p).toMatchObject({ name: 'db', uid: 'u1', generation: 3, remoteSecretName: 'db', namespaces: [], labels: {}, annotations: {} });
    expect(p.spec).toEqual(rsSpec);
    expect(p.remoteSecret.refreshIntervalMs).toBe(3_600_000);
  });

  it('takes a template name, labels and annotations, and a sorted list of unique namespace names', () => {
    const p = planClusterRemoteSecret(withTemplate({ namespaces: ['b', 'a', 'b'] }, { metadata: { name: 'app-db', labels: { team: 'a' }, annotations: { note: 'x' } }, spec: rsSpec }));
    expect(p).toMatchObject({ remoteSecretName: 'app-db', namespaces: ['a', 'b'], labels: { team: 'a' }, annotations: { note: 'x' }, namespaceSelector: undefined });
  });

  it('needs a selector or names; an empty selector is a deliberate "every namespace"', () => {
    expect(planError(withTemplate({}))).toMatch(/^spec.namespaceSelector or spec.namespaces is required/);
    expect(planError(withTemplate({ namespaces: [] }))).toMatch(/^spec.namespaceSelector or spec.namespaces is required/);
    expect(planClusterRemoteSecret(withTemplate({ namespaceSelector: {} })).namespaceSelector).toEqual({});
  });

  it('names the field that is wrong, the template spec included (the RemoteSecret rules)', () => {
    expect(planError(withTemplate({ namespaces: ['Bad_NS'] }))).toMatch(/^spec.namespaces\[0\] "Bad_NS" is not a valid namespace/);
    expect(planError(withTemplate({ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }))).toMatch(/^spec.namespaceSelector.matchExpressions\[0\].values must not be empty/);
    expect(planError(crs({ namespaces: ['a'] }))).toBe('spec.template is required');
    expect(planError(withTemplate({ namespaces: ['a'] }, { spec: { ...rsSpec, refreshInterval: '10ms' } }))).toMatch(/^spec.template.spec.refreshInterval must be 0/);
    expect(planError(withTemplate({ namespaces: ['a'] }, { spec: { storeRef: { name: 'vault' } } }))).toMatch(/^spec.template.spec.data or spec.dataFrom/);
    expect(planError(withTemplate({ namespaces: ['a'] }, { metadata: { name: 'UPPER' }, spec: rsSpec }))).toMatch(/^spec.template.metadata.name "UPPER" is not a valid object name/);
    expect(planError(withTemplate({ namespaces: ['a'] }, { metadata: { labels: { [CLUSTER_REMOTE_SECRET_LABEL]: 'x' } }, spec: rsSpec }))).toMatch(/must not set sealkit.dev\/cluster-remote-secret/);
  });

  it('refuses a name longer than a label value (it labels the RemoteSecrets it makes)', () => {
    expect(planError(crs({ namespaces: ['a'], template: { spec: rsSpec } }, { name: 'x'.repeat(64) }))).toMatch(/^metadata.name must be at most 63 characters/);
    expect(planClusterRemoteSecret(crs({ namespaces: ['a'], template: { spec: rsSpec } }, { name: 'x'.repeat(63) })).name).toHaveLength(63);
  });
});

describe('namespaceMatches', () => {
  const ns = (name: string, labels?: Record<string, string>, terminating = false) => ({ name, labels, terminating });
  it('a namespace matches when listed by name OR selected by its labels', () => {
    const p = planClusterRemoteSecret(withTemplate({ namespaces: ['listed'], namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }] } }));
    expect(namespaceMatches(p, ns('listed'))).toBe(true);
    expect(namespaceMatches(p, ns('x', { team: 'a' }))).toBe(true);
    expect(namespaceMatches(p, ns('x', { team: 'a', tier: 'prod' }))).toBe(true);
    expect(namespaceMatches(p, ns('x', { team: 'a', tier: 'dev' }))).toBe(false);
    expect(namespaceMatches(p, ns('x', { team: 'b' }))).toBe(false);
    expect(namespaceMatches(p, ns('x'))).toBe(false);
  });

  it('names only: labels do not matter; an empty selector takes every namespace', () => {
    const byName = planClusterRemoteSecret(withTemplate({ namespaces: ['a'] }));
    expect(namespaceMatches(byName, ns('b', { team: 'a' }))).toBe(false);
    const all = planClusterRemoteSecret(withTemplate({ namespaceSelector: {} }));
    expect(namespaceMatches(all, ns('anything'))).toBe(true);
  });

  it('a terminating namespace never matches, even by name', () => {
    const p = planClusterRemoteSecret(withTemplate({ namespaces: ['a'], namespaceSelector: {} }));
    expect(namespaceMatches(p, ns('a', {}, true))).toBe(false);
  });
});

describe('fannedOutRemoteSecret', () => {
  it('the template in one namespace, labelled with the ClusterRemoteSecret it came from', () => {
    const p = planClusterRemoteSecret(withTemplate({ namespaces: ['a'] }, { metadata: { labels: { team: 'a' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } }, spec: rsSpec }));
    expect(fannedOutRemoteSecret(p, 'a')).toEqual({
      kind: 'RemoteSecret',
      metadata: { name: 'db', namespace: 'a', labels: { team: 'a', [CLUSTER_REMOTE_SECRET_LABEL]: 'db' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: rsSpec,
    });
  });
});

describe('the ClusterRemoteSecret CRD', () => {
  const crd = (file: string) => readFileSync(new URL(`../../../../deploy/crds/${file}`, import.meta.url), 'utf8').split('\n');
  /** The lines of a schema block: those after `header` that are indented deeper than it. */
  function block(lines: string[], header: string): string[] {
    const i = lines.indexOf(header);
    expect(i, header).toBeGreaterThanOrEqual(0);
    const depth = header.length - header.trimStart().length;
    const out: string[] = [];
    for (const l of lines.slice(i + 1)) {
      if (l.trim() && l.length - l.trimStart().length <= depth) break;
      out.push(l.slice(depth));
    }
    return out;
  }

  it("spec.template.spec is the RemoteSecret CRD's spec schema, unchanged", () => {
    const rs = block(crd('remotesecret.yaml'), '            spec:');
    const tpl = block(crd('clusterremotesecret.yaml'), '                    spec:');
    expect(rs.length).toBeGreaterThan(100);
    expect(tpl).toEqual(rs);
  });

  it('is cluster-scoped, has no server-side defaults, and limits the name as core does', () => {
    const text = crd('clusterremotesecret.yaml').join('\n');
    expect(text).toContain('  scope: Cluster\n');
    expect(text).not.toMatch(/^\s+default:/m);
    expect(text).toContain(`size(self.metadata.name) <= ${MAX_CLUSTER_REMOTE_SECRET_NAME}`);
  });
});
