import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { locateRealApiFixtures } from '../sources/real-fixtures-location.js';
import { type ProviderHandle, startProvider } from './server.js';

// The real recordings, read in place (never copied); these checks skip when they are absent.
const realApi = locateRealApiFixtures().dir ?? '(no real-api recordings found)';

const recording = `${realApi}/nbacom/cdn_scheduleLeagueV2_2025-26_as_of_2025-07-17.json`;

interface CdnGame {
  gameId: string;
  gameCode: string;
  gameStatus: number;
  gameStatusText: string;
  gameDateTimeUTC: string;
  gameDateEst: string;
  gameSequence: number;
  homeTeam: { teamId: number; teamTricode: string; wins: number; losses: number; score: number };
  awayTeam: { teamId: number; teamTricode: string; wins: number; losses: number; score: number };
  pointsLeaders: { personId: number; points: number }[];
  [key: string]: unknown;
}
interface Schedule {
  meta: { version: number; time: string };
  leagueSchedule: {
    seasonYear: string;
    leagueId: string;
    gameDates: { gameDate: string; games: CdnGame[] }[];
    weeks: unknown[];
  };
}

const league = generateLeague({ seed: 7 });
const today = '2026-01-25';
let provider: ProviderHandle;
let schedule: Schedule;

beforeAll(async () => {
  provider = await startProvider({ league, today });
  const res = await fetch(`${provider.urls.nbaCdn}/static/json/staticData/scheduleLeagueV2.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  schedule = (await res.json()) as Schedule;
});
afterAll(() => provider.close());

const allGames = () => schedule.leagueSchedule.gameDates.flatMap((d) => d.games);

describe('NBA.com CDN schedule', () => {
  it('lists all 1,230 games under their Eastern dates, in the CDN date format', () => {
    expect(schedule.leagueSchedule.seasonYear).toBe('2025-26');
    expect(schedule.leagueSchedule.leagueId).toBe('00');
    expect(allGames().map((g) => g.gameId)).toEqual(league.games.map((g) => g.gameId));
    for (const { gameDate, games } of schedule.leagueSchedule.gameDates) {
      expect(gameDate).toMatch(/^\d{2}\/\d{2}\/\d{4} 00:00:00$/);
      const [m, d, y] = gameDate.slice(0, 10).split('/');
      for (const g of games) {
        expect(g.gameDateEst).toBe(`${y}-${m}-${d}T00:00:00Z`);
        expect(g.gameCode.slice(0, 8)).toBe(`${y}${m}${d}`);
      }
    }
    const jan24 = schedule.leagueSchedule.gameDates.find(
      (d) => d.gameDate === '01/24/2026 00:00:00',
    );
    expect(jan24?.games.length).toBe(league.gamesOn('2026-01-24').length);
  });

  it('gives each game its code, teams and UTC start as a scraper reads them', () => {
    for (const g of allGames()) {
      const game = league.game(g.gameId);
      expect(g.gameCode).toBe(game?.gameCode);
      expect(g.homeTeam.teamTricode).toBe(game?.home);
      expect(g.awayTeam.teamTricode).toBe(game?.away);
      expect(g.homeTeam.teamId).toBe(league.team(game?.home as string).nbaId);
      expect(Date.parse(g.gameDateTimeUTC)).toBe(game?.startMs);
      expect(g.gameSequence).toBe(game?.daySequence);
    }
  });

  it('marks games before "today" final with their scores and records, later ones scheduled at 0-0', () => {
    for (const g of allGames()) {
      const game = league.game(g.gameId);
      if ((game?.date as string) < today) {
        const box = league.boxScore(g.gameId);
        expect(g.gameStatus).toBe(3);
        expect(g.gameStatusText).toMatch(/^Final/);
        expect([g.homeTeam.score, g.awayTeam.score]).toEqual([box.home.points, box.away.points]);
        expect(g.pointsLeaders[0]?.points).toBe(
          Math.max(...[...box.home.players, ...box.away.players].map((l) => l.pts)),
        );
      } else {
        expect(g.gameStatus).toBe(1);
        expect(g.gameStatusText).toMatch(/^\d{1,2}:\d{2} pm ET$/);
        expect([g.homeTeam.score, g.awayTeam.score]).toEqual([0, 0]);
        expect(g.pointsLeaders).toEqual([]);
      }
    }
    // Records: after the game for a final, as of now for a game to come.
    const records = new Map(league.teams.map((t) => [t.tricode, { wins: 0, losses: 0 }]));
    const wrong: string[] = [];
    for (const g of allGames()) {
      if (g.gameStatus === 3) {
        const homeWon = g.homeTeam.score > g.awayTeam.score;
        const home = records.get(g.homeTeam.teamTricode) as { wins: number; losses: number };
        const away = records.get(g.awayTeam.teamTricode) as { wins: number; losses: number };
        home[homeWon ? 'wins' : 'losses']++;
        away[homeWon ? 'losses' : 'wins']++;
      }
      for (const side of [g.homeTeam, g.awayTeam]) {
        const record = records.get(side.teamTricode);
        if (side.wins !== record?.wins || side.losses !== record.losses)
          wrong.push(`${g.gameId} ${side.teamTricode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('serves the same document under the scheduleLeagueV2_1.json name', async () => {
    const res = await fetch(
      `${provider.urls.nbaCdn}/static/json/staticData/scheduleLeagueV2_1.json`,
    );
    const other = (await res.json()) as Schedule;
    expect(other.leagueSchedule).toEqual(schedule.leagueSchedule);
    expect(provider.requests.count('nbaCdn.schedule')).toBe(2);
  });

  it('follows a move of "today"', async () => {
    provider.setToday('2025-10-20');
    const res = await fetch(`${provider.urls.nbaCdn}/static/json/staticData/scheduleLeagueV2.json`);
    const before = (await res.json()) as Schedule;
    expect(
      before.leagueSchedule.gameDates.flatMap((d) => d.games).every((g) => g.gameStatus === 1),
    ).toBe(true);
    provider.setToday(today);
  });

  it.skipIf(!existsSync(recording))('has the fields of the recorded CDN schedule', () => {
    const real = JSON.parse(readFileSync(recording, 'utf8'));
    const realGame = real.leagueSchedule.gameDates[0].games[0];
    const ours = allGames()[0] as CdnGame;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(realGame).sort());
    expect(Object.keys(ours.homeTeam).sort()).toEqual(Object.keys(realGame.homeTeam).sort());
    expect(Object.keys(ours.broadcasters as object).sort()).toEqual(
      Object.keys(realGame.broadcasters).sort(),
    );
    for (const key of Object.keys(realGame))
      expect(typeof ours[key], key).toBe(typeof realGame[key]);
    expect(Object.keys(schedule.leagueSchedule).sort()).toEqual(
      Object.keys(real.leagueSchedule).sort(),
    );
    expect(Object.keys(schedule.meta).sort()).toEqual(Object.keys(real.meta).sort());
  });
});
