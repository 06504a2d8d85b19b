import { addDays } from '../league/calendar.js';
import { generateLeague, type League } from '../league/index.js';
import { normalizePlayerName } from '../sources/index.js';

/**
 * What the pipeline must hold after running a date, derived from the generated league alone
 * (never from the pipeline's code): the end-to-end test compares the warehouse with these.
 */
export interface LeagueExpectations {
  readonly league: League;
  /** Games of the regular season (what `nbac_schedule` holds after any scrape). */
  readonly seasonGames: number;
  /** Canonical keys of the games on `date`, sorted. */
  gameKeys(date: string): string[];
  /** Box-score lines (both teams, every roster player, DNPs included) per game key of `date`. */
  boxLines(date: string): Record<string, number>;
  /** Player lines the bookmakers price, per game key of `date` (book x market x player). */
  propLines(date: string): Record<string, number>;
  /** The 30 NBA.com tricodes, sorted. */
  allTeams(): string[];
  /** Tricodes of the teams playing on `date`, sorted. */
  teamsOn(date: string): string[];
  /** Players on the roster of each of `teams`, by tricode. */
  rosterSizes(teams: readonly string[]): Record<string, number>;
  /** Rostered players (both teams) per game key of `date`. */
  rosteredPerGame(date: string): Record<string, number>;
  /** `player_lookup`s of players with playing time in a game on `date`. */
  playedOn(date: string): Set<string>;
  /** Whether the pipeline runs on `date`: games on it or on the day before. */
  isPipelineDate(date: string): boolean;
}

/** {@link LeagueExpectations} of the league of `seed` (the built-in provider's default is 42). */
export function leagueExpectations(seed: number | string = 42): LeagueExpectations {
  const league = generateLeague({ seed });
  const perGame = (date: string, measure: (gameId: string) => number): Record<string, number> =>
    Object.fromEntries(
      league
        .gamesOn(date)
        .map((game) => [game.gameKey, measure(game.gameId)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return {
    league,
    seasonGames: league.games.length,
    gameKeys: (date) =>
      league
        .gamesOn(date)
        .map((game) => game.gameKey)
        .sort(),
    boxLines: (date) =>
      perGame(date, (gameId) => {
        const box = league.boxScore(gameId);
        return box.home.players.length + box.away.players.length;
      }),
    propLines: (date) =>
      perGame(date, (gameId) =>
        league
          .props(gameId)
          .bookmakers.reduce(
            (sum, book) =>
              sum + book.markets.reduce((inner, market) => inner + market.lines.length, 0),
            0,
          ),
      ),
    allTeams: () => league.teams.map((team) => team.tricode).sort(),
    teamsOn: (date) =>
      league
        .gamesOn(date)
        .flatMap((game) => [game.home, game.away])
        .sort(),
    rosterSizes: (teams) =>
      Object.fromEntries([...teams].sort().map((team) => [team, league.roster(team).length])),
    rosteredPerGame: (date) =>
      Object.fromEntries(
        league
          .gamesOn(date)
          .map(
            (game) =>
              [
                game.gameKey,
                league.roster(game.home).length + league.roster(game.away).length,
              ] as const,
          )
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    playedOn: (date) => {
      const played = new Set<string>();
      for (const game of league.gamesOn(date)) {
        const box = league.boxScore(game.gameId);
        for (const line of [...box.home.players, ...box.away.players]) {
          if (line.seconds > 0) played.add(normalizePlayerName(line.player.fullName));
        }
      }
      return played;
    },
    isPipelineDate: (date) =>
      league.gamesOn(date).length > 0 || league.gamesOn(addDays(date, -1)).length > 0,
  };
}
