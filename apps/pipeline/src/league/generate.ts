import { PipewellOptionsError } from '@pipewell/core';
import { type BoxScore, simulateBoxScore } from './box-score.js';
import { daysBetween } from './calendar.js';
import type { Game } from './game.js';
import { type GameProps, generateProps } from './props.js';
import { createRandom, hashSeed } from './random.js';
import { generateRosters, type Player, type TeamRating } from './rosters.js';
import { buildMatchups, type SeasonCalendar, scheduleDates, startTimeMs } from './schedule.js';
import { NBA_TEAMS, type Team, teamByTricode } from './teams.js';

/** A season the generator knows. */
export type Season = '2025-26';

/** Options for {@link generateLeague}. */
export interface GenerateLeagueOptions {
  /**
   * Same seed, same league: players, schedule, box scores and props. Read through its text, so
   * 42 and '42' are one seed.
   */
  readonly seed: number | string;
  /** @default '2025-26' */
  readonly season?: Season;
}

/** A generated season: teams, players, the 1,230 games, and box scores and props on demand. */
export interface League {
  readonly seed: number | string;
  readonly season: Season;
  /** First and last day of the regular season, `YYYY-MM-DD`. */
  readonly startDate: string;
  readonly endDate: string;
  readonly teams: readonly Team[];
  /** Every player, team by team in slot order. */
  readonly players: readonly Player[];
  readonly ratings: ReadonlyMap<string, TeamRating>;
  /** The regular season in game-id order (which is date order). */
  readonly games: readonly Game[];
  /** The team of an NBA.com tricode; throws a RangeError for an unknown one. */
  team(tricode: string): Team;
  /** The 15 players of a team, in slot order (the star first). */
  roster(tricode: string): readonly Player[];
  /** The game with this NBA.com game id, or undefined. */
  game(gameId: string): Game | undefined;
  /** The games on a US Eastern date, in game-id order (empty on a day without games). */
  gamesOn(date: string): readonly Game[];
  /** The final box score of a game, simulated on first use and kept. Throws for an unknown id. */
  boxScore(gameId: string): BoxScore;
  /** The bookmakers' player props on a game, generated on first use and kept. */
  props(gameId: string): GameProps;
}

/** An option of {@link generateLeague} is wrong. */
export class LeagueOptionsError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.LeagueOptionsError';
  override readonly name: string = 'LeagueOptionsError';
}

const calendars: Record<Season, SeasonCalendar> = {
  '2025-26': {
    start: '2025-10-21',
    end: '2026-04-12',
    offDays: new Set([
      '2025-11-27',
      '2025-12-24',
      '2026-02-13',
      '2026-02-14',
      '2026-02-15',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
    ]),
  },
};

function hex32(seed: number | string, gameId: string): string {
  const rng = createRandom(hashSeed(seed, 'odds-event', gameId));
  let out = '';
  for (let i = 0; i < 4; i++) out += rng.uint32().toString(16).padStart(8, '0');
  return out;
}

function buildGames(seed: number | string, season: Season): Game[] {
  const calendar = calendars[season];
  let rng = createRandom(hashSeed(seed, 'schedule'));
  let placed = scheduleDates(rng, buildMatchups(rng, NBA_TEAMS), calendar);
  for (let attempt = 1; placed === undefined && attempt < 20; attempt++) {
    rng = createRandom(hashSeed(seed, 'schedule', attempt));
    placed = scheduleDates(rng, buildMatchups(rng, NBA_TEAMS), calendar);
  }
  if (placed === undefined) throw new Error(`no schedule found for seed ${String(seed)}`);
  const dated = placed
    .map(({ date, matchup }) => ({
      date,
      ...matchup,
      startMs: startTimeMs(rng, date, teamByTricode(matchup.home)),
    }))
    .sort((a, b) =>
      a.date !== b.date
        ? a.date < b.date
          ? -1
          : 1
        : a.startMs - b.startMs || (a.home < b.home ? -1 : a.home > b.home ? 1 : 0),
    );
  const lastDate = new Map<string, string>();
  const seasonCode = season.slice(2, 4);
  let daySequence = 0;
  return dated.map((g, i): Game => {
    daySequence = i > 0 && dated[i - 1]?.date === g.date ? daySequence + 1 : 1;
    const rest = (team: string) => {
      const previous = lastDate.get(team);
      lastDate.set(team, g.date);
      return previous === undefined ? null : daysBetween(previous, g.date) - 1;
    };
    const sequence = i + 1;
    const gameId = `002${seasonCode}${String(sequence).padStart(5, '0')}`;
    const compact = g.date.replaceAll('-', '');
    return {
      gameId,
      sequence,
      gameCode: `${compact}/${g.away}${g.home}`,
      gameKey: `${compact}_${g.away}_${g.home}`,
      date: g.date,
      startMs: g.startMs,
      daySequence,
      home: g.home,
      away: g.away,
      homeRestDays: rest(g.home),
      awayRestDays: rest(g.away),
      bdlId: 18_446_819 + sequence,
      espnId: String(401_809_000 + sequence),
      oddsEventId: hex32(seed, gameId),
    };
  });
}

/**
 * Generate a league from a seed: the 30 real teams with synthetic players, the 1,230-game
 * regular season, and box scores and player props computed on first use. Deterministic: the same
 * seed gives the same league on every run.
 *
 * @example
 * ```ts
 * const league = generateLeague({ seed: 42 });
 * const [first] = league.gamesOn('2026-01-24');
 * league.boxScore(first.gameId).home.points;
 * ```
 */
export function generateLeague(options: GenerateLeagueOptions): League {
  const { seed } = options;
  const season = options.season ?? '2025-26';
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
    throw new LeagueOptionsError(
      'seed',
      `option "seed" must be a finite number or a string (got ${String(seed)})`,
    );
  }
  const calendar = calendars[season];
  if (calendar === undefined) {
    throw new LeagueOptionsError(
      'season',
      `option "season" must be one of ${Object.keys(calendars).join(', ')} (got ${JSON.stringify(season)})`,
    );
  }
  const { players, ratings } = generateRosters(createRandom(hashSeed(seed, 'rosters')), {
    teams: NBA_TEAMS,
    seasonStart: calendar.start,
    seasonEnd: calendar.end,
  });
  const games = buildGames(seed, season);

  const rosters = new Map<string, Player[]>();
  for (const player of players) {
    const list = rosters.get(player.team) ?? [];
    list.push(player);
    rosters.set(player.team, list);
  }
  const gamesById = new Map(games.map((g) => [g.gameId, g]));
  const gamesByDate = new Map<string, Game[]>();
  for (const game of games) {
    const list = gamesByDate.get(game.date) ?? [];
    list.push(game);
    gamesByDate.set(game.date, list);
  }
  const roster = (tricode: string): readonly Player[] => {
    const list = rosters.get(tricode);
    if (list === undefined) throw new RangeError(`no NBA team has the tricode "${tricode}"`);
    return list;
  };
  const mustGame = (gameId: string): Game => {
    const game = gamesById.get(gameId);
    if (game === undefined)
      throw new RangeError(`no game of the ${season} season has the id "${gameId}"`);
    return game;
  };
  const inputs = { seed, roster, ratings };
  const boxScores = new Map<string, BoxScore>();
  const props = new Map<string, GameProps>();

  return {
    seed,
    season,
    startDate: calendar.start,
    endDate: calendar.end,
    teams: NBA_TEAMS,
    players,
    ratings,
    games,
    team: teamByTricode,
    roster,
    game: (gameId) => gamesById.get(gameId),
    gamesOn: (date) => gamesByDate.get(date) ?? [],
    boxScore(gameId) {
      let box = boxScores.get(gameId);
      if (box === undefined) {
        box = simulateBoxScore(mustGame(gameId), inputs);
        boxScores.set(gameId, box);
      }
      return box;
    },
    props(gameId) {
      let result = props.get(gameId);
      if (result === undefined) {
        result = generateProps(mustGame(gameId), inputs);
        props.set(gameId, result);
      }
      return result;
    },
  };
}
