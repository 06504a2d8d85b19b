import { oddsApiPlayerProps } from '../catalog/raw.js';
import { defineProcessor, type ProcessorDefinition } from '../runtime/index.js';
import { parseOddsEventOdds } from '../sources/odds-api.js';
import type { TableRowInput } from '../warehouse/index.js';
import { checkRawInput, processedAt, type RawInput, readPayloads, uniqueBy } from './raw-input.js';

/**
 * `odds_api_player_props`: one event-odds payload per game (scraper `odds-api-player-props`) into
 * `nba_raw.odds_api_player_props`, merged on (game, bookmaker, market, player_lookup, line_key),
 * `line_key` = `String(line)` and `game_date` the event's. Lines without a point cannot be keyed
 * and are skipped, counted in a warning.
 */
export const oddsApiPlayerPropsProcessor: ProcessorDefinition<RawInput> = defineProcessor<RawInput>(
  {
    name: 'odds_api_player_props',
    phase: 2,
    outputs: [oddsApiPlayerProps],
    async run(input, ctx) {
      checkRawInput('odds_api_player_props', 'odds-api-player-props', input);
      if (input.payloadPaths.length === 0) return { rows: 0 };
      const at = processedAt(ctx);
      const all: TableRowInput<typeof oddsApiPlayerProps>[] = [];
      let withoutLine = 0;
      for (const { path, json } of await readPayloads(ctx, 'odds-api', input.payloadPaths)) {
        const { event, props } = parseOddsEventOdds(json);
        for (const prop of props) {
          if (prop.line === null) {
            withoutLine++;
            continue;
          }
          all.push({
            game_key: prop.game_key,
            bookmaker: prop.bookmaker,
            market: prop.market,
            player_lookup: prop.player_key,
            line_key: String(prop.line),
            game_date: event.game_date,
            event_id: prop.event_id,
            player_name: prop.player_name,
            line: prop.line,
            over_price: prop.over_price,
            under_price: prop.under_price,
            is_main_line: prop.is_main_line,
            last_update: prop.last_update,
            snapshot_time: prop.snapshot_time,
            source_file_path: path,
            processed_at: at,
          });
        }
      }
      if (withoutLine > 0) {
        ctx.logger.warn({ withoutLine }, `${withoutLine} prop lines without a point skipped`);
      }
      // Two spellings of one player (`Bruce Brown Jr`, `Bruce Brown`) share a player_lookup.
      const { rows, dropped } = uniqueBy(
        all,
        (r) =>
          `${r.game_key}\u0000${r.bookmaker}\u0000${r.market}\u0000${r.player_lookup}\u0000${r.line_key}`,
        'first',
      );
      if (dropped > 0) ctx.logger.warn({ dropped }, `${dropped} prop lines repeat a key`);
      await ctx.warehouse.merge(oddsApiPlayerProps, rows, { signal: ctx.signal });
      return { rows: rows.length };
    },
  },
);
