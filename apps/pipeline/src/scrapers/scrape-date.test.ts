import { isPermanentError } from '@pipewell/retry';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/index.js';
import { SCRAPER_COMPLETE_TOPIC, type ScraperCompletion } from '../messages/scraper-completion.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import type { NbaScheduleRow } from '../sources/nbacom-schedule.js';
import type { ScraperRunRow } from './run-scraper.js';
import {
  type MissingGame,
  missingGamesCollection,
  phase1Scrapers,
  previousDate,
  type ScrapeDateDeps,
  ScrapeDateError,
  scrapeDate,
  teamsPlayingOn,
} from './scrape-date.js';
import { type Harness, openHarness } from './test-harness.js';

const league = generateLeague({ seed: 42 });
const day = '2026-01-25';
const yesterday = '2026-01-24';
const gamesToday = league.gamesOn(day);
const gamesYesterday = league.gamesOn(yesterday);
const minute = 60_000;

let h: Harness;
let kit: RuntimeKit;
let delivered: ScraperCompletion[];
let recorded: ScraperRunRow[];
let deps: ScrapeDateDeps;

// A first scrape of a process is slow (the league's games simulated, code warmed up): done here,
// rather than inside the first test's time limit.
beforeAll(async () => {
  const warm = await openHarness(league);
  const warmKit = await openRuntimeKit(warm.clock);
  await scrapeDate(day, {
    http: warm.http,
    objects: warm.objects,
    queue: { publish: async () => 'id' },
    state: warmKit.state,
    correlationId: 'warm-up',
    recordScraperRun: async () => {},
  });
  await warmKit[Symbol.asyncDispose]();
  await warm.close();
}, 60_000);

beforeEach(async () => {
  h = await openHarness(league, { maxAttempts: 2 });
  kit = await openRuntimeKit(h.clock);
  delivered = [];
  recorded = [];
  await kit.queue.ensureSubscription({ name: 'test-completions', topic: SCRAPER_COMPLETE_TOPIC });
  await kit.queue.subscribe<ScraperCompletion>('test-completions', (message) => {
    delivered.push(message);
  });
  deps = {
    http: h.http,
    objects: h.objects,
    queue: kit.queue,
    state: kit.state,
    clock: h.clock,
    logger: h.logger,
    correlationId: 'corr-1',
    recordScraperRun: async (row) => {
      recorded.push(row);
    },
  };
});
afterEach(async () => {
  await kit[Symbol.asyncDispose]();
  await h.close();
});

const byName = (messages: readonly ScraperCompletion[]) =>
  Object.fromEntries(messages.map((m) => [m.scraper, m]));

describe('teamsPlayingOn', () => {
  it('lists each team with a game on the date once, and none on a day without games', () => {
    const rows = [
      { game_date: day, home_team: 'BOS', away_team: 'CHI' },
      { game_date: day, home_team: 'LAL', away_team: 'BOS' },
      { game_date: yesterday, home_team: 'MIA', away_team: 'NYK' },
    ] as unknown as NbaScheduleRow[];
    expect(teamsPlayingOn(day, rows).sort()).toEqual(['BOS', 'CHI', 'LAL']);
    expect(teamsPlayingOn('2026-02-15', rows)).toEqual([]);
  });
});

describe('previousDate', () => {
  it('steps back over month, year and leap-day boundaries', () => {
    expect(previousDate('2026-03-01')).toBe('2026-02-28');
    expect(previousDate('2024-03-01')).toBe('2024-02-29');
    expect(previousDate('2026-01-01')).toBe('2025-12-31');
  });
});

describe('scrapeDate', () => {
  it('runs the five scrapers of the date, publishing and recording each with dataDate D', async () => {
    expect(gamesToday.length).toBeGreaterThan(0);
    expect(gamesYesterday.length).toBeGreaterThan(0);
    const completions = await scrapeDate(day, deps);
    expect(completions.map((c) => c.scraper)).toEqual([...phase1Scrapers]);
    expect(completions.every((c) => c.dataDate === day && c.status === 'success')).toBe(true);
    expect(completions.every((c) => c.correlationId === 'corr-1')).toBe(true);

    await kit.queue.idle();
    expect(delivered).toHaveLength(5);
    expect(byName(delivered)).toEqual(byName(completions));
    expect(recorded.map((r) => r.data_date)).toEqual(Array(5).fill(day));

    const m = byName(completions);
    // Box scores: yesterday's finals, payloads under yesterday's date.
    const rostered = gamesYesterday.reduce((n, game) => {
      const box = league.boxScore(game.gameId);
      return n + box.home.players.length + box.away.players.length;
    }, 0);
    expect(m['balldontlie-stats']?.rows).toBe(rostered);
    expect(m['balldontlie-stats']?.missingGames).toBeUndefined();
    for (const path of m['balldontlie-stats']?.payloadPaths ?? []) {
      expect(path.startsWith(`raw/balldontlie/stats/${yesterday}/`)).toBe(true);
      expect(await h.objects.exists(path)).toBe(true);
    }
    // Props: one payload per event of today, from the events payload.
    expect(m['odds-api-events']?.rows).toBe(gamesToday.length);
    expect(m['odds-api-player-props']?.payloadPaths.sort()).toEqual(
      gamesToday.map((g) => `raw/odds-api/player-props/${day}/${g.oddsEventId}.json`).sort(),
    );
    expect(m['nbacom-schedule']?.payloadPaths).toEqual([
      `raw/nbacom/schedule/${day}/scheduleLeagueV2.json`,
    ]);
    // Rosters: only the teams playing today, one request each.
    const playing = gamesToday.flatMap((g) => [g.home, g.away]).sort();
    expect(m['espn-rosters']?.payloadPaths.sort()).toEqual(
      playing.map((team) => `raw/espn/roster/${day}/${team}.json`),
    );
    expect(h.provider.requests.count('espn.roster')).toBe(playing.length);
    expect(await kit.state.list(missingGamesCollection)).toEqual([]);
  });

  it('queues a game missing from the box scores with a backoff, counts attempts, resolves it', async () => {
    const [absent] = gamesYesterday;
    if (absent === undefined) throw new Error('no games');
    h.provider.faults.set('balldontlie', { missingGames: [absent.gameId] });
    const started = h.clock.now();

    const first = byName(await scrapeDate(day, deps));
    expect(first['balldontlie-stats']?.missingGames).toEqual([absent.gameKey]);
    expect(await kit.state.get<MissingGame>(missingGamesCollection, absent.gameKey)).toEqual({
      gameKey: absent.gameKey,
      dataDate: day,
      gameDate: yesterday,
      attempts: 1,
      nextAttemptAt: new Date(started + 30 * minute).toISOString(),
      lastSeenMissingAt: new Date(started).toISOString(),
      status: 'pending',
    });
    expect(h.logger.at('warn').map((e) => e.msg)).toContain(
      `1 game(s) of ${yesterday} missing from box scores: queued for retry`,
    );

    await h.clock.advance(30 * minute);
    await scrapeDate(day, deps);
    expect(await kit.state.get(missingGamesCollection, absent.gameKey)).toMatchObject({
      attempts: 2,
      nextAttemptAt: new Date(started + 30 * minute + 60 * minute).toISOString(),
      status: 'pending',
    });

    h.provider.faults.set('balldontlie', { missingGames: [] });
    await scrapeDate(day, deps);
    expect(await kit.state.get(missingGamesCollection, absent.gameKey)).toMatchObject({
      attempts: 2,
      status: 'resolved',
      resolvedAt: new Date(started + 30 * minute).toISOString(),
    });
  });

  it('runs the others when one fails, then throws a permanent error for a permanent failure', async () => {
    h.provider.faults.set('espn', { malformedJson: { count: 1 } });
    const error = await scrapeDate(day, deps).catch((e: unknown) => e);
    expect(ScrapeDateError.isInstance(error)).toBe(true);
    const failure = error as ScrapeDateError;
    expect(failure.failedScrapers).toEqual(['espn-rosters']);
    expect(failure.permanent).toBe(true);
    expect(isPermanentError(failure)).toBe(true);
    expect(failure.message).toMatch(/espn-rosters.*SourceParseError/);

    await kit.queue.idle();
    const statuses = Object.fromEntries(delivered.map((m) => [m.scraper, m.status]));
    expect(statuses).toEqual({
      'nbacom-schedule': 'success',
      'espn-rosters': 'failed',
      'balldontlie-stats': 'success',
      'odds-api-events': 'success',
      'odds-api-player-props': 'success',
    });
  });

  it('publishes a scraper whose input failed as failed, and stays transient for a 5xx', async () => {
    h.provider.faults.set('nbaCdn', { serverErrors: { count: 10 } });
    const error = await h.drive(scrapeDate(day, deps)).catch((e: unknown) => e);
    expect(ScrapeDateError.isInstance(error)).toBe(true);
    const failure = error as ScrapeDateError;
    expect(failure.failedScrapers).toEqual(['nbacom-schedule', 'balldontlie-stats']);
    expect(failure.errors.map((e) => e.scraper)).toEqual(['nbacom-schedule']);
    expect(failure.permanent).toBe(false);
    expect(isPermanentError(failure)).toBe(false);
    expect(h.provider.requests.count('balldontlie.stats')).toBe(0);
    // Without a schedule the teams playing are unknown: every roster is fetched.
    expect(h.provider.requests.count('espn.roster')).toBe(30);

    await kit.queue.idle();
    expect(delivered).toHaveLength(5);
    expect(recorded.find((r) => r.scraper === 'balldontlie-stats')).toMatchObject({
      status: 'failed',
      data_date: day,
      error_message: expect.stringMatching(
        /^UpstreamScraperError: not run: scraper nbacom-schedule/,
      ),
    });
    expect(byName(delivered)['odds-api-player-props']?.status).toBe('success');
  });

  it('is permanent when every failure is, transient when any is not', async () => {
    const permanent = Object.assign(new Error('bad'), { permanent: true });
    const transient = Object.assign(new Error('busy'), { status: 503 });
    const both = new ScrapeDateError(day, [
      { scraper: 'espn-rosters', error: permanent },
      { scraper: 'odds-api-events', error: transient },
    ]);
    expect(isPermanentError(both)).toBe(false);
    expect(both.cause).toBe(transient);
    const only = new ScrapeDateError(day, [{ scraper: 'espn-rosters', error: permanent }]);
    expect(isPermanentError(only)).toBe(true);
  });

  it('refuses a date off the calendar before any request', async () => {
    await expect(scrapeDate('2026-02-30', deps)).rejects.toMatchObject({
      name: 'ScraperInputError',
    });
    expect(h.provider.requests.count()).toBe(0);
  });
});
