import { isCalendarDate } from '@pipewell/core';
import { GameKeyError, UnknownTeamError } from './errors.js';

/** The 30 NBA.com tricodes: the canonical team codes everywhere in the warehouse. */
export const TRICODES = [
  'ATL',
  'BOS',
  'BKN',
  'CHA',
  'CHI',
  'CLE',
  'DAL',
  'DEN',
  'DET',
  'GSW',
  'HOU',
  'IND',
  'LAC',
  'LAL',
  'MEM',
  'MIA',
  'MIL',
  'MIN',
  'NOP',
  'NYK',
  'OKC',
  'ORL',
  'PHI',
  'PHX',
  'POR',
  'SAC',
  'SAS',
  'TOR',
  'UTA',
  'WAS',
] as const;

/** An NBA.com tricode such as `'GSW'`. */
export type Tricode = (typeof TRICODES)[number];

/** How each source names one team. */
export interface TeamCodes {
  /** NBA.com tricode (canonical): `'GSW'`. */
  readonly tricode: Tricode;
  /** NBA.com team id: `1610612744`. */
  readonly nbaTeamId: number;
  /** ESPN abbreviation: `'GS'`. */
  readonly espn: string;
  /** ESPN team id, a string in ESPN payloads: `'9'`. */
  readonly espnId: string;
  /** balldontlie abbreviation (the NBA.com tricode today): `'GSW'`. */
  readonly balldontlie: string;
  /** balldontlie numeric team id: `10`. */
  readonly balldontlieId: number;
  /** Full names; the first is The Odds API's, the rest variants seen in other payloads. */
  readonly names: readonly [string, ...string[]];
}

const rows: readonly (readonly [Tricode, number, string, string, number, string, ...string[]])[] = [
  ['ATL', 1610612737, 'ATL', '1', 1, 'Atlanta Hawks'],
  ['BOS', 1610612738, 'BOS', '2', 2, 'Boston Celtics'],
  ['BKN', 1610612751, 'BKN', '17', 3, 'Brooklyn Nets'],
  ['CHA', 1610612766, 'CHA', '30', 4, 'Charlotte Hornets'],
  ['CHI', 1610612741, 'CHI', '4', 5, 'Chicago Bulls'],
  ['CLE', 1610612739, 'CLE', '5', 6, 'Cleveland Cavaliers'],
  ['DAL', 1610612742, 'DAL', '6', 7, 'Dallas Mavericks'],
  ['DEN', 1610612743, 'DEN', '7', 8, 'Denver Nuggets'],
  ['DET', 1610612765, 'DET', '8', 9, 'Detroit Pistons'],
  ['GSW', 1610612744, 'GS', '9', 10, 'Golden State Warriors'],
  ['HOU', 1610612745, 'HOU', '10', 11, 'Houston Rockets'],
  ['IND', 1610612754, 'IND', '11', 12, 'Indiana Pacers'],
  // The Odds API says "Los Angeles Clippers"; balldontlie's full_name and NBA.com say "LA Clippers".
  ['LAC', 1610612746, 'LAC', '12', 13, 'Los Angeles Clippers', 'LA Clippers'],
  ['LAL', 1610612747, 'LAL', '13', 14, 'Los Angeles Lakers'],
  ['MEM', 1610612763, 'MEM', '29', 15, 'Memphis Grizzlies'],
  ['MIA', 1610612748, 'MIA', '14', 16, 'Miami Heat'],
  ['MIL', 1610612749, 'MIL', '15', 17, 'Milwaukee Bucks'],
  ['MIN', 1610612750, 'MIN', '16', 18, 'Minnesota Timberwolves'],
  ['NOP', 1610612740, 'NO', '3', 19, 'New Orleans Pelicans'],
  ['NYK', 1610612752, 'NY', '18', 20, 'New York Knicks'],
  ['OKC', 1610612760, 'OKC', '25', 21, 'Oklahoma City Thunder'],
  ['ORL', 1610612753, 'ORL', '19', 22, 'Orlando Magic'],
  ['PHI', 1610612755, 'PHI', '20', 23, 'Philadelphia 76ers'],
  ['PHX', 1610612756, 'PHX', '21', 24, 'Phoenix Suns'],
  ['POR', 1610612757, 'POR', '22', 25, 'Portland Trail Blazers'],
  ['SAC', 1610612758, 'SAC', '23', 26, 'Sacramento Kings'],
  ['SAS', 1610612759, 'SA', '24', 27, 'San Antonio Spurs'],
  ['TOR', 1610612761, 'TOR', '28', 28, 'Toronto Raptors'],
  ['UTA', 1610612762, 'UTAH', '26', 29, 'Utah Jazz'],
  ['WAS', 1610612764, 'WSH', '27', 30, 'Washington Wizards'],
];

/** The team table: one entry per team, in {@link TRICODES} order. */
export const TEAMS: readonly TeamCodes[] = rows.map(
  ([tricode, nbaTeamId, espn, espnId, balldontlieId, name, ...variants]) => ({
    tricode,
    nbaTeamId,
    espn,
    espnId,
    balldontlie: tricode,
    balldontlieId,
    names: [name, ...variants],
  }),
);

/**
 * Where a team code comes from: `'nbacom'` tricodes, `'nbacom-id'` team ids, `'espn'`
 * abbreviations, `'espn-id'` ids, `'balldontlie'` abbreviations, `'balldontlie-id'` ids, and
 * `'odds-api'` full names.
 */
export type TeamSource =
  | 'nbacom'
  | 'nbacom-id'
  | 'espn'
  | 'espn-id'
  | 'balldontlie'
  | 'balldontlie-id'
  | 'odds-api';

function index(keysOf: (team: TeamCodes) => readonly (string | number)[]): Map<string, Tricode> {
  const map = new Map<string, Tricode>();
  for (const team of TEAMS) for (const key of keysOf(team)) map.set(String(key), team.tricode);
  return map;
}

const lookups: Readonly<Record<TeamSource, Map<string, Tricode>>> = {
  nbacom: index((t) => [t.tricode]),
  'nbacom-id': index((t) => [t.nbaTeamId]),
  espn: index((t) => [t.espn]),
  'espn-id': index((t) => [t.espnId]),
  balldontlie: index((t) => [t.balldontlie]),
  'balldontlie-id': index((t) => [t.balldontlieId]),
  'odds-api': index((t) => t.names),
};

const byTricode = new Map(TEAMS.map((team) => [team.tricode, team]));

/** True when `value` is one of the 30 NBA.com tricodes. */
export function isTricode(value: unknown): value is Tricode {
  return typeof value === 'string' && byTricode.has(value as Tricode);
}

/** Every code of the team with NBA.com tricode `tricode`. */
export function teamCodes(tricode: Tricode): TeamCodes {
  const team = byTricode.get(tricode);
  if (team === undefined) throw new UnknownTeamError(tricode, 'nbacom');
  return team;
}

/**
 * The NBA.com tricode of a team as `source` writes it, or `undefined` for a code the table does
 * not know (a preseason guest such as Melbourne United, an All-Star team). Codes are matched
 * exactly; ids match as numbers or as numeric strings.
 */
export function findTeam(code: string | number, source: TeamSource): Tricode | undefined {
  return lookups[source].get(String(code));
}

/**
 * The NBA.com tricode of a team as `source` writes it.
 * @throws UnknownTeamError naming the code and the source when the table does not know it
 * @example
 * ```ts
 * canonicalTeam('GS', 'espn'); // 'GSW'
 * canonicalTeam(10, 'balldontlie-id'); // 'GSW'
 * canonicalTeam('LA Clippers', 'odds-api'); // 'LAC'
 * ```
 */
export function canonicalTeam(code: string | number, source: TeamSource): Tricode {
  const tricode = findTeam(code, source);
  if (tricode === undefined) throw new UnknownTeamError(code, source);
  return tricode;
}

/** The parts of a canonical game key. */
export interface GameKeyParts {
  /** The game's US Eastern calendar date, `YYYY-MM-DD`. */
  readonly date: string;
  /** The visiting team. */
  readonly away: Tricode;
  /** The home team. */
  readonly home: Tricode;
}

const gameKeyPattern = /^(\d{4})(\d{2})(\d{2})_([A-Z]{3})_([A-Z]{3})$/;

/**
 * The canonical game key `YYYYMMDD_AWAY_HOME` of a game.
 * @throws GameKeyError when the date is not a calendar date or a team plays itself
 * @example
 * ```ts
 * formatGameKey({ date: '2026-01-24', away: 'BOS', home: 'CHI' }); // '20260124_BOS_CHI'
 * ```
 */
export function formatGameKey(parts: GameKeyParts): string {
  const { date, away, home } = parts;
  const shown = `${date} ${away} at ${home}`;
  if (!isCalendarDate(date)) {
    throw new GameKeyError(shown, `game date ${JSON.stringify(date)} is not a YYYY-MM-DD date`);
  }
  if (!isTricode(away)) throw new UnknownTeamError(away, 'nbacom');
  if (!isTricode(home)) throw new UnknownTeamError(home, 'nbacom');
  if (away === home) throw new GameKeyError(shown, `a game of ${home} against itself`);
  return `${date.slice(0, 4)}${date.slice(5, 7)}${date.slice(8, 10)}_${away}_${home}`;
}

/**
 * The parts of a canonical game key.
 * @throws GameKeyError when `key` is not `YYYYMMDD_AWAY_HOME` with a real date and two tricodes
 */
export function parseGameKey(key: string): GameKeyParts {
  const match = gameKeyPattern.exec(key);
  if (match === null) {
    throw new GameKeyError(key, `game key ${JSON.stringify(key)} is not YYYYMMDD_AWAY_HOME`);
  }
  const [, year, month, day, away, home] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const date = `${year}-${month}-${day}`;
  if (!isCalendarDate(date)) {
    throw new GameKeyError(key, `game key ${JSON.stringify(key)} has no real date`);
  }
  if (!isTricode(away) || !isTricode(home) || away === home) {
    throw new GameKeyError(
      key,
      `game key ${JSON.stringify(key)} does not name two NBA.com tricodes`,
    );
  }
  return { date, away, home };
}

/** True when `value` is a well-formed canonical game key. */
export function isGameKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parseGameKey(value);
    return true;
  } catch {
    return false;
  }
}

// An instant must carry its zone: a bare "2026-01-24T19:00:00" would be read as local time.
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of an ISO-8601 instant with a zone (`Z` or `+hh:mm`); ESPN's
 * `2024-01-16T00:30Z` (no seconds) is accepted.
 * @throws GameKeyError when `value` has no zone or is not a time
 */
export function parseInstant(value: string): number {
  const ms = instantPattern.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new GameKeyError(
      value,
      `${JSON.stringify(value)} is not an ISO-8601 instant with a zone`,
    );
  }
  return ms;
}

const eastern = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The US Eastern calendar date (`YYYY-MM-DD`) of an instant: the date a game belongs to. A
 * 00:30Z start is the previous day's evening game in New York, in summer and winter time.
 * @example
 * ```ts
 * easternDate('2024-01-25T03:20:30Z'); // '2024-01-24'
 * ```
 */
export function easternDate(instant: string | Date): string {
  const ms = typeof instant === 'string' ? parseInstant(instant) : instant.getTime();
  let year = '';
  let month = '';
  let day = '';
  for (const part of eastern.formatToParts(ms)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year}-${month}-${day}`;
}

/** An NBA.com game code split into its parts, teams as written (not checked against the table). */
export interface NbaGameCodeParts {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly away: string;
  readonly home: string;
}

const gameCodePattern = /^(\d{4})(\d{2})(\d{2})\/([A-Z0-9]{3})([A-Z0-9]{3})$/;

/**
 * Split an NBA.com game code (`20260124/BOSCHI`: Eastern date, then away and home tricodes).
 * Teams are returned as written, so a preseason guest (`MEL`) can be recognised and skipped.
 * @throws GameKeyError when the code is malformed
 */
export function splitNbaGameCode(code: string): NbaGameCodeParts {
  const match = gameCodePattern.exec(code);
  const date = match === null ? '' : `${match[1]}-${match[2]}-${match[3]}`;
  if (match === null || !isCalendarDate(date)) {
    throw new GameKeyError(
      code,
      `NBA.com game code ${JSON.stringify(code)} is not YYYYMMDD/AWAYHOME`,
    );
  }
  return { date, away: match[4] as string, home: match[5] as string };
}

/**
 * The canonical game key of an NBA.com game code.
 * @throws GameKeyError for a malformed code, UnknownTeamError for a non-NBA team
 * @example
 * ```ts
 * gameKeyFromNbaGameCode('20260124/BOSCHI'); // '20260124_BOS_CHI'
 * ```
 */
export function gameKeyFromNbaGameCode(code: string): string {
  const { date, away, home } = splitNbaGameCode(code);
  return formatGameKey({
    date,
    away: canonicalTeam(away, 'nbacom'),
    home: canonicalTeam(home, 'nbacom'),
  });
}

/** The kind of game an NBA.com game id names (its third digit). */
export type NbaSeasonType =
  | 'preseason'
  | 'regular'
  | 'all-star'
  | 'playoffs'
  | 'play-in'
  | 'cup-final';

const seasonTypes: Readonly<Record<string, NbaSeasonType>> = {
  '1': 'preseason',
  '2': 'regular',
  '3': 'all-star',
  '4': 'playoffs',
  '5': 'play-in',
  '6': 'cup-final',
};

/** What an NBA.com game id says. */
export interface NbaGameIdParts {
  readonly seasonType: NbaSeasonType;
  /** The year the season starts: `2025` for 2025-26. */
  readonly seasonStartYear: number;
  /** The game's sequence number within its season type. */
  readonly sequence: number;
}

const gameIdPattern = /^00([1-6])(\d{2})(\d{5})$/;

/**
 * Read an NBA.com game id: `0022500647` is a regular-season (`2`) game of 2025-26 (`25`),
 * number 647.
 * @throws GameKeyError when `gameId` is not `00` + type digit + 2-digit year + 5 digits
 */
export function parseNbaGameId(gameId: string): NbaGameIdParts {
  const match = gameIdPattern.exec(gameId);
  if (match === null) {
    throw new GameKeyError(gameId, `NBA.com game id ${JSON.stringify(gameId)} is not 00TYYNNNNN`);
  }
  const yy = Number(match[2]);
  return {
    seasonType: seasonTypes[match[1] as string] as NbaSeasonType,
    // Two-digit years: 46-99 are the 1900s (the NBA began in 1946).
    seasonStartYear: yy >= 46 ? 1900 + yy : 2000 + yy,
    sequence: Number(match[3]),
  };
}

/**
 * The canonical game key of an NBA.com game id, from its schedule row (NBA.com box scores carry
 * the id but not the date). The row must be that game's.
 * @throws GameKeyError when the row is another game's
 */
export function gameKeyFromNbaGameId(
  gameId: string,
  scheduleRow: { readonly game_id: string; readonly game_code: string },
): string {
  parseNbaGameId(gameId);
  if (scheduleRow.game_id !== gameId) {
    throw new GameKeyError(
      gameId,
      `schedule row for game ${scheduleRow.game_id} was given for game ${gameId}`,
    );
  }
  return gameKeyFromNbaGameCode(scheduleRow.game_code);
}

/** A balldontlie team: nested as an object in /v1/games, or as an id in a /v1/stats row's game. */
type BalldontlieTeamRef = { readonly abbreviation: string } | { readonly id: number };

/** The fields of a balldontlie game that make its key. */
export type BalldontlieGameLike =
  | {
      readonly date: string;
      readonly visitor_team: BalldontlieTeamRef;
      readonly home_team: BalldontlieTeamRef;
    }
  | { readonly date: string; readonly visitor_team_id: number; readonly home_team_id: number };

const balldontlieDatePattern = /^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.000)?Z)?$/;

function balldontlieTeam(team: BalldontlieTeamRef): Tricode {
  return 'abbreviation' in team
    ? canonicalTeam(team.abbreviation, 'balldontlie')
    : canonicalTeam(team.id, 'balldontlie-id');
}

/**
 * The canonical game key of a balldontlie game. Its `date` is already the Eastern date
 * (`datetime` is the UTC tip-off); an older `2024-01-15T00:00:00.000Z` form is read as that date.
 * @throws GameKeyError for a malformed date, UnknownTeamError for an unknown team
 */
export function gameKeyFromBalldontlieGame(game: BalldontlieGameLike): string {
  const match = balldontlieDatePattern.exec(game.date);
  if (match === null) {
    throw new GameKeyError(
      game.date,
      `balldontlie game date ${JSON.stringify(game.date)} is not YYYY-MM-DD`,
    );
  }
  const [away, home] =
    'visitor_team_id' in game
      ? [
          canonicalTeam(game.visitor_team_id, 'balldontlie-id'),
          canonicalTeam(game.home_team_id, 'balldontlie-id'),
        ]
      : [balldontlieTeam(game.visitor_team), balldontlieTeam(game.home_team)];
  return formatGameKey({ date: match[1] as string, away, home });
}

/** The fields of an Odds API event that make its key. */
export interface OddsEventLike {
  /** UTC tip-off, `2024-02-23T00:00:00Z`. */
  readonly commence_time: string;
  /** Full team names, `'Orlando Magic'`. */
  readonly away_team: string;
  readonly home_team: string;
}

/**
 * The canonical game key of an Odds API event: `commence_time` is UTC, and the game's date is its
 * US Eastern date, so `2024-02-23T00:00:00Z` is a game of 22 February.
 * @example
 * ```ts
 * gameKeyFromOddsEvent({
 *   commence_time: '2024-02-23T00:00:00Z',
 *   away_team: 'Orlando Magic',
 *   home_team: 'Cleveland Cavaliers',
 * }); // '20240222_ORL_CLE'
 * ```
 */
export function gameKeyFromOddsEvent(event: OddsEventLike): string {
  return formatGameKey({
    date: easternDate(event.commence_time),
    away: canonicalTeam(event.away_team, 'odds-api'),
    home: canonicalTeam(event.home_team, 'odds-api'),
  });
}

/** The fields of an ESPN scoreboard event (or a roster's `nextEvent`) that make its key. */
export interface EspnEventLike {
  /** UTC tip-off, `2024-01-16T00:30Z`. */
  readonly date: string;
  readonly competitions: readonly {
    readonly competitors: readonly {
      readonly homeAway: string;
      readonly team: { readonly abbreviation: string };
    }[];
  }[];
}

/** The ESPN abbreviations of an event's away and home teams, as written. */
export function espnEventTeams(event: EspnEventLike): { away: string; home: string } {
  const competitors = event.competitions[0]?.competitors ?? [];
  const away = competitors.find((c) => c.homeAway === 'away')?.team.abbreviation;
  const home = competitors.find((c) => c.homeAway === 'home')?.team.abbreviation;
  if (away === undefined || home === undefined) {
    throw new GameKeyError(event.date, 'ESPN event has no home and away competitors');
  }
  return { away, home };
}

/**
 * The canonical game key of an ESPN event: its `date` is UTC, its teams ESPN abbreviations.
 * @throws GameKeyError without home and away competitors, UnknownTeamError for an unknown team
 */
export function gameKeyFromEspnEvent(event: EspnEventLike): string {
  const { away, home } = espnEventTeams(event);
  return formatGameKey({
    date: easternDate(event.date),
    away: canonicalTeam(away, 'espn'),
    home: canonicalTeam(home, 'espn'),
  });
}
