import { AttemptTimeoutError } from './errors.js';

const transientNetworkCodes = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  // undici (Node's fetch) wraps socket faults in these.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const transientHttpStatuses = new Set([408, 429, 500, 502, 503, 504]);

// gRPC status codes: DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8, ABORTED 10, INTERNAL 13, UNAVAILABLE 14.
const transientGrpcCodes = new Set([4, 8, 10, 13, 14]);
const transientGrpcNames = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
]);

const transientGoogleReasons = new Set([
  'backendError',
  'rateLimitExceeded',
  'userRateLimitExceeded',
]);

/** @internal How many `cause` links the classifiers follow. */
export const MAX_CAUSE_DEPTH = 5;

/** @internal */
export type Bag = Record<string, unknown>;

/** @internal */
export function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

function isTransientStatus(value: unknown): boolean {
  if (typeof value === 'number') return transientHttpStatuses.has(value);
  if (typeof value === 'string' && /^\d{3}$/.test(value))
    return transientHttpStatuses.has(Number(value));
  return false;
}

function isTransientCode(code: unknown): boolean {
  if (typeof code === 'string') {
    return (
      transientNetworkCodes.has(code) || transientGrpcNames.has(code) || isTransientStatus(code)
    );
  }
  if (typeof code === 'number') {
    // Numbers below 100 are gRPC status codes (google-gax errors); 3-digit ones are HTTP statuses.
    return code < 100 ? transientGrpcCodes.has(code) : transientHttpStatuses.has(code);
  }
  return false;
}

function hasTransientReason(errors: unknown): boolean {
  if (!Array.isArray(errors)) return false;
  return errors.some((entry) => isBag(entry) && transientGoogleReasons.has(entry.reason as string));
}

/** @internal Shared with isPermanentError, which must never call a transient error permanent. */
export function isTransientOne(error: Bag): boolean {
  // An explicit `transient: true` (as on CircuitOpenError) is the error's own word.
  if (error.transient === true) return true;
  if (AttemptTimeoutError.isInstance(error)) return true;
  if (error.name === 'TimeoutError') return true;
  if (isTransientCode(error.code)) return true;
  if (isTransientStatus(error.status) || isTransientStatus(error.statusCode)) return true;
  if (transientGoogleReasons.has(error.reason as string)) return true;
  if (hasTransientReason(error.errors)) return true;
  const response = error.response;
  if (isBag(response)) {
    if (isTransientStatus(response.status) || isTransientStatus(response.statusCode)) return true;
    const data = response.data;
    if (isBag(data) && isBag(data.error)) {
      if (isTransientCode(data.error.code) || hasTransientReason(data.error.errors)) return true;
    }
  }
  return (
    typeof error.message === 'string' && error.message.toLowerCase().includes('socket hang up')
  );
}

/**
 * True when `error` looks like a failure that a later attempt can get past: Node network errors
 * (ECONNRESET, ETIMEDOUT, EAI_AGAIN, ECONNREFUSED, socket hang up, undici socket errors), HTTP
 * 408/429/500/502/503/504 (read from `status`, `statusCode`, `code` or `response.status`), gRPC
 * UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED and INTERNAL (by name or number),
 * Google API reasons backendError, rateLimitExceeded and userRateLimitExceeded, timeouts, and
 * any error with `transient: true` (such as `CircuitOpenError` from `@pipewell/circuit-breaker`).
 * Follows `cause` a few levels, so `fetch failed` caused by ECONNRESET counts.
 *
 * Aborts (`AbortError`) are never transient: the caller asked to stop.
 *
 * @example
 * ```ts
 * isTransientError(Object.assign(new Error('busy'), { status: 503 })); // true
 * isTransientError(new TypeError('bad input')); // false
 * ```
 */
export function isTransientError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isBag(current); depth++) {
    if (current.name === 'AbortError') return false;
    if (isTransientOne(current)) return true;
    current = current.cause;
  }
  return false;
}
