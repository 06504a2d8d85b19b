import {
  applyJitter as internalApplyJitter,
  backoffCeiling as internalBackoffCeiling,
} from './backoff.js';
import {
  parseRetryAfter as internalParseRetryAfter,
  retryAfterMsOf as internalRetryAfterMsOf,
} from './retry-after.js';

// Helpers the README once documented, kept for one minor version so imports go on compiling.
// Their positional parameters mirror the policy's internals, which must stay free to change.

/**
 * The un-jittered delay before retry `retry` (1-based), capped at `maxDelayMs`.
 * @deprecated Internal to the policy. A custom `backoff` function computes its delay itself
 *   (exponential: `Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1))`); this export is removed
 *   in the next minor release.
 */
export const backoffCeiling: typeof internalBackoffCeiling = internalBackoffCeiling;

/**
 * Spread a capped delay with a jitter strategy.
 * @deprecated Internal to the policy. A custom `backoff` function applies its own spread (full
 *   jitter: `Math.random() * ceilingMs`); this export is removed in the next minor release.
 */
export const applyJitter: typeof internalApplyJitter = internalApplyJitter;

/**
 * Parse an HTTP `Retry-After` value into milliseconds from `nowMs`.
 * @deprecated Use {@link HttpError.fromResponse} or {@link throwIfNotOk}, which set
 *   `retryAfterMs`, or let `retry` read the header; this export is removed in the next minor
 *   release.
 */
export const parseRetryAfter: typeof internalParseRetryAfter = internalParseRetryAfter;

/**
 * The server's requested wait carried by an error, in milliseconds.
 * @deprecated `retry` reads the hint itself, and a `RetryError` that gave up because of one
 *   carries it as `nextDelayMs`; this export is removed in the next minor release.
 */
export const retryAfterMsOf: typeof internalRetryAfterMsOf = internalRetryAfterMsOf;
