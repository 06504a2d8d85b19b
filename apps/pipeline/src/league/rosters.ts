import { addDays, daysBetween } from './calendar.js';
import { drawNames } from './names.js';
import type { Random } from './random.js';
import type { Team } from './teams.js';

/** A player's basketball position. */
export type Position = 'PG' | 'SG' | 'SF' | 'PF' | 'C';

/** A player's place in the rotation, from the first option to the two-way end of the bench. */
export type Role = 'star' | 'starter' | 'rotation' | 'bench' | 'fringe';

/** What drives a player's box scores: per-36-minute rates and shooting percentages. */
export interface PlayerSkill {
  /** Minutes per game when healthy and the whole roster is available. */
  readonly minutes: number;
  readonly fgaPer36: number;
  /** Share of field-goal attempts that are threes. */
  readonly fg3Rate: number;
  readonly fg2Pct: number;
  readonly fg3Pct: number;
  /** Free-throw attempts per field-goal attempt. */
  readonly ftRate: number;
  readonly ftPct: number;
  readonly orebPer36: number;
  readonly drebPer36: number;
  readonly astPer36: number;
  readonly stlPer36: number;
  readonly blkPer36: number;
  readonly tovPer36: number;
  readonly pfPer36: number;
}

/** A stretch of days, both included, when a player is out injured. */
export interface InjurySpell {
  readonly from: string;
  readonly to: string;
}

/** A synthetic player, with an id per source. */
export interface Player {
  /** NBA.com person id; the league's own key for a player. */
  readonly nbaId: number;
  /** balldontlie player id. */
  readonly bdlId: number;
  /** ESPN athlete id, a string as ESPN serves it. */
  readonly espnId: string;
  readonly firstName: string;
  readonly lastName: string;
  /** `firstName lastName`: the name NBA.com, balldontlie, ESPN and the bookmakers all print. */
  readonly fullName: string;
  /** NBA.com tricode of the team. */
  readonly team: string;
  readonly position: Position;
  /** Position as balldontlie writes it: G, F, C, G-F, F-G, F-C, C-F. */
  readonly bdlPosition: string;
  readonly role: Role;
  /** 0..14: depth on the team; 0 is the star. */
  readonly slot: number;
  readonly jersey: string;
  readonly heightInches: number;
  readonly weightLb: number;
  readonly birthDate: string;
  readonly country: string;
  readonly college: string | null;
  readonly draft: { readonly year: number; readonly round: number; readonly number: number } | null;
  readonly experienceYears: number;
  readonly skill: PlayerSkill;
  readonly injuries: readonly InjurySpell[];
}

/** How well a team shoots and how much it holds opponents down, as shooting-percentage factors. */
export interface TeamRating {
  /** Added to the team's shooting percentages as a fraction: 0.03 shoots 3% better. */
  readonly offense: number;
  /** Subtracted from opponents' shooting percentages as a fraction. */
  readonly defense: number;
}

/** Players of each team per roster. */
export const ROSTER_SIZE = 15;

function roleOf(slot: number): Role {
  if (slot === 0) return 'star';
  if (slot <= 4) return 'starter';
  if (slot <= 9) return 'rotation';
  if (slot <= 12) return 'bench';
  return 'fringe';
}

const positions: readonly Position[] = ['PG', 'SG', 'SF', 'PF', 'C'];

const minutesByRole: Record<Role, readonly [number, number]> = {
  star: [34, 37],
  starter: [27, 34],
  rotation: [15, 25],
  bench: [6, 13],
  fringe: [2, 6],
};

const fgaByRole: Record<Role, readonly [number, number]> = {
  star: [17, 22],
  starter: [11, 16],
  rotation: [10, 14],
  bench: [9, 13],
  fringe: [8, 12],
};

function skillFor(rng: Random, role: Role, position: Position): PlayerSkill {
  const u = (range: readonly [number, number]) => rng.uniform(range[0], range[1]);
  const guard = position === 'PG' || position === 'SG';
  const big = position === 'C';
  const star = role === 'star';
  return {
    minutes: u(minutesByRole[role]),
    fgaPer36: u(fgaByRole[role]),
    fg3Rate: big ? u([0.04, 0.3]) : guard ? u([0.38, 0.55]) : u([0.3, 0.45]),
    fg2Pct: big ? u([0.56, 0.66]) : guard ? u([0.48, 0.55]) : u([0.5, 0.57]),
    fg3Pct: big ? u([0.28, 0.36]) : u([0.32, 0.4]),
    ftRate: star ? u([0.3, 0.4]) : u([0.16, 0.32]),
    ftPct: big ? u([0.62, 0.78]) : guard ? u([0.78, 0.9]) : u([0.72, 0.85]),
    orebPer36: big ? u([2.5, 4]) : guard ? u([0.4, 0.9]) : u([1.1, 2]),
    drebPer36: big ? u([7, 9.5]) : guard ? u([3, 4.5]) : u([4.5, 6.5]),
    astPer36:
      (position === 'PG' ? u([6, 9]) : guard ? u([3, 5]) : big ? u([1.5, 3.5]) : u([2, 4])) +
      (star ? 1.5 : 0),
    stlPer36: u([0.7, 1.6]),
    blkPer36: big ? u([1.2, 2.5]) : guard ? u([0.2, 0.5]) : u([0.5, 1]),
    tovPer36: u([1.2, 2.4]) + (star || position === 'PG' ? 0.8 : 0),
    pfPer36: u([2, 3.8]),
  };
}

function bdlPosition(rng: Random, position: Position): string {
  switch (position) {
    case 'PG':
      return 'G';
    case 'SG':
      return rng.chance(0.3) ? 'G-F' : 'G';
    case 'SF':
      return rng.chance(0.3) ? rng.pick(['G-F', 'F-G']) : 'F';
    case 'PF':
      return rng.chance(0.3) ? 'F-C' : 'F';
    case 'C':
      return rng.chance(0.3) ? 'C-F' : 'C';
  }
}

const heightRange: Record<Position, readonly [number, number]> = {
  PG: [72, 77],
  SG: [75, 79],
  SF: [77, 81],
  PF: [79, 83],
  C: [82, 87],
};

// biome-ignore format: a word list
const colleges = [
  'Duke', 'Kentucky', 'Kansas', 'North Carolina', 'UCLA', 'Gonzaga', 'Villanova', 'Arizona',
  'Michigan State', 'Baylor', 'Texas', 'Florida', 'Connecticut', 'Virginia', 'Arkansas', 'Auburn',
  'Houston', 'Tennessee', 'Memphis', 'Ohio State', 'Indiana', 'Iowa State', 'Creighton', 'Purdue',
];
// biome-ignore format: a word list
const countries = [
  'Canada', 'France', 'Serbia', 'Australia', 'Germany', 'Spain', 'Nigeria', 'Greece', 'Lithuania',
  'Japan',
];

// biome-ignore format: bands of ids read as a table
const bdlIdBands: readonly (readonly [number, number])[] = [
  [1, 3_600], [3_547_000, 3_548_500], [17_895_000, 17_897_000], [38_017_000, 38_019_000],
  [56_677_000, 56_678_500], [1_028_025_000, 1_028_040_000],
];
// biome-ignore format: bands of ids read as a table
const espnIdBands: readonly (readonly [number, number])[] = [
  [3_000, 7_000], [2_528_000, 2_600_000], [3_000_000, 3_200_000], [3_900_000, 4_100_000],
  [4_390_000, 4_700_000], [5_100_000, 5_200_000],
];

function distinctIds(
  rng: Random,
  count: number,
  bands: readonly (readonly [number, number])[],
): number[] {
  const seen = new Set<number>();
  while (seen.size < count) {
    const [low, high] = rng.pick(bands);
    seen.add(rng.int(low, high));
  }
  return [...seen];
}

function injurySpells(rng: Random, seasonStart: string, seasonEnd: string): InjurySpell[] {
  const spells: InjurySpell[] = [];
  const days = daysBetween(seasonStart, seasonEnd);
  let count = rng.chance(0.45) ? 1 : 0;
  if (count > 0 && rng.chance(0.25)) count++;
  for (let i = 0; i < count; i++) {
    const length = rng.chance(0.85) ? rng.int(1, 8) : rng.int(12, 35);
    const from = addDays(seasonStart, rng.int(0, days - 1));
    spells.push({ from, to: addDays(from, length - 1) });
  }
  return spells;
}

/** Options for {@link generateRosters}. */
export interface RosterOptions {
  readonly teams: readonly Team[];
  readonly seasonStart: string;
  readonly seasonEnd: string;
}

/** Players and team ratings for a season. */
export interface Rosters {
  /** Every player, team by team, in slot order. */
  readonly players: readonly Player[];
  readonly ratings: ReadonlyMap<string, TeamRating>;
}

/**
 * Generate {@link ROSTER_SIZE} synthetic players per team, with skills by role and position,
 * ids in each source's style, and injury spells, and a rating per team.
 *
 * @example
 * ```ts
 * const { players } = generateRosters(createRandom(1), { teams: NBA_TEAMS, seasonStart, seasonEnd });
 * ```
 */
export function generateRosters(rng: Random, options: RosterOptions): Rosters {
  const { teams, seasonStart, seasonEnd } = options;
  const total = teams.length * ROSTER_SIZE;
  const names = drawNames(rng, total);
  const bdlIds = distinctIds(rng, total, bdlIdBands);
  const espnIds = distinctIds(rng, total, espnIdBands);
  // NBA.com person ids rise with the order players entered the league: give them in a shuffled order.
  const nbaIds: number[] = [];
  for (let id = 1_626_100; nbaIds.length < total; ) {
    id += rng.int(3, 30);
    nbaIds.push(id);
  }
  const nbaIdOrder = rng.shuffle(nbaIds);
  const seasonYear = Number(seasonStart.slice(0, 4));

  const players: Player[] = [];
  const ratings = new Map<string, TeamRating>();
  for (const team of teams) {
    ratings.set(team.tricode, {
      offense: rng.normal(0, 0.025),
      defense: rng.normal(0, 0.025),
    });
    const depth = [...rng.shuffle(positions), ...rng.shuffle([...positions, ...positions])];
    const jerseys = rng.shuffle(['00', ...Array.from({ length: 100 }, (_, n) => String(n))]);
    for (let slot = 0; slot < ROSTER_SIZE; slot++) {
      const index = players.length;
      const role = roleOf(slot);
      const position = depth[slot] as Position;
      const name = names[index] as (typeof names)[number];
      const age =
        role === 'star' ? rng.int(23, 31) : role === 'fringe' ? rng.int(19, 24) : rng.int(20, 35);
      const experienceYears = Math.max(0, age - 20 - rng.int(0, 2));
      const [minHeight, maxHeight] = heightRange[position];
      const heightInches = rng.int(minHeight, maxHeight);
      const international = rng.chance(0.2);
      const drafted = rng.chance(role === 'fringe' ? 0.4 : 0.85);
      const round = rng.chance(0.65) ? 1 : 2;
      players.push({
        nbaId: nbaIdOrder[index] as number,
        bdlId: bdlIds[index] as number,
        espnId: String(espnIds[index]),
        firstName: name.firstName,
        lastName: name.lastName,
        fullName: `${name.firstName} ${name.lastName}`,
        team: team.tricode,
        position,
        bdlPosition: bdlPosition(rng, position),
        role,
        slot,
        jersey: jerseys[slot] as string,
        heightInches,
        weightLb: Math.round(heightInches * 2.9 + rng.uniform(-10, 25)),
        birthDate: `${seasonYear - age}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
        country: international ? rng.pick(countries) : 'USA',
        college: international && rng.chance(0.7) ? null : rng.pick(colleges),
        draft: drafted
          ? {
              year: seasonYear - experienceYears,
              round,
              number: round === 1 ? rng.int(1, 30) : rng.int(31, 60),
            }
          : null,
        experienceYears,
        skill: skillFor(rng, role, position),
        injuries: injurySpells(rng, seasonStart, seasonEnd),
      });
    }
  }
  return { players, ratings };
}

/** True when `player` is out injured on `date`. */
export function isInjured(player: Player, date: string): boolean {
  for (const spell of player.injuries) if (date >= spell.from && date <= spell.to) return true;
  return false;
}
