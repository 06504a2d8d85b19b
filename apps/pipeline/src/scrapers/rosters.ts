import { parseEspnRoster } from '../sources/espn.js';
import { TEAMS, type TeamCodes, type Tricode } from '../sources/game-ids.js';
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

/** What {@link scrapeRosters} takes. */
export interface RostersInput extends ScrapeInput {
  /**
   * The teams whose rosters to fetch (NBA.com tricodes), such as the teams playing on
   * `dataDate`; an empty list fetches none. @default all 30 teams
   */
  readonly teams?: readonly Tricode[];
}

function teamsOf(input: RostersInput): readonly TeamCodes[] {
  if (input.teams === undefined) return TEAMS;
  const wanted = new Set<string>(input.teams);
  return TEAMS.filter((team) => wanted.has(team.tricode));
}

/**
 * Scrape ESPN's roster of `input.teams` (all 30 teams unless given): one payload per team at
 * `raw/espn/roster/<dataDate>/<TRICODE>.json`, in the order of `TEAMS`; rows are players.
 * Nothing is written unless every team was fetched and parsed.
 */
export async function scrapeRosters(
  input: RostersInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  checkDataDate(input.dataDate);
  const teams = teamsOf(input);
  const payloads: FetchedPayload[] = new Array(teams.length);
  let rows = 0;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // After a failure no new team is started; those in flight finish before the scrape rejects.
    while (next < teams.length && failure === undefined) {
      const index = next++;
      const team = teams[index];
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
export const rostersScraper: Scraper<RostersInput> = {
  name: 'espn-rosters',
  scrape: scrapeRosters,
};
