import type { RetryPolicyOptions } from './options.js';
import type { RetryPolicy } from './policy.js';
import { createRetryPolicy } from './policy.js';

// Options objects cannot have `execute` (it is not an option), so it tells a policy apart.
function isPolicy(value: unknown): value is RetryPolicy {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RetryPolicy).execute === 'function'
  );
}

/** The abort signal among a call's arguments: the last argument, or its `signal` property. */
function signalFromArguments(args: readonly unknown[]): AbortSignal | undefined {
  const last = args[args.length - 1];
  if (last instanceof AbortSignal) return last;
  if (typeof last === 'object' && last !== null) {
    const signal = (last as { signal?: unknown }).signal;
    if (signal instanceof AbortSignal) return signal;
  }
  return undefined;
}

/**
 * A TC39 method decorator (TypeScript 5+, no `experimentalDecorators`) that retries an async
 * method with a policy built once, when the class is defined. Each attempt calls the original
 * method again with the same arguments and `this`. If the last argument is an `AbortSignal`, or
 * an object with a `signal` property, that signal aborts the retries.
 *
 * @example
 * ```ts
 * class BoxScoreProcessor {
 *   @retryable({ preset: 'bigquery' })
 *   async load(date: string, options?: { signal?: AbortSignal }): Promise<number> {
 *     return this.warehouse.insert(date, options);
 *   }
 * }
 * ```
 */
export function retryable<T = unknown>(
  policyOrOptions: RetryPolicy<T> | RetryPolicyOptions<T> = {},
): <This, Args extends unknown[], R extends T>(
  method: (this: This, ...args: Args) => Promise<R>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<R>>,
) => (this: This, ...args: Args) => Promise<R> {
  const policy = isPolicy(policyOrOptions)
    ? (policyOrOptions as RetryPolicy<T>)
    : createRetryPolicy<T>(policyOrOptions as RetryPolicyOptions<T>);
  return function decorate<This, Args extends unknown[], R extends T>(
    method: (this: This, ...args: Args) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<R>>,
  ) {
    if (context.kind !== 'method') {
      throw new TypeError(`@retryable can only decorate methods (got a ${String(context.kind)})`);
    }
    return function retried(this: This, ...args: Args): Promise<R> {
      return policy.execute(() => method.apply(this, args), signalFromArguments(args));
    };
  };
}
