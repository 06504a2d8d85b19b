import {
  type NbaScheduleResult,
  type NbaScheduleRow,
  parseNbaSchedule,
} from '../sources/nbacom-schedule.js';
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
  const parsed = parseNbaSchedule(response.json);
  rememberParsedSchedule(response.text, parsed);
  const { rows } = parsed;
  const path = rawPath('nbacom', 'schedule', input.dataDate, 'scheduleLeagueV2');
  const result = await writePayloads(ports.objects, [{ path, text: response.text }], rows.length);
  return { result, rows };
}

/** {@link scrapeSchedule} under its name. */
export const scheduleScraper: Scraper<ScrapeInput> = {
  name: 'nbacom-schedule',
  scrape: scrapeSchedule,
};

/** The last schedule text parsed in this process, and what it parsed into. */
let lastParsed: { readonly text: string; readonly result: NbaScheduleResult } | undefined;
const cacheStats = { hits: 0, misses: 0 };

/**
 * Keep `result` as the parse of the schedule payload `text`, for {@link parsedScheduleOf}. One
 * schedule is kept (the season's, 1.8 MB): the scraper parses it, and phase 2 loads the same text
 * from the object store moments later.
 */
export function rememberParsedSchedule(text: string, result: NbaScheduleResult): void {
  lastParsed = { text, result };
}

/**
 * The parse of the schedule payload `text` when it is the text last remembered (compared in
 * full, so a changed payload is never answered from the cache), else undefined. The result is
 * shared: read it, never change it.
 */
export function parsedScheduleOf(text: string): NbaScheduleResult | undefined {
  if (lastParsed !== undefined && lastParsed.text === text) {
    cacheStats.hits++;
    return lastParsed.result;
  }
  cacheStats.misses++;
  return undefined;
}

/** How often {@link parsedScheduleOf} answered from the cache (`hits`) or not (`misses`). */
export function parsedScheduleStats(): { readonly hits: number; readonly misses: number } {
  return { ...cacheStats };
}
