import { calendarDate } from './errors.js';
import type { HeartbeatFields, HeartbeatRecord, RunFilter, RunKey } from './record.js';
import { runKeyId } from './record.js';

/**
 * Where heartbeats are kept, one record per run. Implement it over any store with merge writes
 * and an atomic conditional update (Firestore, a SQL row).
 *
 * Contract:
 * - `upsert` merges `fields` into the run's record, creating it (with the key fields) if absent.
 * - `get` returns the run's record, or undefined.
 * - `listRuns` returns the records matching every field of `filter`, in any order, and rejects
 *   with `HeartbeatOptionsError` for a `dataDate` that is not a calendar date (`2026-02-30`).
 * - `claimStale` atomically sets `status: 'stale'` and `staleAt: at` only if the run is still
 *   `running` and its `lastBeatAt` (and, when given, `lastProgressAt`) is older than the bound;
 *   it returns whether it did. A run that stopped first is never claimed: completion wins.
 */
export interface HeartbeatStore {
  /** Merge `fields` into the run's record, creating it if absent. */
  upsert(key: RunKey, fields: HeartbeatFields): Promise<void>;
  /** The run's record, or undefined. */
  get(key: RunKey): Promise<HeartbeatRecord | undefined>;
  /** The records matching every given field of `filter`, in any order; a bad `dataDate` rejects. */
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

/** Whether a running record meets a stale claim's condition. Shared by every store. */
export function meetsStaleClaim(record: HeartbeatRecord, claim: StaleClaim): boolean {
  if (record.status !== 'running') return false;
  if (record.lastBeatAt < claim.lastBeatBefore) return true;
  return claim.lastProgressBefore !== undefined && record.lastProgressAt < claim.lastProgressBefore;
}

const emptyFields: Omit<HeartbeatRecord, keyof RunKey> = {
  status: 'running',
  startedAt: 0,
  lastBeatAt: 0,
  lastProgressAt: 0,
  beats: 0,
  details: null,
  stoppedAt: null,
  summary: null,
  staleAt: null,
};

/** An in-memory {@link HeartbeatStore} with test hooks. */
export interface MemoryHeartbeatStore extends HeartbeatStore {
  /** Every record (copies). */
  snapshot(): HeartbeatRecord[];
  /** Writes so far (upserts and successful claims). */
  readonly writes: number;
  /** Make every call reject with `error` (or work again with `undefined`). */
  failWith(error: Error | undefined): void;
}

/**
 * Create an in-memory heartbeat store: for one process, and for tests.
 *
 * @example
 * ```ts
 * const store = createMemoryHeartbeatStore();
 * const heartbeat = startHeartbeat({ processorName: 'box_scores', runId, dataDate, store });
 * ```
 */
export function createMemoryHeartbeatStore(): MemoryHeartbeatStore {
  const records = new Map<string, HeartbeatRecord>();
  let failure: Error | undefined;
  let writes = 0;
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async upsert(key, fields) {
      check();
      const id = runKeyId(key);
      const current = records.get(id) ?? {
        ...emptyFields,
        processorName: key.processorName,
        dataDate: key.dataDate,
        runId: key.runId,
      };
      records.set(id, structuredClone({ ...current, ...fields }));
      writes++;
    },
    async get(key) {
      check();
      const record = records.get(runKeyId(key));
      return record === undefined ? undefined : structuredClone(record);
    },
    async listRuns(filter) {
      if (filter?.dataDate !== undefined) calendarDate('dataDate', filter.dataDate);
      check();
      return [...records.values()]
        .filter(
          (record) =>
            (filter.status === undefined || record.status === filter.status) &&
            (filter.processorName === undefined || record.processorName === filter.processorName) &&
            (filter.dataDate === undefined || record.dataDate === filter.dataDate),
        )
        .map((record) => structuredClone(record));
    },
    async claimStale(key, claim) {
      check();
      const id = runKeyId(key);
      const record = records.get(id);
      if (record === undefined || !meetsStaleClaim(record, claim)) return false;
      records.set(id, { ...record, status: 'stale', staleAt: claim.at });
      writes++;
      return true;
    },
    snapshot() {
      return [...records.values()].map((record) => structuredClone(record));
    },
    get writes() {
      return writes;
    },
    failWith(error) {
      failure = error;
    },
  };
}
