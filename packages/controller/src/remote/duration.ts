// The one duration parser is @sealkit/core's (Go/Kubernetes syntax plus `d`). This module keeps the
// controller's old signature: undefined instead of an error, for callers that word their own.
import { BadInputError, formatDuration, parseDuration as coreParseDuration } from '@sealkit/core';

export { formatDuration };

/** Milliseconds of a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  try {
    return coreParseDuration(text, 'duration');
  } catch (e) {
    if (e instanceof BadInputError) return undefined;
    throw e;
  }
}
