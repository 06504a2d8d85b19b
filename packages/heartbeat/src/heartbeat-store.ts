import { calendarDate, HeartbeatOptionsError } from './errors.js';
import type { HeartbeatFields, HeartbeatRecord, RunFilter, RunKey, RunStatus } from './record.js';

/**
 * Where heartbeats are kept, one record per run. Implement it over any store with merge writes
 * and an atomic conditional update (Firestore, a SQL row), and check it with
 * `heartbeatStoreContract` from `@pipewell/heartbeat/testing`; the helpers a store needs are on
 * `@pipewell/heartbeat/store`.
 *
 * Contract (what the heartbeat, the stale finder and the monitor rely on):
 * - `upsert` merges `fields` into the run's record, creating it (with the key fields) if absent.
 *   Only the top-level fields given change: `details` and `summary` are replaced whole, and a
 *   beat written after a claim leaves the run `stale`. The heartbeat's first write carries every
 *   field, so a store need not invent defaults for a partial first write.
 * - `get` returns the run's record, every field of {@link HeartbeatRecord} present (`null`, not
 *   missing), or undefined. A store may add fields of its own (`serverUpdatedAt`).
 * - `listRuns` returns the records matching every field of `filter`, in any order, and rejects
 *   with `HeartbeatOptionsError` for a `dataDate` that is not a calendar date (`2026-02-30`) or
 *   an unknown `status`, before asking the backend (`checkRunFilter` does this).
 * - `claimStale` atomically sets `status: 'stale'` and `staleAt: at`, and nothing else, only if
 *   the run is still `running` and `meetsStaleClaim(record, claim)` holds for the record as it
 *   is at that moment; it returns whether it did. A run that stopped first is never claimed
 *   (completion wins), and of several concurrent claims exactly one succeeds.
 * - Backend failures reject with the backend's error (or one keeping its gRPC code, HTTP status
 *   or Node network code), so `isTransientError` and `isPermanentError` from `@pipewell/retry`
 *   classify it: the heartbeat retries only transient errors and reports permanent ones at once.
 *   A store never swallows a failure into `undefined`, `[]` or `false`.
 * - Records have no expiry field: a store that expires old runs (a TTL policy) does so outside
 *   this interface.
 */
export interface HeartbeatStore {
  /** Merge `fields` into the run's record, creating it if absent. */
  upsert(key: RunKey, fields: HeartbeatFields): Promise<void>;
  /** The run's record, or undefined. */
  get(key: RunKey): Promise<HeartbeatRecord | undefined>;
  /** The records matching every given field of `filter`, in any order; a bad filter rejects. */
  listRuns(filter: RunFilter): Promise<HeartbeatRecord[]>;
  /** Atomically mark a still-running, silent run `stale`; says whether it did (completion wins). */
  claimStale(key: RunKey, claim: StaleClaim): Promise<boolean>;
}

/** The condition and time of a {@link HeartbeatStore.claimStale}. */
export interface StaleClaim {
  /** Claim only if `lastBeatAt` is older than this (epoch ms)... */
  readonly lastBeatBefore: number;
  /** ...or, when given, if `lastProgressAt` is older than this. */
  readonly lastProgressBefore?: number;
  /** The claim's time, stored as `staleAt`. */
  readonly at: number;
}

/**
 * Whether a record meets a stale claim's condition: it is `running`, and its `lastBeatAt` (or,
 * when the claim gives `lastProgressBefore`, its `lastProgressAt`) is strictly older than the
 * bound. Every store decides with this one function, inside its atomic update.
 *
 * @example
 * ```ts
 * import { meetsStaleClaim } from '@pipewell/heartbeat/store';
 *
 * // Inside the store's transaction, on the record as it is now:
 * if (record === undefined || !meetsStaleClaim(record, claim)) return false;
 * ```
 */
export function meetsStaleClaim(record: HeartbeatRecord, claim: StaleClaim): boolean {
  if (record.status !== 'running') return false;
  if (record.lastBeatAt < claim.lastBeatBefore) return true;
  return claim.lastProgressBefore !== undefined && record.lastProgressAt < claim.lastProgressBefore;
}

/** Every {@link RunStatus}, in lifecycle order. */
export const runStatuses: readonly RunStatus[] = Object.freeze([
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'stale',
]);

/**
 * Refuse a {@link RunFilter} a store cannot honour, with a {@link HeartbeatOptionsError} naming
 * the field: a `dataDate` that is not a calendar date (`2026-02-30`), an unknown `status`, a
 * `processorName` that is not a string. Call it first in `listRuns`, before asking the backend.
 *
 * @example
 * ```ts
 * import { checkRunFilter } from '@pipewell/heartbeat/store';
 *
 * async function listRuns(filter: RunFilter) {
 *   checkRunFilter(filter); // throws HeartbeatOptionsError (option: 'dataDate') for 2026-02-30
 *   return query(filter);
 * }
 * ```
 */
export function checkRunFilter(filter: RunFilter): void {
  if (typeof filter !== 'object' || filter === null) {
    throw new HeartbeatOptionsError(
      'filter',
      `listRuns needs a filter object, {} for every run (got ${String(filter)})`,
    );
  }
  if (filter.dataDate !== undefined) calendarDate('dataDate', filter.dataDate);
  if (filter.status !== undefined && !runStatuses.includes(filter.status)) {
    throw new HeartbeatOptionsError(
      'status',
      `option "status" must be one of ${runStatuses.join(', ')} (got ${JSON.stringify(filter.status)})`,
    );
  }
  if (filter.processorName !== undefined && typeof filter.processorName !== 'string') {
    throw new HeartbeatOptionsError(
      'processorName',
      `option "processorName" must be a string (got ${String(filter.processorName)})`,
    );
  }
}
