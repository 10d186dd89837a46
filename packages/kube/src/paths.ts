/**
 * API paths, for the CLI and the controller alike. Every segment is percent-encoded: names come
 * from manifests users wrote. (Names such as the field manager are @sealkit/core's.)
 */

const seg = (s: string) => encodeURIComponent(s);

/** Where a resource lives: the core group (`/api/v1`) or a named group (`/apis/GROUP/VERSION`). */
export interface ResourceRef {
  /** '' or undefined for the core group. */
  group?: string;
  version: string;
  /** Plural resource name: secrets, configmaps, sealedsecrets. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/namespaces/NS/secrets/NAME/status` and the like; without namespace: cluster-wide (or all namespaces). */
export function resourcePath(ref: ResourceRef): string {
  const root = ref.group === undefined || ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespace === undefined ? '' : `/namespaces/${seg(ref.namespace)}`;
  const name = ref.name === undefined ? '' : `/${seg(ref.name)}`;
  const sub = ref.subresource === undefined || ref.name === undefined ? '' : `/${ref.subresource}`;
  return `${root}${ns}/${ref.resource}${name}${sub}`;
}

/**
 * The API server's service proxy to a Service port: `/api/v1/namespaces/NS/services/SCHEME:NAME:PORT/proxy/PATH`.
 * `port` is the Service port's name or number.
 */
export function serviceProxyPath(namespace: string, service: string, port: string, path: string, scheme: 'http' | 'https' = 'http'): string {
  if (!path.startsWith('/')) throw new TypeError(`serviceProxyPath: path must start with "/" (got ${JSON.stringify(path)})`);
  return `/api/v1/namespaces/${seg(namespace)}/services/${scheme}:${seg(service)}:${seg(port)}/proxy${path}`;
}
