import { ident, sql } from '@pipewell/clients/sql';
import { playerGameSummary, playerShotZoneAnalysis } from '../catalog/index.js';
import type { ProcessorDefinition } from '../runtime/index.js';
import { definePrecompute, type PrecomputeInput, ratio, round4 } from './define-precompute.js';
import type { PrecomputeOptions } from './dependencies.js';
import { historyFreshness } from './dependencies.js';
import { expectedPlayers, historyWindow } from './expected.js';

interface ShotTotals {
  player_lookup: string;
  games_used: number;
  fgm: number;
  fga: number;
  tpm: number;
  tpa: number;
  fta: number;
  pts: number;
}

/**
 * `player_shot_zone_analysis`: each expected player's shot profile over the season's played
 * games before the date (attempts per game, share of two- and three-point attempts, free throws
 * per attempt, effective FG%, true shooting), as ratios of season totals.
 */
export function playerShotZoneAnalysisProcessor(
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return definePrecompute(
    {
      name: 'player_shot_zone_analysis',
      output: playerShotZoneAnalysis,
      upstreams: {
        player_game_summary: {
          threshold: 0.8,
          coverage: historyFreshness(playerGameSummary),
          description: 'teams of the date whose previous game is in player_game_summary',
        },
      },
      async compute(dataDate, ctx) {
        const totals = await ctx.warehouse.query<ShotTotals>(
          sql`SELECT player_lookup, COUNT(*) AS games_used,
              SUM(field_goals_made) AS fgm, SUM(field_goals_attempted) AS fga,
              SUM(threes_made) AS tpm, SUM(threes_attempted) AS tpa,
              SUM(free_throws_attempted) AS fta, SUM(points) AS pts
            FROM ${ident(playerGameSummary.name)}
            WHERE played AND ${historyWindow(dataDate)}
              AND player_lookup IN (${expectedPlayers(dataDate)})
            GROUP BY player_lookup`,
          { signal: ctx.signal },
        );
        const processedAt = new Date(ctx.clock.now()).toISOString();
        return totals.map((t) => ({
          analysis_date: dataDate,
          player_lookup: t.player_lookup,
          games_used: t.games_used,
          field_goals_attempted_per_game: round4(t.fga / t.games_used),
          two_pt_rate: round4(ratio(t.fga - t.tpa, t.fga)),
          three_pt_rate: round4(ratio(t.tpa, t.fga)),
          free_throw_rate: round4(ratio(t.fta, t.fga)),
          effective_fg_pct: round4(ratio(t.fgm + 0.5 * t.tpm, t.fga)),
          true_shooting_pct: round4(ratio(t.pts, 2 * (t.fga + 0.44 * t.fta))),
          processed_at: processedAt,
        }));
      },
    },
    options,
  );
}
