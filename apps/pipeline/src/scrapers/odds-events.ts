import { parseOddsEvents } from '../sources/odds-api.js';
import {
  checkDataDate,
  rawPath,
  type ScrapeInput,
  type ScrapeResult,
  type Scraper,
  type ScraperPorts,
  writePayloads,
} from './scraper.js';

const DAY_MS = 86_400_000;

/**
 * Scrape The Odds API's NBA events tipping off on `dataDate` (US Eastern): one payload at
 * `raw/odds-api/events/<dataDate>/events.json`; rows are events. The window runs from 12:00 UTC
 * that day to 12:00 UTC the next, which holds every NBA tip-off of the Eastern day.
 */
export async function scrapeOddsEvents(
  input: ScrapeInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  checkDataDate(input.dataDate);
  const from = Date.parse(`${input.dataDate}T12:00:00Z`);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const response = await ports.http.getJson('oddsApi', {
    path: '/v4/sports/basketball_nba/events',
    query: { commenceTimeFrom: iso(from), commenceTimeTo: iso(from + DAY_MS) },
    ...(ports.signal === undefined ? {} : { signal: ports.signal }),
  });
  const rows = parseOddsEvents(response.json);
  const path = rawPath('odds-api', 'events', input.dataDate, 'events');
  return writePayloads(ports.objects, [{ path, text: response.text }], rows.length);
}

/** {@link scrapeOddsEvents} under its name. */
export const oddsEventsScraper: Scraper<ScrapeInput> = {
  name: 'odds-api-events',
  scrape: scrapeOddsEvents,
};
