import { ident, sql, typed } from '@pipewell/clients/sql';
import { createRecordingLogger, type RecordingLogger } from '@pipewell/core/testing';
import { isPermanentError } from '@pipewell/retry';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bdlPlayerBoxscores,
  espnTeamRosters,
  nbacSchedule,
  oddsApiPlayerProps,
  rawTables,
} from '../catalog/raw.js';
import { generateLeague } from '../league/index.js';
import type { ScraperCompletion } from '../messages/scraper-completion.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  failedWorkCollection,
  PermanentProcessorError,
  type ProcessorDefinition,
  runProcessor,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { parsedScheduleStats } from '../scrapers/schedule.js';
import { phase1Scrapers, scrapeDate } from '../scrapers/scrape-date.js';
import { type Harness, openHarness } from '../scrapers/test-harness.js';
import { SourceParseError } from '../sources/errors.js';
import { normalizePlayerName } from '../sources/player-name.js';
import type { AnyTable } from '../warehouse/index.js';
import { bdlPlayerBoxscoresProcessor } from './bdl-player-boxscores.js';
import { rawEntries, rawProcessorForScraper, rawTablesByProcessor } from './entries.js';
import { espnTeamRostersProcessor } from './espn-team-rosters.js';
import { nbacScheduleProcessor } from './nbac-schedule.js';
import { oddsApiPlayerPropsProcessor } from './odds-api-player-props.js';
import {
  type RawInput,
  RawInputError,
  RawPayloadMissingError,
  rawInputFromCompletion,
} from './raw-input.js';

const league = generateLeague({ seed: 42 });
const day = '2026-01-25';
const yesterday = '2026-01-24';

let h: Harness;
let completions: Record<string, ScraperCompletion>;
let kit: RuntimeKit;
let bookkeeping: BookkeepingWriter;
let logger: RecordingLogger;

beforeAll(async () => {
  h = await openHarness(league);
  const scrapeKit = await openRuntimeKit(h.clock);
  const messages = await scrapeDate(day, {
    http: h.http,
    objects: h.objects,
    queue: { publish: async () => 'id' },
    state: scrapeKit.state,
    clock: h.clock,
    correlationId: 'corr-raw',
    recordScraperRun: async () => {},
  });
  await scrapeKit[Symbol.asyncDispose]();
  completions = Object.fromEntries(messages.map((m) => [m.scraper, m]));
}, 60_000);
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  kit = await openRuntimeKit(h.clock);
  await kit.warehouse.ensureTables(rawTables);
  bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock: h.clock });
  logger = createRecordingLogger();
});
afterEach(async () => {
  await bookkeeping.close();
  await kit[Symbol.asyncDispose]();
});

function inputOf(scraper: string): RawInput {
  const message = completions[scraper];
  if (message === undefined) throw new Error(`no completion of ${scraper}`);
  return rawInputFromCompletion(message);
}

function run(processor: ProcessorDefinition<RawInput>, input: RawInput) {
  return runProcessor(processor, input, {
    warehouse: kit.warehouse,
    state: kit.state,
    queue: kit.queue,
    objects: h.objects,
    bookkeeping,
    clock: h.clock,
    logger,
  });
}

/** Run twice: the same rows each time, no duplicate key, one merge per run. */
async function runTwice(
  processor: ProcessorDefinition<RawInput>,
  input: RawInput,
  table: AnyTable,
) {
  const first = await run(processor, input);
  const count = await kit.warehouse.count(table);
  const second = await run(processor, input);
  expect(second.rows).toBe(first.rows);
  expect(await kit.warehouse.count(table)).toBe(count);
  expect(await kit.warehouse.duplicates(table)).toBe(0);
  return { result: first, count };
}

function rowsOf<R extends object>(table: AnyTable): Promise<R[]> {
  return kit.warehouse.query<R>(sql`SELECT * FROM ${ident(table.name)}`);
}

async function putJson(path: string, json: unknown): Promise<string> {
  await h.objects.put(path, JSON.stringify(json));
  return path;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse((await h.objects.getText(path)) ?? 'null');
}

describe('nbac_schedule', () => {
  it('loads the whole season, one row per game, and a re-run changes nothing', async () => {
    const { result, count } = await runTwice(
      nbacScheduleProcessor,
      inputOf('nbacom-schedule'),
      nbacSchedule,
    );
    expect(result).toMatchObject({ status: 'success', rows: league.games.length });
    expect(count).toBe(league.games.length);
    expect(kit.warehouse.merges.filter((m) => m.table === nbacSchedule.name)).toHaveLength(2);
    const game = league.gamesOn(day)[0];
    const [row] = await kit.warehouse.query<Record<string, unknown>>(
      sql`SELECT * FROM ${ident(nbacSchedule.name)} WHERE game_key = ${game?.gameKey ?? ''}`,
    );
    expect(row).toMatchObject({
      game_id: game?.gameId,
      game_date: day,
      home_team: game?.home,
      away_team: game?.away,
      source_file_path: `raw/nbacom/schedule/${day}/scheduleLeagueV2.json`,
      processed_at: new Date(h.clock.now()).toISOString(),
    });
  });
});

describe('nbac_schedule and the parsed schedule of the scraper', () => {
  it("reuses the scraper's parse of the same text, and parses a different text itself", async () => {
    const input = inputOf('nbacom-schedule');
    const [path] = input.payloadPaths;
    // The scraper (beforeAll's scrapeDate) kept its parse of the text it wrote.
    const text = (await h.objects.getText(path ?? '')) ?? '';
    const before = parsedScheduleStats();
    await run(nbacScheduleProcessor, input);
    expect(parsedScheduleStats()).toEqual({ hits: before.hits + 1, misses: before.misses });

    // Another text (one game moved on): parsed from the payload, never answered from the cache.
    const payload = JSON.parse(text) as {
      leagueSchedule: { gameDates: { games: { gameCode: string; gameStatus: number }[] }[] };
    };
    const game = league.gamesOn(day)[0];
    let status = '';
    for (const g of payload.leagueSchedule.gameDates.flatMap((d) => d.games)) {
      if (g.gameCode !== game?.gameCode) continue;
      g.gameStatus = g.gameStatus === 3 ? 1 : 3;
      status = g.gameStatus === 3 ? 'final' : 'scheduled';
    }
    const next = await putJson(`test/schedule-next/${day}/scheduleLeagueV2.json`, payload);
    await run(nbacScheduleProcessor, { ...input, payloadPaths: [next] });
    expect(parsedScheduleStats()).toEqual({ hits: before.hits + 1, misses: before.misses + 1 });
    const [row] = await kit.warehouse.query<{ status: string; source_file_path: string }>(
      sql`SELECT status, source_file_path FROM ${ident(nbacSchedule.name)}
          WHERE game_key = ${game?.gameKey ?? ''}`,
    );
    expect(row).toEqual({ status, source_file_path: next });
    expect(status).not.toBe('');
  });
});

describe('espn_team_rosters', () => {
  it('loads the roster of every team playing on the date; a re-run without a player drops him', async () => {
    const input = inputOf('espn-rosters');
    // Phase 1 scrapes the rosters of the teams playing on the date only.
    const playing = league.gamesOn(day).flatMap((game) => [game.home, game.away]);
    const expected = playing.reduce((n, team) => n + league.roster(team).length, 0);
    const team = playing[0] ?? 'no team';
    const { result, count } = await runTwice(espnTeamRostersProcessor, input, espnTeamRosters);
    expect(result.rows).toBe(expected);
    expect(count).toBe(expected);
    const rostered = await kit.warehouse.query<{ espn_athlete_id: string; player_lookup: string }>(
      sql`SELECT espn_athlete_id, player_lookup FROM ${ident(espnTeamRosters.name)}
          WHERE team = ${team} ORDER BY espn_athlete_id`,
    );
    const roster = league.roster(team);
    expect(rostered.map((r) => r.espn_athlete_id)).toEqual(roster.map((p) => p.espnId).sort());
    expect(new Set(rostered.map((r) => r.player_lookup))).toEqual(
      new Set(roster.map((p) => normalizePlayerName(p.fullName))),
    );

    // The team's roster as ESPN serves it a moment later, one player fewer.
    const path = `raw/espn/roster/${day}/${team}.json`;
    const payload = (await readJson(path)) as { athletes: { id: string }[] };
    const [gone, ...kept] = payload.athletes;
    const rerun = await putJson(`test/espn-rerun/${day}/${team}.json`, {
      ...payload,
      athletes: kept,
    });
    await run(espnTeamRostersProcessor, {
      ...input,
      payloadPaths: input.payloadPaths.map((p) => (p === path ? rerun : p)),
    });
    expect(await kit.warehouse.count(espnTeamRosters)).toBe(expected - 1);
    const left = await kit.warehouse.query(
      sql`SELECT team FROM ${ident(espnTeamRosters.name)} WHERE espn_athlete_id = ${gone?.id ?? ''}`,
    );
    expect(left).toEqual([]);
  });
});

describe('bdl_player_boxscores', () => {
  it("loads every page of yesterday's box scores: the league's players and points", async () => {
    const input = inputOf('balldontlie-stats');
    const { result, count } = await runTwice(
      bdlPlayerBoxscoresProcessor,
      input,
      bdlPlayerBoxscores,
    );
    const games = league.gamesOn(yesterday);
    const boxes = games.map((g) => league.boxScore(g.gameId));
    const players = boxes.reduce((n, b) => n + b.home.players.length + b.away.players.length, 0);
    expect(result.rows).toBe(players);
    expect(count).toBe(players);
    expect(kit.warehouse.merges.filter((m) => m.table === bdlPlayerBoxscores.name)).toEqual([
      { table: bdlPlayerBoxscores.name, rows: players },
      { table: bdlPlayerBoxscores.name, rows: players },
    ]);
    const points = await kit.warehouse.query<{ game_key: string; team: string; points: number }>(
      sql`SELECT game_key, team, SUM(points) AS points FROM ${ident(bdlPlayerBoxscores.name)}
          WHERE game_date = ${typed(yesterday, 'DATE')} GROUP BY game_key, team`,
    );
    const expected = games.flatMap((g, i) => [
      { game_key: g.gameKey, team: g.home, points: boxes[i]?.home.points },
      { game_key: g.gameKey, team: g.away, points: boxes[i]?.away.points },
    ]);
    const key = (r: { game_key: string; team: string }) => `${r.game_key}${r.team}`;
    expect(points.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    const lookups = await kit.warehouse.query<{ player_lookup: string; player_name: string }>(
      sql`SELECT player_lookup, player_name FROM ${ident(bdlPlayerBoxscores.name)}`,
    );
    expect(lookups.every((r) => r.player_lookup === normalizePlayerName(r.player_name))).toBe(true);
  });
});

describe('odds_api_player_props', () => {
  const propLines = (gameIds: readonly string[]) =>
    gameIds.reduce(
      (n, id) =>
        n +
        league
          .props(id)
          .bookmakers.reduce(
            (m, book) => m + book.markets.reduce((k, mk) => k + mk.lines.length, 0),
            0,
          ),
      0,
    );

  it("loads every book's lines of today's games, keyed by line text; a re-run changes nothing", async () => {
    const input = inputOf('odds-api-player-props');
    const { result, count } = await runTwice(
      oddsApiPlayerPropsProcessor,
      input,
      oddsApiPlayerProps,
    );
    const expected = propLines(league.gamesOn(day).map((g) => g.gameId));
    expect(result.rows).toBe(expected);
    expect(count).toBe(expected);
    const rows = await rowsOf<{ line: number; line_key: string; game_date: string }>(
      oddsApiPlayerProps,
    );
    expect(rows.every((r) => r.line_key === String(r.line) && r.game_date === day)).toBe(true);
  });

  it('skips a line without a point and says how many in a warning', async () => {
    const [path] = inputOf('odds-api-player-props').payloadPaths;
    if (path === undefined) throw new Error('no props payload');
    type Outcome = { description?: string; point?: number | null };
    const payload = (await readJson(path)) as {
      bookmakers: { markets: { outcomes: Outcome[] }[] }[];
    };
    const outcomes = payload.bookmakers[0]?.markets[0]?.outcomes ?? [];
    const { description, point } = outcomes[0] ?? {};
    for (const outcome of outcomes) {
      if (outcome.description === description && outcome.point === point) {
        outcome.point = null;
      }
    }
    const changed = await putJson('test/props/no-point.json', payload);
    const full = await run(oddsApiPlayerPropsProcessor, {
      dataDate: day,
      scraper: 'odds-api-player-props',
      payloadPaths: [path],
    });
    const result = await run(oddsApiPlayerPropsProcessor, {
      dataDate: day,
      scraper: 'odds-api-player-props',
      payloadPaths: [changed],
    });
    expect(result.rows).toBe(full.rows - 1);
    expect(logger.at('warn').map((e) => e.msg)).toContain('1 prop lines without a point skipped');
  });
});

describe('raw processors', () => {
  it('load nothing from an empty payload list and succeed', async () => {
    for (const { processor } of rawEntries) {
      const scraper = Object.keys(rawProcessorForScraper).find(
        (name) => rawProcessorForScraper[name] === processor.name,
      );
      const result = await run(processor, {
        dataDate: day,
        scraper: scraper ?? '',
        payloadPaths: [],
      });
      expect(result).toMatchObject({ status: 'success', rows: 0 });
    }
    expect(kit.warehouse.merges).toEqual([]);
  });

  it('dead-letter a malformed payload: PermanentProcessorError, failed-work, nothing written', async () => {
    const broken = '{"leagueSchedule":{"seasonYear":"2025-26","gameDates":[{"games":';
    await h.objects.put('test/bad/truncated.json', broken);
    await putJson('test/bad/shape.json', { leagueSchedule: { seasonYear: '2025-26' } });
    for (const path of ['test/bad/truncated.json', 'test/bad/shape.json']) {
      const error = await run(nbacScheduleProcessor, {
        dataDate: day,
        scraper: 'nbacom-schedule',
        payloadPaths: [path],
      }).catch((e: unknown) => e);
      expect(PermanentProcessorError.isInstance(error)).toBe(true);
      expect(SourceParseError.isInstance((error as Error).cause)).toBe(true);
      expect((error as Error).message).toContain('nbacom');
    }
    expect(await kit.state.get(failedWorkCollection, `nbac_schedule__${day}`)).toMatchObject({
      status: 'failed_permanent',
      errorClass: 'SourceParseError',
    });
    expect(kit.warehouse.merges).toEqual([]);
  });

  it('retry a payload missing from the object store, and refuse another scraper for good', async () => {
    const missing = await run(bdlPlayerBoxscoresProcessor, {
      dataDate: day,
      scraper: 'balldontlie-stats',
      payloadPaths: ['raw/balldontlie/stats/nowhere/page-1.json'],
    }).catch((e: unknown) => e);
    expect(RawPayloadMissingError.isInstance(missing)).toBe(true);
    expect(isPermanentError(missing)).toBe(false);

    const wrong = await run(bdlPlayerBoxscoresProcessor, inputOf('espn-rosters')).catch(
      (e: unknown) => e,
    );
    expect(PermanentProcessorError.isInstance(wrong)).toBe(true);
    expect(RawInputError.isInstance((wrong as Error).cause)).toBe(true);
  });

  it('cover every phase 1 scraper but odds events, each processor with its table', () => {
    expect(Object.keys(rawProcessorForScraper).sort()).toEqual([...phase1Scrapers].sort());
    expect(rawProcessorForScraper['odds-api-events']).toBeUndefined();
    const names = rawEntries.map((e) => e.processor.name);
    expect(Object.values(rawProcessorForScraper).filter(Boolean).sort()).toEqual([...names].sort());
    for (const { processor } of rawEntries) {
      expect(processor.phase).toBe(2);
      expect(processor.outputs).toEqual([rawTablesByProcessor[processor.name]]);
    }
  });
});
