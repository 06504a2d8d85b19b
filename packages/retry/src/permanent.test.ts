import { describe, expect, it } from 'vitest';
import { RetryError } from './errors.js';
import { isPermanentError } from './permanent.js';
import { isTransientError } from './transient.js';

const shaped = (fields: Record<string, unknown>): Error =>
  Object.assign(new Error('failed'), fields);

/** `error` wrapped in `levels` errors, each the `cause` of the next. */
const wrapped = (error: unknown, levels: number): unknown =>
  Array.from({ length: levels }).reduce<unknown>(
    (cause, _, i) => new Error(`wrapper ${i}`, { cause }),
    error,
  );

const permanentGrpcCodes = [
  ['INVALID_ARGUMENT', 3],
  ['NOT_FOUND', 5],
  ['ALREADY_EXISTS', 6],
  ['PERMISSION_DENIED', 7],
  ['FAILED_PRECONDITION', 9],
  ['OUT_OF_RANGE', 11],
  ['UNIMPLEMENTED', 12],
  ['UNAUTHENTICATED', 16],
] as const;

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
    ['HTTP 409 response.statusCode', shaped({ response: { statusCode: 409 } })],
    ['HTTP 499, the top of the 4xx range', shaped({ status: 499 })],
    ['a zod error', Object.assign(new Error('invalid'), { name: 'ZodError', issues: [] })],
    ['a zod 4 core error', Object.assign(new Error('invalid'), { name: '$ZodError' })],
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
    ['HTTP 399', shaped({ status: 399 })],
    ['HTTP 501, a 5xx that is not transient', shaped({ status: 501 })],
    ['a status string that is not three digits', shaped({ status: '0404' })],
    ['a status that is neither a number nor a string', shaped({ status: ['404'] })],
    ['an unknown string code', shaped({ code: 'ENOENT' })],
    ['a response without an error status', shaped({ response: { status: 200, data: {} } })],
    ['an abort', new DOMException('aborted', 'AbortError')],
    [
      'an abort wrapping a permanent cause',
      Object.assign(new Error('aborted'), { name: 'AbortError', cause: shaped({ code: 3 }) }),
    ],
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

  it.each(permanentGrpcCodes)('gRPC %s (%i) is permanent by name and by number', (name, code) => {
    expect(isPermanentError(shaped({ code: name }))).toBe(true);
    expect(isPermanentError(shaped({ code }))).toBe(true);
  });

  it('follows cause 5 levels deep and no further', () => {
    expect(isPermanentError(wrapped(shaped({ status: 400 }), 5))).toBe(true);
    expect(isPermanentError(wrapped(shaped({ status: 400 }), 6))).toBe(false);
  });

  it('stops following a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isPermanentError(a)).toBe(false);
  });
});
