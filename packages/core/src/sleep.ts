import { type Clock, systemClock } from './clock.js';
import { PipewellOptionsError } from './error.js';

/** Options for {@link sleep}. */
export interface SleepOptions {
  /** Ends the sleep at once: the promise rejects with `signal.reason`. @default none */
  readonly signal?: AbortSignal | undefined;
  /** Whose time to sleep on; a virtual clock in tests. @default systemClock */
  readonly clock?: Clock | undefined;
}

/**
 * Wait `ms` milliseconds on `clock`. When `signal` aborts, or has already aborted, the promise
 * rejects at once with `signal.reason` and the timer is cleared; the abort listener is removed
 * either way, so a long-lived signal does not collect one per sleep.
 *
 * @throws PipewellOptionsError (as a rejection) when `ms` is not a finite number >= 0
 * @example
 * ```ts
 * await sleep(5_000, { signal }); // rejects with signal.reason if the caller gives up first
 * await sleep(250, { clock }); // a virtual clock in tests: no real waiting
 * ```
 */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    return Promise.reject(
      new PipewellOptionsError(
        'ms',
        `@pipewell/core: sleep needs a finite number of milliseconds >= 0 (got ${String(ms)})`,
      ),
    );
  }
  return (options?.clock ?? systemClock).sleep(ms, options?.signal);
}
