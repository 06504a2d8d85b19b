import { ident, sql, typed } from '@pipewell/clients/sql';
import { playerGameSummary } from '../catalog/index.js';
import type { PropMarket } from '../messages/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { addDays, daysBetween } from './dates.js';
import { marketColumns } from './systems.js';

/**
 * One past game a player played, with features computed from that player's games BEFORE it:
 * what the model learns from.
 */
export interface TrainingRow {
  readonly player_lookup: string;
  readonly game_date: string;
  readonly prev_date: string | null;
  readonly is_home: boolean | null;
  readonly prior_games: number;
  readonly minutes_l10: number | null;
  readonly points: number;
  readonly rebounds: number;
  readonly assists: number;
  readonly points_l10: number | null;
  readonly points_season: number | null;
  readonly rebounds_l10: number | null;
  readonly rebounds_season: number | null;
  readonly assists_l10: number | null;
  readonly assists_season: number | null;
  /** The player's previous game (played or not) was the day before; computed once on load. */
  readonly back_to_back: boolean;
}

type QueriedRow = Omit<TrainingRow, 'back_to_back'>;

/** Options of {@link loadTrainingRows}. */
export interface TrainingOptions {
  /** Train on games of the last this many days before the date. @default 30 */
  readonly windowDays?: number;
  /** Only games from this date on (for an incremental load); the window start when later. */
  readonly from?: string;
  /** A game counts when the player had played at least this many games before it. @default 3 */
  readonly minPriorGames?: number;
  readonly signal?: AbortSignal;
}

/** The model's inputs, in order. */
export const featureNames = [
  'stat_avg_last_10',
  'stat_avg_season',
  'minutes_avg_last_10',
  'is_home',
  'is_back_to_back',
] as const;

const pgs = ident(playerGameSummary.name);

/**
 * The training rows for pipeline date `dataDate`: every game played before `dataDate` (never on
 * or after it) in the window, each with rolling averages over the player's earlier played games
 * only. One query, window functions in the warehouse.
 */
export async function loadTrainingRows(
  warehouse: Warehouse,
  dataDate: string,
  options: TrainingOptions = {},
): Promise<TrainingRow[]> {
  const windowStart = trainingWindowStart(dataDate, options.windowDays);
  const from =
    options.from !== undefined && options.from > windowStart ? options.from : windowStart;
  const before = typed(dataDate, 'DATE');
  const rows = await warehouse.query<QueriedRow>(
    sql`WITH ordered AS (
      SELECT player_lookup, game_date, played, is_home, minutes, points, rebounds, assists,
        LAG(game_date) OVER (PARTITION BY player_lookup ORDER BY game_date) AS prev_date
      FROM ${pgs}
      WHERE game_date < ${before}
    ), played_games AS (
      SELECT player_lookup, game_date, prev_date, is_home, points, rebounds, assists,
        COUNT(*) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_games,
        AVG(minutes) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS minutes_l10,
        AVG(points) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS points_l10,
        AVG(points) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS points_season,
        AVG(rebounds) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS rebounds_l10,
        AVG(rebounds) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS rebounds_season,
        AVG(assists) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING) AS assists_l10,
        AVG(assists) OVER (PARTITION BY player_lookup ORDER BY game_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS assists_season
      FROM ordered
      WHERE played
    )
    SELECT player_lookup, game_date, prev_date, is_home, prior_games, minutes_l10,
      points, rebounds, assists, points_l10, points_season, rebounds_l10, rebounds_season,
      assists_l10, assists_season
    FROM played_games
    WHERE game_date >= ${typed(from, 'DATE')} AND prior_games >= ${options.minPriorGames ?? 3}
      AND points IS NOT NULL AND rebounds IS NOT NULL AND assists IS NOT NULL
    ORDER BY player_lookup, game_date`,
    options.signal === undefined ? undefined : { signal: options.signal },
  );
  return rows.map((row) => ({
    ...row,
    back_to_back: row.prev_date !== null && daysBetween(row.prev_date, row.game_date) === 1,
  }));
}

/** The first game date of `dataDate`'s training window. */
export function trainingWindowStart(dataDate: string, windowDays = 30): string {
  return addDays(dataDate, -windowDays);
}

/** A training row as the model's features and target for `market`, or undefined when incomplete. */
export function trainingExample(
  row: TrainingRow,
  market: PropMarket,
): { features: number[]; target: number } | undefined {
  const { stat } = marketColumns[market];
  const last10 = row[`${stat}_l10`];
  const season = row[`${stat}_season`];
  if (last10 === null || season === null || row.minutes_l10 === null) return undefined;
  return {
    features: [last10, season, row.minutes_l10, row.is_home ? 1 : 0, row.back_to_back ? 1 : 0],
    target: row[stat],
  };
}
