/** A US time zone a team plays its home games in; `AZ` is Mountain time without daylight saving. */
export type TeamTimeZone = 'ET' | 'CT' | 'MT' | 'AZ' | 'PT';

/** An NBA conference. */
export type Conference = 'East' | 'West';

/** An NBA division. */
export type Division = 'Atlantic' | 'Central' | 'Southeast' | 'Northwest' | 'Pacific' | 'Southwest';

/** One NBA team as public facts, with its id and code in each source. */
export interface Team {
  /** NBA.com team id, e.g. 1610612738. */
  readonly nbaId: number;
  /** NBA.com tricode, the canonical team code of the warehouse: BOS, GSW, NYK. */
  readonly tricode: string;
  /** ESPN team id, a string as ESPN serves it: '2'. */
  readonly espnId: string;
  /** ESPN abbreviation, which differs from the tricode for six teams: GS, NY, NO, SA, UTAH, WSH. */
  readonly espnAbbreviation: string;
  /** balldontlie team id, 1..30. */
  readonly bdlId: number;
  /** City as NBA.com and balldontlie write it ('LA' for the Clippers). */
  readonly city: string;
  /** Nickname: 'Celtics'. */
  readonly name: string;
  /** Full name as The Odds API writes it: 'Boston Celtics', 'Los Angeles Clippers'. */
  readonly fullName: string;
  /** NBA.com team slug: 'celtics', 'sixers', 'blazers'. */
  readonly slug: string;
  readonly conference: Conference;
  readonly division: Division;
  readonly timeZone: TeamTimeZone;
  readonly arena: string;
  readonly arenaCity: string;
  /** Two-letter state or province. */
  readonly arenaState: string;
}

type Row = readonly [
  nbaId: number,
  tricode: string,
  espnId: string,
  espnAbbreviation: string,
  bdlId: number,
  city: string,
  name: string,
  fullName: string,
  slug: string,
  conference: Conference,
  division: Division,
  timeZone: TeamTimeZone,
  arena: string,
  arenaCity: string,
  arenaState: string,
];

// biome-ignore format: one team per line reads as a table
const rows: readonly Row[] = [
  [1610612737, 'ATL', '1', 'ATL', 1, 'Atlanta', 'Hawks', 'Atlanta Hawks', 'hawks', 'East', 'Southeast', 'ET', 'State Farm Arena', 'Atlanta', 'GA'],
  [1610612738, 'BOS', '2', 'BOS', 2, 'Boston', 'Celtics', 'Boston Celtics', 'celtics', 'East', 'Atlantic', 'ET', 'TD Garden', 'Boston', 'MA'],
  [1610612751, 'BKN', '17', 'BKN', 3, 'Brooklyn', 'Nets', 'Brooklyn Nets', 'nets', 'East', 'Atlantic', 'ET', 'Barclays Center', 'Brooklyn', 'NY'],
  [1610612766, 'CHA', '30', 'CHA', 4, 'Charlotte', 'Hornets', 'Charlotte Hornets', 'hornets', 'East', 'Southeast', 'ET', 'Spectrum Center', 'Charlotte', 'NC'],
  [1610612741, 'CHI', '4', 'CHI', 5, 'Chicago', 'Bulls', 'Chicago Bulls', 'bulls', 'East', 'Central', 'CT', 'United Center', 'Chicago', 'IL'],
  [1610612739, 'CLE', '5', 'CLE', 6, 'Cleveland', 'Cavaliers', 'Cleveland Cavaliers', 'cavaliers', 'East', 'Central', 'ET', 'Rocket Arena', 'Cleveland', 'OH'],
  [1610612742, 'DAL', '6', 'DAL', 7, 'Dallas', 'Mavericks', 'Dallas Mavericks', 'mavericks', 'West', 'Southwest', 'CT', 'American Airlines Center', 'Dallas', 'TX'],
  [1610612743, 'DEN', '7', 'DEN', 8, 'Denver', 'Nuggets', 'Denver Nuggets', 'nuggets', 'West', 'Northwest', 'MT', 'Ball Arena', 'Denver', 'CO'],
  [1610612765, 'DET', '8', 'DET', 9, 'Detroit', 'Pistons', 'Detroit Pistons', 'pistons', 'East', 'Central', 'ET', 'Little Caesars Arena', 'Detroit', 'MI'],
  [1610612744, 'GSW', '9', 'GS', 10, 'Golden State', 'Warriors', 'Golden State Warriors', 'warriors', 'West', 'Pacific', 'PT', 'Chase Center', 'San Francisco', 'CA'],
  [1610612745, 'HOU', '10', 'HOU', 11, 'Houston', 'Rockets', 'Houston Rockets', 'rockets', 'West', 'Southwest', 'CT', 'Toyota Center', 'Houston', 'TX'],
  [1610612754, 'IND', '11', 'IND', 12, 'Indiana', 'Pacers', 'Indiana Pacers', 'pacers', 'East', 'Central', 'ET', 'Gainbridge Fieldhouse', 'Indianapolis', 'IN'],
  [1610612746, 'LAC', '12', 'LAC', 13, 'LA', 'Clippers', 'Los Angeles Clippers', 'clippers', 'West', 'Pacific', 'PT', 'Intuit Dome', 'Inglewood', 'CA'],
  [1610612747, 'LAL', '13', 'LAL', 14, 'Los Angeles', 'Lakers', 'Los Angeles Lakers', 'lakers', 'West', 'Pacific', 'PT', 'Crypto.com Arena', 'Los Angeles', 'CA'],
  [1610612763, 'MEM', '29', 'MEM', 15, 'Memphis', 'Grizzlies', 'Memphis Grizzlies', 'grizzlies', 'West', 'Southwest', 'CT', 'FedExForum', 'Memphis', 'TN'],
  [1610612748, 'MIA', '14', 'MIA', 16, 'Miami', 'Heat', 'Miami Heat', 'heat', 'East', 'Southeast', 'ET', 'Kaseya Center', 'Miami', 'FL'],
  [1610612749, 'MIL', '15', 'MIL', 17, 'Milwaukee', 'Bucks', 'Milwaukee Bucks', 'bucks', 'East', 'Central', 'CT', 'Fiserv Forum', 'Milwaukee', 'WI'],
  [1610612750, 'MIN', '16', 'MIN', 18, 'Minnesota', 'Timberwolves', 'Minnesota Timberwolves', 'timberwolves', 'West', 'Northwest', 'CT', 'Target Center', 'Minneapolis', 'MN'],
  [1610612740, 'NOP', '3', 'NO', 19, 'New Orleans', 'Pelicans', 'New Orleans Pelicans', 'pelicans', 'West', 'Southwest', 'CT', 'Smoothie King Center', 'New Orleans', 'LA'],
  [1610612752, 'NYK', '18', 'NY', 20, 'New York', 'Knicks', 'New York Knicks', 'knicks', 'East', 'Atlantic', 'ET', 'Madison Square Garden', 'New York', 'NY'],
  [1610612760, 'OKC', '25', 'OKC', 21, 'Oklahoma City', 'Thunder', 'Oklahoma City Thunder', 'thunder', 'West', 'Northwest', 'CT', 'Paycom Center', 'Oklahoma City', 'OK'],
  [1610612753, 'ORL', '19', 'ORL', 22, 'Orlando', 'Magic', 'Orlando Magic', 'magic', 'East', 'Southeast', 'ET', 'Kia Center', 'Orlando', 'FL'],
  [1610612755, 'PHI', '20', 'PHI', 23, 'Philadelphia', '76ers', 'Philadelphia 76ers', 'sixers', 'East', 'Atlantic', 'ET', 'Xfinity Mobile Arena', 'Philadelphia', 'PA'],
  [1610612756, 'PHX', '21', 'PHX', 24, 'Phoenix', 'Suns', 'Phoenix Suns', 'suns', 'West', 'Pacific', 'AZ', 'PHX Arena', 'Phoenix', 'AZ'],
  [1610612757, 'POR', '22', 'POR', 25, 'Portland', 'Trail Blazers', 'Portland Trail Blazers', 'blazers', 'West', 'Northwest', 'PT', 'Moda Center', 'Portland', 'OR'],
  [1610612758, 'SAC', '23', 'SAC', 26, 'Sacramento', 'Kings', 'Sacramento Kings', 'kings', 'West', 'Pacific', 'PT', 'Golden 1 Center', 'Sacramento', 'CA'],
  [1610612759, 'SAS', '24', 'SA', 27, 'San Antonio', 'Spurs', 'San Antonio Spurs', 'spurs', 'West', 'Southwest', 'CT', 'Frost Bank Center', 'San Antonio', 'TX'],
  [1610612761, 'TOR', '28', 'TOR', 28, 'Toronto', 'Raptors', 'Toronto Raptors', 'raptors', 'East', 'Atlantic', 'ET', 'Scotiabank Arena', 'Toronto', 'ON'],
  [1610612762, 'UTA', '26', 'UTAH', 29, 'Utah', 'Jazz', 'Utah Jazz', 'jazz', 'West', 'Northwest', 'MT', 'Delta Center', 'Salt Lake City', 'UT'],
  [1610612764, 'WAS', '27', 'WSH', 30, 'Washington', 'Wizards', 'Washington Wizards', 'wizards', 'East', 'Southeast', 'ET', 'Capital One Arena', 'Washington', 'DC'],
];

/** The 30 NBA teams, in balldontlie id order (1 = ATL ... 30 = WAS). */
export const NBA_TEAMS: readonly Team[] = rows.map(
  ([
    nbaId,
    tricode,
    espnId,
    espnAbbreviation,
    bdlId,
    city,
    name,
    fullName,
    slug,
    conference,
    division,
    timeZone,
    arena,
    arenaCity,
    arenaState,
  ]) =>
    Object.freeze({
      nbaId,
      tricode,
      espnId,
      espnAbbreviation,
      bdlId,
      city,
      name,
      fullName,
      slug,
      conference,
      division,
      timeZone,
      arena,
      arenaCity,
      arenaState,
    }),
);

const byTricode = new Map(NBA_TEAMS.map((team) => [team.tricode, team]));

/**
 * The team with NBA.com tricode `tricode`; throws a RangeError naming the code when there is none.
 *
 * @example
 * ```ts
 * teamByTricode('GSW').espnAbbreviation; // 'GS'
 * ```
 */
export function teamByTricode(tricode: string): Team {
  const team = byTricode.get(tricode);
  if (team === undefined) throw new RangeError(`no NBA team has the tricode "${tricode}"`);
  return team;
}
