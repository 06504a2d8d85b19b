import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  mlFeatureStore,
  nbacSchedule,
  playerCompositeFactors,
  playerDailyCache,
  playerPropPredictions,
  playerShotZoneAnalysis,
  predictionAccuracy,
  teamDefenseZoneAnalysis,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import { addDays } from '../league/calendar.js';
import type { AnyTable, Warehouse } from '../warehouse/index.js';

/**
 * What the gates and the run summary measure in the warehouse: rows, never bookkeeping flags.
 * Every function is one portable query.
 */

const date = (value: string) => typed(value, 'DATE');

async function scalar(warehouse: Warehouse, query: ReturnType<typeof sql>): Promise<number> {
  const rows = await warehouse.query<{ n: number | null }>(query);
  return rows[0]?.n ?? 0;
}

/** Games the schedule has on `gameDate`. */
export function scheduledGames(warehouse: Warehouse, gameDate: string): Promise<number> {
  return scalar(
    warehouse,
    sql`SELECT COUNT(*) AS n FROM ${ident(nbacSchedule.name)} WHERE game_date = ${date(gameDate)}`,
  );
}

/** Scheduled games of `gameDate` with at least one row of `table` (joined on the canonical key). */
export function gamesCovered(
  warehouse: Warehouse,
  table: AnyTable,
  gameDate: string,
): Promise<number> {
  return scalar(
    warehouse,
    sql`SELECT COUNT(*) AS n FROM ${ident(nbacSchedule.name)} AS s
        WHERE s.game_date = ${date(gameDate)}
          AND s.game_key IN (SELECT t.game_key FROM ${ident(table.name)} AS t WHERE t.game_date = ${date(gameDate)})`,
  );
}

/** Rows of a whole table. */
export function rowsIn(warehouse: Warehouse, table: AnyTable): Promise<number> {
  return scalar(warehouse, sql`SELECT COUNT(*) AS n FROM ${ident(table.name)}`);
}

/** Rows of a table in one partition (`column` = `value`). */
export function rowsOn(
  warehouse: Warehouse,
  table: AnyTable,
  column: string,
  value: string,
): Promise<number> {
  return scalar(
    warehouse,
    sql`SELECT COUNT(*) AS n FROM ${ident(table.name)} WHERE ${ident(column)} = ${date(value)}`,
  );
}

/** The precompute outputs of pipeline date `dataDate`, each with its row count. */
export async function precomputeOutputs(
  warehouse: Warehouse,
  dataDate: string,
): Promise<Array<{ table: string; rows: number; critical: boolean }>> {
  const outputs: Array<[AnyTable, string, boolean]> = [
    [playerShotZoneAnalysis, 'analysis_date', false],
    [teamDefenseZoneAnalysis, 'analysis_date', false],
    [playerDailyCache, 'analysis_date', true],
    [playerCompositeFactors, 'analysis_date', false],
    [mlFeatureStore, 'game_date', true],
  ];
  const result: Array<{ table: string; rows: number; critical: boolean }> = [];
  for (const [table, column, critical] of outputs) {
    result.push({
      table: table.table,
      rows: await rowsOn(warehouse, table, column, dataDate),
      critical,
    });
  }
  return result;
}

/** Distinct players with an active prediction for games on `gameDate`. */
export function playersPredicted(warehouse: Warehouse, gameDate: string): Promise<number> {
  return scalar(
    warehouse,
    sql`SELECT COUNT(DISTINCT player_lookup) AS n FROM ${ident(playerPropPredictions.name)}
        WHERE game_date = ${date(gameDate)} AND is_active = ${true}`,
  );
}

/** The figures of the run summary for pipeline date `dataDate`. */
export interface DateFigures {
  /** Games scheduled on the date. */
  readonly games: number;
  /** Players in the upcoming context of the date's games. */
  readonly players: number;
  /** Active predictions (rows: player, market, system) for the date's games. */
  readonly predictions: number;
  /** Predictions of the day before graded (voided ones not counted). */
  readonly graded: number;
}

/** Read {@link DateFigures} for `dataDate`. */
export async function dateFigures(warehouse: Warehouse, dataDate: string): Promise<DateFigures> {
  return {
    games: await scheduledGames(warehouse, dataDate),
    players: await rowsOn(warehouse, upcomingPlayerGameContext, 'game_date', dataDate),
    predictions: await scalar(
      warehouse,
      sql`SELECT COUNT(*) AS n FROM ${ident(playerPropPredictions.name)}
          WHERE game_date = ${date(dataDate)} AND is_active = ${true}`,
    ),
    graded: await scalar(
      warehouse,
      sql`SELECT COUNT(*) AS n FROM ${ident(predictionAccuracy.name)}
          WHERE game_date = ${date(addDays(dataDate, -1))} AND is_voided = ${false}`,
    ),
  };
}
