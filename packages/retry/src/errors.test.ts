import { PipewellError, PipewellOptionsError } from '@pipewell/core';
import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  RetryableResultError,
  RetryError,
  RetryOptionsError,
} from './errors.js';
import { HttpError } from './http-error.js';

describe('retry errors', () => {
  const made = [
    [
      RetryError,
      new RetryError({
        attempts: 1,
        errors: [new Error('x')],
        reason: 'maxAttempts',
        elapsedMs: 0,
      }),
    ],
    [AttemptTimeoutError, new AttemptTimeoutError(1, 100)],
    [RetryableResultError, new RetryableResultError('busy', 1)],
    [RetryOptionsError, new RetryOptionsError('maxAttempts', 'bad')],
    [HttpError, new HttpError({ status: 503 })],
  ] as const;

  it.each(made)('%o extends PipewellError and recognises only its own kind', (kind, error) => {
    expect(error).toBeInstanceOf(PipewellError);
    expect(PipewellError.isInstance(error)).toBe(true);
    for (const [other, instance] of made) {
      expect((kind as typeof PipewellError).isInstance(instance)).toBe(other === kind);
    }
  });

  it('keeps the markers of earlier releases, so an error from an older copy is still recognised', () => {
    for (const [kind, name] of [
      [RetryError, 'RetryError'],
      [AttemptTimeoutError, 'AttemptTimeoutError'],
      [RetryableResultError, 'RetryableResultError'],
      [RetryOptionsError, 'RetryOptionsError'],
      [HttpError, 'HttpError'],
    ] as const) {
      const older = Object.create(Error.prototype, {
        [Symbol.for(`@pipewell/retry.${name}`)]: { value: true },
      });
      expect((kind as typeof PipewellError).isInstance(older)).toBe(true);
    }
  });

  it('RetryOptionsError is the options error every package uses: option names the culprit', () => {
    const error = new RetryOptionsError('baseDelayMs', 'option "baseDelayMs" must be >= 0');
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.option).toBe('baseDelayMs');
    expect(error.message).toBe('@pipewell/retry: option "baseDelayMs" must be >= 0');
  });

  it.each(made)('%o is named after its class', (kind, error) => {
    expect(error.name).toBe(kind.name);
  });

  it('RetryableResultError says which attempt returned the rejected result', () => {
    expect(new RetryableResultError([], 2).message).toBe(
      'Attempt 2 returned a result that retryOnResult rejected',
    );
  });

  it('RetryError describes a maxElapsed stop without a next delay, and a thrown non-Error', () => {
    const error = new RetryError({
      attempts: 2,
      errors: [new Error('first'), 'socket closed'],
      reason: 'maxElapsed',
      elapsedMs: 1_500.4,
    });
    expect(error.message).toBe(
      'Gave up after 2 attempts in 1500 ms: the next wait would pass maxElapsedMs: socket closed',
    );
  });
});
