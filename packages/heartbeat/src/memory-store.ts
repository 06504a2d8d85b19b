import type { HeartbeatStore } from './heartbeat-store.js';
import { checkRunFilter, meetsStaleClaim } from './heartbeat-store.js';
import type { HeartbeatRecord, RunKey } from './record.js';
import { runKeyId } from './record.js';

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

/** An in-memory {@link HeartbeatStore} you can look into. */
export interface MemoryHeartbeatStore extends HeartbeatStore {
  /** Every record (copies). */
  snapshot(): HeartbeatRecord[];
  /** Writes so far (upserts and successful claims). */
  readonly writes: number;
  /**
   * Make every call reject with `error` (or work again with `undefined`).
   *
   * @deprecated Wrap the store with `createFlakyHeartbeatStore` from
   * `@pipewell/heartbeat/testing`, whose `failWith` can also fail chosen methods a number of
   * times; removed in the next minor release.
   */
  failWith(error: Error | undefined): void;
}

/**
 * Create an in-memory heartbeat store: for one process, and for tests (wrap it with
 * `createFlakyHeartbeatStore` from `@pipewell/heartbeat/testing` to simulate an outage).
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
      return structuredClone(records.get(runKeyId(key)));
    },
    async listRuns(filter) {
      checkRunFilter(filter);
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
