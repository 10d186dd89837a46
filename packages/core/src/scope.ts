/**
 * Scopes: where a sealed value may be opened. The scope and its label are part of the
 * authenticated header of every value (docs/format.md), so moving a value to another
 * namespace or name makes it fail to open with a ScopeMismatchError.
 *
 * - strict:    only in the Secret with the same namespace and name (label "ns/name")
 * - namespace: in any Secret of the same namespace (label "ns")
 * - cluster:   anywhere in the cluster (empty label)
 */
import { BadInputError, ScopeMismatchError } from './errors.js';

export type Scope = 'strict' | 'namespace' | 'cluster';
export const SCOPES: readonly Scope[] = Object.freeze(['strict', 'namespace', 'cluster'] as const);

/** Where a value is being opened: the namespace and name of its SealedSecret. */
export interface Location {
  readonly namespace: string;
  readonly name: string;
}

// A Map, not an object literal: 'toString' or '__proto__' must not parse as a scope.
const ALIASES: ReadonlyMap<string, Scope> = new Map([
  ['strict', 'strict'],
  ['namespace', 'namespace'],
  ['namespace-wide', 'namespace'],
  ['cluster', 'cluster'],
  ['cluster-wide', 'cluster'],
]);

/** Parses a scope name; also accepts 'namespace-wide' and 'cluster-wide' (the Bitnami spellings). */
export function parseScope(value: string): Scope {
  const scope = typeof value === 'string' ? ALIASES.get(value) : undefined;
  if (scope === undefined) {
    throw new BadInputError(
      `scope must be one of strict, namespace (namespace-wide), cluster (cluster-wide); got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`,
    );
  }
  return scope;
}

/** @internal Wire codes of the scopes (docs/format.md). */
export const SCOPE_CODES: Readonly<Record<Scope, number>> = { strict: 1, namespace: 2, cluster: 3 };
/** @internal */
export const SCOPE_BY_CODE: ReadonlyMap<number, Scope> = new Map([
  [1, 'strict'],
  [2, 'namespace'],
  [3, 'cluster'],
]);

// Kubernetes: namespaces are RFC 1123 labels, Secret names RFC 1123 subdomains.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** @internal */
export function isNamespace(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS_LABEL.test(value);
}

/** @internal */
export function isObjectName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** @internal The scope label that seal binds into the header: "ns/name", "ns" or "". */
export function scopeLabel(scope: Scope, namespace: string | undefined, name: string | undefined, what = ''): string {
  if (scope === 'cluster') return '';
  if (namespace === undefined || namespace === '') {
    throw new BadInputError(`${what}namespace is required for scope ${scope} (or seal with scope cluster)`);
  }
  if (!isNamespace(namespace)) {
    throw new BadInputError(`${what}namespace ${JSON.stringify(String(namespace).slice(0, 80))} is not a valid Kubernetes namespace (RFC 1123 label: lowercase letters, digits, '-', at most 63)`);
  }
  if (scope === 'namespace') return namespace;
  if (name === undefined || name === '') throw new BadInputError(`${what}name is required for scope strict`);
  if (!isObjectName(name)) {
    throw new BadInputError(`${what}name ${JSON.stringify(String(name).slice(0, 80))} is not a valid Kubernetes object name (RFC 1123 subdomain: lowercase letters, digits, '-', '.', at most 253)`);
  }
  return `${namespace}/${name}`;
}

/** @internal Human description of a scope + label, for messages. */
export function describeScope(scope: Scope, label: string): string {
  switch (scope) {
    case 'strict':
      return `strict to "${label}"`;
    case 'namespace':
      return `namespace-wide to namespace "${label}"`;
    case 'cluster':
      return 'cluster-wide';
  }
}

/**
 * @internal Checks a parsed header's scope against where the value was found, before any
 * cryptography, so a moved value reports a scope mismatch rather than a key or tamper error.
 */
export function checkScope(scope: Scope, label: string, where: Location): void {
  if (typeof where !== 'object' || where === null) throw new BadInputError('where must be a Location { namespace, name }');
  const { namespace, name } = where;
  if (typeof namespace !== 'string') throw new BadInputError('where.namespace must be a string');
  if (typeof name !== 'string') throw new BadInputError('where.name must be a string');
  let matches: boolean;
  let found: string;
  switch (scope) {
    case 'cluster':
      return;
    case 'namespace':
      matches = namespace === label;
      found = `namespace "${namespace}"`;
      break;
    case 'strict':
      matches = `${namespace}/${name}` === label;
      found = `"${namespace}/${name}"`;
      break;
  }
  if (!matches && namespace === '') {
    // A manifest without metadata.namespace: the opener does not guess where it will be applied.
    throw new ScopeMismatchError(
      `scope mismatch: the value is sealed ${describeScope(scope, label)} but its SealedSecret has no namespace; ` +
        'set metadata.namespace to the namespace it is applied in (it is opened only there)',
    );
  }
  if (!matches) {
    throw new ScopeMismatchError(
      `scope mismatch: the value is sealed ${describeScope(scope, label)} but was found at ${found}; ` +
        `seal it again for this ${scope === 'strict' ? 'namespace and name' : 'namespace'} (or seal with a wider scope)`,
    );
  }
}
