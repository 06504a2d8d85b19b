import type { Clock } from '@pipewell/core';
import { playerGameSummary, playerPropPredictions, predictionAccuracy } from '../catalog/index.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  type RunProcessorDeps,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import type { TableRowInput } from '../warehouse/index.js';

/** The pipeline date of the grading tests, and the day it grades. */
export const pipelineDate = '2026-01-25';
export const gradedDate = '2026-01-24';

/** Game keys of the graded day: two with box scores, one with none. */
export const games = {
  bosChi: '20260124_BOS_CHI',
  lalDen: '20260124_LAL_DEN',
  miaNyk: '20260124_MIA_NYK',
} as const;

type Prediction = TableRowInput<typeof playerPropPredictions>;
type Summary = TableRowInput<typeof playerGameSummary>;

/** A prediction row with defaults: active, on the graded day, linear_model, player_points. */
export function prediction(fields: Partial<Prediction> & { player_lookup: string }): Prediction {
  return {
    game_key: games.bosChi,
    market: 'player_points',
    system_id: 'linear_model',
    game_date: gradedDate,
    batch_id: 'batch-1',
    player_name: fields.player_lookup.toUpperCase(),
    line: 20.5,
    predicted_value: 20,
    edge: -0.5,
    recommendation: 'PASS',
    confidence: 0.5,
    is_active: true,
    created_at: '2026-01-24T15:00:00Z',
    ...fields,
  };
}

/** A box-score row with defaults: played, on the graded day, game BOS-CHI. */
export function summary(fields: Partial<Summary> & { player_lookup: string }): Summary {
  return {
    game_key: games.bosChi,
    game_date: gradedDate,
    player_name: fields.player_lookup.toUpperCase(),
    team: 'BOS',
    opponent: 'CHI',
    is_home: true,
    played: true,
    minutes: 30,
    points: 10,
    rebounds: 5,
    assists: 3,
    processed_at: '2026-01-25T06:00:00Z',
    ...fields,
  };
}

/** A runtime kit with the phase 5/6 and summary tables, and what `runProcessor` needs. */
export interface GradingKit extends AsyncDisposable {
  readonly kit: RuntimeKit;
  readonly deps: RunProcessorDeps;
  readonly bookkeeping: BookkeepingWriter;
}

/** Open a {@link GradingKit} on `clock`. */
export async function openGradingKit(clock: Clock): Promise<GradingKit> {
  const kit = await openRuntimeKit(clock);
  await kit.warehouse.ensureTables([playerPropPredictions, predictionAccuracy, playerGameSummary]);
  const bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock });
  return {
    kit,
    bookkeeping,
    deps: { ...kit, bookkeeping, clock },
    async [Symbol.asyncDispose]() {
      await bookkeeping.close();
      await kit[Symbol.asyncDispose]();
    },
  };
}
