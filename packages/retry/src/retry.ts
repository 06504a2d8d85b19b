import type { RetryPolicyOptions } from './options.js';
import type { Retryable, RetryContext, RetryPolicy } from './policy.js';
import { createRetryPolicy } from './policy.js';

/** Options for {@link retry}: a policy's options plus this call's `signal`. */
export interface RetryOptions<T = unknown> extends RetryPolicyOptions<T> {
  /** Abort the call: a pending wait ends at once with `signal.reason`, and `fn` is not called again. */
  readonly signal?: AbortSignal;
}

let defaultPolicy: RetryPolicy | undefined;
// Callers that pass the same options object every time get the policy parsed once.
const policies = new WeakMap<object, RetryPolicy>();

function policyFor<T>(options: RetryOptions<T>): RetryPolicy<T> {
  let policy = policies.get(options) as RetryPolicy<T> | undefined;
  if (policy === undefined) {
    const { signal: _signal, ...policyOptions } = options;
    policy = createRetryPolicy<T>(policyOptions);
    policies.set(options, policy as RetryPolicy);
  }
  return policy;
}

/**
 * Call `fn({ attempt, signal })`, retrying transient failures with jittered exponential backoff
 * (3 attempts, 1 s to 15 s, full jitter by default). A non-retryable error is rethrown unchanged
 * after one call; when attempts, time or budget run out it rejects with {@link RetryError}.
 *
 * Options are parsed on first use of each options object; for a hot path, build a policy once
 * with {@link createRetryPolicy}.
 *
 * @example
 * ```ts
 * const box = await retry(({ signal }) => fetchJson(`/box-scores/${gameId}`, { signal }), {
 *   maxAttempts: 5,
 *   signal: AbortSignal.timeout(60_000),
 * });
 * ```
 */
export function retry<R>(
  fn: (context: RetryContext) => R | PromiseLike<R>,
  options?: RetryOptions<R>,
): Promise<R> {
  if (options === undefined) {
    defaultPolicy ??= createRetryPolicy();
    return defaultPolicy.execute(fn as Retryable<unknown>) as Promise<R>;
  }
  let policy: RetryPolicy<R>;
  try {
    policy = policyFor(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return policy.execute(fn, options.signal);
}
