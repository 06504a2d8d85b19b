import type { Game } from './game.js';
import { isBackToBack } from './game.js';
import type { Player, Role, TeamRating } from './rosters.js';

/** Chance a healthy player of each role sits the whole game by the coach's decision. */
export const COACH_DNP_CHANCE: Readonly<Record<Role, number>> = {
  star: 0,
  starter: 0,
  rotation: 0.03,
  bench: 0.4,
  fringe: 0.85,
};

/** Minutes a team plays in regulation (five players, 48 minutes). */
export const REGULATION_MINUTES = 240;

const MAX_MINUTES = 42;

/** A team's field-goal attempts in a regulation game at an average pace. */
export const TEAM_FGA = 88;

/** One team's side of a game: what shifts its players' numbers. */
export interface SideContext {
  readonly team: string;
  readonly opponent: string;
  readonly home: boolean;
  readonly restDays: number | null;
  /** Added to shooting percentages, as a fraction: rating, opponent defence, home, rest. */
  readonly shooting: number;
}

/** The context of the `home` or `away` side of `game`. */
export function sideContext(
  game: Game,
  side: 'home' | 'away',
  ratings: ReadonlyMap<string, TeamRating>,
): SideContext {
  const home = side === 'home';
  const team = home ? game.home : game.away;
  const opponent = home ? game.away : game.home;
  const restDays = home ? game.homeRestDays : game.awayRestDays;
  const own = ratings.get(team);
  const their = ratings.get(opponent);
  let shooting = (own?.offense ?? 0) - (their?.defense ?? 0) + (home ? 0.01 : -0.01);
  if (isBackToBack(restDays)) shooting -= 0.02;
  else if (restDays !== null && restDays >= 2) shooting += 0.005;
  return { team, opponent, home, restDays, shooting };
}

/**
 * Share `total` minutes among `players` (in slot order; the first five start) from their
 * `targets`: starters keep theirs and the bench fills the rest, unless that would stretch the
 * bench past reason, when everyone scales; nobody goes past 42 minutes.
 */
export function allocateMinutes(
  targets: readonly number[],
  total: number = REGULATION_MINUTES,
): number[] {
  const minutes = targets.slice();
  const starters = Math.min(5, minutes.length);
  const sum = (from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += minutes[i] as number;
    return s;
  };
  const starterTotal = sum(0, starters);
  const benchTotal = sum(starters, minutes.length);
  const benchScale = benchTotal > 0 ? (total - starterTotal) / benchTotal : 0;
  if (benchScale >= 0.5 && benchScale <= 2.2) {
    for (let i = starters; i < minutes.length; i++)
      minutes[i] = (minutes[i] as number) * benchScale;
  } else {
    const scale = total / (starterTotal + benchTotal);
    for (let i = 0; i < minutes.length; i++) minutes[i] = (minutes[i] as number) * scale;
  }
  for (let round = 0; round < 5; round++) {
    let excess = 0;
    let room = 0;
    for (const m of minutes) {
      if (m > MAX_MINUTES) excess += m - MAX_MINUTES;
      else room += m;
    }
    if (excess === 0 || room === 0) break;
    for (let i = 0; i < minutes.length; i++) {
      const m = minutes[i] as number;
      minutes[i] = m > MAX_MINUTES ? MAX_MINUTES : m + (excess * m) / room;
    }
  }
  return minutes;
}

/** The minutes a player would be asked for before the game: more for starters off a rest. */
export function targetMinutes(
  player: Player,
  startsGame: boolean,
  restDays: number | null,
): number {
  let minutes = player.skill.minutes;
  if (startsGame && player.slot > 4) minutes = Math.max(minutes, 26);
  if (isBackToBack(restDays) && player.slot <= 4) minutes *= 0.94;
  return minutes;
}

/**
 * Expected minutes of each available player (in slot order), before the game: what the
 * bookmakers price. Bench players' minutes are weighted by their chance to play at all.
 */
export function expectedMinutes(available: readonly Player[], restDays: number | null): number[] {
  const targets = available.map(
    (player, i) => targetMinutes(player, i < 5, restDays) * (1 - COACH_DNP_CHANCE[player.role]),
  );
  return allocateMinutes(targets);
}

/** Expected points, rebounds and assists of a player who plays `minutes`. */
export interface ExpectedLine {
  readonly pts: number;
  readonly reb: number;
  readonly ast: number;
}

/** A shooting percentage moved by `shooting`, kept within [0.05, 0.95]. */
export function adjustPct(pct: number, shooting: number): number {
  return Math.min(0.95, Math.max(0.05, pct * (1 + shooting)));
}

/**
 * The share of its team's shots a player can expect: his shooting volume times his minutes,
 * over the same for every teammate expected to play (`minutes` in the order of `players`).
 */
export function expectedShots(players: readonly Player[], minutes: readonly number[]): number[] {
  const weights = players.map((p, i) => p.skill.fgaPer36 * (minutes[i] as number));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total > 0 ? (TEAM_FGA * w) / total : 0));
}

/**
 * The mean points, rebounds and assists the box-score simulation draws from, for a player
 * expected to play `minutes` and take `fga` shots (see {@link expectedShots}).
 */
export function expectedLine(
  player: Player,
  minutes: number,
  fga: number,
  context: SideContext,
): ExpectedLine {
  const s = player.skill;
  const f = minutes / 36;
  const pointsPerShot =
    2 * (1 - s.fg3Rate) * adjustPct(s.fg2Pct, context.shooting) +
    3 * s.fg3Rate * adjustPct(s.fg3Pct, context.shooting);
  return {
    pts: fga * pointsPerShot + fga * s.ftRate * s.ftPct,
    reb: (s.orebPer36 + s.drebPer36) * f,
    ast: s.astPer36 * f * (1 + context.shooting),
  };
}
