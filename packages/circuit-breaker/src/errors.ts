import { PipewellError, PipewellOptionsError } from '@pipewell/core';
import type { BreakerState } from './record.js';

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
export class CircuitOpenError extends PipewellError {
  static override readonly marker = '@pipewell/circuit-breaker.CircuitOpenError';
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
}

/**
 * Thrown when a breaker is created with an invalid option or environment variable. `option`
 * names it: the option (`"openTimeoutMs"`) or the variable (`"CIRCUIT_BREAKER_BIGQUERY_THRESHOLD"`).
 * A {@link PipewellOptionsError}, like every pipewell options error.
 */
export class BreakerConfigError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/circuit-breaker.BreakerConfigError';
  override readonly name = 'BreakerConfigError';

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/circuit-breaker: ${message}`);
  }

  /**
   * The option or environment variable that is wrong: the same as `option`.
   * @deprecated Read `option`, the name every pipewell options error uses; `source` is removed
   *   in the next minor release.
   */
  get source(): string {
    return this.option;
  }
}

/**
 * Thrown by `execute` (and a probe waiting on the store) once the breaker was shut down with
 * `close()` or `await using`: the call was not made. This is about the breaker object's life,
 * not the circuit's state: a circuit in the closed state lets calls through.
 *
 * @example
 * ```ts
 * await breaker.close();
 * await breaker.execute(load).catch((error) => BreakerClosedError.isInstance(error)); // true
 * ```
 */
export class BreakerClosedError extends PipewellError {
  static override readonly marker = '@pipewell/circuit-breaker.BreakerClosedError';
  override readonly name = 'BreakerClosedError';
  /** The breaker's name. */
  readonly breakerName: string;

  /** Create the error for the breaker named `breakerName`. */
  constructor(breakerName: string) {
    super(`Circuit breaker "${breakerName}" was closed with close()`);
    this.breakerName = breakerName;
  }
}

/**
 * A fleet write lost the store's compare-and-set race `attempts` times in a row: other instances
 * kept writing the record first. `isolate()` and `reset()` reject with it (this instance's own
 * state changed anyway; the fleet's did not). A trip, reopen or close that lost is kept and
 * retried on the next sync; it is reported as the `error` of a `storeError` event.
 *
 * @example
 * ```ts
 * await breaker.isolate().catch((error) => {
 *   if (BreakerContentionError.isInstance(error)) return breaker.isolate(); // try once more
 *   throw error;
 * });
 * ```
 */
export class BreakerContentionError extends PipewellError {
  static override readonly marker = '@pipewell/circuit-breaker.BreakerContentionError';
  override readonly name = 'BreakerContentionError';
  /** The breaker's name. */
  readonly breakerName: string;
  /** The write that lost: an operator's `isolate` or `reset`, or a published verdict. */
  readonly write: 'trip' | 'reopen' | 'close' | 'isolate' | 'reset';
  /** How many compare-and-sets it tried. */
  readonly attempts: number;

  /** Create the error for `write` on the breaker named `breakerName`. */
  constructor(breakerName: string, write: BreakerContentionError['write'], attempts: number) {
    super(
      write === 'isolate' || write === 'reset'
        ? `Circuit "${breakerName}": ${write}() lost the compare-and-set race ${attempts} times; the fleet is not ${write === 'isolate' ? 'isolated' : 'reset'} (this instance is)`
        : `Circuit "${breakerName}": the fleet ${write} lost the compare-and-set race ${attempts} times in a row; it is retried on the next sync`,
    );
    this.breakerName = breakerName;
    this.write = write;
    this.attempts = attempts;
  }
}

/**
 * A stored breaker document is not a breaker record (hand-edited, or written by something else):
 * the store refuses to guess, so a breaker never acts on a half-understood state. Thrown by
 * `createFirestoreBreakerStore` reads; store authors can throw it from their own stores.
 *
 * @example
 * ```ts
 * try {
 *   await store.get('bigquery');
 * } catch (error) {
 *   if (BreakerRecordError.isInstance(error)) console.error(error.path, error.field);
 * }
 * ```
 */
export class BreakerRecordError extends PipewellError {
  static override readonly marker = '@pipewell/circuit-breaker.BreakerRecordError';
  override readonly name = 'BreakerRecordError';
  /** Where the document lives, e.g. `pipewell-circuit-breakers/bigquery`. */
  readonly path: string;
  /** The field that is wrong (`version`, `state`, `lease`, ...), or `no data`. */
  readonly field: string;

  /** Create the error for the document at `path` whose `field` is wrong. */
  constructor(path: string, field: string) {
    super(`@pipewell/circuit-breaker: document ${path} is not a breaker record (bad ${field})`);
    this.path = path;
    this.field = field;
  }
}
