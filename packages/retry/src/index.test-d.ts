import { describe, expectTypeOf, it } from 'vitest';
import type * as Retry from './index.js';
import {
  createRetryPolicy,
  type DelayContext,
  type GiveUpEvent,
  type RetryContext,
  type RetryEvent,
  type RetryPolicy,
  resolveRetryPreset,
  type SuccessEvent,
} from './index.js';

describe('the types @pipewell/retry exports', () => {
  it('names what a user writes: callback arguments, hook events, the policy', () => {
    const delay = ({ retry }: DelayContext): number => 1000 * retry;
    const policy: RetryPolicy = createRetryPolicy({
      backoff: delay,
      onRetry: (event: RetryEvent) => void event.delayMs,
      onGiveUp: (event: GiveUpEvent) => void event.reason,
      onSuccess: (event: SuccessEvent) => void event.attempts,
    });
    expectTypeOf(policy.execute(({ attempt }: RetryContext) => attempt)).toEqualTypeOf<
      Promise<number>
    >();
    expectTypeOf(resolveRetryPreset('bigquery').values.maxAttempts).toEqualTypeOf<number>();
  });

  it('no longer exports internal representations and plumbing types', () => {
    // @ts-expect-error the parsed options are internal
    type _Parsed = Retry.ParsedRetryOptions;
    // @ts-expect-error write the function type; DelayContext names its argument
    type _DelayFunction = Retry.DelayFunction;
    // @ts-expect-error the option's own type, RetryPolicyOptions['backoff']
    type _Backoff = Retry.Backoff;
    // @ts-expect-error easily confused with the retryable decorator
    type _Retryable = Retry.Retryable<number>;
    // @ts-expect-error RetryError's constructor input
    type _Details = Retry.RetryErrorDetails;
    // @ts-expect-error preset plumbing
    type _Resolved = Retry.ResolvedRetryPreset;
    // @ts-expect-error preset plumbing
    type _Source = Retry.RetryPresetSource;
    // @ts-expect-error preset plumbing
    type _Values = Retry.RetryPresetValues;
  });
});
