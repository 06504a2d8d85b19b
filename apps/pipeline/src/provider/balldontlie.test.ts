import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { locateRealApiFixtures } from '../sources/real-fixtures-location.js';
import { type ProviderHandle, startProvider } from './server.js';

// The real recordings, read in place (never copied); these checks skip when they are absent.
const realApi = locateRealApiFixtures().dir ?? '(no real-api recordings found)';

const recordings = `${realApi}/balldontlie`;
const key = 'bdl-test-key';
const league = generateLeague({ seed: 7 });
const today = '2026-01-25';
const day = '2026-01-24';
let provider: ProviderHandle;

interface StatsRow {
  id: number;
  min: string;
  pts: number;
  fgm: number;
  fg3m: number;
  ftm: number;
  player: { id: number; first_name: string; last_name: string; team_id: number };
  team: { id: number; abbreviation: string };
  game: { id: number; date: string; home_team_id: number; visitor_team_id: number };
  [key: string]: unknown;
}
interface Page<T> {
  data: T[];
  meta: { per_page: number; next_cursor?: number };
}

beforeAll(async () => {
  provider = await startProvider({ league, today, balldontlieKey: key });
});
afterAll(() => provider.close());

async function get<T>(
  path: string,
  auth: string | null = key,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${provider.urls.balldontlie}${path}`, {
    headers: auth === null ? {} : { Authorization: auth },
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Follow `next_cursor` from the first page to the last; returns every page. */
async function walk<T>(path: string): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: number | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const { status, body } = await get<Page<T>>(
      cursor === undefined ? path : `${path}${sep}cursor=${cursor}`,
    );
    expect(status).toBe(200);
    pages.push(body);
    cursor = body.meta.next_cursor;
  } while (cursor !== undefined && pages.length < 200);
  return pages;
}

describe('balldontlie /v1/games', () => {
  it('lists the games of a date with nested teams, final before "today" and scheduled after', async () => {
    const { body } = await get<Page<Record<string, unknown>>>(
      `/v1/games?dates[]=${day}&dates[]=2026-01-26&per_page=100`,
    );
    const expected = [...league.gamesOn(day), ...league.gamesOn('2026-01-26')];
    expect(body.data.map((g) => g.id)).toEqual(expected.map((g) => g.bdlId));
    expect(body.meta).toEqual({ per_page: 100 });
    for (const [i, g] of body.data.entries()) {
      const game = expected[i];
      const home = g.home_team as { id: number; abbreviation: string; full_name: string };
      expect(home.abbreviation).toBe(game?.home);
      expect(home.id).toBe(league.team(game?.home as string).bdlId);
      if (game?.date === day) {
        const box = league.boxScore(game.gameId);
        expect(g).toMatchObject({
          status: 'Final',
          period: box.periods,
          home_team_score: box.home.points,
        });
      } else {
        expect(g).toMatchObject({
          period: 0,
          time: null,
          home_team_score: 0,
          visitor_team_score: 0,
        });
        expect(Date.parse(g.status as string)).toBe(game?.startMs);
      }
    }
  });
});

describe('balldontlie /v1/stats', () => {
  it('pages through every row of a date exactly once; the last page has no next_cursor', async () => {
    const pages = await walk<StatsRow>(`/v1/stats?dates[]=${day}&per_page=7`);
    const rows = pages.flatMap((p) => p.data);
    const expectedRows = league.gamesOn(day).length * 30;
    expect(rows).toHaveLength(expectedRows);
    expect(new Set(rows.map((r) => r.id)).size).toBe(expectedRows);
    expect(pages.length).toBe(Math.ceil(expectedRows / 7));
    for (const page of pages.slice(0, -1)) {
      expect(page.data).toHaveLength(7);
      expect(page.meta.next_cursor).toBe(page.data.at(-1)?.id);
    }
    expect(pages.at(-1)?.meta).toEqual({ per_page: 7 });
    expect('next_cursor' in (pages.at(-1)?.meta ?? {})).toBe(false);
  });

  it('gives a row per roster player with min as a zero-padded string and nested player, team and game', async () => {
    const pages = await walk<StatsRow>(`/v1/stats?dates[]=${day}&per_page=100`);
    const rows = pages.flatMap((p) => p.data);
    const byPlayer = new Map(rows.map((r) => [r.player.id, r]));
    for (const game of league.gamesOn(day)) {
      const box = league.boxScore(game.gameId);
      for (const line of [...box.home.players, ...box.away.players]) {
        const row = byPlayer.get(line.player.bdlId);
        expect(row?.min).toBe(String(Math.round(line.seconds / 60)).padStart(2, '0'));
        expect(row?.pts).toBe(line.pts);
        expect(row?.player.team_id).toBe(league.team(line.player.team).bdlId);
        expect(row?.team.abbreviation).toBe(line.player.team);
        expect(row?.game).toMatchObject({
          id: game.bdlId,
          date: day,
          home_team_id: league.team(game.home).bdlId,
        });
      }
    }
    expect(rows.some((r) => r.min === '00')).toBe(true);
    expect(rows.every((r) => r.pts === 2 * r.fgm + r.fg3m + r.ftm)).toBe(true);
  });

  it('walks a week of several dates in pages of 100, and caps a larger per_page at 100', async () => {
    const dates = ['2026-01-18', '2026-01-19', '2026-01-20', '2026-01-21'];
    const pages = await walk<StatsRow>(
      `/v1/stats?${dates.map((d) => `dates[]=${d}`).join('&')}&per_page=500`,
    );
    const rows = pages.flatMap((p) => p.data);
    const expected = dates.reduce((n, d) => n + league.gamesOn(d).length * 30, 0);
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.id)).size).toBe(expected);
    expect(pages[0]?.meta.per_page).toBe(100);
    expect(new Set(rows.map((r) => r.game.date))).toEqual(new Set(dates));
  });

  it('filters by game_ids[] and player_ids[]', async () => {
    const game = league.gamesOn(day)[0];
    const star = league.roster(game?.home as string)[0];
    const { body } = await get<Page<StatsRow>>(
      `/v1/stats?game_ids[]=${game?.bdlId}&player_ids[]=${star?.bdlId}`,
    );
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.player.id).toBe(star?.bdlId);
  });

  it('has no stats for games on or after "today"', async () => {
    const { body } = await get<Page<StatsRow>>(`/v1/stats?dates[]=${today}`);
    expect(league.gamesOn(today).length).toBeGreaterThan(0);
    expect(body).toEqual({ data: [], meta: { per_page: 25 } });
  });

  it('answers 400 naming a bad date or page size', async () => {
    const bad = await get<{ error: string }>('/v1/stats?dates[]=2026-02-30');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('2026-02-30');
    expect((await get('/v1/stats?per_page=0')).status).toBe(400);
    expect((await get('/v1/stats?cursor=abc')).status).toBe(400);
  });
});

describe('balldontlie /v1/box_scores', () => {
  it('gives each game of the date with quarter scores and both teams’ player lines', async () => {
    const { status, body } = await get<{ data: Record<string, unknown>[] }>(
      `/v1/box_scores?date=${day}`,
    );
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['data']);
    expect(body.data.map((g) => g.id)).toEqual(league.gamesOn(day).map((g) => g.bdlId));
    for (const entry of body.data) {
      const game = league.gamesOn(day).find((g) => g.bdlId === entry.id);
      const box = league.boxScore(game?.gameId as string);
      const home = entry.home_team as {
        abbreviation: string;
        players: { min: string; pts: number; plus_minus: number; player: { id: number } }[];
      };
      expect(home.abbreviation).toBe(game?.home);
      expect(home.players.map((p) => p.player.id)).toEqual(
        box.home.players.map((l) => l.player.bdlId),
      );
      expect(home.players.reduce((a, p) => a + p.pts, 0)).toBe(entry.home_team_score);
      const quarters = [1, 2, 3, 4].map((q) => entry[`home_q${q}`] as number);
      const overtimes = [1, 2, 3].map((q) => entry[`home_ot${q}`] as number | null);
      expect([...quarters, ...overtimes.filter((x) => x !== null)].reduce((a, b) => a + b, 0)).toBe(
        box.home.points,
      );
      expect(overtimes.filter((x) => x !== null)).toHaveLength(box.periods - 4);
    }
  });

  it('answers {"data":[]} for a day without final games, and 400 without a date', async () => {
    expect((await get(`/v1/box_scores?date=${today}`)).body).toEqual({ data: [] });
    expect((await get('/v1/box_scores?date=2026-02-15')).body).toEqual({ data: [] });
    expect((await get('/v1/box_scores')).status).toBe(400);
  });
});

describe('balldontlie auth', () => {
  it('answers 401 without the key or with a wrong one, on every route', async () => {
    for (const path of [
      `/v1/games?dates[]=${day}`,
      `/v1/stats?dates[]=${day}`,
      `/v1/box_scores?date=${day}`,
    ]) {
      expect((await get(path, null)).status).toBe(401);
      expect((await get(path, 'wrong')).status).toBe(401);
      expect((await get(path, key)).status).toBe(200);
    }
  });

  it('lets anyone in when no key is configured', async () => {
    await using open = await startProvider({ league, today });
    const res = await fetch(`${open.urls.balldontlie}/v1/games?dates[]=${day}`);
    expect(res.status).toBe(200);
  });
});

describe.skipIf(!existsSync(recordings))('balldontlie shapes against the recordings', () => {
  const read = (name: string) => JSON.parse(readFileSync(`${recordings}/${name}`, 'utf8'));
  const keys = (o: object) => Object.keys(o).sort();

  it('stats rows have the recorded fields, types and nesting', async () => {
    const real = read('v1_stats_page.json').data[0];
    const { body } = await get<Page<StatsRow>>(`/v1/stats?dates[]=${day}&per_page=1`);
    const ours = body.data[0] as StatsRow;
    expect(keys(ours)).toEqual(keys(real));
    expect(keys(ours.player)).toEqual(keys(real.player));
    expect(keys(ours.team)).toEqual(keys(real.team));
    expect(keys(ours.game)).toEqual(keys(real.game));
    for (const k of Object.keys(real))
      if (real[k] !== null) expect(typeof ours[k], k).toBe(typeof real[k]);
  });

  it('games and box scores have the recorded fields', async () => {
    const realGame = read('v1_games_2025-02-20.json').data[0];
    const games = await get<Page<Record<string, unknown>>>(`/v1/games?dates[]=${day}`);
    expect(keys(games.body.data[0] as object)).toEqual(keys(realGame));
    const realBox = read('v1_box_scores_2026-01-09.json').data[0];
    const boxes = await get<{ data: Record<string, { players: Record<string, object>[] }>[] }>(
      `/v1/box_scores?date=${day}`,
    );
    const ours = boxes.body.data[0] as Record<string, { players: Record<string, object>[] }>;
    expect(keys(ours)).toEqual(keys(realBox));
    expect(keys(ours.home_team as object)).toEqual(keys(realBox.home_team));
    expect(keys(ours.home_team?.players[0] as object)).toEqual(keys(realBox.home_team.players[0]));
    expect(keys(ours.home_team?.players[0]?.player as object)).toEqual(
      keys(realBox.home_team.players[0].player),
    );
  });
});
