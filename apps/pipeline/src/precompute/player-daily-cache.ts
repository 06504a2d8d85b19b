import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  playerDailyCache,
  playerGameSummary,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import type { ProcessorDefinition } from '../runtime/index.js';
import { definePrecompute, type PrecomputeInput, round4 } from './define-precompute.js';
import { historyFreshness, type PrecomputeOptions } from './dependencies.js';
import { expectedPlayers, historyWindow } from './expected.js';

interface CacheAggregates {
  player_lookup: string;
  bdl_player_id: number | null;
  team: string | null;
  games_played: number;
  last_game_date: string;
  points_l5: number;
  points_l10: number;
  points_sq_l10: number;
  points_season: number;
  minutes_l10: number | null;
  rebounds_l10: number;
  rebounds_season: number;
  assists_l10: number;
  assists_season: number;
}

/**
 * `player_daily_cache` (critical): for each expected player, over the season's played games
 * before the date (most recent first, ties by game key): games played, last game date, points
 * averaged over the last 5, last 10 and the season, the population standard deviation of points
 * over the last 10, minutes, rebounds and assists over the last 10 (and the season). With fewer
 * than 5 or 10 games the window is the games there are. Team and balldontlie id are the ones of
 * the date's upcoming context.
 */
export function playerDailyCacheProcessor(
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return definePrecompute(
    {
      name: 'player_daily_cache',
      output: playerDailyCache,
      upstreams: {
        player_game_summary: {
          threshold: 0.8,
          coverage: historyFreshness(playerGameSummary),
          description: 'teams of the date whose previous game is in player_game_summary',
        },
      },
      async compute(dataDate, ctx) {
        const aggregates = await ctx.warehouse.query<CacheAggregates>(
          sql`WITH played AS (
              SELECT player_lookup, game_date,
                CAST(points AS FLOAT64) AS points, minutes,
                CAST(rebounds AS FLOAT64) AS rebounds, CAST(assists AS FLOAT64) AS assists,
                ROW_NUMBER() OVER (PARTITION BY player_lookup ORDER BY game_date DESC, game_key DESC) AS recency
              FROM ${ident(playerGameSummary.name)}
              WHERE played AND ${historyWindow(dataDate)}
                AND player_lookup IN (${expectedPlayers(dataDate)})
            ),
            upcoming AS (
              SELECT player_lookup, MIN(bdl_player_id) AS bdl_player_id, MIN(team) AS team
              FROM ${ident(upcomingPlayerGameContext.name)}
              WHERE game_date = ${typed(dataDate, 'DATE')}
              GROUP BY player_lookup
            )
            SELECT p.player_lookup AS player_lookup, MIN(u.bdl_player_id) AS bdl_player_id,
              MIN(u.team) AS team, COUNT(*) AS games_played, MAX(p.game_date) AS last_game_date,
              AVG(IF(p.recency <= 5, p.points, NULL)) AS points_l5,
              AVG(IF(p.recency <= 10, p.points, NULL)) AS points_l10,
              AVG(IF(p.recency <= 10, p.points * p.points, NULL)) AS points_sq_l10,
              AVG(p.points) AS points_season,
              AVG(IF(p.recency <= 10, p.minutes, NULL)) AS minutes_l10,
              AVG(IF(p.recency <= 10, p.rebounds, NULL)) AS rebounds_l10,
              AVG(p.rebounds) AS rebounds_season,
              AVG(IF(p.recency <= 10, p.assists, NULL)) AS assists_l10,
              AVG(p.assists) AS assists_season
            FROM played AS p LEFT JOIN upcoming AS u ON u.player_lookup = p.player_lookup
            GROUP BY p.player_lookup`,
          { signal: ctx.signal },
        );
        const processedAt = new Date(ctx.clock.now()).toISOString();
        return aggregates.map((a) => ({
          analysis_date: dataDate,
          player_lookup: a.player_lookup,
          bdl_player_id: a.bdl_player_id,
          team: a.team,
          games_played_season: a.games_played,
          last_game_date: a.last_game_date,
          points_avg_last_5: round4(a.points_l5),
          points_avg_last_10: round4(a.points_l10),
          points_avg_season: round4(a.points_season),
          // E[x^2] - E[x]^2 can dip a hair below 0 for a constant series.
          points_std_last_10: round4(Math.sqrt(Math.max(0, a.points_sq_l10 - a.points_l10 ** 2))),
          minutes_avg_last_10: round4(a.minutes_l10),
          rebounds_avg_last_10: round4(a.rebounds_l10),
          rebounds_avg_season: round4(a.rebounds_season),
          assists_avg_last_10: round4(a.assists_l10),
          assists_avg_season: round4(a.assists_season),
          processed_at: processedAt,
        }));
      },
    },
    options,
  );
}
