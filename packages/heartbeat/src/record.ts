/** Identifies one run of one processor for one data date. */
export interface RunKey {
  readonly processorName: string;
  /** The data date the run processes, `YYYY-MM-DD`. */
  readonly dataDate: string;
  readonly runId: string;
}

/** A run's state: running until it stops; `stale` once a monitor claimed it as stuck. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'stale';

/** How a run ends, as told to {@link HeartbeatHandle.stop}. */
export type StopStatus = 'succeeded' | 'failed' | 'cancelled';

/** Progress details a processor reports: a checkpoint to resume from (plain JSON). */
export type HeartbeatDetails = Readonly<Record<string, unknown>>;

/** One run's heartbeat record, as a store keeps it (one record per run). */
export interface HeartbeatRecord extends RunKey {
  readonly status: RunStatus;
  /** Epoch ms the run started (its first write). */
  readonly startedAt: number;
  /** Epoch ms of the last heartbeat write: the process was alive then. */
  readonly lastBeatAt: number;
  /** Epoch ms of the last `beat()` call: the processor made progress then. */
  readonly lastProgressAt: number;
  /** How many times the processor called `beat()`. */
  readonly beats: number;
  /** The latest details passed to `beat()` (or `stop()`), or null. */
  readonly details: HeartbeatDetails | null;
  /** Epoch ms the run stopped, or null while it runs. */
  readonly stoppedAt: number | null;
  /** What `stop()` was given, or null. */
  readonly summary: HeartbeatDetails | null;
  /** Epoch ms a monitor claimed the run as stale, or null. */
  readonly staleAt: number | null;
}

/** The fields a heartbeat write may set; stores merge them into the run's record. */
export type HeartbeatFields = Partial<Omit<HeartbeatRecord, keyof RunKey>>;

/** Filters for {@link HeartbeatStore.listRuns}; every given field must match. */
export interface RunFilter {
  readonly status?: RunStatus;
  readonly processorName?: string;
  /** A calendar date, `YYYY-MM-DD`; stores reject an impossible one (`2026-02-30`). */
  readonly dataDate?: string;
}

/**
 * A stable string for a run key, `processor__date__runId`: a store's record id (the Firestore
 * store encodes it as the document id).
 *
 * @example
 * ```ts
 * import { runKeyId } from '@pipewell/heartbeat/store';
 *
 * runKeyId({ processorName: 'box_scores', dataDate: '2026-01-24', runId: 'r1' }); // 'box_scores__2026-01-24__r1'
 * ```
 */
export function runKeyId({ processorName, dataDate, runId }: RunKey): string {
  return `${processorName}__${dataDate}__${runId}`;
}
