import {
  adjustPct,
  allocateMinutes,
  COACH_DNP_CHANCE,
  REGULATION_MINUTES,
  type SideContext,
  sideContext,
  TEAM_FGA,
  targetMinutes,
} from './expectation.js';
import type { Game } from './game.js';
import { createRandom, hashSeed, type Random } from './random.js';
import { isInjured, type Player, type TeamRating } from './rosters.js';

/** The counting stats of a box-score line. */
export interface StatLine {
  fgm: number;
  fga: number;
  fg3m: number;
  fg3a: number;
  ftm: number;
  fta: number;
  oreb: number;
  dreb: number;
  reb: number;
  ast: number;
  stl: number;
  blk: number;
  turnover: number;
  pf: number;
  pts: number;
}

/** Why a player did not play: the coach's decision, or out injured (including a late scratch). */
export type DnpReason = 'coach' | 'injury';

/** One player's line; a player who did not play has zero seconds and zero stats. */
export interface PlayerBox extends StatLine {
  readonly player: Player;
  /** Seconds played. */
  seconds: number;
  readonly starter: boolean;
  readonly dnp: DnpReason | null;
  plusMinus: number;
}

/** One team's side of a box score. */
export interface TeamBox {
  readonly team: string;
  /** Final score: the sum of its players' points. */
  readonly points: number;
  /** Points per period: four quarters, then one per overtime. */
  readonly periodPoints: readonly number[];
  /** Every roster player, in slot order. */
  readonly players: readonly PlayerBox[];
  readonly totals: StatLine;
}

/** The final box score of a game. */
export interface BoxScore {
  readonly gameId: string;
  /** 4, or more after overtime. */
  readonly periods: number;
  readonly home: TeamBox;
  readonly away: TeamBox;
}

/** What a box score is drawn from besides the game. */
export interface BoxScoreInputs {
  readonly seed: number | string;
  readonly roster: (team: string) => readonly Player[];
  readonly ratings: ReadonlyMap<string, TeamRating>;
}

const OVERTIME_MINUTES = 5;
const MAX_OVERTIMES = 3;

function emptyLine(): StatLine {
  return {
    fgm: 0,
    fga: 0,
    fg3m: 0,
    fg3a: 0,
    ftm: 0,
    fta: 0,
    oreb: 0,
    dreb: 0,
    reb: 0,
    ast: 0,
    stl: 0,
    blk: 0,
    turnover: 0,
    pf: 0,
    pts: 0,
  };
}

// Written out, not spread from emptyLine(): a spread object is slow to update field by field.
function newPlayerBox(player: Player, starter: boolean, dnp: DnpReason | null): PlayerBox {
  return {
    player,
    seconds: 0,
    starter,
    dnp,
    plusMinus: 0,
    fgm: 0,
    fga: 0,
    fg3m: 0,
    fg3a: 0,
    ftm: 0,
    fta: 0,
    oreb: 0,
    dreb: 0,
    reb: 0,
    ast: 0,
    stl: 0,
    blk: 0,
    turnover: 0,
    pf: 0,
    pts: 0,
  };
}

/** Add the stats of `minutes` played with `fga` shots to `line`; returns the points scored. */
function play(
  rng: Random,
  line: PlayerBox,
  minutes: number,
  fga: number,
  context: SideContext,
  pace: number,
): number {
  const s = line.player.skill;
  const f = (minutes / 36) * pace;
  const fg3a = rng.binomial(fga, s.fg3Rate);
  const fg3m = rng.binomial(fg3a, adjustPct(s.fg3Pct, context.shooting));
  const fg2m = rng.binomial(fga - fg3a, adjustPct(s.fg2Pct, context.shooting));
  const fta = rng.poisson(fga * s.ftRate);
  const ftm = rng.binomial(fta, s.ftPct);
  const oreb = rng.poisson(s.orebPer36 * f);
  const dreb = rng.poisson(s.drebPer36 * f);
  const points = 2 * (fg2m + fg3m) + fg3m + ftm;
  line.fga += fga;
  line.fgm += fg2m + fg3m;
  line.fg3a += fg3a;
  line.fg3m += fg3m;
  line.fta += fta;
  line.ftm += ftm;
  line.oreb += oreb;
  line.dreb += dreb;
  line.reb += oreb + dreb;
  line.ast += rng.poisson(s.astPer36 * f * (1 + context.shooting));
  line.stl += rng.poisson(s.stlPer36 * f);
  line.blk += rng.poisson(s.blkPer36 * f);
  line.turnover += rng.poisson(s.tovPer36 * f);
  line.pf = Math.min(6, line.pf + rng.poisson(s.pfPer36 * f));
  line.pts += points;
  return points;
}

/**
 * Play `minutes` each for the `lines` given: the team's shots for the stretch (set by
 * possessions, so a team's total varies far less than its players' do) go to each player in
 * proportion to his shooting volume and minutes. Returns the points scored.
 */
function playStretch(
  rng: Random,
  lines: readonly PlayerBox[],
  minutes: readonly number[],
  teamFga: number,
  context: SideContext,
  pace: number,
): number {
  const weights = lines.map((line, i) => line.player.skill.fgaPer36 * (minutes[i] as number));
  const total = weights.reduce((a, b) => a + b, 0);
  const shots = lines.map(() => 0);
  for (let shot = 0; shot < teamFga; shot++) {
    let u = rng.next() * total;
    let i = 0;
    while (i < weights.length - 1 && u >= (weights[i] as number)) u -= weights[i++] as number;
    shots[i] = (shots[i] as number) + 1;
  }
  let points = 0;
  lines.forEach((line, i) => {
    points += play(rng, line, minutes[i] as number, shots[i] as number, context, pace);
  });
  return points;
}

/** Whole seconds from minutes, summing exactly to `totalMinutes * 60` (largest remainder). */
function toSeconds(minutes: readonly number[], totalMinutes: number): number[] {
  const exact = minutes.map((m) => m * 60);
  const seconds = exact.map(Math.floor);
  let left = totalMinutes * 60 - seconds.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r);
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length, left--) {
    const i = (order[k] as { i: number }).i;
    seconds[i] = (seconds[i] as number) + 1;
  }
  return seconds;
}

interface Side {
  readonly context: SideContext;
  readonly lines: PlayerBox[];
  /** Indexes into `lines` of those who play, in slot order. */
  readonly playing: number[];
  points: number;
  readonly periodPoints: number[];
}

function buildSide(rng: Random, game: Game, roster: readonly Player[], context: SideContext): Side {
  const lines: PlayerBox[] = [];
  const playing: number[] = [];
  for (const player of roster) {
    let dnp: DnpReason | null = null;
    if (isInjured(player, game.date) || rng.chance(0.012)) dnp = 'injury';
    else if (rng.chance(COACH_DNP_CHANCE[player.role])) dnp = 'coach';
    const starter = dnp === null && playing.length < 5;
    if (dnp === null) playing.push(lines.length);
    lines.push(newPlayerBox(player, starter, dnp));
  }
  const targets = playing.map((index, i) => {
    const player = (lines[index] as PlayerBox).player;
    return Math.max(1, targetMinutes(player, i < 5, context.restDays) * rng.normal(1, 0.12));
  });
  const seconds = toSeconds(allocateMinutes(targets), REGULATION_MINUTES);
  playing.forEach((index, i) => {
    (lines[index] as PlayerBox).seconds = seconds[i] as number;
  });
  return { context, lines, playing, points: 0, periodPoints: [] };
}

function splitIntoQuarters(rng: Random, points: number): number[] {
  const weights = [0, 1, 2, 3].map(() => Math.max(0.15, rng.normal(0.25, 0.025)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const quarters = weights.map((w) => Math.floor((points * w) / sum));
  let left = points - quarters.reduce((a, b) => a + b, 0);
  for (let q = rng.int(0, 3); left > 0; q = (q + 1) % 4, left--) {
    quarters[q] = (quarters[q] as number) + 1;
  }
  return quarters;
}

function plusMinus(rng: Random, side: Side, margin: number, gameSeconds: number): void {
  let sum = 0;
  for (const index of side.playing) {
    const line = side.lines[index] as PlayerBox;
    const share = line.seconds / gameSeconds;
    line.plusMinus = Math.round(margin * share + rng.normal(0, 5 * Math.sqrt(share)));
    sum += line.plusMinus;
  }
  // Five players are on the floor at any time: a team's plus-minus adds up to five times its margin.
  const byMinutes = side.playing
    .slice()
    .sort((a, b) => (side.lines[b] as PlayerBox).seconds - (side.lines[a] as PlayerBox).seconds);
  for (
    let k = 0, left = 5 * margin - sum;
    left !== 0 && byMinutes.length > 0;
    k = (k + 1) % byMinutes.length
  ) {
    const line = side.lines[byMinutes[k] as number] as PlayerBox;
    line.plusMinus += Math.sign(left);
    left -= Math.sign(left);
  }
}

function teamBox(side: Side): TeamBox {
  const totals = emptyLine();
  for (const line of side.lines) {
    totals.fgm += line.fgm;
    totals.fga += line.fga;
    totals.fg3m += line.fg3m;
    totals.fg3a += line.fg3a;
    totals.ftm += line.ftm;
    totals.fta += line.fta;
    totals.oreb += line.oreb;
    totals.dreb += line.dreb;
    totals.reb += line.reb;
    totals.ast += line.ast;
    totals.stl += line.stl;
    totals.blk += line.blk;
    totals.turnover += line.turnover;
    totals.pf += line.pf;
    totals.pts += line.pts;
  }
  return {
    team: side.context.team,
    points: totals.pts,
    periodPoints: side.periodPoints,
    players: side.lines,
    totals,
  };
}

/**
 * Simulate the box score of `game`: the same inputs always give the same box score, whatever
 * else was simulated before. Minutes come from each player's role (injured players and most of
 * the end of the bench sit), stats from his skill, the minutes, home court, rest and the
 * opponent's defence; a tie after regulation goes to overtime.
 */
export function simulateBoxScore(game: Game, inputs: BoxScoreInputs): BoxScore {
  const rng = createRandom(hashSeed(inputs.seed, 'box', game.gameId));
  const pace = rng.normal(1, 0.04);
  const sides = (['home', 'away'] as const).map((which) => {
    const context = sideContext(game, which, inputs.ratings);
    return buildSide(rng, game, inputs.roster(context.team), context);
  }) as [Side, Side];

  for (const side of sides) {
    const lines = side.playing.map((index) => side.lines[index] as PlayerBox);
    const fga = Math.round(rng.normal(TEAM_FGA, 3.5) * pace);
    side.points += playStretch(
      rng,
      lines,
      lines.map((l) => l.seconds / 60),
      fga,
      side.context,
      pace,
    );
    side.periodPoints.push(...splitIntoQuarters(rng, side.points));
  }

  const [home, away] = sides;
  let overtimes = 0;
  while (home.points === away.points && overtimes < MAX_OVERTIMES) {
    overtimes++;
    for (const side of sides) {
      // The five who played most close it out.
      const closers = side.playing
        .slice()
        .sort((a, b) => (side.lines[b] as PlayerBox).seconds - (side.lines[a] as PlayerBox).seconds)
        .slice(0, 5);
      const lines = closers.map((index) => side.lines[index] as PlayerBox);
      for (const line of lines) line.seconds += OVERTIME_MINUTES * 60;
      const fga = Math.round(rng.normal((TEAM_FGA * OVERTIME_MINUTES) / 48, 1.5) * pace);
      const stretch = lines.map(() => OVERTIME_MINUTES);
      const scored = playStretch(rng, lines, stretch, Math.max(0, fga), side.context, pace);
      side.points += scored;
      side.periodPoints.push(scored);
    }
  }
  if (home.points === away.points) {
    // Still level after three overtimes: the home team's leading scorer makes one more free throw.
    const best = home.playing.reduce((a, b) =>
      (home.lines[b] as PlayerBox).pts > (home.lines[a] as PlayerBox).pts ? b : a,
    );
    const line = home.lines[best] as PlayerBox;
    line.ftm++;
    line.fta++;
    line.pts++;
    home.points++;
    home.periodPoints[home.periodPoints.length - 1] = (home.periodPoints.at(-1) as number) + 1;
  }

  const gameSeconds = (48 + OVERTIME_MINUTES * overtimes) * 60;
  plusMinus(rng, home, home.points - away.points, gameSeconds);
  plusMinus(rng, away, away.points - home.points, gameSeconds);
  return { gameId: game.gameId, periods: 4 + overtimes, home: teamBox(home), away: teamBox(away) };
}
