import { z } from 'zod';
import { SourceParseError } from './errors.js';
import { easternDate, formatGameKey, type Tricode } from './game-ids.js';
import { parseResponse } from './parse-response.js';
import { normalizePlayerName } from './player-name.js';
import { instantSchema, tricodeSchema } from './schemas.js';

const source = 'odds-api';

/** One event (game) of The Odds API. */
export interface OddsEventRow {
  /** The Odds API's event id (32 hex characters). */
  readonly event_id: string;
  readonly game_key: string;
  /** US Eastern date of `commence_time`, `YYYY-MM-DD`. */
  readonly game_date: string;
  /** UTC ISO string. */
  readonly commence_time_utc: string;
  readonly home_team: Tricode;
  readonly away_team: Tricode;
  /** `timestamp` of a `/v4/historical/...` response: when the snapshot was taken; else null. */
  readonly snapshot_time: string | null;
}

/** `american` (-110, 150) or `decimal` (1.91) prices, as the request's `oddsFormat` chose. */
export type PriceFormat = 'american' | 'decimal';

/**
 * One line of one bookmaker for one player in one market: its Over and Under paired by player
 * name and point. A bookmaker can offer several lines for a player (alternate lines); exactly
 * one of them per (event, bookmaker, market, player) has `is_main_line`.
 */
export interface OddsPlayerPropRow {
  readonly event_id: string;
  readonly game_key: string;
  /** Bookmaker key, `draftkings`. */
  readonly bookmaker: string;
  readonly bookmaker_title: string;
  /** Market key, `player_points`. */
  readonly market: string;
  /** The name as the book wrote it (`Bruce Brown Jr`). */
  readonly player_name: string;
  /** {@link normalizePlayerName} of `player_name`, for joining to rosters. */
  readonly player_key: string;
  /** The line (`point`), or null when the book gave none. */
  readonly line: number | null;
  /** Null when the book listed no Over for this line. */
  readonly over_price: number | null;
  /** Null when the book listed no Under for this line. */
  readonly under_price: number | null;
  readonly price_format: PriceFormat;
  /** The line whose Over and Under are closest to even: the one to use when one is wanted. */
  readonly is_main_line: boolean;
  /** The market's `last_update`, else the bookmaker's, else null. */
  readonly last_update: string | null;
  readonly snapshot_time: string | null;
}

/** What {@link parseOddsEventOdds} returns. */
export interface OddsEventOddsResult {
  readonly event: OddsEventRow;
  readonly props: OddsPlayerPropRow[];
  /** Keys of markets that are not player props (`spreads`, `totals`), which give no rows. */
  readonly ignoredMarkets: string[];
  /**
   * Outcomes not used: a second Over or Under for the same player and line in one market (a
   * book that lists its board twice), or an outcome that is neither Over nor Under.
   */
  readonly ignoredOutcomes: number;
}

const eventFields = {
  id: z.string().min(1),
  commence_time: instantSchema,
  home_team: tricodeSchema('odds-api'),
  away_team: tricodeSchema('odds-api'),
};

const eventSchema = z.object(eventFields);

const outcomeSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  price: z.number().refine(Number.isFinite, 'price is not a finite number'),
  point: z.number().nullish(),
});

const eventOddsSchema = z.object({
  ...eventFields,
  bookmakers: z.array(
    z.object({
      key: z.string(),
      title: z.string().optional(),
      last_update: instantSchema.nullish(),
      markets: z.array(
        z.object({
          key: z.string(),
          last_update: instantSchema.nullish(),
          outcomes: z.array(outcomeSchema),
        }),
      ),
    }),
  ),
});

// `/v4/historical/...` wraps a response as { timestamp, previous_timestamp, next_timestamp, data }.
function historical<Schema extends z.ZodType>(data: Schema) {
  return z.object({ timestamp: instantSchema, data });
}

const events = z.array(eventSchema);
const historicalEvents = historical(events);
const historicalEventOdds = historical(eventOddsSchema);

function isWrapped(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'data' in json;
}

function eventRow(event: z.output<typeof eventSchema>, snapshot: string | null): OddsEventRow {
  const game_date = easternDate(event.commence_time);
  return {
    event_id: event.id,
    game_key: formatGameKey({ date: game_date, away: event.away_team, home: event.home_team }),
    game_date,
    commence_time_utc: event.commence_time,
    home_team: event.home_team,
    away_team: event.away_team,
    snapshot_time: snapshot,
  };
}

/**
 * Parse The Odds API `/v4/sports/basketball_nba/events` (an array) or its
 * `/v4/historical/...` form (`{ timestamp, data: [...] }`) into one row per event. The game's
 * date is the US Eastern date of `commence_time`.
 * @throws SourceParseError for a malformed payload or an unknown team name
 */
export function parseOddsEvents(json: unknown): OddsEventRow[] {
  const endpoint = '/v4/sports/basketball_nba/events';
  if (isWrapped(json)) {
    const parsed = parseResponse(historicalEvents, json, source, endpoint);
    return parsed.data.map((event) => eventRow(event, parsed.timestamp));
  }
  return parseResponse(events, json, source, endpoint).map((e) => eventRow(e, null));
}

function priceFormat(prices: readonly number[]): PriceFormat | undefined {
  if (prices.every((p) => Number.isInteger(p) && Math.abs(p) >= 100)) return 'american';
  if (prices.every((p) => p >= 1)) return 'decimal';
  return undefined;
}

function impliedProbability(price: number, format: PriceFormat): number {
  if (format === 'decimal') return 1 / price;
  return price < 0 ? -price / (-price + 100) : 100 / (price + 100);
}

type Bookmaker = z.output<typeof eventOddsSchema>['bookmakers'][number];

interface MarketLines {
  book: Bookmaker;
  market: string;
  lastUpdate: string | null;
  lines: Line[];
}

interface Line {
  player: string;
  point: number | null;
  over: number | null;
  under: number | null;
}

/**
 * Parse The Odds API `/v4/sports/basketball_nba/events/{id}/odds?markets=player_points,...` (or
 * its `/v4/historical/...` form) into the event's row and one row per (bookmaker, market, player,
 * line), pairing each Over with the Under of the same player and point. A side the book did not
 * list is null, not dropped. Markets that are not player props (`spreads`, `totals`, whose
 * outcomes have no player) give no rows and are listed in `ignoredMarkets`.
 * @throws SourceParseError for a malformed payload, an unknown team name, or prices that are
 *   neither all American nor all decimal
 */
export function parseOddsEventOdds(json: unknown): OddsEventOddsResult {
  const endpoint = '/v4/sports/basketball_nba/events/{id}/odds';
  let event: z.output<typeof eventOddsSchema>;
  let snapshot: string | null = null;
  if (isWrapped(json)) {
    const parsed = parseResponse(historicalEventOdds, json, source, endpoint);
    event = parsed.data;
    snapshot = parsed.timestamp;
  } else {
    event = parseResponse(eventOddsSchema, json, source, endpoint);
  }
  const base = eventRow(event, snapshot);
  const ignoredMarkets = new Set<string>();
  let ignoredOutcomes = 0;
  const prices: number[] = [];
  const groups: MarketLines[] = [];

  for (const book of event.bookmakers) {
    for (const market of book.markets) {
      if (!market.key.startsWith('player_')) {
        ignoredMarkets.add(market.key);
        continue;
      }
      const lines = new Map<string, Line>();
      for (const outcome of market.outcomes) {
        const side =
          outcome.name === 'Over' ? 'over' : outcome.name === 'Under' ? 'under' : undefined;
        if (side === undefined || outcome.description === undefined) {
          ignoredOutcomes++;
          continue;
        }
        const point = outcome.point ?? null;
        const id = `${outcome.description}\u0000${point}`;
        let line = lines.get(id);
        if (line === undefined) {
          line = { player: outcome.description, point, over: null, under: null };
          lines.set(id, line);
        }
        if (line[side] !== null) {
          ignoredOutcomes++;
          continue;
        }
        line[side] = outcome.price;
        prices.push(outcome.price);
      }
      groups.push({
        book,
        market: market.key,
        lastUpdate: market.last_update ?? book.last_update ?? null,
        lines: [...lines.values()],
      });
    }
  }

  const format = priceFormat(prices);
  if (format === undefined) {
    const message = 'prices are neither all American (-110, 150) nor all decimal (1.91)';
    throw new SourceParseError(source, endpoint, [{ path: 'bookmakers', message }]);
  }

  const props: OddsPlayerPropRow[] = [];
  for (const { book, market, lastUpdate, lines } of groups) {
    const main = mainLines(lines, format);
    for (const line of lines) {
      props.push({
        event_id: base.event_id,
        game_key: base.game_key,
        bookmaker: book.key,
        bookmaker_title: book.title ?? book.key,
        market,
        player_name: line.player,
        player_key: normalizePlayerName(line.player),
        line: line.point,
        over_price: line.over,
        under_price: line.under,
        price_format: format,
        is_main_line: main.has(line),
        last_update: lastUpdate,
        snapshot_time: snapshot,
      });
    }
  }
  return { event: base, props, ignoredMarkets: [...ignoredMarkets], ignoredOutcomes };
}

/** Per player, the line whose two sides are closest to even (the first line if none has both). */
function mainLines(lines: readonly Line[], format: PriceFormat): Set<Line> {
  const best = new Map<string, { line: Line; gap: number }>();
  for (const line of lines) {
    const gap =
      line.over === null || line.under === null
        ? Number.POSITIVE_INFINITY
        : Math.abs(impliedProbability(line.over, format) - impliedProbability(line.under, format));
    const current = best.get(line.player);
    if (current === undefined || gap < current.gap) best.set(line.player, { line, gap });
  }
  return new Set([...best.values()].map((entry) => entry.line));
}
