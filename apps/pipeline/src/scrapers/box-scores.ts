import { balldontlieNextCursor, parseBalldontlieStats } from '../sources/balldontlie.js';
import { isGameKey } from '../sources/game-ids.js';
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

/** Input of {@link scrapeBoxScores}. */
export interface BoxScoresInput extends ScrapeInput {
  /** Canonical keys of the games the schedule has on `dataDate`; those not returned are reported missing. */
  readonly expectedGames: readonly string[];
  /** Rows per page (balldontlie allows 100). @default 100 */
  readonly perPage?: number;
}

/** A guard against a provider whose cursor never ends. */
const MAX_PAGES = 1000;

/**
 * Scrape balldontlie `/v1/stats` for `dataDate`, walking every cursor page: one payload per page
 * at `raw/balldontlie/stats/<dataDate>/page-<n>.json`; rows are player lines. Games in
 * `expectedGames` that no row belongs to are returned in `missingGames` (the rest is written),
 * for the caller to log and queue for a retry.
 */
export async function scrapeBoxScores(
  input: BoxScoresInput,
  ports: ScraperPorts,
): Promise<ScrapeResult> {
  checkDataDate(input.dataDate);
  for (const key of input.expectedGames) {
    if (!isGameKey(key)) {
      throw new ScraperInputError(
        'expectedGames',
        `expectedGames holds ${JSON.stringify(key)}, not a game key such as 20260124_BOS_CHI`,
      );
    }
  }
  const payloads: FetchedPayload[] = [];
  const seen = new Set<string>();
  let rows = 0;
  let cursor: number | undefined;
  do {
    const response = await ports.http.getJson('balldontlie', {
      path: '/v1/stats',
      query: {
        'dates[]': [input.dataDate],
        per_page: input.perPage ?? 100,
        ...(cursor === undefined ? {} : { cursor }),
      },
      ...(ports.signal === undefined ? {} : { signal: ports.signal }),
    });
    const parsed = parseBalldontlieStats(response.json);
    rows += parsed.length;
    for (const row of parsed) seen.add(row.game_key);
    payloads.push({
      path: rawPath('balldontlie', 'stats', input.dataDate, `page-${payloads.length + 1}`),
      text: response.text,
    });
    cursor = balldontlieNextCursor(response.json);
  } while (cursor !== undefined && payloads.length < MAX_PAGES);
  const missing = input.expectedGames.filter((key) => !seen.has(key));
  return writePayloads(ports.objects, payloads, rows, missing);
}

/** {@link scrapeBoxScores} under its name. */
export const boxScoresScraper: Scraper<BoxScoresInput> = {
  name: 'balldontlie-stats',
  scrape: scrapeBoxScores,
};
