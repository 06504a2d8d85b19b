/** How a delay is spread: see {@link RetryPolicyOptions.jitter}. */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/**
 * What a custom `backoff` function ({@link RetryPolicyOptions.backoff}) is told about the retry
 * it is timing.
 *
 * @example
 * ```ts
 * // Linear backoff, 2 s more for each retry, and 30 s after a quota error.
 * function linear({ retry, error }: DelayContext): number {
 *   return isQuotaError(error) ? 30_000 : 2_000 * retry;
 * }
 * const policy = createRetryPolicy({ backoff: linear });
 * ```
 */
export interface DelayContext {
  /** The retry this delay comes before: 1 for the wait after the first failed call. */
  readonly retry: number;
  /** The error (or {@link RetryableResultError}) of the attempt that just failed. */
  readonly error: unknown;
  /** The previous delay in milliseconds, or `baseDelayMs` before the first retry. */
  readonly previousDelayMs: number;
}

/**
 * Compute the wait before a retry yourself. Must return a finite number of milliseconds >= 0.
 * @internal
 */
export type DelayFunction = (context: DelayContext) => number;

/** The jitter names accepted by {@link RetryPolicyOptions.jitter}. */
export const jitterNames: readonly Jitter[] = Object.freeze([
  'full',
  'equal',
  'decorrelated',
  'none',
]);

/**
 * The un-jittered delay before retry `retry` (1-based): `baseDelayMs * 2^(retry-1)` for
 * exponential backoff, `baseDelayMs` for constant, both capped at `maxDelayMs`. The cap is applied
 * here, before jitter, so capped delays stay spread out.
 *
 * @example
 * ```ts
 * backoffCeiling('exponential', 3, 1000, 15_000); // 4000
 * ```
 */
export function backoffCeiling(
  shape: 'exponential' | 'constant',
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
): number {
  if (shape === 'constant') return Math.min(maxDelayMs, baseDelayMs);
  // The exponent is bounded so a zero base never meets 2 ** 1024 (Infinity) and makes NaN;
  // a large base that overflows to Infinity is brought back to the cap by Math.min.
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(retry - 1, 1000));
}

/**
 * Spread a capped delay with `jitter`, drawing from `random` (a function returning [0, 1)).
 * - `full`: uniform in [0, ceiling]
 * - `equal`: uniform in [ceiling / 2, ceiling]
 * - `decorrelated`: uniform in [base, min(cap, previous * 3)], so within [base, cap]
 * - `none`: the ceiling itself
 *
 * @example
 * ```ts
 * applyJitter('equal', 4000, 1000, 15_000, 2000, Math.random); // somewhere in [2000, 4000]
 * ```
 */
export function applyJitter(
  jitter: Jitter,
  ceilingMs: number,
  baseDelayMs: number,
  maxDelayMs: number,
  previousDelayMs: number,
  random: () => number,
): number {
  switch (jitter) {
    case 'full':
      return random() * ceilingMs;
    case 'equal':
      return ceilingMs / 2 + (random() * ceilingMs) / 2;
    case 'decorrelated': {
      const upper = Math.min(maxDelayMs, Math.max(baseDelayMs, previousDelayMs * 3));
      return baseDelayMs + random() * (upper - baseDelayMs);
    }
    case 'none':
      return ceilingMs;
  }
}
