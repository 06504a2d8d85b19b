import { ident, sql, typed } from '@pipewell/clients/sql';
import { nbacSchedule } from '../catalog/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { addDays, daysBetween } from './dates.js';

/** How many days before a date count as its "last 7 days" (the date itself excluded). */
export const RECENT_WINDOW_DAYS = 7;

/** The canonical keys of the games NBA.com schedules on `date`, sorted. */
export async function readScheduledGameKeys(
  warehouse: Warehouse,
  date: string,
  signal: AbortSignal,
): Promise<string[]> {
  const rows = await warehouse.query<{ game_key: string }>(
    sql`SELECT game_key FROM ${ident(nbacSchedule.name)}
        WHERE game_date = ${typed(date, 'DATE')} ORDER BY game_key`,
    { signal },
  );
  return rows.map((row) => row.game_key);
}

/**
 * The degraded reason when some games of `date` in the schedule have no rows in `what`, or
 * undefined when none is missing: `no box scores for 2 of 7 games of 2026-01-23: k1, k2`.
 */
export function missingGamesReason(
  what: string,
  date: string,
  scheduled: readonly string[],
  present: ReadonlySet<string>,
): string | undefined {
  const missing = scheduled.filter((key) => !present.has(key));
  if (missing.length === 0) return undefined;
  return `no ${what} for ${missing.length} of ${scheduled.length} scheduled games of ${date}: ${missing.join(', ')}`;
}

/** One team's side of a game of the day, with its rest measured on the schedule. */
export interface TeamScheduleContext {
  readonly game_key: string;
  readonly team: string;
  readonly opponent: string;
  readonly is_home: boolean;
  readonly start_time_utc: string | null;
  /** Days off since the team's previous scheduled game of the season; null for its first. */
  readonly days_rest: number | null;
  /** Second game on consecutive days (`days_rest` 0). */
  readonly is_back_to_back: boolean;
  /** The team's scheduled games in the {@link RECENT_WINDOW_DAYS} days before the date. */
  readonly games_last_7_days: number;
}

interface ScheduleRow {
  game_key: string;
  team: string;
  opponent: string;
  is_home: boolean;
  start_time_utc: string | null;
  previous_date: string | null;
  games_recent: number | null;
}

/**
 * Every team playing on `date`, one row per game and team, with rest days from its previous
 * scheduled game of the same season, back-to-back, and games in the 7 days before: one query.
 */
export async function readTeamScheduleContext(
  warehouse: Warehouse,
  date: string,
  signal: AbortSignal,
): Promise<TeamScheduleContext[]> {
  const day = typed(date, 'DATE');
  const recentFrom = typed(addDays(date, -RECENT_WINDOW_DAYS), 'DATE');
  const schedule = ident(nbacSchedule.name);
  const rows = await warehouse.query<ScheduleRow>(
    sql`WITH team_games AS (
          SELECT game_key, game_date, COALESCE(season, '') AS season, start_time_utc, home_team AS team,
            away_team AS opponent, TRUE AS is_home
          FROM ${schedule} WHERE game_date <= ${day}
          UNION ALL
          SELECT game_key, game_date, COALESCE(season, '') AS season, start_time_utc, away_team AS team,
            home_team AS opponent, FALSE AS is_home
          FROM ${schedule} WHERE game_date <= ${day}
        ),
        history AS (
          SELECT team, season, MAX(game_date) AS previous_date,
            COUNTIF(game_date >= ${recentFrom}) AS games_recent
          FROM team_games WHERE game_date < ${day}
          GROUP BY team, season
        )
        SELECT t.game_key AS game_key, t.team AS team, t.opponent AS opponent,
          t.is_home AS is_home, t.start_time_utc AS start_time_utc,
          h.previous_date AS previous_date, h.games_recent AS games_recent
        FROM team_games t
        LEFT JOIN history h ON h.team = t.team AND h.season = t.season
        WHERE t.game_date = ${day}
        ORDER BY t.game_key, t.team`,
    { signal },
  );
  return rows.map((row) => {
    const daysRest = row.previous_date === null ? null : daysBetween(row.previous_date, date) - 1;
    return {
      game_key: row.game_key,
      team: row.team,
      opponent: row.opponent,
      is_home: row.is_home,
      start_time_utc: row.start_time_utc,
      days_rest: daysRest,
      is_back_to_back: daysRest === 0,
      games_last_7_days: row.games_recent ?? 0,
    };
  });
}
