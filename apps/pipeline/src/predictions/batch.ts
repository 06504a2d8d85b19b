import { ident, sql, typed } from '@pipewell/clients/sql';
import { type Clock, type Logger, PipewellError, silentLogger } from '@pipewell/core';
import { playerPropPredictions } from '../catalog/index.js';
import type { PredictionResult } from '../messages/index.js';
import type { StateStore } from '../state/index.js';
import type { Warehouse } from '../warehouse/index.js';

/** The state-store collection of {@link PredictionBatchDocument} documents, by batch id. */
export const predictionBatchesCollection = 'prediction-batches';

/**
 * The state-store collection of {@link PredictionResultDocument}s: one per (batch, player), id
 * `<batchId>__<playerId>`, so recording a result never contends with another player's.
 */
export const predictionResultsCollection = 'prediction-results';

/**
 * The state-store collection of shard markers: `<batchId>__<shard>` exists once every player of
 * that shard of the batch's `expected` list has a result.
 */
export const predictionShardsCollection = 'prediction-shards';

/** What a player's worker reported. */
export type ReportedStatus = PredictionResult['status'];

interface BatchFields {
  readonly batchId: string;
  readonly dataDate: string;
  /** The coordinator run that created the batch. */
  readonly runId: string;
  /** The bdl player ids a request was published for. */
  readonly expected: readonly number[];
  /** ISO times. */
  readonly createdAt: string;
  readonly stallDeadlineAt: string;
}

/**
 * One prediction batch of a date as stored in the state store: created before any request is
 * published and written again only to close it. `running` until every expected player reported
 * (`complete`), or until the stall deadline passed with at least 95% reported
 * (`stalled_complete`, with the players `missing` when it was settled). The players' results are
 * separate documents ({@link predictionResultsCollection}).
 */
export type PredictionBatchDocument =
  | (BatchFields & { readonly status: 'running' })
  | (BatchFields & { readonly status: 'complete'; readonly completedAt: string })
  | (BatchFields & {
      readonly status: 'stalled_complete';
      readonly completedAt: string;
      readonly missing: readonly number[];
    });

/**
 * A batch with its players' results, by player id (as text: JSON keys), read from
 * {@link predictionResultsCollection}; for a `stalled_complete` batch `missing` is the expected
 * players still without a result.
 */
export type PredictionBatch = PredictionBatchDocument & {
  readonly reported: Readonly<Record<string, ReportedStatus>>;
};

/** One player's result of a batch, in {@link predictionResultsCollection}. */
export interface PredictionResultDocument {
  readonly batchId: string;
  readonly playerId: number;
  readonly status: ReportedStatus;
  /** ISO time of the write. */
  readonly recordedAt: string;
}

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
  /**
   * The batch. `reported` holds every result when this call completed it or the batch was
   * closed (complete or stalled) when the call began; otherwise only the results this call read
   * (its shard's): counting every result on every call is what the shards avoid. Read them all
   * with {@link loadPredictionBatch}.
   */
  readonly batch: PredictionBatch;
  /** True for the one result that completed the batch (never for a redelivery). */
  readonly completedNow: boolean;
}

/** The players of `batch` that have not reported. */
export function missingPlayers(batch: PredictionBatch): number[] {
  return batch.expected.filter((id) => batch.reported[String(id)] === undefined);
}

/** The id of a player's result document. */
export function predictionResultId(batchId: string, playerId: number): string {
  return `${batchId}__${playerId}`;
}

/**
 * How many consecutive players of `expected` share a shard: about the square root of the batch,
 * so a batch of 300 has 18 shards of 17. Each result reads its shard's results (17 reads); the
 * last of a shard marks it and reads the 18 markers, so a batch costs about 2 x N x sqrt(N)
 * reads instead of the N x N / 2 of counting every result each time.
 */
export function shardSizeOf(expected: readonly unknown[]): number {
  return Math.max(1, Math.ceil(Math.sqrt(expected.length)));
}

/** Whether a new result replaces the stored one: the first counts; a success replaces a failure. */
function replaces(previous: ReportedStatus | undefined, next: ReportedStatus): boolean {
  return previous === undefined || (previous === 'failed' && next !== 'failed');
}

/** The batch's results, by player id, from {@link predictionResultsCollection}. */
export async function loadBatchResults(
  batchId: string,
  state: StateStore,
): Promise<Record<string, ReportedStatus>> {
  const docs = await state.list<PredictionResultDocument>(predictionResultsCollection, {
    where: { batchId },
  });
  const reported: Record<string, ReportedStatus> = {};
  for (const { doc } of docs) reported[String(doc.playerId)] = doc.status;
  return reported;
}

/** `doc` with every result of its batch (one list); `missing` recomputed for a stalled batch. */
function withResults(
  doc: PredictionBatchDocument,
  all: Readonly<Record<string, ReportedStatus>>,
): PredictionBatch {
  const reported: Record<string, ReportedStatus> = {};
  for (const id of doc.expected) {
    const status = all[String(id)];
    if (status !== undefined) reported[String(id)] = status;
  }
  const batch = { ...doc, reported } as PredictionBatch;
  return batch.status === 'stalled_complete' ? { ...batch, missing: missingPlayers(batch) } : batch;
}

/** The batch with every result of it, or undefined when there is no such batch. */
export async function loadPredictionBatch(
  batchId: string,
  state: StateStore,
): Promise<PredictionBatch | undefined> {
  const doc = await state.get<PredictionBatchDocument>(predictionBatchesCollection, batchId);
  return doc === undefined ? undefined : withResults(doc, await loadBatchResults(batchId, state));
}

/**
 * Record a worker's result as its own document (`<batchId>__<playerId>` in
 * {@link predictionResultsCollection}): a player's first result counts; a redelivered one changes
 * nothing (a `failed` result may be replaced by a later success); a player the batch does not
 * expect is ignored. No two players' results touch the same document. The expected players are
 * cut into shards of {@link shardSizeOf}: after writing, the recorder reads its shard's results;
 * when all are in, it creates the shard's marker ({@link predictionShardsCollection}; only one
 * recorder creates it) and reads every marker; when all shards are marked, it flips the batch to
 * `complete` in one transaction that only a running batch accepts, so `completedNow` is true
 * exactly once (and the prediction rows of earlier batches of the date are deactivated). Each
 * step reads after it wrote, so the last writer sees everything; a redelivered result (its first
 * delivery may have died halfway) always checks the markers, so no batch stays running with
 * every result in. Only a shard marker (up to a shard's players, when they report at once) and
 * the batch document (one marker creator per shard, and redeliveries) take transactions from
 * more than one player.
 * Throws {@link UnknownPredictionBatchError} for an unknown batch.
 */
export async function recordPredictionResult(
  result: PredictionResult,
  deps: BatchDeps,
): Promise<RecordResultOutcome> {
  const { state } = deps;
  const doc = await state.get<PredictionBatchDocument>(predictionBatchesCollection, result.batchId);
  if (doc === undefined) throw new UnknownPredictionBatchError(result.batchId);
  const index = doc.expected.indexOf(result.playerId);
  if (index < 0) {
    (deps.logger ?? silentLogger).warn(
      { batchId: result.batchId, playerId: result.playerId },
      'prediction result for a player the batch does not expect; ignored',
    );
    const reported = doc.status === 'running' ? {} : await loadBatchResults(doc.batchId, state);
    return { batch: withResults(doc, reported), completedNow: false };
  }
  const now = new Date(deps.clock.now()).toISOString();
  let changed = false;
  await state.update<PredictionResultDocument>(
    predictionResultsCollection,
    predictionResultId(doc.batchId, result.playerId),
    (current) => {
      changed = replaces(current?.status, result.status);
      return changed
        ? {
            batchId: doc.batchId,
            playerId: result.playerId,
            status: result.status,
            recordedAt: now,
          }
        : undefined;
    },
  );
  if (doc.status !== 'running') {
    return {
      batch: withResults(doc, await loadBatchResults(doc.batchId, state)),
      completedNow: false,
    };
  }
  const size = shardSizeOf(doc.expected);
  const shard = Math.floor(index / size);
  const members = doc.expected.slice(shard * size, (shard + 1) * size);
  const results = await Promise.all(
    members.map((playerId) =>
      state.get<PredictionResultDocument>(
        predictionResultsCollection,
        predictionResultId(doc.batchId, playerId),
      ),
    ),
  );
  const seen: Record<string, ReportedStatus> = {};
  for (const found of results) if (found !== undefined) seen[String(found.playerId)] = found.status;
  const running = { batch: withResults(doc, seen), completedNow: false };
  if (results.some((found) => found === undefined)) return running;
  // One recorder per shard creates its marker and goes on; a redelivery (nothing changed: its
  // first delivery may have died after creating the marker) goes on too.
  let markedNow = false;
  await state.update(predictionShardsCollection, `${doc.batchId}__${shard}`, (current) => {
    markedNow = current === undefined;
    return markedNow ? { batchId: doc.batchId, shard, markedAt: now } : undefined;
  });
  if (!markedNow && changed) return running;
  const shards = Math.ceil(doc.expected.length / size);
  const markers = await Promise.all(
    Array.from({ length: shards }, (_, i) =>
      state.get(predictionShardsCollection, `${doc.batchId}__${i}`),
    ),
  );
  if (markers.some((marker) => marker === undefined)) return running;
  let completedNow = false;
  const closed = await state.update<PredictionBatchDocument>(
    predictionBatchesCollection,
    doc.batchId,
    (current) => {
      completedNow = false;
      if (current?.status !== 'running') return undefined;
      completedNow = true;
      return { ...current, status: 'complete', completedAt: now };
    },
  );
  if (!completedNow || closed === undefined) return running;
  const batch = withResults(closed, await loadBatchResults(doc.batchId, state));
  await deactivateEarlierBatches(batch, deps);
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
  const due = (batch: PredictionBatchDocument): boolean =>
    options.ignoreDeadline === true || Date.parse(batch.stallDeadlineAt) <= now;
  const where = dataDate === 'all' ? { status: 'running' } : { status: 'running', dataDate };
  const running = await deps.state.list<PredictionBatchDocument>(predictionBatchesCollection, {
    where,
  });
  const settled: PredictionBatch[] = [];
  for (const { id, doc } of running) {
    if (doc.status !== 'running' || !due(doc)) continue;
    const reported = await loadBatchResults(id, deps.state);
    const missing = missingPlayers(withResults(doc, reported));
    const share = doc.expected.length === 0 ? 1 : 1 - missing.length / doc.expected.length;
    if (share < minShare) continue;
    let settledNow = false;
    const closed = await deps.state.update<PredictionBatchDocument>(
      predictionBatchesCollection,
      id,
      (current) => {
        settledNow = false;
        if (current === undefined || current.status !== 'running') return undefined;
        if (!due(current)) return undefined;
        settledNow = true;
        return {
          ...current,
          status: 'stalled_complete',
          completedAt: new Date(now).toISOString(),
          missing,
        };
      },
    );
    if (settledNow && closed !== undefined) {
      // Results recorded while it was being settled count too.
      const batch = withResults(closed, await loadBatchResults(id, deps.state));
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
  batch: PredictionBatchDocument,
  deps: Pick<BatchDeps, 'warehouse' | 'signal'>,
): Promise<void> {
  await deps.warehouse.query(
    sql`UPDATE ${ident(playerPropPredictions.name)} SET is_active = FALSE
      WHERE game_date = ${typed(batch.dataDate, 'DATE')} AND batch_id <> ${batch.batchId}
        AND is_active AND created_at < ${typed(batch.createdAt, 'TIMESTAMP')}`,
    deps.signal === undefined ? undefined : { signal: deps.signal },
  );
}
