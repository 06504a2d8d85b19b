import { ident, sql } from '@pipewell/clients/sql';
import { teamDefenseGameSummary, teamDefenseZoneAnalysis } from '../catalog/index.js';
import type { ProcessorDefinition } from '../runtime/index.js';
import { definePrecompute, type PrecomputeInput, ratio, round4 } from './define-precompute.js';
import { historyFreshness, type PrecomputeOptions } from './dependencies.js';
import { expectedTeams, historyWindow } from './expected.js';

interface DefenseTotals {
  team: string;
  games_used: number;
  points_allowed: number;
  possessions: number | null;
  pace: number | null;
  opp_fgm: number;
  opp_fga: number;
  opp_tpm: number;
  opp_tpa: number;
}

/**
 * `team_defense_zone_analysis`: each expected team's defence over the season's games before the
 * date: points allowed per 100 possessions (season totals), average pace, the opponents' share
 * of three-point attempts and effective FG%, points allowed per game.
 */
export function teamDefenseZoneAnalysisProcessor(
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return definePrecompute(
    {
      name: 'team_defense_zone_analysis',
      output: teamDefenseZoneAnalysis,
      upstreams: {
        team_defense_game_summary: {
          threshold: 0.8,
          coverage: historyFreshness(teamDefenseGameSummary),
          description: 'teams of the date whose previous game is in team_defense_game_summary',
        },
      },
      async compute(dataDate, ctx) {
        const totals = await ctx.warehouse.query<DefenseTotals>(
          sql`SELECT team, COUNT(*) AS games_used, SUM(points_allowed) AS points_allowed,
              SUM(possessions) AS possessions, AVG(pace) AS pace,
              SUM(opp_field_goals_made) AS opp_fgm, SUM(opp_field_goals_attempted) AS opp_fga,
              SUM(opp_threes_made) AS opp_tpm, SUM(opp_threes_attempted) AS opp_tpa
            FROM ${ident(teamDefenseGameSummary.name)}
            WHERE ${historyWindow(dataDate)} AND team IN (${expectedTeams(dataDate)})
            GROUP BY team`,
          { signal: ctx.signal },
        );
        const processedAt = new Date(ctx.clock.now()).toISOString();
        return totals.map((t) => ({
          analysis_date: dataDate,
          team: t.team,
          games_used: t.games_used,
          defensive_rating: round4(ratio(100 * t.points_allowed, t.possessions)),
          pace: round4(t.pace),
          opp_three_pt_rate: round4(ratio(t.opp_tpa, t.opp_fga)),
          opp_effective_fg_pct: round4(ratio(t.opp_fgm + 0.5 * t.opp_tpm, t.opp_fga)),
          points_allowed_per_game: round4(t.points_allowed / t.games_used),
          processed_at: processedAt,
        }));
      },
    },
    options,
  );
}
