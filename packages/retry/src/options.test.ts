import { PipewellError, PipewellOptionsError } from '@pipewell/core';
import { describe, expect, it } from 'vitest';
import { RetryOptionsError } from './errors.js';
import { parseRetryOptions } from './options.js';
import { createRetryPolicy } from './policy.js';
import { retry } from './retry.js';

function optionError(make: () => unknown): RetryOptionsError {
  try {
    make();
  } catch (error) {
    if (RetryOptionsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a RetryOptionsError');
}

describe('option validation at creation', () => {
  it.each([
    [
      { baseDelayMs: -1 },
      'baseDelayMs',
      'option "baseDelayMs" must be a finite number of milliseconds >= 0 (got -1)',
    ],
    [{ baseDelayMs: Number.NaN }, 'baseDelayMs', '(got NaN)'],
    [{ maxDelayMs: Number.NaN }, 'maxDelayMs', 'option "maxDelayMs" must be a finite number'],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, 'maxDelayMs', '(got Infinity)'],
    [
      { maxAttempts: 0 },
      'maxAttempts',
      'option "maxAttempts" must be a whole number >= 1 or Infinity (got 0)',
    ],
    [{ maxAttempts: 2.5 }, 'maxAttempts', '(got 2.5)'],
    [{ maxAttempts: Number.NaN }, 'maxAttempts', '(got NaN)'],
    [
      { baseDelayMs: 20_000, maxDelayMs: 10_000 },
      'baseDelayMs',
      '"baseDelayMs" (20000) must not exceed "maxDelayMs" (10000)',
    ],
    [
      { jitter: 'fuzzy' },
      'jitter',
      'option "jitter" must be one of "full", "equal", "decorrelated", "none" (got "fuzzy")',
    ],
    [{ backoff: 'linear' }, 'backoff', '(got "linear")'],
    [{ maxElapsedMs: -5 }, 'maxElapsedMs', 'option "maxElapsedMs"'],
    [
      { maxRetryAfterMs: -1 },
      'maxRetryAfterMs',
      'option "maxRetryAfterMs" must be a number of milliseconds >= 0 (got -1)',
    ],
    [{ maxRetryAfterMs: '60s' }, 'maxRetryAfterMs', '(got "60s")'],
    [{ attemptTimeoutMs: 0 }, 'attemptTimeoutMs', 'must be > 0'],
    [
      { attemptTimeoutMs: -1 },
      'attemptTimeoutMs',
      'option "attemptTimeoutMs" must be a finite number of milliseconds >= 0 (got -1)',
    ],
    [{ retryOn: 'yes' }, 'retryOn', 'option "retryOn" must be a function (got string)'],
    [{ retryOnResult: true }, 'retryOnResult', 'option "retryOnResult" must be a function'],
    [{ random: 0.5 }, 'random', 'option "random" must be a function (got number)'],
    [{ onRetry: 'log' }, 'onRetry', 'option "onRetry" must be a function'],
    [{ onGiveUp: {} }, 'onGiveUp', 'option "onGiveUp" must be a function'],
    [{ onSuccess: 1 }, 'onSuccess', 'option "onSuccess" must be a function'],
    [{ clock: {} }, 'clock', 'must have now(), sleep() and setTimeout()'],
    [{ budget: { tokens: 3 } }, 'budget', 'must be a RetryBudget'],
    [{ budget: null }, 'budget', 'must be a RetryBudget'],
    [{ maxAtempts: 4 }, 'maxAtempts', 'unknown option "maxAtempts"'],
    [
      { preset: 'bigquerry' },
      'preset',
      'unknown preset "bigquerry"; expected one of bigquery, pubsubPublish',
    ],
  ])('%j fails naming %s', (options, option, message) => {
    const error = optionError(() => createRetryPolicy(options as never));
    expect(error.option).toBe(option);
    expect(error.message).toContain(message);
    expect(error.message.startsWith('@pipewell/retry: ')).toBe(true);
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(PipewellError);
  });

  it('refuses a signal on a shared policy', () => {
    const error = optionError(() =>
      createRetryPolicy({ signal: new AbortController().signal } as never),
    );
    expect(error.option).toBe('signal');
    expect(error.message).toContain('pass the signal to execute(fn, signal)');
  });

  it.each([
    [null, 'options must be an object (got null)'],
    ['fast', 'options must be an object (got "fast")'],
  ])('refuses %o as the options', (options, message) => {
    const error = optionError(() => createRetryPolicy(options as never));
    expect(error.option).toBe('options');
    expect(error.message).toContain(message);
  });

  const noop = (): void => {};
  it.each([
    ['now()', { sleep: noop, setTimeout: noop }],
    ['sleep()', { now: noop, setTimeout: noop }],
    ['setTimeout()', { now: noop, sleep: noop }],
  ])('refuses a clock without %s', (_missing, clock) => {
    const error = optionError(() => createRetryPolicy({ clock } as never));
    expect(error.option).toBe('clock');
  });

  it.each([
    ['tryAcquire()', { recordSuccess: noop }],
    ['recordSuccess()', { tryAcquire: () => true }],
  ])('refuses a budget without %s', (_missing, budget) => {
    const error = optionError(() => createRetryPolicy({ budget } as never));
    expect(error.option).toBe('budget');
  });

  it('rejects retry() with bad options without calling fn', async () => {
    let called = false;
    await expect(
      retry(
        async () => {
          called = true;
        },
        { maxAttempts: -1 },
      ),
    ).rejects.toThrow('option "maxAttempts"');
    expect(called).toBe(false);
  });

  it('accepts the documented defaults and extremes', () => {
    const extremes = parseRetryOptions({
      maxAttempts: Number.POSITIVE_INFINITY,
      baseDelayMs: 0,
      maxDelayMs: 0,
    });
    expect(extremes.maxAttempts).toBe(Number.POSITIVE_INFINITY);
    const defaults = parseRetryOptions({});
    expect(defaults).toMatchObject({
      maxAttempts: 3,
      baseDelayMs: 1000,
      maxDelayMs: 15_000,
      jitter: 'full',
      shape: 'exponential',
      maxElapsedMs: Number.POSITIVE_INFINITY,
      attemptTimeoutMs: undefined,
    });
    const linear = ({ retry: n }: { retry: number }): number => n * 100;
    expect(parseRetryOptions({ backoff: linear })).toMatchObject({
      shape: 'exponential',
      delayFunction: linear,
    });
  });
});
