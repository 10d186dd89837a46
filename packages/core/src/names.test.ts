// The names in names.ts are a contract with every installed cluster: deploy/ must spell the same
// values, and the RemoteSecret CRD's schema must accept what core's rules accept (else a manifest
// `sealkit ref` writes would be refused by the API server). Read as text: deploy/ is plain YAML.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { isSecretKey } from './manifests.js';
import { CONTROLLER_NAME, CONTROLLER_SERVICE_NAME, CONTROLLER_SERVICE_PORT, DEFAULT_CONTROLLER_NAMESPACE, LEASE_NAME, PUBLIC_KEYS_CONFIGMAP } from './names.js';
import { parseKvVersionPin } from './remote/kv-path.js';

const deploy = (file: string) => readFileSync(new URL(`../../../deploy/${file}`, import.meta.url), 'utf8');

describe('shared names match deploy/', () => {
  it('Service name, namespace and port name', () => {
    const service = deploy('service.yaml');
    expect(service).toMatch(new RegExp(`kind: Service\\nmetadata:\\n  name: ${CONTROLLER_SERVICE_NAME}\\n  namespace: ${DEFAULT_CONTROLLER_NAMESPACE}\\n`));
    expect(service).toMatch(new RegExp(`ports:\\n    - name: ${CONTROLLER_SERVICE_PORT}\\n`));
  });

  it('RBAC names the Lease and the public-key ConfigMap', () => {
    const rbac = deploy('rbac.yaml');
    expect(rbac).toContain(`resources: [leases]\n    resourceNames: [${LEASE_NAME}]`);
    expect(rbac).toContain(`resources: [configmaps]\n    resourceNames: [${PUBLIC_KEYS_CONFIGMAP}]`);
    expect(rbac).toContain(`kind: ServiceAccount\n    name: ${CONTROLLER_NAME}\n    namespace: ${DEFAULT_CONTROLLER_NAMESPACE}`);
  });
});

/** The `pattern:` lines of a CRD that follow a property name, as JavaScript regexps. */
function crdPatterns(file: string, property: string): RegExp[] {
  const text = deploy(`crds/${file}`);
  const out: RegExp[] = [];
  const re = new RegExp(`\\b${property}:\\n(?:[^\\n]*\\n){0,3}?\\s*pattern: '([^']*)'`, 'g');
  for (const m of text.matchAll(re)) out.push(new RegExp(m[1]!));
  return out;
}

const accepts = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

describe('the RemoteSecret CRD accepts what core accepts', () => {
  it('refreshInterval: the schema pattern and parseDuration agree', () => {
    const [pattern] = crdPatterns('remotesecret.yaml', 'refreshInterval');
    expect(pattern).toBeDefined();
    const corpus = ['0', '1h', '1h30m', '90s', '500ms', '1.5h', '.5s', '1.s', '30d', '1d12h', '10us', '10µs', '10μs', '5ns', '0s', '', '1', '00', 'h', '1x', '1h 30m', '-1h', '+1h', '1H', '1e3s', '.s', '1y', ' 1h'];
    for (const text of corpus) expect(pattern!.test(text), JSON.stringify(text)).toBe(accepts(() => parseDuration(text, 'f')));
  });

  it('secretKey: everything isSecretKey accepts passes the schema', () => {
    const [pattern] = crdPatterns('remotesecret.yaml', 'secretKey');
    expect(pattern).toBeDefined();
    for (const key of ['password', 'tls.crt', 'a-b_c.d', '.dotfile', 'x'.repeat(253)]) {
      expect(isSecretKey(key), key).toBe(true);
      expect(pattern!.test(key), key).toBe(true);
    }
  });

  it('version pins: the schema pattern and parseKvVersionPin agree', () => {
    const patterns = crdPatterns('remotesecret.yaml', 'version');
    expect(patterns).toHaveLength(2);
    for (const text of ['1', '7', '42', '9999999999', '0', '01', '-1', '1.5', 'latest', ' 2']) {
      for (const p of patterns) expect(p.test(text), text).toBe(accepts(() => parseKvVersionPin(text, 'f')));
    }
  });
});
