import { describe, expect, it } from 'vitest';
import { RetryError } from './errors.js';
import { isPermanentError } from './permanent.js';
import { isTransientError } from './transient.js';

const shaped = (fields: Record<string, unknown>): Error =>
  Object.assign(new Error('failed'), fields);

describe('isPermanentError', () => {
  it.each([
    ['permanent: true', shaped({ permanent: true })],
    ['HTTP 400 status', shaped({ status: 400 })],
    ['HTTP 403 statusCode', shaped({ statusCode: 403 })],
    ['HTTP 404 code', shaped({ code: 404 })],
    ['HTTP 410 string code', shaped({ code: '410' })],
    ['HTTP 422 response.status', shaped({ response: { status: 422 } })],
    ['Google API 400 in response.data', shaped({ response: { data: { error: { code: 400 } } } })],
    ['gRPC INVALID_ARGUMENT (3)', shaped({ code: 3 })],
    ['gRPC PERMISSION_DENIED (7)', shaped({ code: 7 })],
    ['gRPC UNAUTHENTICATED (16)', shaped({ code: 16 })],
    ['gRPC name NOT_FOUND', shaped({ code: 'NOT_FOUND' })],
    ['gRPC name FAILED_PRECONDITION', shaped({ code: 'FAILED_PRECONDITION' })],
    ['a zod error', Object.assign(new Error('invalid'), { name: 'ZodError', issues: [] })],
    ['a wrapped permanent cause', new Error('publish failed', { cause: shaped({ code: 3 }) })],
    [
      'a RetryError whose last error is permanent',
      new RetryError({
        attempts: 2,
        errors: [shaped({ status: 503 }), shaped({ status: 400 })],
        reason: 'maxAttempts',
        elapsedMs: 10,
      }),
    ],
  ])('%s is permanent', (_name, error) => {
    expect(isPermanentError(error)).toBe(true);
    expect(isTransientError(error)).toBe(false);
  });

  it.each([
    ['a plain Error (unknown)', new Error('boom')],
    ['HTTP 408', shaped({ status: 408 })],
    ['HTTP 429', shaped({ statusCode: 429 })],
    ['HTTP 503', shaped({ status: 503 })],
    ['403 with reason rateLimitExceeded', shaped({ code: 403, reason: 'rateLimitExceeded' })],
    ['gRPC UNAVAILABLE', shaped({ code: 14 })],
    ['transient: true beside a 400', shaped({ transient: true, status: 400 })],
    ['an abort', new DOMException('aborted', 'AbortError')],
    [
      'a RetryError whose last error is transient',
      new RetryError({
        attempts: 2,
        errors: [shaped({ status: 400 }), shaped({ status: 503 })],
        reason: 'maxAttempts',
        elapsedMs: 10,
      }),
    ],
    ['a string', '400'],
    ['null', null],
  ])('%s is not permanent', (_name, error) => {
    expect(isPermanentError(error)).toBe(false);
  });
});
