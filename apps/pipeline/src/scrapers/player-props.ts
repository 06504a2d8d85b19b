import { parseOddsEventOdds } from '../sources/odds-api.js';
import {
  checkDataDate,
  type FetchedPayload,
  rawPath,
  type ScrapeInput,
  type ScrapeResult,
  type Scraper,
  ScraperInputError,
  type ScraperPorts,
  writePayloads,
} from './scraper.js';

/** The player markets asked for, in one call per event. */
export const PLAYER_PROP_MARKETS = ['player_points', 'player_rebounds', 'player_assists'] as const;

/** Input of {@link scrapePlayerProps}. */
export interface PlayerPropsInput extends ScrapeInput {
  /** The Odds API event ids of the day (from {@link scrapeOddsEvents}' payload). */
  readonly eventIds: readonly string[];
}

const EVENT_ID = /^[A-Za-z0-9_-]+$/;

/**
 * Scrape The Odds API's player props for each event, one call per event with the three player
 * markets in American odds: one payload per event at
 * `raw/odds-api/player-props/<dataDate>/<eventId>.json`; rows are paired Over/Under lines.
 * Nothing is written unless every event was fetched and parsed.
 */
export async function scrapePlayerProps(
  input: PlayerPropsInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  checkDataDate(input.dataDate);
  for (const id of input.eventIds) {
    if (!EVENT_ID.test(id)) {
      throw new ScraperInputError(
        'eventIds',
        `eventIds holds ${JSON.stringify(id)}, not an event id`,
      );
    }
  }
  const payloads: FetchedPayload[] = [];
  let rows = 0;
  for (const eventId of input.eventIds) {
    const response = await ports.http.getJson('oddsApi', {
      path: `/v4/sports/basketball_nba/events/${eventId}/odds`,
      query: { regions: 'us', markets: PLAYER_PROP_MARKETS.join(','), oddsFormat: 'american' },
      ...(ports.signal === undefined ? {} : { signal: ports.signal }),
    });
    rows += parseOddsEventOdds(response.json).props.length;
    payloads.push({
      path: rawPath('odds-api', 'player-props', input.dataDate, eventId),
      text: response.text,
    });
  }
  return writePayloads(ports.objects, payloads, rows);
}

/** {@link scrapePlayerProps} under its name. */
export const playerPropsScraper: Scraper<PlayerPropsInput> = {
  name: 'odds-api-player-props',
  scrape: scrapePlayerProps,
};
