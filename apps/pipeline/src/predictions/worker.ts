import { ident, sql, typed } from '@pipewell/clients/sql';
import { type Clock, type Logger, silentLogger } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import { mlFeatureStore, playerGameSummary, playerPropPredictions } from '../catalog/index.js';
import {
  type Prediction,
  type PredictionRequest,
  type PredictionResult,
  type PropMarket,
  propMarkets,
  topics,
} from '../messages/index.js';
import type { Queue } from '../queue/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { fitLinearModel, type LinearModel } from './linear-model.js';
import {
  type BatchFeatures,
  type DateModels,
  type FeatureRow,
  featureKey,
  type ModelCache,
} from './model-cache.js';
import type { PredictionRow, PredictionWriter } from './prediction-writer.js';
import { recommend, round } from './recommendation.js';
import { LINEAR_MODEL, MOVING_AVERAGE_BASELINE, marketColumns } from './systems.js';
import {
  loadTrainingRows,
  type TrainingOptions,
  type TrainingRow,
  trainingWindowStart,
} from './training.js';

/** What a prediction worker needs. */
export interface PredictionWorkerDeps {
  readonly warehouse: Warehouse;
  readonly queue: Queue;
  readonly clock: Clock;
  /** Keeps each date's models and each batch's features between requests. */
  readonly models: ModelCache;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /**
   * Writes the rows with group commit across concurrent requests; without it, each request
   * merges its own rows.
   */
  readonly writer?: PredictionWriter;
  /** A player with fewer played games before the date is skipped. @default 3 */
  readonly minGamesPlayed?: number;
  /** How the date's training rows are chosen. */
  readonly training?: Omit<TrainingOptions, 'signal'>;
}

/**
 * Handle one prediction request: predict each market with a line with both systems
 * (`moving_average_baseline`: last-10 average, else season average; `linear_model`: the date's
 * model, fitted on games before the date), write the rows (2 systems x markets, `is_active`,
 * one merge), then publish a `predicted` result on `prediction-result` carrying the linear
 * model's prediction per market (the baseline's when the date has no model for the market).
 * A player without a feature row or with too few games is `skipped` with the reason; a
 * permanent error is reported as `failed`; any other error is thrown, for the queue to deliver
 * the request again.
 */
export async function handlePredictionRequest(
  request: PredictionRequest,
  deps: PredictionWorkerDeps,
): Promise<PredictionResult> {
  let result: PredictionResult;
  try {
    result = await predict(request, deps);
  } catch (error) {
    if (!isPermanentError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    result = { batchId: request.batchId, playerId: request.playerId, status: 'failed', reason };
  }
  if (result.status !== 'predicted') {
    (deps.logger ?? silentLogger).info(
      { batchId: request.batchId, playerId: request.playerId, reason: result.reason },
      `prediction ${result.status}`,
    );
  }
  await deps.queue.publish(topics.predictionResult, result);
  return result;
}

async function predict(
  request: PredictionRequest,
  deps: PredictionWorkerDeps,
): Promise<PredictionResult> {
  const { batchId, dataDate, gameKey, playerId } = request;
  const skipped = (reason: string): PredictionResult => ({
    batchId,
    playerId,
    status: 'skipped',
    reason,
  });
  const features = await deps.models.features(batchId, () =>
    loadBatchFeatures(deps.warehouse, dataDate, deps.signal),
  );
  const row = features.rows.get(featureKey(gameKey, playerId));
  if (row === undefined) {
    return skipped(`no ml_feature_store row for player ${playerId} in ${gameKey} on ${dataDate}`);
  }
  const minGames = deps.minGamesPlayed ?? 3;
  const games = features.gamesPlayed.get(row.player_lookup) ?? 0;
  if (games < minGames) {
    return skipped(
      `${row.player_lookup} played ${games} games before ${dataDate}; predictions need ${minGames}`,
    );
  }
  const models = await deps.models.models(dataDate, async () => {
    const training = deps.training ?? {};
    const rows = await deps.models.trainingRows(
      dataDate,
      trainingWindowStart(dataDate, training.windowDays),
      (from) =>
        loadTrainingRows(deps.warehouse, dataDate, {
          ...training,
          from,
          ...(deps.signal === undefined ? {} : { signal: deps.signal }),
        }),
    );
    return fitDateModels(rows);
  });
  const createdAt = new Date(deps.clock.now()).toISOString();
  const rows: PredictionRow[] = [];
  const predictions: Prediction[] = [];
  const noAverage: PropMarket[] = [];
  for (const { market, line } of request.lines) {
    const columns = marketColumns[market];
    const last10 = row[columns.last10] ?? row[columns.season];
    const season = row[columns.season] ?? last10;
    if (last10 === null || season === null) {
      noAverage.push(market);
      continue;
    }
    const baseline = round(last10, 1);
    const baselineSpread =
      market === 'player_points' && (row.points_std_last_10 ?? 0) > 0
        ? (row.points_std_last_10 ?? 0)
        : countSpread(baseline);
    const base = recommend(baseline, line, baselineSpread);
    const common = {
      game_key: gameKey,
      player_lookup: row.player_lookup,
      market,
      game_date: dataDate,
    };
    const extra = {
      batch_id: batchId,
      bdl_player_id: playerId,
      player_name: request.playerName,
      line,
      is_active: true,
      created_at: createdAt,
    };
    rows.push({
      ...common,
      system_id: MOVING_AVERAGE_BASELINE,
      ...extra,
      predicted_value: baseline,
      ...base,
    });
    let primary = { predictedValue: baseline, ...base };
    const model = models.get(market);
    if (model !== undefined) {
      const minutes = row.minutes_avg_last_10 ?? model.featureMeans[2] ?? 0;
      const value = round(
        model.predict([last10, season, minutes, row.is_home ? 1 : 0, row.is_back_to_back ? 1 : 0]),
        1,
      );
      const decision = recommend(value, line, model.residualSd);
      rows.push({
        ...common,
        system_id: LINEAR_MODEL,
        ...extra,
        predicted_value: value,
        ...decision,
      });
      primary = { predictedValue: value, ...decision };
    }
    predictions.push({
      market,
      line,
      predictedValue: primary.predictedValue,
      recommendation: toMessageSide(primary.recommendation),
      confidence: primary.confidence,
    });
  }
  if (predictions.length === 0) {
    return skipped(
      `${row.player_lookup} has no average for ${noAverage.join(', ')} before ${dataDate}`,
    );
  }
  deps.signal?.throwIfAborted();
  if (deps.writer !== undefined) await deps.writer.write(rows);
  else {
    await deps.warehouse.merge(
      playerPropPredictions,
      rows,
      deps.signal === undefined ? undefined : { signal: deps.signal },
    );
  }
  return { batchId, playerId, status: 'predicted', predictions };
}

/** Count stats spread roughly as the square root of their mean; a little wider in practice. */
function countSpread(mean: number): number {
  return Math.max(1, 1.2 * Math.sqrt(Math.max(0, mean)));
}

function toMessageSide(side: 'OVER' | 'UNDER' | 'PASS'): Prediction['recommendation'] {
  return side === 'OVER' ? 'over' : side === 'UNDER' ? 'under' : 'pass';
}

/**
 * The feature rows of `dataDate` (one query) and each of their players' played games before it
 * (one query).
 */
export async function loadBatchFeatures(
  warehouse: Warehouse,
  dataDate: string,
  signal?: AbortSignal,
): Promise<BatchFeatures> {
  const options = signal === undefined ? undefined : { signal };
  const date = typed(dataDate, 'DATE');
  const featureRows = await warehouse.query<FeatureRow>(
    sql`SELECT game_key, player_lookup, bdl_player_id, player_name, is_home, is_back_to_back,
        minutes_avg_last_10, points_avg_last_10, points_avg_season, points_std_last_10,
        rebounds_avg_last_10, rebounds_avg_season, assists_avg_last_10, assists_avg_season
      FROM ${ident(mlFeatureStore.name)}
      WHERE game_date = ${date} AND bdl_player_id IS NOT NULL`,
    options,
  );
  const counts = await warehouse.query<{ player_lookup: string; games: number }>(
    sql`SELECT player_lookup, COUNT(*) AS games
      FROM ${ident(playerGameSummary.name)}
      WHERE game_date < ${date} AND played AND player_lookup IN (
        SELECT player_lookup FROM ${ident(mlFeatureStore.name)} WHERE game_date = ${date})
      GROUP BY player_lookup`,
    options,
  );
  return {
    rows: new Map(featureRows.map((row) => [featureKey(row.game_key, row.bdl_player_id), row])),
    gamesPlayed: new Map(counts.map((row) => [row.player_lookup, row.games])),
  };
}

/** Fit the model of every market on `rows` (a date's training rows, all before the date). */
export function fitDateModels(rows: readonly TrainingRow[]): DateModels {
  const models = new Map<PropMarket, LinearModel>();
  for (const market of propMarkets) {
    const model = fitLinearModel(rows, market);
    if (model !== undefined) models.set(market, model);
  }
  return models;
}
