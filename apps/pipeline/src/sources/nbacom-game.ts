import {
  findTeam,
  formatGameKey,
  type NbaSeasonType,
  parseNbaGameId,
  splitNbaGameCode,
  type Tricode,
  teamCodes,
} from './game-ids.js';

/** An NBA.com game as its payloads identify it: id, code, and each side's tricode or team id. */
export interface NbaGameIdentity {
  readonly gameId: string;
  readonly gameCode: string;
  readonly away: NbaTeamIdentity;
  readonly home: NbaTeamIdentity;
}

/** A side of an NBA.com game: whichever of tricode and team id the payload has. */
export interface NbaTeamIdentity {
  readonly tricode?: string;
  readonly teamId?: number;
}

/** What an NBA.com game resolves to: a canonical game, a game to skip, or a payload issue. */
export type NbaGameResolution =
  | {
      readonly kind: 'game';
      readonly gameKey: string;
      readonly date: string;
      readonly away: Tricode;
      readonly home: Tricode;
      readonly seasonType: NbaSeasonType;
    }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'issue'; readonly path: string[]; readonly message: string };

/**
 * Resolve an NBA.com game to its canonical key. The game code's teams must agree with each side's
 * tricode and team id. A side the table does not know is skipped in preseason and All-Star games
 * (guest clubs such as Melbourne United, All-Star teams) and an issue otherwise; a side without a
 * team yet (an undecided playoff game) is skipped. `sidePaths` say where each side is in the
 * payload, for issues.
 */
export function resolveNbaGame(
  game: NbaGameIdentity,
  sidePaths: { readonly away: string[]; readonly home: string[] } = {
    away: ['away'],
    home: ['home'],
  },
): NbaGameResolution {
  let seasonType: NbaSeasonType;
  let code: { date: string; away: string; home: string };
  try {
    seasonType = parseNbaGameId(game.gameId).seasonType;
  } catch (error) {
    return { kind: 'issue', path: ['gameId'], message: (error as Error).message };
  }
  // Playoff games are listed before their teams (and so their game codes) are known.
  for (const team of [game.away, game.home]) {
    if (team.tricode === '' || team.teamId === 0)
      return { kind: 'skip', reason: 'teams not yet known' };
  }
  try {
    code = splitNbaGameCode(game.gameCode);
  } catch (error) {
    return { kind: 'issue', path: ['gameCode'], message: (error as Error).message };
  }
  const tricodes: Tricode[] = [];
  for (const [side, team, inCode] of [
    ['away', game.away, code.away],
    ['home', game.home, code.home],
  ] as const) {
    if (team.tricode !== undefined && team.tricode !== inCode) {
      const message = `${side} team ${team.tricode} does not match game code ${game.gameCode}`;
      return { kind: 'issue', path: sidePaths[side], message };
    }
    const tricode = findTeam(inCode, 'nbacom');
    if (tricode === undefined) {
      if (seasonType === 'preseason' || seasonType === 'all-star') {
        return { kind: 'skip', reason: `${seasonType} game with non-NBA team ${inCode}` };
      }
      return {
        kind: 'issue',
        path: sidePaths[side],
        message: `unknown NBA.com tricode "${inCode}"`,
      };
    }
    if (team.teamId !== undefined && findTeam(team.teamId, 'nbacom-id') !== tricode) {
      const message = `${side} team id ${team.teamId} is not ${tricode}'s (${teamCodes(tricode).nbaTeamId})`;
      return { kind: 'issue', path: sidePaths[side], message };
    }
    tricodes.push(tricode);
  }
  const [away, home] = tricodes as [Tricode, Tricode];
  if (away === home) {
    return { kind: 'issue', path: ['gameCode'], message: `a game of ${home} against itself` };
  }
  return {
    kind: 'game',
    gameKey: formatGameKey({ date: code.date, away, home }),
    date: code.date,
    away,
    home,
    seasonType,
  };
}
