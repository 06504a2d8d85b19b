import { z } from 'zod';
import type { NbaSeasonType, Tricode } from './game-ids.js';
import { type NbaGameIdentity, resolveNbaGame } from './nbacom-game.js';
import { parseResultSets } from './nbacom-result-sets.js';
import { type GameStatus, nbaGameStatus, type SkippedNbaGame } from './nbacom-schedule.js';
import { parseResponse } from './parse-response.js';
import { instantSchema } from './schemas.js';

/** One game of an NBA.com scoreboard (one day). */
export interface NbaScoreboardRow {
  readonly game_id: string;
  readonly game_code: string;
  readonly game_key: string;
  readonly game_date: string;
  readonly home_team: Tricode;
  readonly away_team: Tricode;
  readonly status: GameStatus;
  readonly status_text: string;
  readonly season_type: NbaSeasonType;
  /** UTC ISO string; null in scoreboardv2, which has only the Eastern time as text. */
  readonly start_time_utc: string | null;
  /** Null before tip-off. */
  readonly home_score: number | null;
  readonly away_score: number | null;
}

/** What the scoreboard parsers return. */
export interface NbaScoreboardResult {
  readonly rows: NbaScoreboardRow[];
  readonly skipped: SkippedNbaGame[];
}

interface Identified {
  readonly identity: NbaGameIdentity;
  readonly sidePaths: { readonly away: string[]; readonly home: string[] };
  readonly status: number;
  readonly statusText: string;
  readonly startTimeUtc: string | null;
  readonly homeScore: number | null;
  readonly awayScore: number | null;
}

type Parsed = { row: NbaScoreboardRow } | { skipped: SkippedNbaGame };

/** The game's row; issues go to `ctx` at `at` (the game's path from where `ctx` is). */
function toRow(game: Identified, ctx: z.RefinementCtx, at: (string | number)[] = []): Parsed {
  const status = nbaGameStatus(game.status);
  if (status === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown game status ${game.status}`, path: at });
    return z.NEVER;
  }
  const { gameId, gameCode } = game.identity;
  const resolved = resolveNbaGame(game.identity, game.sidePaths);
  if (resolved.kind === 'issue') {
    ctx.addIssue({ code: 'custom', message: resolved.message, path: [...at, ...resolved.path] });
    return z.NEVER;
  }
  if (resolved.kind === 'skip') {
    return { skipped: { game_id: gameId, game_code: gameCode, reason: resolved.reason } };
  }
  return {
    row: {
      game_id: gameId,
      game_code: gameCode,
      game_key: resolved.gameKey,
      game_date: resolved.date,
      home_team: resolved.home,
      away_team: resolved.away,
      status,
      status_text: game.statusText.trim(),
      season_type: resolved.seasonType,
      start_time_utc: game.startTimeUtc,
      // NBA.com shows 0-0 before tip-off.
      home_score: status === 'scheduled' ? null : game.homeScore,
      away_score: status === 'scheduled' ? null : game.awayScore,
    },
  };
}

function split(parsed: readonly Parsed[]): NbaScoreboardResult {
  const rows: NbaScoreboardRow[] = [];
  const skipped: SkippedNbaGame[] = [];
  for (const game of parsed) {
    if ('row' in game) rows.push(game.row);
    else skipped.push(game.skipped);
  }
  return { rows, skipped };
}

const v3TeamSchema = z.object({
  teamId: z.number().int(),
  teamTricode: z.string(),
  score: z.number().int().nullish(),
});

const v3Schema = z.object({
  scoreboard: z.object({
    games: z.array(
      z
        .object({
          gameId: z.string(),
          gameCode: z.string(),
          gameStatus: z.number().int(),
          gameStatusText: z.string(),
          gameTimeUTC: instantSchema,
          awayTeam: v3TeamSchema,
          homeTeam: v3TeamSchema,
        })
        .transform((game, ctx) =>
          toRow(
            {
              identity: {
                gameId: game.gameId,
                gameCode: game.gameCode,
                away: { tricode: game.awayTeam.teamTricode, teamId: game.awayTeam.teamId },
                home: { tricode: game.homeTeam.teamTricode, teamId: game.homeTeam.teamId },
              },
              sidePaths: { away: ['awayTeam'], home: ['homeTeam'] },
              status: game.gameStatus,
              statusText: game.gameStatusText,
              startTimeUtc: game.gameTimeUTC,
              homeScore: game.homeTeam.score ?? null,
              awayScore: game.awayTeam.score ?? null,
            },
            ctx,
          ),
        ),
    ),
  }),
});

/**
 * Parse stats.nba.com `scoreboardv3?GameDate=YYYY-MM-DD` into one row per game.
 * @throws SourceParseError for a malformed payload or an unknown team in a game that counts
 */
export function parseNbaScoreboardV3(json: unknown): NbaScoreboardResult {
  return split(parseResponse(v3Schema, json, 'nbacom', 'scoreboardv3').scoreboard.games);
}

const v2Schema = z
  .object({
    resultSets: z.object({
      GameHeader: z.object({
        rowSet: z.array(
          z.object({
            GAME_ID: z.string(),
            GAMECODE: z.string(),
            GAME_STATUS_ID: z.number().int(),
            GAME_STATUS_TEXT: z.string(),
            HOME_TEAM_ID: z.number().int(),
            VISITOR_TEAM_ID: z.number().int(),
          }),
        ),
      }),
      LineScore: z
        .object({
          rowSet: z.array(
            z.object({ GAME_ID: z.string(), TEAM_ID: z.number().int(), PTS: z.number().nullish() }),
          ),
        })
        .optional(),
    }),
  })
  .transform(({ resultSets }, ctx) => {
    const points = new Map<string, number | null>();
    for (const line of resultSets.LineScore?.rowSet ?? []) {
      points.set(`${line.GAME_ID}/${line.TEAM_ID}`, line.PTS ?? null);
    }
    return resultSets.GameHeader.rowSet.map((game, i) =>
      toRow(
        {
          identity: {
            gameId: game.GAME_ID,
            gameCode: game.GAMECODE,
            away: { teamId: game.VISITOR_TEAM_ID },
            home: { teamId: game.HOME_TEAM_ID },
          },
          sidePaths: { away: ['VISITOR_TEAM_ID'], home: ['HOME_TEAM_ID'] },
          status: game.GAME_STATUS_ID,
          statusText: game.GAME_STATUS_TEXT,
          startTimeUtc: null,
          homeScore: points.get(`${game.GAME_ID}/${game.HOME_TEAM_ID}`) ?? null,
          awayScore: points.get(`${game.GAME_ID}/${game.VISITOR_TEAM_ID}`) ?? null,
        },
        ctx,
        ['resultSets', 'GameHeader', 'rowSet', i],
      ),
    );
  });

/**
 * Parse stats.nba.com `scoreboardV2?GameDate=YYYY-MM-DD` (result sets `GameHeader` and
 * `LineScore`) into one row per game.
 * @throws SourceParseError for a malformed payload or an unknown team in a game that counts
 */
export function parseNbaScoreboardV2(json: unknown): NbaScoreboardResult {
  return split(parseResultSets(v2Schema, json, 'scoreboardV2'));
}
