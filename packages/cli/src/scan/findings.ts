/**
 * What `sealkit scan` reports. A finding names a file, a line and the value's key, never the
 * value itself: the scan's output goes to CI logs and code-scanning dashboards.
 */

/** The checks, as stable ids (SARIF rule ids, `-o json` field `rule`). */
export const RULES = {
  'plaintext-secret': 'A Secret manifest holds a non-empty data or stringData value: it would be committed in plaintext',
  'plaintext-last-applied': "A kubectl.kubernetes.io/last-applied-configuration annotation holds a Secret's plaintext values",
  'kustomize-plaintext': 'A kustomize secretGenerator takes a plaintext value from a literal or from a file in the repository',
  'invalid-sealed-value': 'A SealedSecret value is not a valid sealed value (truncated, edited, or pasted plaintext)',
} as const;

export type RuleId = keyof typeof RULES;

export interface Finding {
  /** The file as the user names it (relative to the working directory when possible, `/` separators). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: RuleId;
  /** The sentence after `file:line: `; built from names and keys only. */
  readonly message: string;
  readonly kind?: string | undefined;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly key?: string | undefined;
}

/** A file the scan could not judge (unreadable, not valid YAML): reported, not a finding. */
export interface Skipped {
  readonly file: string;
  readonly reason: string;
}
