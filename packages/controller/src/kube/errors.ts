/**
 * An error from the Kubernetes API, reduced to what is safe to log and to put in a status:
 * the HTTP status, the Status reason and, for invalid objects, the names of the offending fields.
 * The response body itself is never kept: it can echo what was sent.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    readonly verb: string,
    readonly resource: string,
    readonly fields: readonly string[] = [],
  ) {
    super(
      `${verb} ${resource}: HTTP ${statusCode} ${reason}` + (fields.length ? ` (fields: ${fields.join(', ')})` : ''),
    );
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof ApiError && e.statusCode === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 410;
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.statusCode === 403;

/** Log fields for any error: ApiErrors by code and reason; others by class name and message. */
export function errorFields(err: unknown): Record<string, string | number | string[]> {
  if (err instanceof ApiError) {
    return { error: err.message, status: err.statusCode, reason: err.reason };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { error: `${err.name}: ${err.message}`, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(err) };
}
