import type { Clock, ClockTimer } from './clock.js';
import { PipewellOptionsError } from './error.js';
import { type Logger, silentLogger } from './logger.js';

/** What each tick of {@link every} receives. */
export interface TickContext {
  /** Aborts when the loop stops (`close()`, or the loop's own `signal`): give up the work in hand. */
  readonly signal: AbortSignal;
}

/** Options for {@link every}. */
export interface EveryOptions {
  /** Stops the loop when it aborts, as `close()` does. @default none */
  readonly signal?: AbortSignal | undefined;
  /**
   * Told about a tick that threw or rejected; the loop goes on either way. One that throws is
   * logged to `logger` and ignored.
   * @default log the error to `logger`
   */
  readonly onError?: ((error: unknown) => void) | undefined;
  /**
   * Where a failed tick is logged (at `error`) when there is no `onError`, and an `onError` that
   * threw. With neither `onError` nor `logger`, a failed tick is dropped.
   * @default silentLogger
   */
  readonly logger?: Logger | undefined;
}

/** A running loop from {@link every}. */
export interface EveryHandle extends AsyncDisposable {
  /** True once `close()` was called or the loop's signal aborted. */
  readonly closed: boolean;
  /**
   * Stop the loop: no tick starts after this call, the pending timer is cleared, and a tick in
   * flight sees its `signal` abort. Resolves when that tick has settled (at once when none is in
   * flight). Safe to call more than once. A tick must not await this: it would wait for itself.
   */
  close(): Promise<void>;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

const stoppedReason = (): Error =>
  new DOMException('@pipewell/core: the loop was closed', 'AbortError');

/**
 * Call `tick` every `intervalMs` on `clock` until stopped. The one rule for a tick that is still
 * running when the next is due: ticks never overlap. The next tick is scheduled `intervalMs`
 * after the previous one settles, so a slow tick (a store that hangs for a minute) delays the
 * next instead of piling calls onto it, and a tick that returns at once (fire-and-forget work it
 * tracks itself) keeps the plain `intervalMs` rhythm.
 *
 * The first tick comes `intervalMs` after the call. A tick that throws or rejects is reported to
 * `onError` (else logged to `logger`) and the loop goes on. The timer is unref'd, so the loop never
 * keeps a process alive; `close()`, the loop's `signal` or `await using` end it, leaving no timer
 * and no listener behind.
 *
 * @throws PipewellOptionsError when `intervalMs` is not a finite number > 0, `clock` is not a
 *   `Clock` or `tick` is not a function
 * @example
 * ```ts
 * const sync = every(clock, 30_000, ({ signal }) => refresh({ signal }), {
 *   onError: (error) => logger.warn({ err: error }, 'refresh failed; trying again next round'),
 * });
 * // at shutdown:
 * await sync.close();
 * ```
 */
export function every(
  clock: Clock,
  intervalMs: number,
  tick: (context: TickContext) => unknown,
  options: EveryOptions = {},
): EveryHandle {
  if (typeof clock?.setTimeout !== 'function') {
    throw new PipewellOptionsError('clock', '@pipewell/core: every needs a Clock');
  }
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new PipewellOptionsError(
      'intervalMs',
      `@pipewell/core: every needs intervalMs as a finite number of milliseconds > 0 (got ${String(intervalMs)})`,
    );
  }
  if (typeof tick !== 'function') {
    throw new PipewellOptionsError('tick', '@pipewell/core: every needs a tick function');
  }
  const { signal, onError } = options;
  const logger = options.logger ?? silentLogger;
  const controller = new AbortController();
  const context: TickContext = { signal: controller.signal };
  let timer: ClockTimer | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const report = (error: unknown): void => {
    if (onError === undefined) {
      logger.error({ err: error }, 'every: a tick failed; the loop goes on');
      return;
    }
    try {
      onError(error);
    } catch (thrown) {
      logger.error({ err: thrown, tickError: error }, 'every: onError threw; ignored');
    }
  };

  const schedule = (): void => {
    if (!stopped) timer = clock.setTimeout(run, intervalMs).unref();
  };

  const settled = (): void => {
    inFlight = undefined;
    schedule();
  };

  function run(): void {
    timer = undefined;
    let result: unknown;
    try {
      result = tick(context);
    } catch (error) {
      report(error);
      schedule();
      return;
    }
    if (!isPromiseLike(result)) {
      schedule();
      return;
    }
    inFlight = Promise.resolve(result)
      .then(() => {}, report)
      .finally(settled);
  }

  const onAbort = (): void => {
    void stop(signal?.reason);
  };

  function stop(reason?: unknown): Promise<void> {
    if (!stopped) {
      stopped = true;
      timer?.clear();
      timer = undefined;
      signal?.removeEventListener('abort', onAbort);
      controller.abort(reason ?? stoppedReason());
    }
    return inFlight ?? Promise.resolve();
  }

  if (signal?.aborted) {
    stopped = true;
    controller.abort(signal.reason);
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
    schedule();
  }

  return {
    get closed() {
      return stopped;
    },
    close: () => stop(),
    [Symbol.asyncDispose]: () => stop(),
  };
}
