import { bdlPlayerBoxscores } from '../catalog/raw.js';
import { defineProcessor, type ProcessorDefinition } from '../runtime/index.js';
import { parseBalldontlieStats } from '../sources/balldontlie.js';
import { normalizePlayerName } from '../sources/player-name.js';
import type { TableRowInput } from '../warehouse/index.js';
import { checkRawInput, processedAt, type RawInput, readPayloads, uniqueBy } from './raw-input.js';

/**
 * `bdl_player_boxscores`: every page of balldontlie `/v1/stats` (scraper `balldontlie-stats`,
 * yesterday's games for pipeline date D) into `nba_raw.bdl_player_boxscores`, merged on
 * (`game_key`, `bdl_player_id`); `game_date` is the game's (D-1).
 */
export const bdlPlayerBoxscoresProcessor: ProcessorDefinition<RawInput> = defineProcessor<RawInput>(
  {
    name: 'bdl_player_boxscores',
    phase: 2,
    outputs: [bdlPlayerBoxscores],
    async run(input, ctx) {
      checkRawInput('bdl_player_boxscores', 'balldontlie-stats', input);
      if (input.payloadPaths.length === 0) return { rows: 0 };
      const at = processedAt(ctx);
      const all: TableRowInput<typeof bdlPlayerBoxscores>[] = [];
      for (const { path, json } of await readPayloads(ctx, 'balldontlie', input.payloadPaths)) {
        for (const row of parseBalldontlieStats(json)) {
          all.push({
            game_key: row.game_key,
            bdl_player_id: row.bdl_player_id,
            game_date: row.game_date,
            bdl_game_id: row.bdl_game_id,
            player_name: row.player_name,
            player_lookup: normalizePlayerName(row.player_name),
            position: row.position,
            team: row.team,
            opponent: row.opponent,
            is_home: row.is_home,
            played: row.played,
            minutes: row.minutes,
            points: row.points,
            rebounds: row.rebounds,
            offensive_rebounds: row.offensive_rebounds,
            defensive_rebounds: row.defensive_rebounds,
            assists: row.assists,
            steals: row.steals,
            blocks: row.blocks,
            turnovers: row.turnovers,
            personal_fouls: row.personal_fouls,
            field_goals_made: row.field_goals_made,
            field_goals_attempted: row.field_goals_attempted,
            threes_made: row.threes_made,
            threes_attempted: row.threes_attempted,
            free_throws_made: row.free_throws_made,
            free_throws_attempted: row.free_throws_attempted,
            plus_minus: row.plus_minus,
            source_file_path: path,
            processed_at: at,
          });
        }
      }
      // A cursor page boundary that moved between requests can repeat a player line.
      const { rows, dropped } = uniqueBy(
        all,
        (r) => `${r.game_key}\u0000${r.bdl_player_id}`,
        'last',
      );
      if (dropped > 0) ctx.logger.warn({ dropped }, `${dropped} box-score rows repeat on pages`);
      await ctx.warehouse.merge(bdlPlayerBoxscores, rows, { signal: ctx.signal });
      return { rows: rows.length };
    },
  },
);
