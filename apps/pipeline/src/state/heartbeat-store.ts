import {
  checkRunFilter,
  type HeartbeatRecord,
  type HeartbeatStore,
  meetsStaleClaim,
  runKeyId,
} from '@pipewell/heartbeat/store';
import type { StateStore } from './port.js';

/** Options for {@link createStateHeartbeatStore}. */
export interface StateHeartbeatStoreOptions {
  /**
   * The collection holding one document per run.
   * @default 'heartbeats'
   */
  readonly collection?: string;
}

const emptyRun = {
  status: 'running',
  startedAt: 0,
  lastBeatAt: 0,
  lastProgressAt: 0,
  beats: 0,
  details: null,
  stoppedAt: null,
  summary: null,
  staleAt: null,
} as const;

/**
 * A {@link HeartbeatStore} over a {@link StateStore}: one document per run (`runKeyId`,
 * URI-encoded, as its id), upserts that merge top-level fields, and stale claims as atomic
 * updates, so a claim never overwrites a run that stopped first.
 *
 * @example
 * ```ts
 * const heartbeat = startHeartbeat({ ...runKey, store: createStateHeartbeatStore(state), clock });
 * ```
 */
export function createStateHeartbeatStore(
  state: StateStore,
  options: StateHeartbeatStoreOptions = {},
): HeartbeatStore {
  const collection = options.collection ?? 'heartbeats';
  const idOf = (key: Parameters<typeof runKeyId>[0]): string => encodeURIComponent(runKeyId(key));
  return {
    async upsert(key, fields) {
      await state.update<HeartbeatRecord>(collection, idOf(key), (current) => ({
        ...(current ?? {
          ...emptyRun,
          processorName: key.processorName,
          dataDate: key.dataDate,
          runId: key.runId,
        }),
        ...fields,
      }));
    },
    get: (key) => state.get<HeartbeatRecord>(collection, idOf(key)),
    async listRuns(filter) {
      checkRunFilter(filter);
      const where: Record<string, string> = {};
      if (filter.status !== undefined) where.status = filter.status;
      if (filter.processorName !== undefined) where.processorName = filter.processorName;
      if (filter.dataDate !== undefined) where.dataDate = filter.dataDate;
      const runs = await state.list<HeartbeatRecord>(collection, { where });
      return runs.map((run) => run.doc);
    },
    async claimStale(key, claim) {
      let claimed = false;
      await state.update<HeartbeatRecord>(collection, idOf(key), (current) => {
        claimed = current !== undefined && meetsStaleClaim(current, claim);
        return claimed && current !== undefined
          ? { ...current, status: 'stale', staleAt: claim.at }
          : undefined;
      });
      return claimed;
    },
  };
}
