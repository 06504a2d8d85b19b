import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  playerCompositeFactors,
  playerShotZoneAnalysis,
  teamDefenseGameSummary,
  teamDefenseZoneAnalysis,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import type { ProcessorDefinition } from '../runtime/index.js';
import { compositeFactors } from './composite-factors.js';
import { definePrecompute, type PrecomputeInput, ratio, round4 } from './define-precompute.js';
import { outputCoverage, type PrecomputeOptions } from './dependencies.js';
import { expectedPlayers, expectedTeams, historyWindow } from './expected.js';

interface FactorRow {
  game_key: string;
  player_lookup: string;
  days_rest: number | null;
  is_back_to_back: boolean | null;
  games_last_7_days: number | null;
  fga_per_game: number | null;
  three_pt_rate: number | null;
  free_throw_rate: number | null;
  true_shooting_pct: number | null;
  opp_efg: number | null;
  opp_three_pt_rate: number | null;
  opp_pace: number | null;
  own_pace: number | null;
}

interface LeagueRow {
  opp_fgm: number | null;
  opp_fga: number | null;
  opp_tpm: number | null;
  opp_tpa: number | null;
  pace: number | null;
}

/**
 * `player_composite_factors`: for each upcoming game of an expected player, fatigue (rest,
 * back-to-back, games in 7 days), matchup (opponent defence against the player's shot profile,
 * relative to the league before the date) and pace factors, and their total points adjustment
 * (see {@link compositeFactors}). Reads `player_shot_zone_analysis` and
 * `team_defense_zone_analysis` of the date, so it runs after both.
 */
export function playerCompositeFactorsProcessor(
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return definePrecompute(
    {
      name: 'player_composite_factors',
      output: playerCompositeFactors,
      upstreams: {
        player_shot_zone_analysis: {
          threshold: 0.7,
          coverage: outputCoverage(playerShotZoneAnalysis, 'player_lookup', expectedPlayers),
          description: 'expected players with a shot profile for the date',
        },
        team_defense_zone_analysis: {
          threshold: 0.8,
          coverage: outputCoverage(teamDefenseZoneAnalysis, 'team', expectedTeams),
          description: 'expected teams with a defence profile for the date',
        },
      },
      async compute(dataDate, ctx) {
        const date = typed(dataDate, 'DATE');
        const rows = await ctx.warehouse.query<FactorRow>(
          sql`SELECT u.game_key AS game_key, u.player_lookup AS player_lookup,
              u.days_rest AS days_rest, u.is_back_to_back AS is_back_to_back,
              u.games_last_7_days AS games_last_7_days,
              s.field_goals_attempted_per_game AS fga_per_game, s.three_pt_rate AS three_pt_rate,
              s.free_throw_rate AS free_throw_rate, s.true_shooting_pct AS true_shooting_pct,
              od.opp_effective_fg_pct AS opp_efg, od.opp_three_pt_rate AS opp_three_pt_rate,
              od.pace AS opp_pace, td.pace AS own_pace
            FROM ${ident(upcomingPlayerGameContext.name)} AS u
            LEFT JOIN ${ident(playerShotZoneAnalysis.name)} AS s
              ON s.player_lookup = u.player_lookup AND s.analysis_date = ${date}
            LEFT JOIN ${ident(teamDefenseZoneAnalysis.name)} AS od
              ON od.team = u.opponent AND od.analysis_date = ${date}
            LEFT JOIN ${ident(teamDefenseZoneAnalysis.name)} AS td
              ON td.team = u.team AND td.analysis_date = ${date}
            WHERE u.game_date = ${date} AND u.player_lookup IN (${expectedPlayers(dataDate)})`,
          { signal: ctx.signal },
        );
        const [league] = await ctx.warehouse.query<LeagueRow>(
          sql`SELECT SUM(opp_field_goals_made) AS opp_fgm, SUM(opp_field_goals_attempted) AS opp_fga,
              SUM(opp_threes_made) AS opp_tpm, SUM(opp_threes_attempted) AS opp_tpa, AVG(pace) AS pace
            FROM ${ident(teamDefenseGameSummary.name)} WHERE ${historyWindow(dataDate)}`,
          { signal: ctx.signal },
        );
        const baseline = {
          effectiveFgPct: ratio(
            (league?.opp_fgm ?? 0) + 0.5 * (league?.opp_tpm ?? 0),
            league?.opp_fga,
          ),
          threePtRate: ratio(league?.opp_tpa, league?.opp_fga),
          pace: league?.pace ?? null,
        };
        const processedAt = new Date(ctx.clock.now()).toISOString();
        return rows.map((r) => {
          const factors = compositeFactors(
            {
              daysRest: r.days_rest,
              isBackToBack: r.is_back_to_back,
              gamesLast7Days: r.games_last_7_days,
              fieldGoalsAttemptedPerGame: r.fga_per_game,
              threePtRate: r.three_pt_rate,
              freeThrowRate: r.free_throw_rate,
              trueShootingPct: r.true_shooting_pct,
              oppEffectiveFgPct: r.opp_efg,
              oppThreePtRate: r.opp_three_pt_rate,
              oppPace: r.opp_pace,
              ownPace: r.own_pace,
            },
            baseline,
          );
          return {
            analysis_date: dataDate,
            game_key: r.game_key,
            player_lookup: r.player_lookup,
            fatigue_factor: round4(factors.fatigue),
            matchup_factor: round4(factors.matchup),
            pace_factor: round4(factors.pace),
            total_adjustment: round4(factors.totalAdjustment),
            processed_at: processedAt,
          };
        });
      },
    },
    options,
  );
}
