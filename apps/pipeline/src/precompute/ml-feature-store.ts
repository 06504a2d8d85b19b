import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  mlFeatureStore,
  playerCompositeFactors,
  playerDailyCache,
  teamDefenseZoneAnalysis,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import type { ProcessorDefinition } from '../runtime/index.js';
import type { TableRow } from '../warehouse/index.js';
import { definePrecompute, type PrecomputeInput, round4 } from './define-precompute.js';
import { outputCoverage, type PrecomputeOptions } from './dependencies.js';
import { expectedPlayers, expectedTeams } from './expected.js';

/** The version written to `features_version`. */
export const featuresVersion = 'v1';

/** The feature columns; `feature_quality` is the share of them that are not NULL. */
export const featureColumns = [
  'is_home',
  'points_avg_last_5',
  'points_avg_last_10',
  'points_avg_season',
  'points_std_last_10',
  'minutes_avg_last_10',
  'rebounds_avg_last_10',
  'rebounds_avg_season',
  'assists_avg_last_10',
  'assists_avg_season',
  'games_last_7_days',
  'is_back_to_back',
  'days_rest',
  'opponent_def_rating',
  'opponent_pace',
  'total_adjustment',
  'points_line',
  'rebounds_line',
  'assists_line',
] as const;

/** A feature-store row as the join reads it, before quality and version are added. */
type FeatureRow = Omit<
  TableRow<typeof mlFeatureStore>,
  'game_date' | 'feature_quality' | 'features_version' | 'processed_at'
>;

/**
 * `ml_feature_store` (critical): one row per upcoming game of an expected player, joining the
 * date's upcoming context (home, rest, back-to-back, games in 7 days, lines), daily cache
 * (rolling averages), composite factors (total adjustment) and the opponent's defence (rating,
 * pace). A feature whose upstream row is missing is NULL; `feature_quality` is the share of the
 * {@link featureColumns} present; `features_version` is {@link featuresVersion}.
 */
export function mlFeatureStoreProcessor(
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return definePrecompute(
    {
      name: 'ml_feature_store',
      output: mlFeatureStore,
      upstreams: {
        player_daily_cache: {
          threshold: 0.8,
          coverage: outputCoverage(playerDailyCache, 'player_lookup', expectedPlayers),
          description: 'expected players with a daily cache row for the date',
        },
        player_composite_factors: {
          threshold: 0.7,
          coverage: outputCoverage(playerCompositeFactors, 'player_lookup', expectedPlayers),
          description: 'expected players with composite factors for the date',
        },
        team_defense_zone_analysis: {
          threshold: 0.8,
          coverage: outputCoverage(teamDefenseZoneAnalysis, 'team', expectedTeams),
          description: 'expected teams with a defence profile for the date',
        },
      },
      async compute(dataDate, ctx) {
        const date = typed(dataDate, 'DATE');
        const rows = await ctx.warehouse.query<FeatureRow>(
          sql`SELECT u.game_key AS game_key, u.player_lookup AS player_lookup,
              u.bdl_player_id AS bdl_player_id, u.player_name AS player_name, u.team AS team,
              u.opponent AS opponent, u.is_home AS is_home,
              c.points_avg_last_5 AS points_avg_last_5, c.points_avg_last_10 AS points_avg_last_10,
              c.points_avg_season AS points_avg_season, c.points_std_last_10 AS points_std_last_10,
              c.minutes_avg_last_10 AS minutes_avg_last_10,
              c.rebounds_avg_last_10 AS rebounds_avg_last_10,
              c.rebounds_avg_season AS rebounds_avg_season,
              c.assists_avg_last_10 AS assists_avg_last_10, c.assists_avg_season AS assists_avg_season,
              u.games_last_7_days AS games_last_7_days, u.is_back_to_back AS is_back_to_back,
              u.days_rest AS days_rest,
              d.defensive_rating AS opponent_def_rating, d.pace AS opponent_pace,
              f.total_adjustment AS total_adjustment,
              u.points_line AS points_line, u.rebounds_line AS rebounds_line,
              u.assists_line AS assists_line
            FROM ${ident(upcomingPlayerGameContext.name)} AS u
            LEFT JOIN ${ident(playerDailyCache.name)} AS c
              ON c.player_lookup = u.player_lookup AND c.analysis_date = ${date}
            LEFT JOIN ${ident(playerCompositeFactors.name)} AS f
              ON f.game_key = u.game_key AND f.player_lookup = u.player_lookup
                AND f.analysis_date = ${date}
            LEFT JOIN ${ident(teamDefenseZoneAnalysis.name)} AS d
              ON d.team = u.opponent AND d.analysis_date = ${date}
            WHERE u.game_date = ${date} AND u.player_lookup IN (${expectedPlayers(dataDate)})`,
          { signal: ctx.signal },
        );
        const processedAt = new Date(ctx.clock.now()).toISOString();
        return rows.map((r) => {
          const present = featureColumns.filter((column) => r[column] !== null).length;
          return {
            ...r,
            game_date: dataDate,
            feature_quality: round4(present / featureColumns.length),
            features_version: featuresVersion,
            processed_at: processedAt,
          };
        });
      },
    },
    options,
  );
}
