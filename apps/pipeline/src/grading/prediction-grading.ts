import { ident, sql, typed } from '@pipewell/clients/sql';
import { playerGameSummary, playerPropPredictions, predictionAccuracy } from '../catalog/index.js';
import { defineProcessor, type ProcessorInput } from '../runtime/index.js';
import type { TableRowInput } from '../warehouse/index.js';
import { previousDay } from './dates.js';
import { gradePrediction, statOfMarket } from './grade.js';

/** One active prediction of the graded day with the player's box-score row, as the read returns it. */
interface PredictionWithBoxScore {
  game_key: string;
  player_lookup: string;
  market: string;
  system_id: string;
  line: number | null;
  predicted_value: number | null;
  recommendation: string | null;
  /** NULL when the player has no box-score row for the game. */
  played: boolean | null;
  has_row: boolean;
  points: number | null;
  rebounds: number | null;
  assists: number | null;
  /** Box-score rows of the game, any player; NULL when the game has none. */
  game_rows: number | null;
}

const predictionsCount = (count: number): string =>
  count === 1 ? '1 prediction' : `${count} predictions`;

/** Name of the {@link predictionGrading} processor. */
export const predictionGradingName = 'prediction_grading';

/**
 * Phase 6 on pipeline date D: grade the active predictions of D-1 against D-1's
 * `player_game_summary` into `nba_predictions.prediction_accuracy` (see `grade.ts` for the
 * rules). One read, then one `replacePartition(D-1)`, so a re-run replaces the day's grades and
 * never duplicates them.
 *
 * Predictions of a game with no box-score row at all (not played yet, or phase 3 missed it) are
 * left ungraded and the run is `degraded`, naming the games: a later re-run grades them. A market
 * the grader does not know is left out the same way. No predictions on D-1 → 0 rows, success.
 */
export const predictionGrading = defineProcessor<ProcessorInput>({
  name: predictionGradingName,
  phase: 6,
  outputs: [predictionAccuracy],
  async run({ dataDate }, ctx) {
    const gameDate = previousDay(dataDate);
    const day = () => typed(gameDate, 'DATE');
    const read = await ctx.warehouse.query<PredictionWithBoxScore>(
      sql`SELECT p.game_key AS game_key, p.player_lookup AS player_lookup, p.market AS market,
          p.system_id AS system_id, p.line AS line, p.predicted_value AS predicted_value,
          p.recommendation AS recommendation, s.played AS played,
          s.player_lookup IS NOT NULL AS has_row,
          s.points AS points, s.rebounds AS rebounds, s.assists AS assists,
          g.player_rows AS game_rows
        FROM ${ident(playerPropPredictions.name)} AS p
        LEFT JOIN ${ident(playerGameSummary.name)} AS s
          ON s.game_key = p.game_key AND s.player_lookup = p.player_lookup
          AND s.game_date = ${day()}
        LEFT JOIN (
          SELECT game_key, COUNT(*) AS player_rows FROM ${ident(playerGameSummary.name)}
          WHERE game_date = ${day()} GROUP BY game_key
        ) AS g ON g.game_key = p.game_key
        WHERE p.game_date = ${day()} AND p.is_active = TRUE
        ORDER BY p.game_key, p.player_lookup, p.market, p.system_id`,
      { signal: ctx.signal },
    );
    const gradedAt = new Date(ctx.clock.now()).toISOString();
    const rows: TableRowInput<typeof predictionAccuracy>[] = [];
    const gamesWithoutBoxScore = new Map<string, number>();
    const unknownMarkets = new Map<string, number>();
    for (const prediction of read) {
      const stat = statOfMarket(prediction.market);
      if (stat === undefined) {
        unknownMarkets.set(prediction.market, (unknownMarkets.get(prediction.market) ?? 0) + 1);
        continue;
      }
      if (prediction.game_rows === null) {
        const count = gamesWithoutBoxScore.get(prediction.game_key) ?? 0;
        gamesWithoutBoxScore.set(prediction.game_key, count + 1);
        continue;
      }
      const grade = gradePrediction({
        line: prediction.line,
        predictedValue: prediction.predicted_value,
        recommendation: prediction.recommendation,
        ...(prediction.has_row
          ? { boxScore: { played: prediction.played, actual: prediction[stat] } }
          : {}),
      });
      rows.push({
        game_key: prediction.game_key,
        player_lookup: prediction.player_lookup,
        market: prediction.market,
        system_id: prediction.system_id,
        game_date: gameDate,
        line: prediction.line,
        predicted_value: prediction.predicted_value,
        recommendation: prediction.recommendation,
        ...grade,
        graded_at: gradedAt,
      });
    }
    for (const [game, count] of gamesWithoutBoxScore) {
      ctx.markDegraded(
        `${predictionsCount(count)} of game ${game} on ${gameDate} not graded: the game has no box score`,
      );
    }
    for (const [market, count] of unknownMarkets) {
      ctx.markDegraded(
        `${predictionsCount(count)} on ${gameDate} not graded: market ${JSON.stringify(market)} has no box-score stat`,
      );
    }
    await ctx.warehouse.replacePartition(predictionAccuracy, gameDate, rows, {
      signal: ctx.signal,
    });
    ctx.logger.info(
      { gameDate, graded: rows.filter((row) => row.is_voided === false).length, rows: rows.length },
      `graded ${rows.length} predictions of ${gameDate}`,
    );
    return { rows: rows.length };
  },
});
