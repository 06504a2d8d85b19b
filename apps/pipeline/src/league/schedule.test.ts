import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, utcOffsetHours } from './calendar.js';
import { generateLeague, type League } from './generate.js';

/** Every schedule rule, as a list of broken ones (empty when the schedule is sound). */
function scheduleProblems(league: League): string[] {
  const problems: string[] = [];
  const games = league.games;
  if (games.length !== 1230) problems.push(`${games.length} games`);
  const perTeam = new Map<string, { home: number; away: number; dates: string[] }>();
  for (const team of league.teams) perTeam.set(team.tricode, { home: 0, away: 0, dates: [] });
  games.forEach((game, i) => {
    const expectedId = `00225${String(i + 1).padStart(5, '0')}`;
    if (game.gameId !== expectedId) problems.push(`game ${i} has id ${game.gameId}`);
    const previous = games[i - 1];
    if (previous !== undefined && previous.date > game.date)
      problems.push(`${game.gameId} out of date order`);
    const compact = game.date.replaceAll('-', '');
    if (game.gameCode !== `${compact}/${game.away}${game.home}`)
      problems.push(`${game.gameId} code ${game.gameCode}`);
    if (game.gameKey !== `${compact}_${game.away}_${game.home}`)
      problems.push(`${game.gameId} key ${game.gameKey}`);
    if (game.date < league.startDate || game.date > league.endDate)
      problems.push(`${game.gameId} outside the season`);
    const home = perTeam.get(game.home);
    const away = perTeam.get(game.away);
    if (home === undefined || away === undefined || game.home === game.away) {
      problems.push(`${game.gameId} teams ${game.away}@${game.home}`);
      return;
    }
    home.home++;
    away.away++;
    home.dates.push(game.date);
    away.dates.push(game.date);
    // Evening US Eastern, in UTC: 6:00 pm to 10:30 pm ET.
    const et = new Date(game.startMs + utcOffsetHours('ET', game.date) * 3_600_000);
    const etMinutes = et.getUTCHours() * 60 + et.getUTCMinutes();
    if (
      et.toISOString().slice(0, 10) !== game.date ||
      etMinutes < 18 * 60 ||
      etMinutes > 22 * 60 + 30
    ) {
      problems.push(`${game.gameId} starts ${et.toISOString()} ET`);
    }
  });
  for (const [team, { home, away, dates }] of perTeam) {
    if (home !== 41 || away !== 41) problems.push(`${team} ${home} home / ${away} away`);
    if (new Set(dates).size !== dates.length) problems.push(`${team} plays twice on one day`);
    for (let i = 2; i < dates.length; i++) {
      if (daysBetween(dates[i - 2] as string, dates[i] as string) === 2) {
        problems.push(`${team} plays three days running to ${dates[i]}`);
      }
    }
  }
  return problems;
}

describe('the generated schedule', () => {
  const league = generateLeague({ seed: 42 });

  it('keeps every rule: 1,230 games, 41 home and 41 away each, no team twice a day, ids in date order', () => {
    expect(scheduleProblems(league)).toEqual([]);
  });

  it('keeps every rule for any seed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string({ maxLength: 12 })), (seed) => {
        const other = generateLeague({ seed });
        expect(scheduleProblems(other)).toEqual([]);
        expect(other.gamesOn('2026-01-24').length).toBeGreaterThan(0);
      }),
      { numRuns: 6 },
    );
  });

  it('draws again when a first draw leaves a matchup without a free day (seed 128 does)', () => {
    expect(scheduleProblems(generateLeague({ seed: 128 }))).toEqual([]);
  });

  it('has games on 2026-01-24, the day the README runs', () => {
    const games = league.gamesOn('2026-01-24');
    expect(games.length).toBeGreaterThan(0);
    expect(games.every((g) => g.date === '2026-01-24')).toBe(true);
  });

  it('runs from late October to mid April, with no games on the break days and some every other day', () => {
    expect(league.games[0]?.date).toBe('2025-10-21');
    expect(league.games.at(-1)?.date).toBe('2026-04-12');
    for (const off of ['2025-11-27', '2025-12-24', '2026-02-15'])
      expect(league.gamesOn(off)).toEqual([]);
    const days = new Set(league.games.map((g) => g.date));
    expect(days.size).toBe(daysBetween('2025-10-21', '2026-04-12') + 1 - 8);
  });

  it('plays each division rival 4 times and each team of the other conference twice', () => {
    const meetings = new Map<string, number>();
    for (const g of league.games) {
      const key = [g.home, g.away].sort().join('-');
      meetings.set(key, (meetings.get(key) ?? 0) + 1);
    }
    for (const a of league.teams) {
      for (const b of league.teams) {
        if (a.tricode >= b.tricode) continue;
        const n = meetings.get(`${a.tricode}-${b.tricode}`);
        if (a.division === b.division) expect(n).toBe(4);
        else if (a.conference !== b.conference) expect(n).toBe(2);
        else expect([3, 4]).toContain(n);
      }
    }
  });

  it('records rest days that match the dates, with back-to-backs and longer rests', () => {
    const last = new Map<string, string>();
    let backToBacks = 0;
    for (const g of league.games) {
      for (const [team, rest] of [
        [g.home, g.homeRestDays],
        [g.away, g.awayRestDays],
      ] as const) {
        const previous = last.get(team);
        expect(rest).toBe(previous === undefined ? null : daysBetween(previous, g.date) - 1);
        if (rest === 0) backToBacks++;
        last.set(team, g.date);
      }
    }
    // About 15 back-to-backs a team, as in the NBA.
    expect(backToBacks / 30).toBeGreaterThan(8);
    expect(backToBacks / 30).toBeLessThan(22);
  });

  it('numbers games within a day and gives each source its own id', () => {
    for (const day of new Set(league.games.map((g) => g.date))) {
      expect(league.gamesOn(day).map((g) => g.daySequence)).toEqual(
        league.gamesOn(day).map((_, i) => i + 1),
      );
    }
    for (const key of ['bdlId', 'espnId', 'oddsEventId'] as const) {
      expect(new Set(league.games.map((g) => g[key])).size).toBe(1230);
    }
    expect(league.games.every((g) => /^[0-9a-f]{32}$/.test(g.oddsEventId))).toBe(true);
  });

  it('turns the clocks: a 7:00 pm ET game starts 23:00Z in October and 00:00Z the next day in January', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(utcOffsetHours('ET', '2025-10-30')).toBe(-4);
    expect(utcOffsetHours('ET', '2025-11-02')).toBe(-5);
    expect(utcOffsetHours('PT', '2026-03-08')).toBe(-7);
    expect(utcOffsetHours('AZ', '2025-10-30')).toBe(-7);
  });
});
