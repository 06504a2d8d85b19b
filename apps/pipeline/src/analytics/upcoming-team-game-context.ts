import { upcomingTeamGameContext } from '../catalog/index.js';
import { defineProcessor, type ProcessorInput } from '../runtime/index.js';
import { readTeamScheduleContext } from './schedule.js';

/**
 * Phase 3: one row per team of every game of the pipeline date, from NBA.com's schedule:
 * opponent, home or away, start, days of rest since the team's previous scheduled game (null for
 * its first of the season), back-to-back, games in the 7 days before. Replaces the date's
 * partition (a game taken off the schedule drops out on a re-run).
 */
export const upcomingTeamGameContextProcessor = defineProcessor<ProcessorInput>({
  name: 'upcoming_team_game_context',
  phase: 3,
  outputs: [upcomingTeamGameContext],
  async run({ dataDate }, ctx) {
    const processedAt = new Date(ctx.clock.now()).toISOString();
    const teams = await readTeamScheduleContext(ctx.warehouse, dataDate, ctx.signal);
    const rows = teams.map((team) => ({ ...team, game_date: dataDate, processed_at: processedAt }));
    await ctx.warehouse.replacePartition(upcomingTeamGameContext, dataDate, rows, {
      signal: ctx.signal,
    });
    return { rows: rows.length };
  },
});
