import { describe, expect, it } from 'vitest';
import type { BoxScore, PlayerBox, StatLine, TeamBox } from './box-score.js';
import { generateLeague } from './generate.js';
import { isInjured } from './rosters.js';

const league = generateLeague({ seed: 42 });
const boxes = league.games.map((g) => league.boxScore(g.gameId));

const statKeys: (keyof StatLine)[] = [
  'fgm',
  'fga',
  'fg3m',
  'fg3a',
  'ftm',
  'fta',
  'oreb',
  'dreb',
  'reb',
  'ast',
  'stl',
  'blk',
  'turnover',
  'pf',
  'pts',
];

/** Every way a line can fail to add up, as text (empty when sound). */
function lineProblems(line: PlayerBox): string[] {
  const p: string[] = [];
  const who = line.player.fullName;
  if (line.pts !== 2 * line.fgm + line.fg3m + line.ftm) p.push(`${who}: pts ${line.pts}`);
  if (line.reb !== line.oreb + line.dreb) p.push(`${who}: reb`);
  if (line.fgm > line.fga || line.fg3m > line.fg3a || line.fg3a > line.fga || line.fg3m > line.fgm)
    p.push(`${who}: shots`);
  if (line.ftm > line.fta) p.push(`${who}: free throws`);
  if (line.pf > 6) p.push(`${who}: ${line.pf} fouls`);
  for (const key of statKeys)
    if (!Number.isInteger(line[key]) || line[key] < 0) p.push(`${who}: ${key} ${line[key]}`);
  if (line.dnp !== null) {
    if (line.seconds !== 0 || line.plusMinus !== 0 || line.starter)
      p.push(`${who}: DNP with minutes`);
    for (const key of statKeys) if (line[key] !== 0) p.push(`${who}: DNP with ${key}`);
  } else if (line.seconds <= 0) p.push(`${who}: played 0 seconds`);
  return p;
}

function teamProblems(box: BoxScore, side: TeamBox, opponent: TeamBox): string[] {
  const p = side.players.flatMap(lineProblems);
  const sum = (key: keyof StatLine) => side.players.reduce((a, l) => a + l[key], 0);
  for (const key of statKeys)
    if (side.totals[key] !== sum(key)) p.push(`${side.team} total ${key}`);
  if (side.points !== side.totals.pts)
    p.push(`${side.team} points ${side.points} vs ${side.totals.pts}`);
  if (side.periodPoints.reduce((a, b) => a + b, 0) !== side.points) p.push(`${side.team} periods`);
  if (side.periodPoints.length !== box.periods)
    p.push(`${side.team} ${side.periodPoints.length} periods`);
  const seconds = side.players.reduce((a, l) => a + l.seconds, 0);
  if (seconds !== 5 * (48 + 5 * (box.periods - 4)) * 60) p.push(`${side.team} ${seconds} seconds`);
  if (side.players.filter((l) => l.starter).length !== 5) p.push(`${side.team} starters`);
  const plusMinus = side.players.reduce((a, l) => a + l.plusMinus, 0);
  if (plusMinus !== 5 * (side.points - opponent.points))
    p.push(`${side.team} plus-minus ${plusMinus}`);
  return p;
}

describe('simulated box scores', () => {
  it('add up: points from shots, team totals from players, periods to the final, 240 minutes a team', () => {
    const problems = boxes.flatMap((box) => [
      ...teamProblems(box, box.home, box.away),
      ...teamProblems(box, box.away, box.home),
    ]);
    expect(problems).toEqual([]);
  });

  it('never end level, and go to overtime after a tie in regulation', () => {
    expect(boxes.every((b) => b.home.points !== b.away.points)).toBe(true);
    const overtime = boxes.filter((b) => b.periods > 4);
    expect(overtime.length).toBeGreaterThan(5);
    for (const b of overtime) {
      const regulation = (t: TeamBox) => t.periodPoints.slice(0, 4).reduce((a, c) => a + c, 0);
      expect(regulation(b.home)).toBe(regulation(b.away));
    }
  });

  it('list the whole roster and sit injured players with zero minutes', () => {
    for (const [i, game] of league.games.entries()) {
      const box = boxes[i] as BoxScore;
      for (const side of [box.home, box.away]) {
        const roster = league.roster(side.team);
        expect(
          side.players.length === roster.length &&
            side.players.every((l, k) => l.player === roster[k]),
        ).toBe(true);
        const injuredButPlaying = side.players.filter(
          (l) => isInjured(l.player, game.date) && l.dnp !== 'injury',
        );
        expect(injuredButPlaying).toEqual([]);
      }
    }
    const dnps = boxes
      .flatMap((b) => [...b.home.players, ...b.away.players])
      .filter((l) => l.dnp !== null);
    expect(dnps.some((l) => l.dnp === 'coach')).toBe(true);
    expect(dnps.some((l) => l.dnp === 'injury')).toBe(true);
  });

  it('give plausible season numbers: team scores around 95-135, stars 20-33 points a game', () => {
    const scores = boxes.flatMap((b) => [b.home.points, b.away.points]).sort((a, b) => a - b);
    const at = (q: number) => scores[Math.floor(q * (scores.length - 1))] as number;
    expect(at(0.5)).toBeGreaterThanOrEqual(105);
    expect(at(0.5)).toBeLessThanOrEqual(120);
    expect(at(0.1)).toBeGreaterThanOrEqual(90);
    expect(at(0.9)).toBeLessThanOrEqual(140);

    const season = new Map<number, { games: number; pts: number; seconds: number }>();
    for (const line of boxes.flatMap((b) => [...b.home.players, ...b.away.players])) {
      if (line.dnp !== null) continue;
      const s = season.get(line.player.nbaId) ?? { games: 0, pts: 0, seconds: 0 };
      s.games++;
      s.pts += line.pts;
      s.seconds += line.seconds;
      season.set(line.player.nbaId, s);
    }
    const average = (role: string, of: 'pts' | 'minutes') => {
      const players = league.players.filter((p) => p.role === role && season.has(p.nbaId));
      const values = players.map((p) => {
        const s = season.get(p.nbaId) as { games: number; pts: number; seconds: number };
        return of === 'pts' ? s.pts / s.games : s.seconds / 60 / s.games;
      });
      return {
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        max: Math.max(...values),
        min: Math.min(...values),
      };
    };
    const stars = average('star', 'pts');
    expect(stars.mean).toBeGreaterThan(22);
    expect(stars.mean).toBeLessThan(30);
    expect(stars.max).toBeLessThan(36);
    expect(stars.min).toBeGreaterThan(15);
    expect(average('star', 'minutes').mean).toBeGreaterThan(31);
    expect(average('starter', 'minutes').mean).toBeGreaterThan(27);
    expect(average('starter', 'minutes').mean).toBeLessThan(36);
    expect(average('bench', 'minutes').mean).toBeLessThan(14);
  });

  it('shoot worse on the second night of a back-to-back than after one day off', () => {
    const pointsPerShot = (restDays: number) => {
      let points = 0;
      let shots = 0;
      league.games.forEach((game, i) => {
        const box = boxes[i] as BoxScore;
        for (const [side, rest] of [
          [box.home, game.homeRestDays],
          [box.away, game.awayRestDays],
        ] as const) {
          if (rest !== restDays) continue;
          points += side.totals.pts - side.totals.ftm;
          shots += side.totals.fga;
        }
      });
      return points / shots;
    };
    // A 2% penalty on about 1.09 points a shot; sampling noise over a season is about 0.007.
    expect(pointsPerShot(0)).toBeLessThan(pointsPerShot(1) - 0.01);
  });

  it('win by about two points more at home', () => {
    const margin = boxes.reduce((a, b) => a + b.home.points - b.away.points, 0) / boxes.length;
    expect(margin).toBeGreaterThan(1);
    expect(margin).toBeLessThan(5);
  });

  it('are the same whichever game is simulated first', () => {
    const fresh = generateLeague({ seed: 42 });
    const last = league.games.at(-1)?.gameId as string;
    expect(fresh.boxScore(last)).toEqual(league.boxScore(last));
    expect(fresh.boxScore(last)).toBe(fresh.boxScore(last));
  });
});
