import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateLeague, NBA_TEAMS } from '../league/index.js';
import { SourceParseError } from '../sources/errors.js';
import {
  parseBalldontlieStats,
  parseEspnRoster,
  parseNbaSchedule,
  parseOddsEventOdds,
  parseOddsEvents,
} from '../sources/index.js';
import { scrapeBoxScores } from './box-scores.js';
import type { SourceHttp } from './http.js';
import { scrapeOddsEvents } from './odds-events.js';
import { PLAYER_PROP_MARKETS, scrapePlayerProps } from './player-props.js';
import { scrapeRosters } from './rosters.js';
import { scrapeSchedule } from './schedule.js';
import { ScraperInputError } from './scraper.js';
import { type Harness, KEYS, openHarness } from './test-harness.js';

const league = generateLeague({ seed: 42 });
const day = '2026-01-24';
const gamesOfDay = league.gamesOn(day);
let h: Harness;

beforeEach(async () => {
  h = await openHarness(league);
});
afterEach(async () => {
  await h.close();
});

async function readJson(path: string): Promise<unknown> {
  const text = await h.objects.getText(path);
  if (text === undefined) throw new Error(`no object at ${path}`);
  return JSON.parse(text);
}

describe('scrapeSchedule', () => {
  it('writes the schedule unchanged; its rows are every game of the season', async () => {
    const result = await scrapeSchedule({ dataDate: day }, h);
    expect(result).toEqual({
      status: 'success',
      payloadPaths: [`raw/nbacom/schedule/${day}/scheduleLeagueV2.json`],
      rows: 1230,
      missingGames: [],
    });
    const { rows } = parseNbaSchedule(await readJson(result.payloadPaths[0] ?? ''));
    expect(
      rows
        .filter((r) => r.game_date === day)
        .map((r) => r.game_key)
        .sort(),
    ).toEqual(gamesOfDay.map((g) => g.gameKey).sort());
  });

  it('writes nothing when the body is malformed, and throws a permanent error', async () => {
    h.provider.faults.set('nbaCdn', { malformedJson: { count: 1 } });
    await expect(scrapeSchedule({ dataDate: day }, h)).rejects.toMatchObject({
      name: 'SourceParseError',
      permanent: true,
    });
    expect(await h.objects.list('raw/')).toEqual([]);
  });

  it('refuses a dataDate that is not on the calendar before any request', async () => {
    await expect(scrapeSchedule({ dataDate: '2026-02-30' }, h)).rejects.toThrow(ScraperInputError);
    expect(h.provider.requests.count()).toBe(0);
  });
});

describe('scrapeRosters', () => {
  it('writes one roster per team, 30 in all; rows are every rostered player', async () => {
    const result = await scrapeRosters({ dataDate: day }, h);
    expect(result.payloadPaths).toHaveLength(30);
    expect(result.payloadPaths).toContain(`raw/espn/roster/${day}/GSW.json`);
    const expected = NBA_TEAMS.reduce((n, team) => n + league.roster(team.tricode).length, 0);
    expect(result.rows).toBe(expected);
    const gsw = parseEspnRoster(await readJson(`raw/espn/roster/${day}/GSW.json`));
    expect(gsw.map((r) => r.espn_athlete_id).sort()).toEqual(
      league
        .roster('GSW')
        .map((p) => p.espnId)
        .sort(),
    );
    expect(await h.objects.list(`raw/espn/roster/${day}/`)).toHaveLength(30);
  });

  it('writes no roster when one team answers malformed JSON', async () => {
    h.provider.faults.set('espn', { malformedJson: { count: 1 } });
    await expect(scrapeRosters({ dataDate: day }, h)).rejects.toMatchObject({ permanent: true });
    expect(await h.objects.list('raw/')).toEqual([]);
  });

  it('writes no roster when a late team fails, and starts no team after the failure', async () => {
    let calls = 0;
    const http: SourceHttp = {
      ...h.http,
      getJson: (source, request) => {
        calls++;
        if (calls === 20) return Promise.reject(new SourceParseError('espn', request.path, []));
        return h.http.getJson(source, request);
      },
    };
    await expect(scrapeRosters({ dataDate: day }, { ...h, http })).rejects.toThrow(
      SourceParseError,
    );
    const atFailure = h.provider.requests.count('espn.roster');
    expect(calls).toBeLessThan(30);
    expect(await h.objects.list('raw/')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.provider.requests.count('espn.roster')).toBe(atFailure);
  });
});

describe('scrapeBoxScores', () => {
  const expectedGames = gamesOfDay.map((g) => g.gameKey);
  const rostered = gamesOfDay.reduce((n, game) => {
    const box = league.boxScore(game.gameId);
    return n + box.home.players.length + box.away.players.length;
  }, 0);

  it('walks every cursor page; rows are the rostered players of the day games', async () => {
    const result = await scrapeBoxScores({ dataDate: day, expectedGames, perPage: 25 }, h);
    expect(result.status).toBe('success');
    expect(result.rows).toBe(rostered);
    expect(result.missingGames).toEqual([]);
    expect(result.payloadPaths).toHaveLength(Math.ceil(rostered / 25));
    expect(result.payloadPaths[0]).toBe(`raw/balldontlie/stats/${day}/page-1.json`);
    let stored = 0;
    for (const path of result.payloadPaths)
      stored += parseBalldontlieStats(await readJson(path)).length;
    expect(stored).toBe(rostered);
    expect(h.provider.requests.count('balldontlie.stats')).toBe(result.payloadPaths.length);
    const direct = await fetch(
      `${h.provider.urls.balldontlie}/v1/stats?dates[]=${day}&per_page=25`,
      { headers: { authorization: KEYS.balldontlie } },
    );
    expect(await h.objects.getText(`raw/balldontlie/stats/${day}/page-1.json`)).toBe(
      await direct.text(),
    );
  });

  it('reports an expected game the provider lacks in missingGames and writes the rest', async () => {
    const [absent, ...present] = gamesOfDay;
    if (absent === undefined) throw new Error('no games on the day');
    h.provider.faults.set('balldontlie', { missingGames: [absent.gameId] });
    const result = await scrapeBoxScores({ dataDate: day, expectedGames }, h);
    expect(result.missingGames).toEqual([absent.gameKey]);
    const box = league.boxScore(absent.gameId);
    expect(result.rows).toBe(rostered - box.home.players.length - box.away.players.length);
    const keys = new Set<string>();
    for (const path of result.payloadPaths) {
      for (const row of parseBalldontlieStats(await readJson(path))) keys.add(row.game_key);
    }
    expect([...keys].sort()).toEqual(present.map((g) => g.gameKey).sort());
  });

  it('says no_data, with every expected game missing, on a day the provider has nothing', async () => {
    h.provider.faults.set('balldontlie', { missingGames: gamesOfDay.map((g) => g.gameId) });
    const result = await scrapeBoxScores({ dataDate: day, expectedGames }, h);
    expect(result.status).toBe('no_data');
    expect(result.rows).toBe(0);
    expect(result.missingGames.sort()).toEqual([...expectedGames].sort());
  });

  it('refuses an expected game that is not a canonical game key', async () => {
    await expect(
      scrapeBoxScores({ dataDate: day, expectedGames: ['0022500647'] }, h),
    ).rejects.toThrow(/0022500647/);
    expect(h.provider.requests.count()).toBe(0);
  });
});

describe('scrapeOddsEvents', () => {
  it('writes the events of the Eastern day; rows are its games', async () => {
    const result = await scrapeOddsEvents({ dataDate: day }, h);
    expect(result.payloadPaths).toEqual([`raw/odds-api/events/${day}/events.json`]);
    expect(result.rows).toBe(gamesOfDay.length);
    const events = parseOddsEvents(await readJson(result.payloadPaths[0] ?? ''));
    expect(events.map((e) => e.game_key).sort()).toEqual(gamesOfDay.map((g) => g.gameKey).sort());
  });
});

describe('scrapePlayerProps', () => {
  it('makes one call per event with the three player markets in American odds', async () => {
    const eventIds = gamesOfDay.slice(0, 3).map((g) => g.oddsEventId);
    const result = await scrapePlayerProps({ dataDate: day, eventIds }, h);
    expect(h.provider.requests.count('oddsApi.eventOdds')).toBe(3);
    expect(result.payloadPaths).toEqual(
      eventIds.map((id) => `raw/odds-api/player-props/${day}/${id}.json`),
    );
    let rows = 0;
    for (const path of result.payloadPaths) {
      const { props } = parseOddsEventOdds(await readJson(path));
      rows += props.length;
      expect(new Set(props.map((p) => p.market))).toEqual(new Set(PLAYER_PROP_MARKETS));
      expect(props.every((p) => p.price_format === 'american')).toBe(true);
    }
    expect(result.rows).toBe(rows);
    expect(rows).toBeGreaterThan(0);
  });

  it('says no_data and writes nothing for a day without events', async () => {
    const result = await scrapePlayerProps({ dataDate: day, eventIds: [] }, h);
    expect(result).toEqual({ status: 'no_data', payloadPaths: [], rows: 0, missingGames: [] });
  });
});
