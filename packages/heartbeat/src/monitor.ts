import { type Clock, every, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { HeartbeatOptionsError, positiveMs } from './errors.js';
import type { HeartbeatStore } from './heartbeat-store.js';
import { type FindStaleOptions, findStaleRuns, type StaleRun, staleClaim } from './stale.js';

/** Options for {@link createStaleMonitor}. */
export interface StaleMonitorOptions {
  readonly store: HeartbeatStore;
  /**
   * A run whose last heartbeat is older than this is stale.
   * @default 900000 (15 minutes, as in the original system)
   */
  readonly staleAfterMs?: number;
  /** Also flag runs that beat but have made no progress for this long. @default undefined */
  readonly noProgressAfterMs?: number;
  /**
   * How often the monitor checks.
   * @default 60000
   */
  readonly intervalMs?: number;
  /**
   * Recover one stale run (mark it failed, queue a retry). Called exactly once per run: the
   * monitor first claims the run in the store (status `stale`), and only the claimer calls this.
   */
  readonly onStale: (run: StaleRun) => void | Promise<void>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** What a monitor has done so far. */
export interface StaleMonitorStats {
  readonly checks: number;
  /** Runs claimed and handed to `onStale`. */
  readonly recovered: number;
  /** `onStale` calls that threw (the run stays `stale` in the store). */
  readonly recoveryFailures: number;
  /** Checks that failed because the store did. */
  readonly failedChecks: number;
}

/** A running stale monitor. Close it with {@link StaleMonitor.close}, or let `await using` do it. */
export interface StaleMonitor extends AsyncDisposable {
  /**
   * Check now (waits for a check already under way first); returns the runs it recovered. Works
   * after `close()` too: a manual check needs no timer.
   */
  checkNow(): Promise<StaleRun[]>;
  /**
   * Stop checking: clears the timer and waits for a check under way. Idempotent: a second call
   * returns the first call's promise. `[Symbol.asyncDispose]` does the same.
   */
  close(): Promise<void>;
  /**
   * Stop checking.
   *
   * @deprecated Use {@link StaleMonitor.close} (the same function); removed in the next minor
   * release.
   */
  stop(): Promise<void>;
  /** True once `close()` was called. */
  readonly closed: boolean;
  readonly stats: StaleMonitorStats;
}

/**
 * Check for stale runs every `intervalMs` (an unref'd timer) and hand each one to `onStale`
 * exactly once. A stuck run is flagged at most `staleAfterMs + intervalMs` after its last beat.
 *
 * @example
 * ```ts
 * const monitor = createStaleMonitor({
 *   store,
 *   onStale: async ({ record }) => {
 *     await runs.markFailed(record, 'stale heartbeat');
 *     await retryQueue.add(record);
 *   },
 * });
 * // On shutdown:
 * await monitor.close();
 * ```
 */
export function createStaleMonitor(options: StaleMonitorOptions): StaleMonitor {
  if (typeof options !== 'object' || options === null) {
    throw new HeartbeatOptionsError('options', 'createStaleMonitor needs an options object');
  }
  const { store, onStale } = options;
  if (typeof store?.claimStale !== 'function') {
    throw new HeartbeatOptionsError('store', 'option "store" must be a HeartbeatStore');
  }
  if (typeof onStale !== 'function') {
    throw new HeartbeatOptionsError('onStale', 'option "onStale" must be a function');
  }
  const staleAfterMs = positiveMs('staleAfterMs', options.staleAfterMs ?? 15 * 60_000);
  // Validated once, then spread into each check's finder options.
  const progress =
    options.noProgressAfterMs === undefined
      ? {}
      : { noProgressAfterMs: positiveMs('noProgressAfterMs', options.noProgressAfterMs) };
  const intervalMs = positiveMs('intervalMs', options.intervalMs ?? 60_000);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const stats = { checks: 0, recovered: 0, recoveryFailures: 0, failedChecks: 0 };
  let running: Promise<StaleRun[]> | undefined;

  const check = async (): Promise<StaleRun[]> => {
    stats.checks++;
    const finder: FindStaleOptions = { staleAfterMs, ...progress, now: clock.now() };
    const recovered: StaleRun[] = [];
    let stale: StaleRun[];
    try {
      stale = await findStaleRuns(store, finder);
    } catch (error) {
      stats.failedChecks++;
      logger.warn({ err: error }, 'stale monitor: could not list runs');
      return recovered;
    }
    for (const run of stale) {
      let claimed: boolean;
      try {
        // The claim is atomic and conditional: a run that stopped in the meantime is not taken.
        claimed = await store.claimStale(run.record, staleClaim(finder));
      } catch (error) {
        stats.failedChecks++;
        logger.warn(
          { err: error, runId: run.record.runId },
          'stale monitor: could not claim a stale run',
        );
        continue;
      }
      if (!claimed) continue;
      stats.recovered++;
      recovered.push(run);
      logger.warn(
        {
          processorName: run.record.processorName,
          runId: run.record.runId,
          reason: run.reason,
          silentForMs: run.silentForMs,
        },
        'stale monitor: recovering a stale run',
      );
      try {
        await onStale(run);
      } catch (error) {
        stats.recoveryFailures++;
        logger.error({ err: error, runId: run.record.runId }, 'stale monitor: onStale failed');
      }
    }
    return recovered;
  };

  const runCheck = (): Promise<StaleRun[]> => {
    const previous: Promise<unknown> = running ?? Promise.resolve();
    const next = previous.then(check, check);
    running = next;
    // Handled here so a check that rejects (only a throwing logger can make it) is never an
    // unhandled rejection; the caller still sees it.
    const clear = (): void => {
      if (running === next) running = undefined;
    };
    next.then(clear, clear);
    return next;
  };

  // A check still under way (a checkNow() call) covers this tick. check() catches and counts
  // every store failure itself, so a failed tick only reaches the logger if check() broke.
  const loop = every(clock, intervalMs, () => running ?? runCheck(), { logger });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await loop.close();
      await running?.catch(() => {});
    })();
    return closing;
  };

  return {
    checkNow: runCheck,
    close,
    stop: close,
    get closed() {
      return closing !== undefined;
    },
    get stats() {
      return { ...stats };
    },
    [Symbol.asyncDispose]: close,
  };
}
