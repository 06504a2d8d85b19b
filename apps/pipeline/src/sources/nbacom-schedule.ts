import { z } from 'zod';
import type { NbaSeasonType, Tricode } from './game-ids.js';
import { resolveNbaGame } from './nbacom-game.js';
import { parseResponse } from './parse-response.js';
import { instantSchema } from './schemas.js';

/** Where a game stands: NBA.com's `gameStatus` 1, 2 and 3. */
export type GameStatus = 'scheduled' | 'in_progress' | 'final';

const statuses: Readonly<Record<number, GameStatus>> = {
  1: 'scheduled',
  2: 'in_progress',
  3: 'final',
};

/** NBA.com's numeric game status (1, 2, 3) as a {@link GameStatus}, or undefined for another. */
export function nbaGameStatus(status: number): GameStatus | undefined {
  return statuses[status];
}

/** One game of the NBA.com season schedule. */
export interface NbaScheduleRow {
  /** NBA.com game id, `0022500647`. */
  readonly game_id: string;
  /** NBA.com game code, `20260124/BOSCHI`. */
  readonly game_code: string;
  /** Canonical game key, `20260124_BOS_CHI`. */
  readonly game_key: string;
  /** US Eastern date, `YYYY-MM-DD`. */
  readonly game_date: string;
  /** Tip-off, UTC ISO string. */
  readonly start_time_utc: string;
  readonly home_team: Tricode;
  readonly home_team_id: number;
  readonly away_team: Tricode;
  readonly away_team_id: number;
  readonly status: GameStatus;
  /** As NBA.com shows it: `Final`, `7:30 pm ET`. */
  readonly status_text: string;
  /** From the game id's type digit. */
  readonly season_type: NbaSeasonType;
  /** True for regular-season games only (NBA Cup group and knockout games included). */
  readonly is_regular_season: boolean;
  /** `2025-26`. */
  readonly season: string;
  /** Played at a neutral site (global games). */
  readonly is_neutral: boolean;
  /** `Preseason`, `Emirates NBA Cup`, or empty. */
  readonly game_label: string;
}

/** A game the schedule lists that has no canonical row, and why. */
export interface SkippedNbaGame {
  readonly game_id: string;
  readonly game_code: string;
  readonly reason: string;
}

/** What {@link parseNbaSchedule} returns. */
export interface NbaScheduleResult {
  readonly rows: NbaScheduleRow[];
  /** Preseason games against guest clubs, All-Star games, games whose teams are not yet known. */
  readonly skipped: SkippedNbaGame[];
}

const teamSchema = z.object({ teamId: z.number().int(), teamTricode: z.string() });

type Parsed = { row: Omit<NbaScheduleRow, 'season'> } | { skipped: SkippedNbaGame };

const sidePaths = { away: ['awayTeam', 'teamTricode'], home: ['homeTeam', 'teamTricode'] };

const gameSchema = z
  .object({
    gameId: z.string(),
    gameCode: z.string(),
    gameStatus: z.number().int(),
    gameStatusText: z.string(),
    gameDateTimeUTC: instantSchema,
    isNeutral: z.boolean().optional(),
    gameLabel: z.string().optional(),
    homeTeam: teamSchema,
    awayTeam: teamSchema,
  })
  .transform((game, ctx): Parsed => {
    const status = nbaGameStatus(game.gameStatus);
    if (status === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown game status ${game.gameStatus}`,
        path: ['gameStatus'],
      });
      return z.NEVER;
    }
    const resolved = resolveNbaGame(
      {
        gameId: game.gameId,
        gameCode: game.gameCode,
        away: { tricode: game.awayTeam.teamTricode, teamId: game.awayTeam.teamId },
        home: { tricode: game.homeTeam.teamTricode, teamId: game.homeTeam.teamId },
      },
      sidePaths,
    );
    if (resolved.kind === 'issue') {
      ctx.addIssue({ code: 'custom', message: resolved.message, path: resolved.path });
      return z.NEVER;
    }
    if (resolved.kind === 'skip') {
      return {
        skipped: { game_id: game.gameId, game_code: game.gameCode, reason: resolved.reason },
      };
    }
    return {
      row: {
        game_id: game.gameId,
        game_code: game.gameCode,
        game_key: resolved.gameKey,
        game_date: resolved.date,
        start_time_utc: game.gameDateTimeUTC,
        home_team: resolved.home,
        home_team_id: game.homeTeam.teamId,
        away_team: resolved.away,
        away_team_id: game.awayTeam.teamId,
        status,
        status_text: game.gameStatusText,
        season_type: resolved.seasonType,
        is_regular_season: resolved.seasonType === 'regular',
        is_neutral: game.isNeutral ?? false,
        game_label: game.gameLabel ?? '',
      },
    };
  });

const scheduleSchema = z.object({
  leagueSchedule: z.object({
    seasonYear: z.string(),
    gameDates: z.array(z.object({ games: z.array(gameSchema) })),
  }),
});

/**
 * Parse NBA.com's season schedule (`cdn.nba.com/static/json/staticData/scheduleLeagueV2_1.json`)
 * into one row per game between two NBA teams, preseason and playoffs included and flagged by
 * `season_type`; games against guest clubs, All-Star games and games whose teams are not yet
 * known are listed in `skipped`.
 * @throws SourceParseError for a malformed payload, or an unknown team in a game that counts
 */
export function parseNbaSchedule(json: unknown): NbaScheduleResult {
  const parsed = parseResponse(scheduleSchema, json, 'nbacom', 'scheduleLeagueV2');
  const season = parsed.leagueSchedule.seasonYear;
  const rows: NbaScheduleRow[] = [];
  const skipped: SkippedNbaGame[] = [];
  for (const day of parsed.leagueSchedule.gameDates) {
    for (const game of day.games) {
      if ('row' in game) rows.push({ ...game.row, season });
      else skipped.push(game.skipped);
    }
  }
  return { rows, skipped };
}
