import { applyJitter, backoffCeiling } from './backoff.js';
import {
  AttemptTimeoutError,
  KEPT_RECENT_ERRORS,
  RetryableResultError,
  RetryError,
  type RetryGiveUpReason,
  RetryOptionsError,
} from './errors.js';
import type { GiveUpReason, ParsedRetryOptions, RetryPolicyOptions } from './options.js';
import { parseRetryOptions } from './options.js';
import { retryAfterMsOf } from './retry-after.js';

/** What the retried function receives on each attempt. */
export interface RetryContext {
  /** This attempt's number: 1 for the first call. */
  readonly attempt: number;
  /**
   * Aborts when the caller's signal aborts or this attempt passes `attemptTimeoutMs`. Pass it on
   * to `fetch`, client calls and the like so abandoned attempts stop working.
   */
  readonly signal: AbortSignal;
}

/**
 * A function a policy can retry: called with a {@link RetryContext}, returning a value or a promise.
 * @internal
 */
export type Retryable<R> = (context: RetryContext) => R | PromiseLike<R>;

/**
 * A reusable retry policy: options parsed once, shared by every call.
 *
 * @example
 * ```ts
 * const policy = createRetryPolicy({ preset: 'bigquery' });
 * const rows = await policy.execute(({ signal }) => runQuery(sql, { signal }), request.signal);
 * ```
 */
export interface RetryPolicy<T = unknown> {
  /** Run `fn` with retries. Rejects with {@link RetryError} when attempts, time or budget run out. */
  execute<R extends T>(
    fn: (context: RetryContext) => R | PromiseLike<R>,
    signal?: AbortSignal,
  ): Promise<R>;
  /**
   * The validated options this policy runs on.
   * @deprecated An internal representation, free to change between releases; read a preset's
   *   effective values with {@link resolveRetryPreset}. `options` is removed in the next minor
   *   release.
   */
  readonly options: ParsedRetryOptions;
}

// One never-aborting signal per attempt is made lazily, only when the function reads it.
class AttemptContext implements RetryContext {
  readonly attempt: number;
  #signal: AbortSignal | undefined;
  constructor(attempt: number, signal: AbortSignal | undefined) {
    this.attempt = attempt;
    this.#signal = signal;
  }
  get signal(): AbortSignal {
    if (this.#signal === undefined) this.#signal = new AbortController().signal;
    return this.#signal;
  }
}

const notAborted: unique symbol = Symbol('notAborted');

/**
 * The context of an attempt with a timeout. Its signal is made only if the function reads it:
 * adding an abort listener costs microseconds, so the timer settles the attempt directly and
 * aborts the signal only when one exists.
 */
class TimedAttemptContext implements RetryContext {
  readonly attempt: number;
  #controller: AbortController | undefined;
  #reason: unknown = notAborted;
  constructor(attempt: number) {
    this.attempt = attempt;
  }
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== notAborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
  /** Called once at most: the attempt's `fail` runs only while it is unsettled. */
  abort(reason: unknown): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

function noop(): void {}

/** Marks "no first error": the loop makes the first call itself. */
const noFailure: unique symbol = Symbol('noFailure');

function invoke<R>(fn: Retryable<R>, context: RetryContext): Promise<R> {
  try {
    return Promise.resolve(fn(context));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Settle with `promise`, or reject with `signal.reason` the moment `signal` aborts. */
function raceAbort<R>(promise: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) {
    promise.then(noop, noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class Policy<T> implements RetryPolicy<T> {
  readonly #options: ParsedRetryOptions;
  /**
   * Whether a call without a signal can take the allocation-light path: one derived promise, no
   * abort listener, and no clock read unless attempts are timed or time is limited. Hooks and
   * retryOnResult need the full loop.
   */
  readonly #fast: boolean;
  /** Whether the fast path reads the clock at the call, for `maxElapsedMs` or a timed attempt. */
  readonly #timesCall: boolean;
  readonly #recordSuccess: (<R>(value: R) => R) | undefined;

  constructor(options: ParsedRetryOptions) {
    this.#options = options;
    this.#fast =
      options.onSuccess === undefined &&
      options.onGiveUp === undefined &&
      options.onRetry === undefined &&
      options.retryOnResult === undefined;
    this.#timesCall =
      Number.isFinite(options.maxElapsedMs) || options.attemptTimeoutMs !== undefined;
    const { budget } = options;
    this.#recordSuccess =
      budget === undefined
        ? undefined
        : <R>(value: R): R => {
            budget.recordSuccess();
            return value;
          };
  }

  /** @deprecated See {@link RetryPolicy.options}. */
  get options(): ParsedRetryOptions {
    return this.#options;
  }

  execute<R extends T>(fn: Retryable<R>, signal?: AbortSignal): Promise<R> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new RetryOptionsError('fn', `execute() needs a function to retry (got ${typeof fn})`),
      );
    }
    if (signal !== undefined) {
      if (signal.aborted) return Promise.reject(signal.reason);
    } else if (this.#fast) {
      // The success path of a plain policy: one call, one derived promise, and a clock read only
      // when elapsed time is limited or attempts are timed (then time counts from the call).
      const start = this.#timesCall ? this.#options.clock.now() : undefined;
      let promise: Promise<R>;
      if (this.#options.attemptTimeoutMs === undefined) {
        let result: R | PromiseLike<R>;
        try {
          result = fn(new AttemptContext(1, undefined));
        } catch (error) {
          return this.#run(fn, undefined, start, error);
        }
        promise = result instanceof Promise ? (result as Promise<R>) : Promise.resolve(result);
      } else {
        promise = this.#attempt(fn, 1, undefined);
      }
      return promise.then(this.#recordSuccess as ((value: R) => R) | undefined, (error: unknown) =>
        this.#run(fn, undefined, start, error),
      );
    }
    return this.#run(fn, signal, this.#options.clock.now(), noFailure);
  }

  #attempt<R>(fn: Retryable<R>, attempt: number, signal: AbortSignal | undefined): Promise<R> {
    const timeoutMs = this.#options.attemptTimeoutMs;
    if (timeoutMs === undefined) {
      const result = invoke(fn, new AttemptContext(attempt, signal));
      return signal === undefined ? result : raceAbort(result, signal);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<R>((resolve, reject) => {
      const context = new TimedAttemptContext(attempt);
      let settled = false;
      const finish = (): void => {
        settled = true;
        timer.clear();
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (reason: unknown): void => {
        if (settled) return;
        finish();
        context.abort(reason);
        reject(reason);
      };
      const onAbort = (): void => fail(signal?.reason);
      const timer = this.#options.clock.setTimeout(
        () => fail(new AttemptTimeoutError(attempt, timeoutMs)),
        timeoutMs,
      );
      // No `once`: finish() removes the listener on every outcome, an abort included.
      signal?.addEventListener('abort', onAbort);
      invoke(fn, context).then(
        (value) => {
          if (settled) return;
          finish();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          finish();
          reject(error);
        },
      );
    });
  }

  /**
   * The retry loop. `start` is the first call's time, or undefined after the fast path, which
   * skips that clock read: time is then measured from the first failure. `firstError` is the
   * first attempt's error when the fast path already made that call.
   */
  async #run<R>(
    fn: Retryable<R>,
    signal: AbortSignal | undefined,
    start: number | undefined,
    firstError: unknown,
  ): Promise<R> {
    const o = this.#options;
    const { clock } = o;
    let errors: unknown[] | undefined;
    let previousDelayMs = o.baseDelayMs;

    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        if (attempt === 1 && firstError !== noFailure) throw firstError;
        const result = await this.#attempt(fn, attempt, signal);
        const retryOnResult = o.retryOnResult as
          | ((result: R, attempt: number) => boolean)
          | undefined;
        if (retryOnResult === undefined || !retryOnResult(result, attempt)) {
          o.budget?.recordSuccess();
          o.onSuccess?.({
            attempts: attempt,
            result: result as never,
            elapsedMs: clock.now() - (start ?? clock.now()),
          });
          return result;
        }
        failure = new RetryableResultError(result, attempt);
      } catch (error) {
        start ??= clock.now();
        if (signal?.aborted) {
          this.#giveUp(attempt, signal.reason, 'aborted', start);
          throw signal.reason;
        }
        if (!o.retryOn(error, attempt)) {
          this.#giveUp(attempt, error, 'nonRetryable', start);
          throw error;
        }
        failure = error;
      }
      start ??= clock.now();

      errors ??= [];
      // Keep the first error and the most recent ones, so unbounded attempts hold bounded memory.
      if (errors.length > KEPT_RECENT_ERRORS) errors.splice(1, 1);
      errors.push(failure);
      if (attempt >= o.maxAttempts) throw this.#exhausted(attempt, errors, 'maxAttempts', start);

      let delayMs = this.#delay(attempt, failure, previousDelayMs);
      previousDelayMs = delayMs;
      const hintMs = retryAfterMsOf(failure, clock.now());
      if (hintMs !== undefined && hintMs > delayMs) {
        // Calling sooner than the server asked would only be refused again: give up instead.
        if (hintMs > o.maxRetryAfterMs) {
          throw this.#exhausted(attempt, errors, 'maxRetryAfter', start, hintMs);
        }
        delayMs = hintMs;
      }
      if (clock.now() - start + delayMs > o.maxElapsedMs) {
        throw this.#exhausted(attempt, errors, 'maxElapsed', start, delayMs);
      }
      if (o.budget !== undefined && !o.budget.tryAcquire()) {
        throw this.#exhausted(attempt, errors, 'budgetExhausted', start);
      }
      o.onRetry?.({ attempt, error: failure, delayMs });
      try {
        await clock.sleep(delayMs, signal);
      } catch (reason) {
        this.#giveUp(attempt, reason, 'aborted', start);
        throw reason;
      }
    }
  }

  #delay(attempt: number, error: unknown, previousDelayMs: number): number {
    const o = this.#options;
    if (o.delayFunction !== undefined) {
      const delayMs = o.delayFunction({ retry: attempt, error, previousDelayMs });
      if (!Number.isFinite(delayMs) || delayMs < 0) {
        throw new RetryOptionsError(
          'backoff',
          `the "backoff" function must return a finite number of milliseconds >= 0 (got ${String(delayMs)})`,
        );
      }
      return delayMs;
    }
    const ceilingMs = backoffCeiling(o.shape, attempt, o.baseDelayMs, o.maxDelayMs);
    return applyJitter(o.jitter, ceilingMs, o.baseDelayMs, o.maxDelayMs, previousDelayMs, o.random);
  }

  #giveUp(attempts: number, error: unknown, reason: GiveUpReason, start: number): void {
    this.#options.onGiveUp?.({
      attempts,
      error,
      reason,
      elapsedMs: this.#options.clock.now() - start,
    });
  }

  #exhausted(
    attempts: number,
    errors: unknown[],
    reason: RetryGiveUpReason,
    start: number,
    nextDelayMs?: number,
  ): RetryError {
    const error = new RetryError({
      attempts,
      errors,
      reason,
      elapsedMs: this.#options.clock.now() - start,
      nextDelayMs,
    });
    this.#giveUp(attempts, error, reason, start);
    return error;
  }
}

/**
 * Create a reusable {@link RetryPolicy}. Options are validated here, once: bad values throw
 * {@link RetryOptionsError} naming the option.
 *
 * @example
 * ```ts
 * const publish = createRetryPolicy({ preset: 'pubsubPublish', onRetry: (e) => log.warn(e) });
 * await publish.execute(({ signal }) => topic.publishMessage({ json: row }), signal);
 * ```
 */
export function createRetryPolicy<T = unknown>(
  options: RetryPolicyOptions<T> = {},
): RetryPolicy<T> {
  if (typeof options === 'object' && options !== null && 'signal' in options) {
    throw new RetryOptionsError(
      'signal',
      'a policy is shared by many calls: pass the signal to execute(fn, signal) instead',
    );
  }
  return new Policy<T>(parseRetryOptions(options as RetryPolicyOptions<never>));
}
