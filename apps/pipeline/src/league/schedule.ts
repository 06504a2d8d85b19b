import { addDays, daysBetween, weekdayOf, zonedToUtcMs } from './calendar.js';
import type { Random } from './random.js';
import type { Team } from './teams.js';

/** One game of the season before ids are given: who, where, and on which day. */
export interface Matchup {
  readonly home: string;
  readonly away: string;
}

/** A matchup on a day (the US Eastern date), with its start instant. */
export interface ScheduledGame extends Matchup {
  /** US Eastern date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Start, milliseconds since the epoch. */
  readonly startMs: number;
}

/** The days a season runs and the days without games. */
export interface SeasonCalendar {
  readonly start: string;
  readonly end: string;
  /** Days inside the season with no games (Thanksgiving, Christmas Eve, the All-Star break). */
  readonly offDays: ReadonlySet<string>;
}

function gamesBetween(games: Matchup[], a: string, b: string, count: number, aHosts: number): void {
  for (let i = 0; i < count; i++) {
    games.push(i < aHosts ? { home: a, away: b } : { home: b, away: a });
  }
}

/**
 * The 1,230 matchups of an NBA season by the league's formula: 4 games against each division
 * rival, 4 against six and 3 against four other teams of the conference, 2 against each team of
 * the other conference; 41 home games each.
 */
export function buildMatchups(rng: Random, teams: readonly Team[]): Matchup[] {
  const games: Matchup[] = [];
  for (const conference of ['East', 'West'] as const) {
    const divisions = [
      ...new Set(teams.filter((t) => t.conference === conference).map((t) => t.division)),
    ]
      .sort()
      .map((division) =>
        rng.shuffle(teams.filter((t) => t.division === division).map((t) => t.tricode)),
      );
    for (const division of divisions) {
      for (let i = 0; i < division.length; i++) {
        for (let j = i + 1; j < division.length; j++) {
          gamesBetween(games, division[i] as string, division[j] as string, 4, 2);
        }
      }
    }
    // Team i of one division plays team i (hosting twice) and team i+1 (hosting once) of
    // another three times: each team gets four 3-game opponents, two with an extra home game.
    for (let x = 0; x < divisions.length; x++) {
      for (let y = x + 1; y < divisions.length; y++) {
        const dx = divisions[x] as string[];
        const dy = divisions[y] as string[];
        for (let i = 0; i < dx.length; i++) {
          for (let j = 0; j < dy.length; j++) {
            const a = dx[i] as string;
            const b = dy[j] as string;
            if (j === i) gamesBetween(games, a, b, 3, 2);
            else if (j === (i + 1) % dy.length) gamesBetween(games, a, b, 3, 1);
            else gamesBetween(games, a, b, 4, 2);
          }
        }
      }
    }
  }
  const east = teams.filter((t) => t.conference === 'East');
  const west = teams.filter((t) => t.conference === 'West');
  for (const a of east) for (const b of west) gamesBetween(games, a.tricode, b.tricode, 2, 1);
  return games;
}

// How keen teams are to play on each weekday (0 = Sunday): Thursdays are light, Wednesdays and
// Fridays busy, as in a real NBA week.
const weekdayFactor = [0.85, 1, 0.9, 1.2, 0.6, 1.15, 1.05] as const;

interface TeamState {
  remaining: number;
  /** Calendar-day indexes (from the season start) the team plays on. */
  readonly days: Set<number>;
}

function wouldPlayThreeInARow(days: ReadonlySet<number>, day: number): boolean {
  const has = (d: number) => days.has(d);
  return (
    (has(day - 1) && has(day - 2)) ||
    (has(day - 1) && has(day + 1)) ||
    (has(day + 1) && has(day + 2))
  );
}

/**
 * Put each matchup on a day: no team plays twice in a day or three days running; back-to-backs
 * and rest days come from each team's pace through the season, busier on Wednesdays and
 * Fridays. Every playing day has at least one game. Returns undefined in the rare draw where
 * a matchup finds no free day: the caller tries again with another stream.
 */
export function scheduleDates(
  rng: Random,
  matchups: readonly Matchup[],
  calendar: SeasonCalendar,
): { readonly date: string; readonly matchup: Matchup }[] | undefined {
  const totalDays = daysBetween(calendar.start, calendar.end) + 1;
  const playDays: number[] = [];
  for (let d = 0; d < totalDays; d++) {
    if (!calendar.offDays.has(addDays(calendar.start, d))) playDays.push(d);
  }
  const teams = new Map<string, TeamState>();
  for (const { home, away } of matchups) {
    for (const code of [home, away]) {
      const state = teams.get(code) ?? { remaining: 0, days: new Set<number>() };
      state.remaining++;
      teams.set(code, state);
    }
  }
  const state = (code: string) => teams.get(code) as TeamState;
  const pending = rng.shuffle(matchups);
  const placed: { day: number; matchup: Matchup }[] = [];

  for (let index = 0; index < playDays.length; index++) {
    const day = playDays[index] as number;
    const daysLeft = playDays.length - index;
    const weekday = weekdayOf(addDays(calendar.start, day));
    const wants = new Set<string>();
    const urgency = new Map<string, number>();
    for (const [code, team] of teams) {
      const rate = team.remaining / daysLeft;
      urgency.set(code, rate);
      if (team.remaining === 0 || wouldPlayThreeInARow(team.days, day)) continue;
      let p = rate * (weekdayFactor[weekday] ?? 1);
      // Keener after a day off than the day after a game: about 15 back-to-backs a team.
      if (team.days.has(day - 1)) p *= 0.5;
      else p *= 1.7;
      // A team that would run out of days unless it plays nearly every other day must play.
      if (rate >= 0.6) p = 1;
      if (rng.chance(p)) wants.add(code);
    }
    const candidates = pending
      .filter((m) => wants.has(m.home) && wants.has(m.away))
      .map((m) => ({
        m,
        score: (urgency.get(m.home) ?? 0) + (urgency.get(m.away) ?? 0) + rng.uniform(0, 0.4),
      }))
      .sort((a, b) => b.score - a.score);
    const busy = new Set<string>();
    const take = (m: Matchup) => {
      busy.add(m.home);
      busy.add(m.away);
      for (const code of [m.home, m.away]) {
        state(code).remaining--;
        state(code).days.add(day);
      }
      placed.push({ day, matchup: m });
      pending.splice(pending.indexOf(m), 1);
    };
    for (const { m } of candidates) {
      if (!busy.has(m.home) && !busy.has(m.away)) take(m);
    }
    if (busy.size === 0) {
      const fallback = pending.find(
        (m) =>
          !wouldPlayThreeInARow(state(m.home).days, day) &&
          !wouldPlayThreeInARow(state(m.away).days, day),
      );
      if (fallback !== undefined) take(fallback);
    }
  }

  // Matchups the pass above left over go on any day both teams are free.
  for (const m of pending.slice()) {
    const free = playDays.filter((day) => {
      if (placed.some((p) => p.day === day && busy(p.matchup, m))) return false;
      return (
        !wouldPlayThreeInARow(state(m.home).days, day) &&
        !wouldPlayThreeInARow(state(m.away).days, day)
      );
    });
    if (free.length === 0) return undefined;
    const day = rng.pick(free);
    for (const code of [m.home, m.away]) {
      state(code).remaining--;
      state(code).days.add(day);
    }
    placed.push({ day, matchup: m });
  }
  return placed.map(({ day, matchup }) => ({ date: addDays(calendar.start, day), matchup }));
}

function busy(a: Matchup, b: Matchup): boolean {
  return a.home === b.home || a.home === b.away || a.away === b.home || a.away === b.away;
}

/** 10:30 pm, in minutes after midnight. */
const LATEST_EASTERN_START = 22 * 60 + 30;

/**
 * A start time in the evening of the home team's zone: 7:00 or 7:30 pm mostly, some 8:00 pm,
 * and some 6:00 pm on Sundays; never after 10:30 pm US Eastern (an 8:00 pm start out west
 * becomes 7:00 pm).
 */
export function startTimeMs(rng: Random, date: string, home: Team): number {
  const sunday = weekdayOf(date) === 0;
  const roll = rng.next();
  let minutes: number;
  if (sunday && roll < 0.3) minutes = 18 * 60;
  else if (roll < 0.55) minutes = 19 * 60;
  else if (roll < 0.9) minutes = 19 * 60 + 30;
  else minutes = 20 * 60;
  const start = zonedToUtcMs(date, minutes, home.timeZone);
  return start > zonedToUtcMs(date, LATEST_EASTERN_START, 'ET')
    ? zonedToUtcMs(date, 19 * 60, home.timeZone)
    : start;
}
