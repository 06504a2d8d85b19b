import { type NbaScheduleRow, parseNbaSchedule } from '../sources/nbacom-schedule.js';
import {
  checkDataDate,
  rawPath,
  type ScrapeInput,
  type ScrapeResult,
  type Scraper,
  type ScraperPorts,
  writePayloads,
} from './scraper.js';

/**
 * Scrape NBA.com's season schedule (`scheduleLeagueV2.json`) as it stands on `dataDate`: one
 * payload at `raw/nbacom/schedule/<dataDate>/scheduleLeagueV2.json`; rows are every game parsed.
 */
export async function scrapeSchedule(
  input: ScrapeInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  return (await scrapeScheduleRows(input, ports)).result;
}

/**
 * {@link scrapeSchedule}, also returning the parsed rows, for a caller that needs the season's
 * games next (the per-date runner) without parsing the schedule twice.
 */
export async function scrapeScheduleRows(
  input: ScrapeInput,
  ports: ScraperPorts,
): Promise<{ result: ScrapeResult; rows: NbaScheduleRow[] }> {
  checkDataDate(input.dataDate);
  const response = await ports.http.getJson('nbaCdn', {
    path: '/static/json/staticData/scheduleLeagueV2.json',
    ...(ports.signal === undefined ? {} : { signal: ports.signal }),
  });
  const { rows } = parseNbaSchedule(response.json);
  const path = rawPath('nbacom', 'schedule', input.dataDate, 'scheduleLeagueV2');
  const result = await writePayloads(ports.objects, [{ path, text: response.text }], rows.length);
  return { result, rows };
}

/** {@link scrapeSchedule} under its name. */
export const scheduleScraper: Scraper<ScrapeInput> = {
  name: 'nbacom-schedule',
  scrape: scrapeSchedule,
};
