import { parseEspnRoster } from '../sources/espn.js';
import { TEAMS } from '../sources/game-ids.js';
import {
  checkDataDate,
  type FetchedPayload,
  rawPath,
  type ScrapeInput,
  type ScrapeResult,
  type Scraper,
  type ScraperPorts,
  writePayloads,
} from './scraper.js';

/** Roster requests in flight at once. */
const CONCURRENCY = 6;

/**
 * Scrape ESPN's roster of all 30 teams: one payload per team at
 * `raw/espn/roster/<dataDate>/<TRICODE>.json`; rows are players. Nothing is written unless every
 * team was fetched and parsed.
 */
export async function scrapeRosters(
  input: ScrapeInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  checkDataDate(input.dataDate);
  const payloads: FetchedPayload[] = new Array(TEAMS.length);
  let rows = 0;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // After a failure no new team is started; those in flight finish before the scrape rejects.
    while (next < TEAMS.length && failure === undefined) {
      const index = next++;
      const team = TEAMS[index];
      if (team === undefined) return;
      try {
        const response = await ports.http.getJson('espn', {
          path: `/apis/site/v2/sports/basketball/nba/teams/${team.espnId}/roster`,
          ...(ports.signal === undefined ? {} : { signal: ports.signal }),
        });
        rows += parseEspnRoster(response.json).length;
        payloads[index] = {
          path: rawPath('espn', 'roster', input.dataDate, team.tricode),
          text: response.text,
        };
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (failure !== undefined) throw failure.error;
  return writePayloads(ports.objects, payloads, rows);
}

/** {@link scrapeRosters} under its name. */
export const rostersScraper: Scraper<ScrapeInput> = { name: 'espn-rosters', scrape: scrapeRosters };
