/** One game of the generated regular season, with its id in each source. */
export interface Game {
  /** NBA.com game id: `00225NNNNN`, numbered in date order from 00001. */
  readonly gameId: string;
  /** 1-based position in the season, the `NNNNN` of the game id. */
  readonly sequence: number;
  /** NBA.com game code: `YYYYMMDD/AWAYHOME`. */
  readonly gameCode: string;
  /** The warehouse's canonical key: `YYYYMMDD_AWAY_HOME`. */
  readonly gameKey: string;
  /** US Eastern date of the game, `YYYY-MM-DD`. */
  readonly date: string;
  /** Start, milliseconds since the epoch. */
  readonly startMs: number;
  /** Order of the game among the day's games, from 1. */
  readonly daySequence: number;
  /** NBA.com tricodes. */
  readonly home: string;
  readonly away: string;
  /** Days off since the team's previous game (0 = back-to-back); null for its first game. */
  readonly homeRestDays: number | null;
  readonly awayRestDays: number | null;
  /** balldontlie game id. */
  readonly bdlId: number;
  /** ESPN event id, a string. */
  readonly espnId: string;
  /** The Odds API event id: 32 hex digits. */
  readonly oddsEventId: string;
}

/** True when a team plays its second game in two days. */
export function isBackToBack(restDays: number | null): boolean {
  return restDays === 0;
}
