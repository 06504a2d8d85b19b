import { type Clock, readEnv, systemClock } from '@pipewell/core';
import type { DelayContext, DelayFunction, Jitter } from './backoff.js';
import { jitterNames } from './backoff.js';
import type { RetryBudget } from './budget.js';
import type { RetryGiveUpReason } from './errors.js';
import { RetryOptionsError } from './errors.js';
import type { RetryPresetName } from './presets.js';
import { resolveRetryPreset } from './presets.js';
import { isTransientError } from './transient.js';

/** What {@link RetryPolicyOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first call). */
  readonly attempt: number;
  /** Its error, or a {@link RetryableResultError} when `retryOnResult` rejected its result. */
  readonly error: unknown;
  /** How long the policy will wait before the next attempt. */
  readonly delayMs: number;
}

/** Why a call ended in failure, as told to {@link RetryPolicyOptions.onGiveUp}. */
export type GiveUpReason = RetryGiveUpReason | 'nonRetryable' | 'aborted';

/** What {@link RetryPolicyOptions.onGiveUp} is told when a call ends in failure. */
export interface GiveUpEvent {
  /** How many times the function was called. */
  readonly attempts: number;
  /** What the call rejects with: a {@link RetryError}, the non-retryable error, or the abort reason. */
  readonly error: unknown;
  readonly reason: GiveUpReason;
  readonly elapsedMs: number;
}

/** What {@link RetryPolicyOptions.onSuccess} is told when a call succeeds. */
export interface SuccessEvent<T = unknown> {
  /** How many times the function was called (1 when the first call worked). */
  readonly attempts: number;
  readonly result: T;
  readonly elapsedMs: number;
}

/**
 * Options for {@link createRetryPolicy} and {@link retry}. Every option is optional; parsed and
 * validated once, when the policy is created.
 */
export interface RetryPolicyOptions<T = unknown> {
  /**
   * Start from a named preset ({@link retryPresets}); the other options here override it, and
   * `PIPEWELL_RETRY_<PRESET>_<OPTION>` environment variables override both.
   */
  readonly preset?: RetryPresetName;
  /**
   * Where preset overrides are read from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Total calls, counting the first. `Infinity` retries until time or budget runs out.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * The first retry's delay before jitter; later ones double.
   * @default 1000
   */
  readonly baseDelayMs?: number;
  /**
   * The largest delay before jitter. Applied before jitter, so capped delays still spread out.
   * @default 15000
   */
  readonly maxDelayMs?: number;
  /**
   * How delays are spread: `'full'` (uniform in [0, d]), `'equal'` ([d/2, d]), `'decorrelated'`
   * ([base, min(cap, 3 × previous)]) or `'none'`. Full jitter does the least total work when many
   * clients contend.
   * @default 'full'
   */
  readonly jitter?: Jitter;
  /**
   * The shape of delays before jitter: `'exponential'` (base × 2^(n-1)), `'constant'` (base), or
   * a function returning the delay itself (jitter is not applied to a function's result).
   * @default 'exponential'
   */
  readonly backoff?: 'exponential' | 'constant' | ((context: DelayContext) => number);
  /**
   * Give up at once (reason `'maxElapsed'`) rather than start a wait that would end past this
   * many milliseconds since the first call; this holds for waits a `Retry-After` hint asks for
   * too. The presets set it.
   * @default Infinity
   */
  readonly maxElapsedMs?: number;
  /**
   * The longest wait a server's hint (`retryAfterMs` on the error, as on `CircuitOpenError`, or a
   * `Retry-After` header) may impose. A hint longer than this (and longer than the backoff's own
   * delay) ends the call at once with reason `'maxRetryAfter'` instead of sleeping: calling again
   * sooner than the server asked would only be refused again, and waiting longer than the caller
   * allows would stall it silently. `Infinity` honours any hint (bounded by `maxElapsedMs` only).
   * @default 60000
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Abort an attempt's signal with {@link AttemptTimeoutError} after this many milliseconds and
   * treat the attempt as failed (the error is transient, so it is retried).
   * @default undefined (no per-attempt timeout)
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Decide whether an error is worth another attempt.
   * @default isTransientError
   */
  readonly retryOn?: (error: unknown, attempt: number) => boolean;
  /** Return true for a result that means "try again" (for example an empty page while data lands). */
  readonly retryOnResult?: (result: T, attempt: number) => boolean;
  /** A {@link RetryBudget} shared with other policies; retries are refused when it is empty. */
  readonly budget?: RetryBudget;
  /**
   * The clock for delays and elapsed time.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * The random source for jitter, returning a number in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /** Called before each wait. Hooks are synchronous; one that throws ends the call with its error. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Called once when a call ends in failure. */
  readonly onGiveUp?: (event: GiveUpEvent) => void;
  /** Called once when a call succeeds. */
  readonly onSuccess?: (event: SuccessEvent<T>) => void;
}

/**
 * The validated form of {@link RetryPolicyOptions} a policy runs on: an internal representation,
 * free to change between releases.
 * @internal
 */
export interface ParsedRetryOptions {
  /** Total calls, counting the first. */
  readonly maxAttempts: number;
  /** The first retry's delay before jitter. */
  readonly baseDelayMs: number;
  /** The largest delay before jitter. */
  readonly maxDelayMs: number;
  /** How delays are spread. */
  readonly jitter: Jitter;
  /** The shape of delays before jitter (exponential when a delay function is given). */
  readonly shape: 'exponential' | 'constant';
  /** The custom delay function, if one was given as `backoff`. */
  readonly delayFunction: DelayFunction | undefined;
  /** The time limit from the first call. */
  readonly maxElapsedMs: number;
  /** The longest wait a server's hint may impose. */
  readonly maxRetryAfterMs: number;
  /** The per-attempt timeout, if any. */
  readonly attemptTimeoutMs: number | undefined;
  /** Whether an error is worth another attempt. */
  readonly retryOn: (error: unknown, attempt: number) => boolean;
  /** Whether a result means "try again", if set. */
  readonly retryOnResult: ((result: never, attempt: number) => boolean) | undefined;
  /** The shared retry budget, if any. */
  readonly budget: RetryBudget | undefined;
  /** The clock for delays and elapsed time. */
  readonly clock: Clock;
  /** The random source for jitter. */
  readonly random: () => number;
  /** Called before each wait. */
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  /** Called when a call ends in failure. */
  readonly onGiveUp: ((event: GiveUpEvent) => void) | undefined;
  /** Called when a call succeeds. */
  readonly onSuccess: ((event: SuccessEvent<never>) => void) | undefined;
}

/**
 * A minute: long enough for the usual 429 and 503 hints (Slack's are seconds), short enough that
 * a caller serving a request is not held for an open breaker's five minutes.
 */
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

const knownOptions = new Set([
  'preset',
  'env',
  'maxAttempts',
  'baseDelayMs',
  'maxDelayMs',
  'jitter',
  'backoff',
  'maxElapsedMs',
  'maxRetryAfterMs',
  'attemptTimeoutMs',
  'retryOn',
  'retryOnResult',
  'budget',
  'clock',
  'random',
  'onRetry',
  'onGiveUp',
  'onSuccess',
]);

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function delayOption(name: string, value: unknown, allowInfinity = false): number {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new RetryOptionsError(
      name,
      `option "${name}" must be a ${allowInfinity ? '' : 'finite '}number of milliseconds >= 0 (got ${show(value)})`,
    );
  }
  return value;
}

function functionOption<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new RetryOptionsError(name, `option "${name}" must be a function (got ${typeof value})`);
  }
  return value as F;
}

function isClock(value: unknown): value is Clock {
  const candidate = value as Partial<Clock> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.now === 'function' &&
    typeof candidate.sleep === 'function' &&
    typeof candidate.setTimeout === 'function'
  );
}

function isBudget(value: unknown): value is RetryBudget {
  const candidate = value as Partial<RetryBudget> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.tryAcquire === 'function' &&
    typeof candidate.recordSuccess === 'function'
  );
}

/**
 * Validate options once, naming the first one that is wrong. Presets and their environment
 * overrides are resolved here, so a policy never re-reads them per call.
 */
export function parseRetryOptions(options: RetryPolicyOptions<never>): ParsedRetryOptions {
  if (typeof options !== 'object' || options === null) {
    throw new RetryOptionsError('options', `options must be an object (got ${show(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) {
      throw new RetryOptionsError(key, `unknown option ${JSON.stringify(key)}`);
    }
  }

  const merged: Record<string, unknown> = { ...options };
  if (options.preset !== undefined) {
    const resolved = resolveRetryPreset(options.preset, readEnv(options.env));
    for (const [key, value] of Object.entries(resolved.values)) {
      // Environment overrides are the operator's word and win over code; preset defaults lose to it.
      if (
        resolved.sources[key as keyof typeof resolved.sources] === 'env' ||
        merged[key] === undefined
      ) {
        merged[key] = value;
      }
    }
  }

  const maxAttempts = merged.maxAttempts ?? 3;
  if (
    typeof maxAttempts !== 'number' ||
    !(maxAttempts === Number.POSITIVE_INFINITY || Number.isInteger(maxAttempts)) ||
    maxAttempts < 1
  ) {
    throw new RetryOptionsError(
      'maxAttempts',
      `option "maxAttempts" must be a whole number >= 1 or Infinity (got ${show(maxAttempts)})`,
    );
  }
  const baseDelayMs = delayOption('baseDelayMs', merged.baseDelayMs ?? 1000);
  const maxDelayMs = delayOption('maxDelayMs', merged.maxDelayMs ?? 15_000);
  if (baseDelayMs > maxDelayMs) {
    throw new RetryOptionsError(
      'baseDelayMs',
      `option "baseDelayMs" (${baseDelayMs}) must not exceed "maxDelayMs" (${maxDelayMs})`,
    );
  }
  const jitter = merged.jitter ?? 'full';
  if (!jitterNames.includes(jitter as Jitter)) {
    throw new RetryOptionsError(
      'jitter',
      `option "jitter" must be one of ${jitterNames.map((name) => `"${name}"`).join(', ')} (got ${show(jitter)})`,
    );
  }
  const backoff = merged.backoff ?? 'exponential';
  if (backoff !== 'exponential' && backoff !== 'constant' && typeof backoff !== 'function') {
    throw new RetryOptionsError(
      'backoff',
      `option "backoff" must be "exponential", "constant" or a function (got ${show(backoff)})`,
    );
  }
  const maxElapsedMs = delayOption(
    'maxElapsedMs',
    merged.maxElapsedMs ?? Number.POSITIVE_INFINITY,
    true,
  );
  const maxRetryAfterMs = delayOption(
    'maxRetryAfterMs',
    merged.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    true,
  );
  let attemptTimeoutMs: number | undefined;
  if (merged.attemptTimeoutMs !== undefined) {
    attemptTimeoutMs = delayOption('attemptTimeoutMs', merged.attemptTimeoutMs);
    if (attemptTimeoutMs === 0) {
      throw new RetryOptionsError(
        'attemptTimeoutMs',
        'option "attemptTimeoutMs" must be > 0 (got 0)',
      );
    }
  }
  const clock = merged.clock ?? systemClock;
  if (!isClock(clock)) {
    throw new RetryOptionsError(
      'clock',
      'option "clock" must have now(), sleep() and setTimeout()',
    );
  }
  const budget = merged.budget;
  if (budget !== undefined && !isBudget(budget)) {
    throw new RetryOptionsError(
      'budget',
      'option "budget" must be a RetryBudget (from createRetryBudget())',
    );
  }

  return {
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    jitter: jitter as Jitter,
    shape: typeof backoff === 'function' ? 'exponential' : backoff,
    delayFunction: typeof backoff === 'function' ? (backoff as DelayFunction) : undefined,
    maxElapsedMs,
    maxRetryAfterMs,
    attemptTimeoutMs,
    retryOn: functionOption('retryOn', merged.retryOn) ?? isTransientError,
    retryOnResult: functionOption('retryOnResult', merged.retryOnResult),
    budget,
    clock,
    random: functionOption('random', merged.random) ?? Math.random,
    onRetry: functionOption('onRetry', merged.onRetry),
    onGiveUp: functionOption('onGiveUp', merged.onGiveUp),
    onSuccess: functionOption('onSuccess', merged.onSuccess),
  };
}
