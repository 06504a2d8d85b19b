import { espnTeamRosters } from '../catalog/raw.js';
import { defineProcessor, type ProcessorDefinition } from '../runtime/index.js';
import { parseEspnRoster } from '../sources/espn.js';
import { normalizePlayerName } from '../sources/player-name.js';
import type { TableRowInput } from '../warehouse/index.js';
import { checkRawInput, processedAt, type RawInput, readPayloads, uniqueBy } from './raw-input.js';

/**
 * `espn_team_rosters`: ESPN's roster payloads (scraper `espn-rosters`: the teams playing on D) into
 * `nba_raw.espn_team_rosters` with `roster_date` = the pipeline date, replacing that partition
 * whole, so a player who left a roster is gone on a re-run.
 */
export const espnTeamRostersProcessor: ProcessorDefinition<RawInput> = defineProcessor<RawInput>({
  name: 'espn_team_rosters',
  phase: 2,
  outputs: [espnTeamRosters],
  async run(input, ctx) {
    checkRawInput('espn_team_rosters', 'espn-rosters', input);
    // No payloads: nothing was scraped, which must not empty the day's rosters.
    if (input.payloadPaths.length === 0) return { rows: 0 };
    const at = processedAt(ctx);
    const all: TableRowInput<typeof espnTeamRosters>[] = [];
    for (const { path, json } of await readPayloads(ctx, 'espn', input.payloadPaths)) {
      for (const row of parseEspnRoster(json)) {
        all.push({
          roster_date: input.dataDate,
          team: row.team,
          espn_athlete_id: row.espn_athlete_id,
          player_name: row.player_name,
          player_lookup: normalizePlayerName(row.player_name),
          position: row.position,
          jersey: row.jersey,
          status: row.status,
          injury_status: row.injury_status,
          source_file_path: path,
          processed_at: at,
        });
      }
    }
    const { rows, dropped } = uniqueBy(all, (r) => `${r.team}\u0000${r.espn_athlete_id}`, 'last');
    if (dropped > 0)
      ctx.logger.warn({ dropped }, `${dropped} roster rows repeat a team and athlete`);
    await ctx.warehouse.replacePartition(espnTeamRosters, input.dataDate, rows, {
      signal: ctx.signal,
    });
    return { rows: rows.length };
  },
});
