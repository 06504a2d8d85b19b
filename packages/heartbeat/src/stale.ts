import { HeartbeatOptionsError, positiveMs } from './errors.js';
import type { HeartbeatStore, StaleClaim } from './heartbeat-store.js';
import { meetsStaleClaim } from './heartbeat-store.js';
import type { HeartbeatRecord } from './record.js';

/** Options for {@link findStaleRuns}. */
export interface FindStaleOptions {
  /** A running run whose last heartbeat is older than this is stale (its process is gone). */
  readonly staleAfterMs: number;
  /**
   * Also stale: a run still beating whose processor has not called `beat()` for this long (a
   * call that hangs while the heartbeat timer keeps the process looking alive).
   * @default undefined (progress is not checked)
   */
  readonly noProgressAfterMs?: number;
  /** The time to judge against, epoch ms (usually `clock.now()`). */
  readonly now: number;
}

/** A run found stale, and why. */
export interface StaleRun {
  readonly record: HeartbeatRecord;
  /** `noHeartbeat`: the process stopped beating; `noProgress`: it beats but makes no progress. */
  readonly reason: 'noHeartbeat' | 'noProgress';
  /** How long it has been silent (heartbeat or progress, by `reason`), in ms. */
  readonly silentForMs: number;
}

/** The claim condition for a finder's options. */
export function staleClaim(options: FindStaleOptions): StaleClaim {
  const claim: StaleClaim = { lastBeatBefore: options.now - options.staleAfterMs, at: options.now };
  return options.noProgressAfterMs === undefined
    ? claim
    : { ...claim, lastProgressBefore: options.now - options.noProgressAfterMs };
}

function describe(record: HeartbeatRecord, options: FindStaleOptions): StaleRun {
  const noHeartbeat = record.lastBeatAt < options.now - options.staleAfterMs;
  return noHeartbeat
    ? { record, reason: 'noHeartbeat', silentForMs: options.now - record.lastBeatAt }
    : { record, reason: 'noProgress', silentForMs: options.now - record.lastProgressAt };
}

/** Validate finder options once. */
export function checkFindStaleOptions(options: FindStaleOptions): void {
  positiveMs('staleAfterMs', options?.staleAfterMs);
  if (options.noProgressAfterMs !== undefined)
    positiveMs('noProgressAfterMs', options.noProgressAfterMs);
  if (!Number.isFinite(options.now)) {
    throw new HeartbeatOptionsError(
      'now',
      `option "now" must be epoch milliseconds (got ${String(options.now)})`,
    );
  }
}

/**
 * List the runs that are still `running` but whose last heartbeat (or, with `noProgressAfterMs`,
 * last progress) is older than the bound. Each candidate is read again before it is reported, so
 * a run whose stop landed while the check was under way is never reported: completion wins.
 *
 * @example
 * ```ts
 * const stale = await findStaleRuns(store, { staleAfterMs: 15 * 60_000, now: Date.now() });
 * ```
 */
export async function findStaleRuns(
  store: HeartbeatStore,
  options: FindStaleOptions,
): Promise<StaleRun[]> {
  checkFindStaleOptions(options);
  const claim = staleClaim(options);
  const candidates = (await store.listRuns({ status: 'running' })).filter((record) =>
    meetsStaleClaim(record, claim),
  );
  const confirmed = await Promise.all(
    candidates.map(async (candidate) => {
      const current = await store.get(candidate);
      return current !== undefined && meetsStaleClaim(current, claim)
        ? describe(current, options)
        : undefined;
    }),
  );
  return confirmed.filter((run): run is StaleRun => run !== undefined);
}
