import { type Bag, isBag, isTransientOne, MAX_CAUSE_DEPTH } from './transient.js';

// gRPC status codes that no later attempt can get past: INVALID_ARGUMENT 3, NOT_FOUND 5,
// ALREADY_EXISTS 6, PERMISSION_DENIED 7, FAILED_PRECONDITION 9, OUT_OF_RANGE 11,
// UNIMPLEMENTED 12, UNAUTHENTICATED 16.
const permanentGrpcCodes = new Set([3, 5, 6, 7, 9, 11, 12, 16]);
const permanentGrpcNames = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'UNAUTHENTICATED',
]);

/**
 * HTTP 4xx. 408 (timeout) and 429 (rate limited) are transient, and isPermanentError rules out
 * transient errors before it asks.
 */
function isPermanentStatus(value: unknown): boolean {
  const status =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{3}$/.test(value)
        ? Number(value)
        : Number.NaN;
  return status >= 400 && status <= 499;
}

function isPermanentCode(code: unknown): boolean {
  if (typeof code === 'string') return permanentGrpcNames.has(code) || isPermanentStatus(code);
  if (typeof code === 'number') {
    // Numbers below 100 are gRPC status codes (google-gax errors); 3-digit ones are HTTP statuses.
    return code < 100 ? permanentGrpcCodes.has(code) : isPermanentStatus(code);
  }
  return false;
}

function isPermanentOne(error: Bag): boolean {
  if (error.permanent === true) return true;
  // zod's error (any version) and anything shaped like a validation failure.
  if (error.name === 'ZodError' || error.name === '$ZodError') return true;
  if (isPermanentCode(error.code)) return true;
  if (isPermanentStatus(error.status) || isPermanentStatus(error.statusCode)) return true;
  const response = error.response;
  if (isBag(response)) {
    if (isPermanentStatus(response.status) || isPermanentStatus(response.statusCode)) return true;
    const data = response.data;
    if (isBag(data) && isBag(data.error) && isPermanentCode(data.error.code)) return true;
  }
  return false;
}

/**
 * True when `error` says that trying again cannot help, so it should be dead-lettered, marked
 * failed or reported at once instead of retried: an error with `permanent: true`, a failed
 * validation (zod's `ZodError`), an HTTP 4xx other than 408 and 429 (read from `status`,
 * `statusCode`, `code` or `response.status`), or a gRPC INVALID_ARGUMENT, NOT_FOUND,
 * ALREADY_EXISTS, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED or
 * UNAUTHENTICATED (by name or number). Follows `cause` a few levels, so a `RetryError` whose last
 * error is permanent is permanent.
 *
 * An error can be neither transient nor permanent (a plain `Error('boom')`): callers decide what
 * an unknown error means. A transient error is never permanent (a 403 with reason
 * `rateLimitExceeded` is transient), and an abort (`AbortError`) is neither.
 *
 * @example
 * ```ts
 * isPermanentError(Object.assign(new Error('denied'), { code: 7 })); // true: PERMISSION_DENIED
 * isPermanentError(Object.assign(new Error('busy'), { status: 503 })); // false: transient
 * isPermanentError(new Error('boom')); // false: unknown
 * ```
 */
export function isPermanentError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isBag(current); depth++) {
    if (current.name === 'AbortError') return false;
    if (isTransientOne(current)) return false;
    if (isPermanentOne(current)) return true;
    current = current.cause;
  }
  return false;
}
