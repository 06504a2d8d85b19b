import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/index.js';
import { SCRAPER_COMPLETE_TOPIC, scraperCompletionSchema } from '../messages/scraper-completion.js';
import { boxScoresScraper } from './box-scores.js';
import { type RunScraperDeps, runScraper, type ScraperRunRow } from './run-scraper.js';
import { scheduleScraper } from './schedule.js';
import type { ScrapeInput, Scraper } from './scraper.js';
import { type Harness, openHarness } from './test-harness.js';

const league = generateLeague({ seed: 42 });
const day = '2026-01-24';
let h: Harness;
let published: { topic: string; data: unknown; existing: boolean[]; recorded: number }[];
let recorded: ScraperRunRow[];
let deps: RunScraperDeps;

beforeEach(async () => {
  h = await openHarness(league);
  published = [];
  recorded = [];
  deps = {
    http: h.http,
    objects: h.objects,
    clock: h.clock,
    logger: h.logger,
    correlationId: 'corr-7',
    runId: 'run-7',
    recordScraperRun: async (row) => {
      recorded.push(row);
    },
    queue: {
      // Notes, at publish time, whether each payload is already in the store.
      async publish(topic, data) {
        const paths = (data as { payloadPaths: string[] }).payloadPaths;
        const existing = await Promise.all(paths.map((p) => h.objects.exists(p)));
        published.push({ topic, data, existing, recorded: recorded.length });
        return String(published.length);
      },
    },
  };
});
afterEach(async () => {
  await h.close();
});

describe('runScraper', () => {
  it('publishes the completion after the payloads are written and the run recorded', async () => {
    const message = await runScraper(scheduleScraper, { dataDate: day }, deps);
    expect(published).toHaveLength(1);
    const [only] = published;
    expect(only?.topic).toBe(SCRAPER_COMPLETE_TOPIC);
    expect(only?.existing).toEqual([true]);
    expect(only?.recorded).toBe(1);
    expect(scraperCompletionSchema.parse(only?.data)).toEqual(message);
    expect(message).toEqual({
      scraper: 'nbacom-schedule',
      dataDate: day,
      runId: 'run-7',
      status: 'success',
      payloadPaths: [`raw/nbacom/schedule/${day}/scheduleLeagueV2.json`],
      rows: 1230,
      correlationId: 'corr-7',
    });
    expect(recorded).toEqual([
      {
        run_id: 'run-7',
        scraper: 'nbacom-schedule',
        data_date: day,
        status: 'success',
        http_status: 200,
        row_count: 1230,
        payload_path: `raw/nbacom/schedule/${day}/scheduleLeagueV2.json`,
        started_at: '2026-01-25T15:00:00.000Z',
        finished_at: '2026-01-25T15:00:00.000Z',
        error_message: null,
      },
    ]);
  });

  it('carries missing games into the message, and logs the page directory for many payloads', async () => {
    const games = league.gamesOn(day);
    const [absent] = games;
    if (absent === undefined) throw new Error('no games');
    h.provider.faults.set('balldontlie', { missingGames: [absent.gameId] });
    const message = await runScraper(
      boxScoresScraper,
      { dataDate: day, expectedGames: games.map((g) => g.gameKey), perPage: 25 },
      deps,
    );
    expect(message.missingGames).toEqual([absent.gameKey]);
    expect(published[0]?.existing.every(Boolean)).toBe(true);
    expect(published[0]?.existing.length).toBeGreaterThan(1);
    expect(recorded[0]?.payload_path).toBe(`raw/balldontlie/stats/${day}/`);
    expect(
      h.logger.at('warn').some((e) => e.msg === 'games expected but absent from the provider'),
    ).toBe(true);
  });

  it('records and publishes a failed run, then rethrows its error', async () => {
    h.provider.faults.set('nbaCdn', { malformedJson: { count: 1 } });
    await expect(runScraper(scheduleScraper, { dataDate: day }, deps)).rejects.toMatchObject({
      name: 'SourceParseError',
    });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      status: 'failed',
      row_count: 0,
      payload_path: null,
      error_message: expect.stringContaining('malformed JSON'),
    });
    expect(published.map((p) => p.data)).toEqual([
      expect.objectContaining({ status: 'failed', payloadPaths: [], rows: 0 }),
    ]);
  });

  it('records the HTTP status of a run that ended on one', async () => {
    const notFound: Scraper<ScrapeInput> = {
      name: 'espn-missing-team',
      scrape: (_, ports) =>
        ports.http
          .getJson('espn', { path: '/apis/site/v2/sports/basketball/nba/teams/999/roster' })
          .then(() => ({ status: 'success', payloadPaths: [], rows: 0, missingGames: [] })),
    };
    await expect(runScraper(notFound, { dataDate: day }, deps)).rejects.toMatchObject({
      status: 404,
    });
    expect(recorded[0]?.http_status).toBe(404);
  });

  it('publishes nothing when the run cannot be recorded', async () => {
    deps = { ...deps, recordScraperRun: () => Promise.reject(new Error('warehouse down')) };
    await expect(runScraper(scheduleScraper, { dataDate: day }, deps)).rejects.toThrow(
      'warehouse down',
    );
    expect(published).toEqual([]);
  });
});
