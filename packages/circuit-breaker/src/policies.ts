import type { BreakerConfig } from './config.js';

/**
 * Counts a breaker's recent outcomes and says when they add up to a trip. One per breaker; the
 * hot path calls `record` once per call, so implementations allocate nothing per call.
 */
export interface FailureTracker {
  /** Record one call's outcome at `now`; returns true when the breaker should open. */
  record(failed: boolean, now: number): boolean;
  /** Forget everything (on close). */
  reset(): void;
}

/** Trip after `threshold` failures in a row. */
export function consecutiveTracker(threshold: number): FailureTracker {
  let failures = 0;
  return {
    record(failed) {
      if (!failed) {
        failures = 0;
        return false;
      }
      failures++;
      return failures >= threshold;
    },
    reset() {
      failures = 0;
    },
  };
}

/** Trip when at least `threshold` of the last `windowSize` calls failed. */
export function countWindowTracker(threshold: number, windowSize: number): FailureTracker {
  const outcomes = new Uint8Array(windowSize);
  let next = 0;
  let failures = 0;
  return {
    record(failed) {
      failures -= outcomes[next] as number;
      const value = failed ? 1 : 0;
      outcomes[next] = value;
      failures += value;
      next = next + 1 === windowSize ? 0 : next + 1;
      return failed && failures >= threshold;
    },
    reset() {
      outcomes.fill(0);
      next = 0;
      failures = 0;
    },
  };
}

const BUCKETS = 10;

/**
 * Trip when, over the last `windowMs`, at least `minimumCalls` calls were made and the share that
 * failed is at least `failureRate`. Time is cut into ten buckets, so the window slides in steps
 * of a tenth.
 */
export function timeWindowTracker(
  windowMs: number,
  failureRate: number,
  minimumCalls: number,
): FailureTracker {
  const bucketMs = windowMs / BUCKETS;
  const calls = new Float64Array(BUCKETS);
  const failures = new Float64Array(BUCKETS);
  let totalCalls = 0;
  let totalFailures = 0;
  // The absolute index (time / bucketMs) of the newest bucket in use.
  let head = Number.NEGATIVE_INFINITY;

  const advance = (now: number): number => {
    const index = Math.floor(now / bucketMs);
    if (index > head) {
      const stale = Math.min(BUCKETS, index - head);
      for (let step = 1; step <= stale; step++) {
        const slot = (((index - stale + step) % BUCKETS) + BUCKETS) % BUCKETS;
        totalCalls -= calls[slot] as number;
        totalFailures -= failures[slot] as number;
        calls[slot] = 0;
        failures[slot] = 0;
      }
      head = index;
    }
    return ((head % BUCKETS) + BUCKETS) % BUCKETS;
  };

  return {
    record(failed, now) {
      const slot = advance(now);
      calls[slot] = (calls[slot] as number) + 1;
      totalCalls++;
      if (failed) {
        failures[slot] = (failures[slot] as number) + 1;
        totalFailures++;
      }
      return failed && totalCalls >= minimumCalls && totalFailures / totalCalls >= failureRate;
    },
    reset() {
      calls.fill(0);
      failures.fill(0);
      totalCalls = 0;
      totalFailures = 0;
      head = Number.NEGATIVE_INFINITY;
    },
  };
}

/** The tracker for a breaker's configured policy. */
export function trackerFor(config: BreakerConfig): FailureTracker {
  switch (config.policy) {
    case 'consecutive':
      return consecutiveTracker(config.failureThreshold);
    case 'countWindow':
      return countWindowTracker(config.failureThreshold, config.windowSize);
    case 'timeWindow':
      return timeWindowTracker(config.windowMs, config.failureRateThreshold, config.minimumCalls);
  }
}
