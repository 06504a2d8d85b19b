import { ident, sql, typed } from '@pipewell/clients/sql';
import { bdlPlayerBoxscores, playerGameSummary } from '../catalog/index.js';
import { defineProcessor, type ProcessorInput } from '../runtime/index.js';
import type { TableRowInput } from '../warehouse/index.js';
import { addDays } from './dates.js';
import { missingGamesReason, readScheduledGameKeys } from './schedule.js';

type SummaryRow = TableRowInput<typeof playerGameSummary>;

/**
 * Phase 3: one row per player of every game of the day before the pipeline date, from
 * balldontlie's box scores, with true shooting (`PTS / (2 * (FGA + 0.44 FTA))`, null without
 * attempts) and usage share (the player's share of the team's field-goal attempts). The
 * partition of that day is replaced, so a re-run never duplicates and drops stale rows. Degraded
 * when scheduled games of that day have no box scores.
 */
export const playerGameSummaryProcessor = defineProcessor<ProcessorInput>({
  name: 'player_game_summary',
  phase: 3,
  outputs: [playerGameSummary],
  async run({ dataDate }, ctx) {
    const gameDate = addDays(dataDate, -1);
    const { warehouse, signal } = ctx;
    const processedAt = new Date(ctx.clock.now()).toISOString();
    // One row per game and player key: two balldontlie ids with one normalized name keep the
    // one who played the most.
    const rows = await warehouse.query<Omit<SummaryRow, 'processed_at'>>(
      sql`SELECT game_key, player_lookup, game_date, bdl_player_id, player_name, team, opponent,
            is_home, played, minutes, points, rebounds, assists, steals, blocks, turnovers,
            field_goals_made, field_goals_attempted, threes_made, threes_attempted,
            free_throws_made, free_throws_attempted, plus_minus,
            SAFE_DIVIDE(CAST(points AS FLOAT64),
              2 * (field_goals_attempted + 0.44 * free_throws_attempted)) AS true_shooting_pct,
            SAFE_DIVIDE(CAST(field_goals_attempted AS FLOAT64),
              SUM(field_goals_attempted) OVER (PARTITION BY game_key, team)) AS usage_share
          FROM ${ident(bdlPlayerBoxscores.name)}
          WHERE game_date = ${typed(gameDate, 'DATE')}
          QUALIFY ROW_NUMBER() OVER (PARTITION BY game_key, player_lookup
            ORDER BY played DESC NULLS LAST, minutes DESC NULLS LAST, bdl_player_id) = 1`,
      { signal },
    );
    const scheduled = await readScheduledGameKeys(warehouse, gameDate, signal);
    const reason = missingGamesReason(
      'box scores',
      gameDate,
      scheduled,
      new Set(rows.map((row) => row.game_key)),
    );
    if (reason !== undefined) ctx.markDegraded(reason);
    const summaries: SummaryRow[] = rows.map((row) => ({ ...row, processed_at: processedAt }));
    await warehouse.replacePartition(playerGameSummary, gameDate, summaries, { signal });
    ctx.heartbeat.progress({ gameDate, rows: summaries.length });
    return { rows: summaries.length };
  },
});
