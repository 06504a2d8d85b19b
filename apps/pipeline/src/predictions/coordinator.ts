import { ident, sql, typed } from '@pipewell/clients/sql';
import { mlFeatureStore, playerGameSummary, playerPropPredictions } from '../catalog/index.js';
import { type PredictionRequest, type PropMarket, propMarkets, topics } from '../messages/index.js';
import type { PhaseProcessorEntry } from '../orchestration/types.js';
import {
  defineProcessor,
  type ProcessorDefinition,
  type ProcessorInput,
} from '../runtime/index.js';
import { type PredictionBatchDocument, predictionBatchesCollection } from './batch.js';
import { marketColumns } from './systems.js';

/** The coordinator's processor name. */
export const PREDICTION_COORDINATOR = 'prediction_coordinator';

/** Options of {@link createPredictionCoordinator}. */
export interface PredictionCoordinatorOptions {
  /** A batch not complete this long after creation may be settled as stalled. @default 600_000 */
  readonly stallAfterMs?: number;
  /**
   * Only players with at least this many played games before the date are requested (the
   * workers skip the others anyway: too little history to predict), so early in the season a
   * batch holds the players that can be predicted, and none at all on opening night.
   * @default 3
   */
  readonly minGamesPlayed?: number;
}

interface RequestRow {
  readonly game_key: string;
  readonly player_lookup: string;
  readonly bdl_player_id: number;
  readonly player_name: string | null;
  readonly points_line: number | null;
  readonly rebounds_line: number | null;
  readonly assists_line: number | null;
}

/** The batch id of a coordinator run: the date and the run id's last segment. */
export function batchIdOf(dataDate: string, runId: string): string {
  return `${dataDate}__${runId.split('__').pop() ?? runId}`;
}

/**
 * The phase 5 coordinator: reads the feature store of the date (players with a bdl id and at
 * least one line), creates the batch document in the state store FIRST, then publishes one
 * {@link PredictionRequest} per player on `prediction-request`. `rows` is the number of requests
 * published. Every run makes a new batch; when it completes, earlier batches' rows of the date
 * are deactivated (see `deactivateEarlierBatches`).
 */
export function createPredictionCoordinator(
  options: PredictionCoordinatorOptions = {},
): ProcessorDefinition<ProcessorInput> {
  const stallAfterMs = options.stallAfterMs ?? 600_000;
  const minGamesPlayed = options.minGamesPlayed ?? 3;
  return defineProcessor<ProcessorInput>({
    name: PREDICTION_COORDINATOR,
    phase: 5,
    // The workers write this table for the coordinator's batch.
    outputs: [playerPropPredictions],
    async run({ dataDate }, ctx) {
      const rows = await ctx.warehouse.query<RequestRow>(
        sql`SELECT game_key, player_lookup, bdl_player_id, player_name,
            points_line, rebounds_line, assists_line
          FROM ${ident(mlFeatureStore.name)}
          WHERE game_date = ${typed(dataDate, 'DATE')} AND bdl_player_id IS NOT NULL
            AND (points_line IS NOT NULL OR rebounds_line IS NOT NULL OR assists_line IS NOT NULL)
            AND player_lookup IN (
              SELECT player_lookup FROM ${ident(playerGameSummary.name)}
              WHERE game_date < ${typed(dataDate, 'DATE')} AND played
              GROUP BY player_lookup HAVING COUNT(*) >= ${minGamesPlayed})
          ORDER BY game_key, player_lookup`,
        { signal: ctx.signal },
      );
      const batchId = batchIdOf(dataDate, ctx.runId);
      const requests: PredictionRequest[] = [];
      const seen = new Set<number>();
      for (const row of rows) {
        if (seen.has(row.bdl_player_id)) {
          ctx.markDegraded(
            `bdl_player_id ${row.bdl_player_id} appears twice in ml_feature_store on ${dataDate} (${row.player_lookup} in ${row.game_key}); predicted once`,
          );
          continue;
        }
        seen.add(row.bdl_player_id);
        requests.push({
          batchId,
          dataDate,
          gameKey: row.game_key,
          playerId: row.bdl_player_id,
          playerName: row.player_name ?? row.player_lookup,
          lines: linesOf(row),
        });
      }
      const now = ctx.clock.now();
      const fields = {
        batchId,
        dataDate,
        runId: ctx.runId,
        expected: requests.map((request) => request.playerId),
        createdAt: new Date(now).toISOString(),
        stallDeadlineAt: new Date(now + stallAfterMs).toISOString(),
      };
      const batch: PredictionBatchDocument =
        requests.length === 0
          ? { ...fields, status: 'complete', completedAt: fields.createdAt }
          : { ...fields, status: 'running' };
      await ctx.state.set(predictionBatchesCollection, batchId, batch);
      ctx.signal.throwIfAborted();
      await ctx.queue.ensureTopic(topics.predictionRequest);
      await Promise.all(
        requests.map((request) => ctx.queue.publish(topics.predictionRequest, request)),
      );
      ctx.heartbeat.progress({ batchId, published: requests.length });
      ctx.logger.info({ batchId, requests: requests.length }, 'prediction requests published');
      return { rows: requests.length };
    },
  });
}

function linesOf(row: RequestRow): PredictionRequest['lines'] {
  const lines: Array<{ market: PropMarket; line: number }> = [];
  for (const market of propMarkets) {
    const line = row[marketColumns[market].line];
    if (line !== null) lines.push({ market, line });
  }
  return lines;
}

/** The coordinator with the default options. */
export const predictionCoordinator: ProcessorDefinition<ProcessorInput> =
  createPredictionCoordinator();

/** Phase 5 as the orchestrator runs it: the coordinator, critical. */
export const predictionEntries: PhaseProcessorEntry[] = [
  { processor: predictionCoordinator, critical: true },
];
