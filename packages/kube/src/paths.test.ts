import { describe, expect, it } from 'vitest';
import { resourcePath, serviceProxyPath } from './paths.js';

describe('resourcePath', () => {
  it('core and named groups, namespaced or not, with subresources; segments encoded', () => {
    expect(resourcePath({ version: 'v1', resource: 'secrets', namespace: 'prod', name: 'db' })).toBe('/api/v1/namespaces/prod/secrets/db');
    expect(resourcePath({ group: 'sealkit.dev', version: 'v1alpha1', resource: 'sealedsecrets', namespace: 'a', name: 'b', subresource: 'status' })).toBe(
      '/apis/sealkit.dev/v1alpha1/namespaces/a/sealedsecrets/b/status',
    );
    expect(resourcePath({ group: 'sealkit.dev', version: 'v1alpha1', resource: 'sealedsecrets' })).toBe('/apis/sealkit.dev/v1alpha1/sealedsecrets');
    expect(resourcePath({ version: 'v1', resource: 'configmaps', namespace: 'a/b', name: 'x?y' })).toBe('/api/v1/namespaces/a%2Fb/configmaps/x%3Fy');
    // a subresource needs a name
    expect(resourcePath({ version: 'v1', resource: 'secrets', namespace: 'n', subresource: 'status' })).toBe('/api/v1/namespaces/n/secrets');
  });
});

describe('serviceProxyPath', () => {
  it('names scheme, service and port as the API server expects; the path must be absolute', () => {
    expect(serviceProxyPath('sealkit', 'sealkit-controller', 'http', '/v1/cert.pem')).toBe('/api/v1/namespaces/sealkit/services/http:sealkit-controller:http/proxy/v1/cert.pem');
    expect(serviceProxyPath('n', 's', '8443', '/x', 'https')).toBe('/api/v1/namespaces/n/services/https:s:8443/proxy/x');
    expect(() => serviceProxyPath('n', 's', 'p', 'x')).toThrow(TypeError);
  });
});
