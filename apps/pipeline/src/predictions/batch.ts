import { ident, sql, typed } from '@pipewell/clients/sql';
import { type Clock, type Logger, PipewellError, silentLogger } from '@pipewell/core';
import { playerPropPredictions } from '../catalog/index.js';
import type { PredictionResult } from '../messages/index.js';
import type { StateStore } from '../state/index.js';
import type { Warehouse } from '../warehouse/index.js';

/** The state-store collection of {@link PredictionBatch} documents, by batch id. */
export const predictionBatchesCollection = 'prediction-batches';

/** What a player's worker reported. */
export type ReportedStatus = PredictionResult['status'];

interface BatchFields {
  readonly batchId: string;
  readonly dataDate: string;
  /** The coordinator run that created the batch. */
  readonly runId: string;
  /** The bdl player ids a request was published for. */
  readonly expected: readonly number[];
  /** Each player's result so far, by player id (as text: JSON keys). */
  readonly reported: Readonly<Record<string, ReportedStatus>>;
  /** ISO times. */
  readonly createdAt: string;
  readonly stallDeadlineAt: string;
}

/**
 * One prediction batch of a date, in the state store: created before any request is published,
 * updated atomically as results arrive. `running` until every expected player reported
 * (`complete`), or until the stall deadline passed with at least 95% reported
 * (`stalled_complete`, with the `missing` players).
 */
export type PredictionBatch =
  | (BatchFields & { readonly status: 'running' })
  | (BatchFields & { readonly status: 'complete'; readonly completedAt: string })
  | (BatchFields & {
      readonly status: 'stalled_complete';
      readonly completedAt: string;
      readonly missing: readonly number[];
    });

/** A result named a batch the state store does not hold: it can never be recorded. */
export class UnknownPredictionBatchError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.UnknownPredictionBatchError';
  override readonly name: string = 'UnknownPredictionBatchError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
  readonly batchId: string;

  /** Create the error for `batchId`. */
  constructor(batchId: string) {
    super(
      `prediction batch ${JSON.stringify(batchId)} does not exist in ${predictionBatchesCollection}`,
    );
    this.batchId = batchId;
  }
}

/** What recording a result and settling a batch need. */
export interface BatchDeps {
  readonly state: StateStore;
  /** Deactivates the rows of earlier batches when a batch completes. */
  readonly warehouse: Warehouse;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** What {@link recordPredictionResult} resolves with. */
export interface RecordResultOutcome {
  readonly batch: PredictionBatch;
  /** True for the one result that completed the batch (never for a redelivery). */
  readonly completedNow: boolean;
}

/** The players of `batch` that have not reported. */
export function missingPlayers(batch: PredictionBatch): number[] {
  return batch.expected.filter((id) => batch.reported[String(id)] === undefined);
}

/**
 * Record a worker's result on its batch, atomically. A player's first result counts; a
 * redelivered one changes nothing (a `failed` result may be replaced by a later success, still
 * counted once); a player the batch does not expect is ignored. When the last expected player
 * reports, the batch becomes `complete` (`completedNow: true`, once) and the prediction rows of
 * earlier batches of the date are deactivated. Throws {@link UnknownPredictionBatchError} for
 * an unknown batch.
 */
export async function recordPredictionResult(
  result: PredictionResult,
  deps: BatchDeps,
): Promise<RecordResultOutcome> {
  const key = String(result.playerId);
  const now = new Date(deps.clock.now()).toISOString();
  let completedNow = false;
  const batch = await deps.state.update<PredictionBatch>(
    predictionBatchesCollection,
    result.batchId,
    (current) => {
      completedNow = false;
      if (current === undefined) return undefined;
      if (!current.expected.includes(result.playerId)) return undefined;
      const previous = current.reported[key];
      if (previous !== undefined && (previous !== 'failed' || result.status === 'failed')) {
        return undefined;
      }
      const reported = { ...current.reported, [key]: result.status };
      const next = { ...current, reported };
      if (current.status === 'running') {
        if (current.expected.every((id) => reported[String(id)] !== undefined)) {
          completedNow = true;
          return { ...next, status: 'complete', completedAt: now };
        }
        return next;
      }
      if (current.status === 'stalled_complete') {
        return { ...next, missing: current.missing.filter((id) => id !== result.playerId) };
      }
      return next;
    },
  );
  if (batch === undefined) throw new UnknownPredictionBatchError(result.batchId);
  if (!batch.expected.includes(result.playerId)) {
    (deps.logger ?? silentLogger).warn(
      { batchId: result.batchId, playerId: result.playerId },
      'prediction result for a player the batch does not expect; ignored',
    );
  }
  if (completedNow) await deactivateEarlierBatches(batch, deps);
  return { batch, completedNow };
}

/** Options of {@link settleStalledBatches}. */
export interface SettleOptions {
  /** The share of expected players that must have reported. @default 0.95 */
  readonly minReportedShare?: number;
  /**
   * Settle without waiting for the stall deadline: for a caller that knows no more result can
   * come (the embedded run, once its queue is idle). @default false
   */
  readonly ignoreDeadline?: boolean;
}

/**
 * Settle the running batches of `dataDate` (or of every date, `'all'`) whose stall deadline has
 * passed: with at least 95% of the players reported, a batch becomes `stalled_complete` with the
 * `missing` players listed (and earlier batches' rows are deactivated); below that it stays
 * `running`, for the orchestrator's timer to decide the phase. Resolves with the batches settled
 * now. Idempotent.
 */
export async function settleStalledBatches(
  dataDate: string,
  deps: BatchDeps,
  options: SettleOptions = {},
): Promise<PredictionBatch[]> {
  const minShare = options.minReportedShare ?? 0.95;
  const now = deps.clock.now();
  const due = (batch: PredictionBatch): boolean =>
    options.ignoreDeadline === true || Date.parse(batch.stallDeadlineAt) <= now;
  const where = dataDate === 'all' ? { status: 'running' } : { status: 'running', dataDate };
  const running = await deps.state.list<PredictionBatch>(predictionBatchesCollection, { where });
  const settled: PredictionBatch[] = [];
  for (const { id, doc } of running) {
    if (doc.status !== 'running' || !due(doc)) continue;
    let settledNow = false;
    const batch = await deps.state.update<PredictionBatch>(
      predictionBatchesCollection,
      id,
      (current) => {
        settledNow = false;
        if (current === undefined || current.status !== 'running') return undefined;
        if (!due(current)) return undefined;
        const missing = missingPlayers(current);
        const share =
          current.expected.length === 0 ? 1 : 1 - missing.length / current.expected.length;
        if (share < minShare) return undefined;
        settledNow = true;
        return {
          ...current,
          status: 'stalled_complete',
          completedAt: new Date(now).toISOString(),
          missing,
        };
      },
    );
    if (settledNow && batch !== undefined) {
      (deps.logger ?? silentLogger).warn(
        { batchId: id, missing: missingPlayers(batch).length },
        'prediction batch completed on the stall deadline with players missing',
      );
      await deactivateEarlierBatches(batch, deps);
      settled.push(batch);
    }
  }
  return settled;
}

/**
 * Mark inactive the prediction rows of `batch`'s date written by earlier batches (before
 * `batch` was created) that `batch` did not replace: players no longer offered a line, or
 * skipped this time. Rows `batch` wrote replaced the earlier ones on their keys already.
 */
export async function deactivateEarlierBatches(
  batch: PredictionBatch,
  deps: Pick<BatchDeps, 'warehouse' | 'signal'>,
): Promise<void> {
  await deps.warehouse.query(
    sql`UPDATE ${ident(playerPropPredictions.name)} SET is_active = FALSE
      WHERE game_date = ${typed(batch.dataDate, 'DATE')} AND batch_id <> ${batch.batchId}
        AND is_active AND created_at < ${typed(batch.createdAt, 'TIMESTAMP')}`,
    deps.signal === undefined ? undefined : { signal: deps.signal },
  );
}
