import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consecutiveTracker,
  countWindowTracker,
  type FailureTracker,
  timeWindowTracker,
} from './policies.js';

// Each tracker against a plain model that keeps every call: the trackers keep counters and
// ring buffers so the hot path allocates nothing, and must decide exactly as the model does.

type Step =
  | { readonly kind: 'call'; readonly failed: boolean; readonly dtMs: number }
  | { readonly kind: 'reset' };

interface Model {
  record(failed: boolean, now: number): boolean;
  reset(): void;
}

function consecutiveModel(threshold: number): Model {
  let outcomes: boolean[] = [];
  return {
    record(failed) {
      outcomes.push(failed);
      const run = outcomes.length - 1 - outcomes.findLastIndex((f) => !f);
      return run >= threshold;
    },
    reset() {
      outcomes = [];
    },
  };
}

function countWindowModel(threshold: number, windowSize: number): Model {
  let outcomes: boolean[] = [];
  return {
    record(failed) {
      outcomes.push(failed);
      return failed && outcomes.slice(-windowSize).filter(Boolean).length >= threshold;
    },
    reset() {
      outcomes = [];
    },
  };
}

/** Calls land in tenth-of-a-window buckets; a clock that steps back counts in the newest bucket. */
function timeWindowModel(windowMs: number, failureRate: number, minimumCalls: number): Model {
  const bucketMs = windowMs / 10;
  let calls: Array<{ bucket: number; failed: boolean }> = [];
  let newest = Number.NEGATIVE_INFINITY;
  return {
    record(failed, now) {
      newest = Math.max(newest, Math.floor(now / bucketMs));
      calls.push({ bucket: newest, failed });
      const live = calls.filter(({ bucket }) => bucket > newest - 10);
      const failures = live.filter((call) => call.failed).length;
      return failed && live.length >= minimumCalls && failures / live.length >= failureRate;
    },
    reset() {
      calls = [];
      newest = Number.NEGATIVE_INFINITY;
    },
  };
}

const steps = (maxDtMs: number): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 20,
        arbitrary: fc.record({
          kind: fc.constant('call' as const),
          failed: fc.boolean(),
          // Mostly small steps, some across the window, a few back (a system clock stepped back).
          dtMs: fc.oneof(
            { weight: 6, arbitrary: fc.integer({ min: 0, max: maxDtMs / 10 }) },
            { weight: 3, arbitrary: fc.integer({ min: 0, max: maxDtMs }) },
            { weight: 1, arbitrary: fc.integer({ min: -maxDtMs / 5, max: 0 }) },
          ),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
    ),
    { maxLength: 80 },
  );

function agree(tracker: FailureTracker, model: Model, run: Step[]): void {
  let now = 1_000_000;
  for (const [index, step] of run.entries()) {
    if (step.kind === 'reset') {
      tracker.reset();
      model.reset();
      continue;
    }
    now += step.dtMs;
    expect(tracker.record(step.failed, now), `step ${index}`).toBe(model.record(step.failed, now));
  }
}

describe('failure trackers decide as a model that keeps every call', () => {
  it('consecutive: failures in a row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), steps(1_000), (threshold, run) => {
        agree(consecutiveTracker(threshold), consecutiveModel(threshold), run);
      }),
    );
  });

  it('countWindow: failures among the last windowSize calls', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((windowSize) =>
            fc.tuple(fc.integer({ min: 1, max: windowSize }), fc.constant(windowSize)),
          ),
        steps(1_000),
        ([threshold, windowSize], run) => {
          agree(
            countWindowTracker(threshold, windowSize),
            countWindowModel(threshold, windowSize),
            run,
          );
        },
      ),
    );
  });

  it('timeWindow: the failing share over the last ten buckets, once minimumCalls were made', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(1_000, 10_000, 60_000)
          .chain((windowMs) => fc.tuple(fc.constant(windowMs), steps(windowMs * 2))),
        fc.constantFrom(0.25, 0.5, 1),
        fc.integer({ min: 1, max: 5 }),
        ([windowMs, run], failureRate, minimumCalls) => {
          agree(
            timeWindowTracker(windowMs, failureRate, minimumCalls),
            timeWindowModel(windowMs, failureRate, minimumCalls),
            run,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('timeWindow tracker: examples', () => {
  it('forgets a call exactly one window later, when its bucket comes round again', () => {
    const tracker = timeWindowTracker(10_000, 1, 2);
    expect(tracker.record(true, 0)).toBe(false);
    expect(tracker.record(true, 10_000)).toBe(false);
    expect(tracker.record(true, 10_500)).toBe(true);
  });

  it('counts calls spread over the window', () => {
    const tracker = timeWindowTracker(10_000, 0.5, 4);
    expect(tracker.record(true, 1_000)).toBe(false);
    expect(tracker.record(false, 2_000)).toBe(false);
    expect(tracker.record(true, 3_000)).toBe(false);
    expect(tracker.record(false, 4_000)).toBe(false);
    expect(tracker.record(true, 5_000)).toBe(true);
  });
});
