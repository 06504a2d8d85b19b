import { nbacSchedule } from '../catalog/raw.js';
import { defineProcessor, type ProcessorDefinition } from '../runtime/index.js';
import { parsedScheduleOf } from '../scrapers/schedule.js';
import { parseNbaSchedule } from '../sources/nbacom-schedule.js';
import type { TableRowInput } from '../warehouse/index.js';
import {
  checkRawInput,
  parsePayloadJson,
  processedAt,
  type RawInput,
  readPayloadTexts,
  uniqueBy,
} from './raw-input.js';

/**
 * `nbac_schedule`: NBA.com's season schedule payload (scraper `nbacom-schedule`) into
 * `nba_raw.nbac_schedule`, the whole season merged on `game_key` (status and start times of
 * every game refreshed each day). The payload's parse is reused when the scraper parsed the same
 * text in this process (`parsedScheduleOf`).
 */
export const nbacScheduleProcessor: ProcessorDefinition<RawInput> = defineProcessor<RawInput>({
  name: 'nbac_schedule',
  phase: 2,
  outputs: [nbacSchedule],
  async run(input, ctx) {
    checkRawInput('nbac_schedule', 'nbacom-schedule', input);
    if (input.payloadPaths.length === 0) return { rows: 0 };
    const at = processedAt(ctx);
    const all: TableRowInput<typeof nbacSchedule>[] = [];
    for (const { path, text } of await readPayloadTexts(ctx, input.payloadPaths)) {
      // The scraper parsed this very text a moment ago in this process: its rows are reused.
      const parsed =
        parsedScheduleOf(text) ?? parseNbaSchedule(parsePayloadJson('nbacom', path, text));
      for (const row of parsed.rows) {
        all.push({
          game_key: row.game_key,
          game_id: row.game_id,
          game_code: row.game_code,
          game_date: row.game_date,
          start_time_utc: row.start_time_utc,
          season: row.season,
          season_type: row.season_type,
          is_regular_season: row.is_regular_season,
          home_team: row.home_team,
          home_team_id: row.home_team_id,
          away_team: row.away_team,
          away_team_id: row.away_team_id,
          status: row.status,
          source_file_path: path,
          processed_at: at,
        });
      }
    }
    const { rows, dropped } = uniqueBy(all, (r) => r.game_key, 'last');
    if (dropped > 0) ctx.logger.warn({ dropped }, `${dropped} schedule rows repeat a game_key`);
    await ctx.warehouse.merge(nbacSchedule, rows, { signal: ctx.signal });
    return { rows: rows.length };
  },
});
