import { PipewellError, PipewellOptionsError } from '@pipewell/core';

/**
 * Why {@link RetryError} gave up: attempts ran out, the next wait would pass `maxElapsedMs`, a
 * server's wait hint was longer than `maxRetryAfterMs`, or the retry budget was empty.
 */
export type RetryGiveUpReason = 'maxAttempts' | 'maxElapsed' | 'maxRetryAfter' | 'budgetExhausted';

/**
 * How many of the most recent errors a {@link RetryError} keeps besides the first one.
 * @internal
 */
export const KEPT_RECENT_ERRORS = 10;

/** Fields of a {@link RetryError}. */
export interface RetryErrorDetails {
  /** How many times the function was called. */
  readonly attempts: number;
  /**
   * The errors kept, oldest first, the last one being the last attempt's. Fewer than `attempts`
   * means the ones in between were dropped (see {@link RetryError.droppedErrors}).
   */
  readonly errors: readonly unknown[];
  /** Why retrying stopped. */
  readonly reason: RetryGiveUpReason;
  /** Milliseconds from the first call (or first failure) to giving up. */
  readonly elapsedMs: number;
  /** The wait that retrying would have needed, for `'maxElapsed'` and `'maxRetryAfter'`. */
  readonly nextDelayMs?: number | undefined;
}

/**
 * Thrown when retrying stops because attempts, time or the retry budget ran out. The last
 * attempt's error is both {@link RetryError.lastError} and `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await retry(load);
 * } catch (error) {
 *   if (RetryError.isInstance(error)) log.warn({ attempts: error.attempts }, error.message);
 * }
 * ```
 */
export class RetryError extends PipewellError {
  static override readonly marker = '@pipewell/retry.RetryError';
  override readonly name = 'RetryError';
  /** How many times the function was called (exact, however many errors were dropped). */
  readonly attempts: number;
  /**
   * The first attempt's error followed by the 10 most recent ones, oldest first: at most 11
   * entries, so a call with unbounded attempts holds bounded memory. With 11 attempts or fewer
   * this is every attempt's error; otherwise the {@link RetryError.droppedErrors} in between are
   * gone.
   */
  readonly errors: readonly unknown[];
  /** How many attempts' errors were left out of {@link RetryError.errors}: `attempts - errors.length`. */
  readonly droppedErrors: number;
  /** Why retrying stopped. */
  readonly reason: RetryGiveUpReason;
  /**
   * The wait that retrying would have needed, in milliseconds: set when `reason` is
   * `'maxElapsed'` or `'maxRetryAfter'` (so a caller can reschedule the work, for example NACK a
   * message with that delay), otherwise `undefined`.
   */
  readonly nextDelayMs: number | undefined;
  /**
   * Milliseconds from the first call to giving up, on the policy's clock. A call with no signal,
   * hooks, `maxElapsedMs`, `attemptTimeoutMs` or `retryOnResult` skips the clock read before its
   * first attempt (it is the cheapest path), so there this counts from the first failure.
   */
  readonly elapsedMs: number;

  constructor(details: RetryErrorDetails) {
    const last = details.errors[details.errors.length - 1];
    super(`${describeReason(details)}: ${messageOf(last)}`, { cause: last });
    this.attempts = details.attempts;
    this.errors = details.errors;
    this.droppedErrors = Math.max(0, details.attempts - details.errors.length);
    this.reason = details.reason;
    this.elapsedMs = details.elapsedMs;
    this.nextDelayMs = details.nextDelayMs;
  }

  /** The last attempt's error (also `cause`). */
  get lastError(): unknown {
    return this.errors[this.errors.length - 1];
  }
}

function describeReason({ reason, attempts, elapsedMs, nextDelayMs }: RetryErrorDetails): string {
  const calls = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const wait = nextDelayMs === undefined ? '' : ` of ${Math.ceil(nextDelayMs)} ms`;
  switch (reason) {
    case 'maxAttempts':
      return `Gave up after ${calls}`;
    case 'maxElapsed':
      return `Gave up after ${calls} in ${Math.round(elapsedMs)} ms: the next wait${wait} would pass maxElapsedMs`;
    case 'maxRetryAfter':
      return `Gave up after ${calls}: the server asked for a wait${wait}, longer than maxRetryAfterMs`;
    case 'budgetExhausted':
      return `Gave up after ${calls}: the retry budget is exhausted`;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The reason an attempt's signal aborts when the attempt runs past `attemptTimeoutMs`. Counted
 * as transient by {@link isTransientError}, so a timed-out attempt is retried by default.
 */
export class AttemptTimeoutError extends PipewellError {
  static override readonly marker = '@pipewell/retry.AttemptTimeoutError';
  override readonly name = 'AttemptTimeoutError';
  /** The attempt number that timed out (1 for the first call). */
  readonly attempt: number;
  /** The timeout that was exceeded. */
  readonly timeoutMs: number;

  constructor(attempt: number, timeoutMs: number) {
    super(`Attempt ${attempt} timed out after ${timeoutMs} ms`);
    this.attempt = attempt;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Recorded in {@link RetryError.errors} for an attempt whose result `retryOnResult` rejected.
 */
export class RetryableResultError<T = unknown> extends PipewellError {
  static override readonly marker = '@pipewell/retry.RetryableResultError';
  override readonly name = 'RetryableResultError';
  /** The result that `retryOnResult` asked to retry. */
  readonly result: T;

  constructor(result: T, attempt: number) {
    super(`Attempt ${attempt} returned a result that retryOnResult rejected`);
    this.result = result;
  }
}

/**
 * Thrown when a policy is created with an invalid option or environment override. `option`
 * names the option (or environment variable), and the message the value it got. A
 * {@link PipewellOptionsError}, like every pipewell options error.
 */
export class RetryOptionsError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/retry.RetryOptionsError';
  override readonly name = 'RetryOptionsError';

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/retry: ${message}`);
  }
}
