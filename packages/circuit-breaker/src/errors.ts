import type { BreakerState } from './record.js';

const openMarker = Symbol.for('@pipewell/circuit-breaker.CircuitOpenError');
const configMarker = Symbol.for('@pipewell/circuit-breaker.BreakerConfigError');

function hasMarker(error: unknown, marker: symbol): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[marker] === true
  );
}

/**
 * Thrown by `execute` while the breaker is open (or another call holds the half-open probe):
 * the call was not made. `retryAfterMs` says when it is worth trying again, and `transient` is
 * true, so a `@pipewell/retry` policy around the breaker waits that long instead of hammering.
 * `cause` is the failure that opened the breaker, when this instance saw it.
 *
 * @example
 * ```ts
 * try {
 *   await breaker.execute(load);
 * } catch (error) {
 *   if (CircuitOpenError.isInstance(error)) log.warn({ retryAfterMs: error.retryAfterMs, err: error.cause }, error.message);
 * }
 * ```
 */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  /** The breaker's name. */
  readonly breakerName: string;
  /** Milliseconds until the breaker may let a call through again. */
  readonly retryAfterMs: number;
  /** The breaker's state when it refused the call. */
  readonly state: BreakerState;
  /** Marks the refusal as temporary for `isTransientError` in `@pipewell/retry`. */
  readonly transient = true;

  /**
   * @param options.cause - the failure that opened the breaker (the error of the call that
   *   tripped it or failed its probe); absent when another instance or an operator opened it.
   */
  constructor(
    breakerName: string,
    retryAfterMs: number,
    state: BreakerState,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `Circuit "${breakerName}" is ${state === 'open' ? 'open' : 'half-open and its probe is busy'}; retry in ${Math.ceil(retryAfterMs)} ms`,
      options,
    );
    this.breakerName = breakerName;
    this.retryAfterMs = retryAfterMs;
    this.state = state;
  }

  /** True for any `CircuitOpenError`, even from another installed copy of this package. */
  static isInstance(error: unknown): error is CircuitOpenError {
    return hasMarker(error, openMarker);
  }
}
Object.defineProperty(CircuitOpenError.prototype, openMarker, { value: true });

/**
 * Thrown when a breaker is created with an invalid option or environment variable. `source` names
 * it: the option (`"openTimeoutMs"`) or the variable (`"CIRCUIT_BREAKER_BIGQUERY_THRESHOLD"`).
 */
export class BreakerConfigError extends TypeError {
  override readonly name = 'BreakerConfigError';
  /** The option or environment variable that is wrong. */
  readonly source: string;

  constructor(source: string, message: string) {
    super(`@pipewell/circuit-breaker: ${message}`);
    this.source = source;
  }

  /** True for any `BreakerConfigError`, even from another installed copy of this package. */
  static isInstance(error: unknown): error is BreakerConfigError {
    return hasMarker(error, configMarker);
  }
}
Object.defineProperty(BreakerConfigError.prototype, configMarker, { value: true });
