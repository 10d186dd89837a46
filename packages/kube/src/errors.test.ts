import { describe, expect, it } from 'vitest';
import { apiErrorFromBody, retryAfterMs } from './errors.js';

const status = (details?: object) => Buffer.from(JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', ...(details ? { details } : {}) }));

describe('Retry-After on API errors', () => {
  it('the header, else the Status details, in ms; capped at 5 minutes; nonsense ignored', () => {
    expect(retryAfterMs(apiErrorFromBody(429, status(), 'GET', '/api/v1/secrets', '3'))).toBe(3000);
    expect(retryAfterMs(apiErrorFromBody(429, status({ retryAfterSeconds: 2 }), 'GET', '/api/v1/secrets'))).toBe(2000);
    expect(retryAfterMs(apiErrorFromBody(429, status({ retryAfterSeconds: 2 }), 'GET', '/api/v1/secrets', '7'))).toBe(7000);
    expect(retryAfterMs(apiErrorFromBody(503, Buffer.from(''), 'GET', '/api/v1/secrets', '86400'))).toBe(300_000);
    for (const h of ['soon', '-1', '0', 'Wed, 21 Oct 2026 07:28:00 GMT']) expect(retryAfterMs(apiErrorFromBody(429, status(), 'GET', '/x', h))).toBeUndefined();
    expect(retryAfterMs(apiErrorFromBody(429, status(), 'GET', '/x'))).toBeUndefined();
    expect(retryAfterMs(new Error('not an API error'))).toBeUndefined();
  });
});
