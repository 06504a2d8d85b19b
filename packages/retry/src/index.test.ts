import { describe, expect, it } from 'vitest';
import * as backoff from './backoff.js';
import * as retry from './index.js';
import * as retryAfter from './retry-after.js';

describe('the @pipewell/retry entry point', () => {
  it('exports only what a user calls: no parsing or delay internals', () => {
    expect(Object.keys(retry).sort()).toEqual([
      'AttemptTimeoutError',
      'HttpError',
      'RetryError',
      'RetryOptionsError',
      'RetryableResultError',
      // Deprecated, removed in the next minor release.
      'applyJitter',
      'backoffCeiling',
      // Moved to @pipewell/core, deprecated here.
      'calendarDateProblem',
      'createRetryBudget',
      'createRetryPolicy',
      'createVirtualClock',
      'isCalendarDate',
      'isPermanentError',
      'isTransientError',
      // Deprecated, removed in the next minor release.
      'parseRetryAfter',
      'resolveRetryPreset',
      'retry',
      // Deprecated, removed in the next minor release.
      'retryAfterMsOf',
      'retryPresets',
      'retryable',
      // Moved to @pipewell/core, deprecated here.
      'silentLogger',
      'systemClock',
      'throwIfNotOk',
    ]);
  });

  it('keeps the documented helpers it deprecates, as the very same functions', () => {
    expect(retry.applyJitter).toBe(backoff.applyJitter);
    expect(retry.backoffCeiling).toBe(backoff.backoffCeiling);
    expect(retry.parseRetryAfter).toBe(retryAfter.parseRetryAfter);
    expect(retry.retryAfterMsOf).toBe(retryAfter.retryAfterMsOf);
    expect(retry.backoffCeiling('exponential', 3, 1000, 15_000)).toBe(4000);
    expect(retry.parseRetryAfter('2', 0)).toBe(2000);
  });

  it('still answers policy.options, deprecated, until the next minor release', () => {
    const policy = retry.createRetryPolicy({ maxAttempts: 4, env: {} });
    expect(policy.options.maxAttempts).toBe(4);
  });

  it('@retryable takes a policy, told apart from options by its execute()', async () => {
    // One attempt: read as options instead, the policy would be the default, which retries.
    const policy = retry.createRetryPolicy({ maxAttempts: 1 });
    let calls = 0;
    class Job {
      @retry.retryable(policy)
      async run(): Promise<number> {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('busy'), { status: 503 });
        return calls;
      }
    }
    const error = await new Job().run().catch((e: unknown) => e);
    expect(retry.RetryError.isInstance(error) && error.attempts).toBe(1);
    expect(calls).toBe(1);
  });
});
