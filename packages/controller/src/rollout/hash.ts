// What a rollout writes on a workload's pod template: one annotation per Secret, whose value is a
// digest of that Secret's data. Writing the same digest twice changes nothing (the rollout is
// idempotent); a new digest changes the pod template, and the workload's own strategy rolls out.
import { createHash } from 'node:crypto';
import { sortedEntries } from '../runtime/object-fields.js';

/** Annotation keys are prefix/name with a name of at most 63 characters (Kubernetes' qualified names). */
const NAME_MAX = 63;
const PREFIX = 'sealkit.dev/';
const NAME_START = 'secret-hash.';

/**
 * The pod-template annotation for one Secret: sealkit.dev/secret-hash.<secret>, or, for a Secret
 * name too long for an annotation name, its first characters and a digest of the whole name.
 */
export function secretHashAnnotation(secretName: string): string {
  const name = NAME_START + secretName;
  if (name.length <= NAME_MAX) return PREFIX + name;
  const tag = createHash('sha256').update(secretName).digest('hex').slice(0, 16);
  return `${PREFIX}${NAME_START}${secretName.slice(0, NAME_MAX - NAME_START.length - tag.length - 1).replace(/[^a-z0-9]+$/, '')}-${tag}`;
}

/**
 * SHA-256 over every key and value of the Secret's data (base64, as stored), with its namespace
 * and name: the same data gives the same digest on every replica and across restarts; the digest
 * names no value. (Anyone who can read the workload sees it: a Secret holding one short guessable
 * value could be guessed from it, as from any unsalted digest; docs/operations.md says so.)
 */
export function secretDataHash(namespace: string, name: string, data: Readonly<Record<string, string>> | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify(['sealkit.dev/secret-data/v1', namespace, name, sortedEntries(data ?? {})]))
    .digest('hex');
}
