import { InvalidArgumentError, Option } from 'commander';
import { parseScope, type Scope } from '@sealkit/core';
import { OUTPUT_FORMATS } from '../output/manifests.js';

/** Shared option definitions, so every command spells and documents them the same way. */

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function scopeArg(value: string): Scope {
  try {
    return parseScope(value);
  } catch {
    throw new InvalidArgumentError('expected strict, namespace (namespace-wide) or cluster (cluster-wide).');
  }
}

export const inputFileOption = () =>
  new Option('-f, --file <file>', 'read manifests from FILE instead of stdin ("-" is stdin)');

export const writeFileOption = () =>
  new Option('-w, --write <file>', 'write the result to FILE atomically (temp file + rename) instead of stdout');

export const outputFormatOption = () =>
  new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]);

export const scopeOption = () =>
  new Option('--scope <scope>', 'what a sealed value is bound to: strict (namespace+name), namespace, cluster')
    .argParser(scopeArg);

export const namespaceOption = () => new Option('-n, --namespace <namespace>', 'namespace of the Secret');
