import { ident, type SqlQuery, sql, typed } from '@pipewell/clients/sql';
import {
  playerGameSummary,
  teamDefenseGameSummary,
  upcomingPlayerGameContext,
  upcomingTeamGameContext,
} from '../catalog/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { seasonStart } from './dates.js';

/**
 * History rows a precompute for `dataDate` may read: games of the season strictly before the
 * date, so nothing played on or after it can leak into its features.
 */
export function historyWindow(dataDate: string): SqlQuery {
  return sql`game_date >= ${typed(seasonStart(dataDate), 'DATE')} AND game_date < ${typed(dataDate, 'DATE')}`;
}

/**
 * The expected players of `dataDate`, as a sub-query of `player_lookup`: players in the upcoming
 * player context of the date who played (`played` true) at least once this season before it.
 * Players with no such game have nothing to average and get no precompute row.
 */
export function expectedPlayers(dataDate: string): SqlQuery {
  return sql`SELECT DISTINCT player_lookup FROM ${ident(upcomingPlayerGameContext.name)}
    WHERE game_date = ${typed(dataDate, 'DATE')}
      AND player_lookup IN (
        SELECT player_lookup FROM ${ident(playerGameSummary.name)}
        WHERE played AND ${historyWindow(dataDate)})`;
}

/**
 * The expected teams of `dataDate`, as a sub-query of `team`: teams in the upcoming team context
 * of the date with at least one game this season before it in the team defence summary.
 */
export function expectedTeams(dataDate: string): SqlQuery {
  return sql`SELECT DISTINCT team FROM ${ident(upcomingTeamGameContext.name)}
    WHERE game_date = ${typed(dataDate, 'DATE')}
      AND team IN (
        SELECT team FROM ${ident(teamDefenseGameSummary.name)} WHERE ${historyWindow(dataDate)})`;
}

/** How many rows `expected` (a sub-query of one column) returns. */
export async function countExpected(warehouse: Warehouse, expected: SqlQuery): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM (${expected}) AS e`,
  );
  return row?.n ?? 0;
}
