/**
 * A scheduled callback returned by {@link Clock.setTimeout}.
 */
export interface ClockTimer {
  /** Cancel the callback if it has not run yet. Safe to call more than once. */
  clear(): void;
  /** Let the process exit while this timer is pending (no-op on virtual clocks). Returns the timer. */
  unref(): ClockTimer;
}

/**
 * The source of time for every pipewell package. Inject {@link systemClock} in production and a
 * virtual clock (`createVirtualClock` from `@pipewell/core/testing`) in tests, so backoffs,
 * breaker timeouts and heartbeats run in virtual time.
 *
 * @example
 * ```ts
 * const clock: Clock = systemClock;
 * await clock.sleep(250, signal);
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  now(): number;
  /**
   * Resolve after `ms` milliseconds. When `signal` aborts (or is already aborted) the promise
   * rejects at once with `signal.reason` and the pending timer is cleared.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Run `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
}

class SystemTimer implements ClockTimer {
  readonly #handle: ReturnType<typeof setTimeout>;
  constructor(handle: ReturnType<typeof setTimeout>) {
    this.#handle = handle;
  }
  clear(): void {
    clearTimeout(this.#handle);
  }
  unref(): ClockTimer {
    this.#handle.unref?.();
    return this;
  }
}

/**
 * Sleep on `clock`-style timers, rejecting with `signal.reason` the moment `signal` aborts.
 * Shared by the system and virtual clocks so both honour aborts the same way.
 * @internal
 */
export function abortableSleep(
  schedule: (callback: () => void, ms: number) => ClockTimer,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) {
    return new Promise((resolve) => {
      schedule(resolve, ms);
    });
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.clear();
      reject(signal.reason);
    };
    const timer = schedule(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function systemSetTimeout(callback: () => void, ms: number): ClockTimer {
  return new SystemTimer(setTimeout(callback, ms));
}

/**
 * The real clock: `Date.now()` and Node's timers.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ name: 'bigquery', clock: systemClock }); // the default
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
    abortableSleep(systemSetTimeout, ms, signal),
  setTimeout: systemSetTimeout,
});
