/**
 * The answer of the controller's `POST /v1/verify` (docs/operations.md): the controller writes it
 * and `sealkit validate` reads it, so the shape is defined once, here. It never holds plaintext.
 */
import type { Scope } from './scope.js';

/** One value as /v1/verify judges it. */
export interface ValueVerdict {
  ok: boolean;
  scope?: Scope;
  keyIds?: string[];
  /** Condition reason: ScopeMismatch, UnknownKey, AuthenticationFailed, ... */
  reason?: string;
  message?: string;
}

export interface VerifyAnswer {
  ok: boolean;
  namespace: string;
  name: string;
  values: Record<string, ValueVerdict>;
}
