import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FLAGS, parseConfig, parseDuration, USAGE, UsageError } from './config.js';

describe('parseConfig', () => {
  it('flags beat environment variables, which beat defaults', () => {
    const env = { SEALKIT_NAMESPACE: 'from-env', KUBECONFIG: '/k', SEALKIT_WORKERS: '8' };
    const c = parseConfig(['--namespace', 'from-flag', '--listen=127.0.0.1:9999'], env);
    expect(c.namespace).toBe('from-flag');
    expect(c.kubeconfig).toBe('/k');
    expect(c.workers).toBe(8);
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(c.keyRenewPeriodMs).toBe(30 * 24 * 3600 * 1000);
    expect(c.leaderElect).toBe(true);
  });
  it('POD_NAMESPACE and SEALKIT_KUBECONFIG are honoured; --no-leader-elect; watch namespaces', () => {
    const c = parseConfig(['--no-leader-elect', '--watch-namespaces', 'a, b'], { POD_NAMESPACE: 'sk', SEALKIT_KUBECONFIG: '/s', KUBECONFIG: '/k' });
    expect(c.namespace).toBe('sk');
    expect(c.kubeconfig).toBe('/s');
    expect(c.leaderElect).toBe(false);
    expect(c.watchNamespaces).toEqual(['a', 'b']);
  });
  it('subcommands, help and version', () => {
    expect(parseConfig(['rotate'], { SEALKIT_NAMESPACE: 'x' }).command).toBe('rotate');
    expect(parseConfig(['--help'], {}).command).toBe('help');
    expect(parseConfig(['--version'], {}).command).toBe('version');
  });
  it('usage errors name the flag', () => {
    expect(() => parseConfig(['--bogus'], {})).toThrow(/--bogus/);
    expect(() => parseConfig(['--workers', '0'], {})).toThrow(/--workers/);
    expect(() => parseConfig(['--listen', 'nope'], {})).toThrow(/--listen/);
    expect(() => parseConfig(['--namespace', 'Bad_NS'], {})).toThrow(UsageError);
    expect(() => parseConfig(['--lease-duration', '5s', '--renew-deadline', '10s'], {})).toThrow(/lease-duration/);
  });
});

describe('parseDuration', () => {
  it('accepts Go-style durations and days', () => {
    expect(parseDuration('720h', 'x')).toBe(720 * 3600_000);
    expect(parseDuration('30d', 'x')).toBe(30 * 86_400_000);
    expect(parseDuration('1h30m', 'x')).toBe(90 * 60_000);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('0', 'x')).toBe(0);
    expect(() => parseDuration('10', 'x')).toThrow(/--x/);
    expect(() => parseDuration('1y', 'x')).toThrow();
  });
});

describe('--bitnami flags (the same table)', () => {
  it('the mode is off without --bitnami; its flags and env are read with the others', () => {
    expect(parseConfig(['--workers', '4'], {}).bitnami).toBeUndefined();
    const c = parseConfig(['--bitnami', '--workers', '4', '--bitnami-key-namespace=sealed', '--bitnami-decrypt-workers', '0'], {});
    expect(c.workers).toBe(4);
    expect(c.bitnami).toMatchObject({ keyNamespace: 'sealed', decryptWorkers: 0, keyPrefix: 'sealed-secrets-key', resyncPeriodMs: 0, leaseName: 'sealkit-controller-bitnami' });
    expect(parseConfig([], { SEALKIT_BITNAMI: 'true' }).bitnami?.keyNamespace).toBe('kube-system');
    expect(() => parseConfig(['--bitnami', '--bitnami-key-namespace', 'Bad'], {})).toThrow(/not a valid namespace/);
  });
  it('booleans as before: --flag, --no-flag, --flag=false, --flag false', () => {
    expect(parseConfig(['--leader-elect=false'], {}).leaderElect).toBe(false);
    expect(parseConfig(['--leader-elect', 'false', '--workers', '2'], {}).leaderElect).toBe(false);
    expect(parseConfig(['--no-leader-elect'], {}).leaderElect).toBe(false);
    expect(parseConfig(['--bitnami=true'], {}).bitnami).toBeDefined();
    expect(() => parseConfig(['--leader-elect=maybe'], {})).toThrow(/--leader-elect/);
  });
});

describe('--help', () => {
  it('lists every flag of every mode, RemoteSecrets and the Bitnami flags included', () => {
    for (const name of Object.keys(FLAGS)) expect(USAGE).toContain(`--${name} `);
    expect(USAGE).toMatch(/RemoteSecrets/);
    expect(USAGE).toMatch(/Bitnami/);
  });
});

describe('docs/operations.md', () => {
  it('lists every flag with its environment variables, and no flag that does not exist', () => {
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of doc.split('\n')) {
      const m = /^\| `--([a-z-]+)` \| ([^|]*) \|/.exec(line);
      if (m) rows.set(m[1]!, [...m[2]!.matchAll(/`([A-Z_]+)`/g)].map((x) => x[1]!));
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(FLAGS).sort());
    for (const [name, spec] of Object.entries(FLAGS)) expect(rows.get(name), name).toEqual(spec.env);
  });
});
