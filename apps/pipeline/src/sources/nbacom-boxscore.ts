import { z } from 'zod';
import { formatGameKey, gameKeyFromNbaGameCode, parseNbaGameId, type Tricode } from './game-ids.js';
import { minutesSchema } from './minutes.js';
import { parseResultSets } from './nbacom-result-sets.js';
import { parseResponse } from './parse-response.js';
import { countSchema, tricodeSchema } from './schemas.js';

/** One player in one game from an NBA.com box score or game log. */
export interface NbaPlayerBoxRow {
  /** NBA.com game id, `0022200552`. */
  readonly game_id: string;
  /**
   * Canonical game key, or null when the payload has no date (stats.nba.com
   * boxscoretraditionalv2/v3): join `game_id` to the schedule with `gameKeyFromNbaGameId`.
   */
  readonly game_key: string | null;
  readonly team: Tricode;
  readonly nba_player_id: number;
  readonly player_name: string;
  /** Null where the payload does not say (leaguegamelog). */
  readonly starter: boolean | null;
  /** False for DNP and inactive players, whose minutes are 0. */
  readonly played: boolean;
  readonly minutes: number;
  /** Why a player did not play (`DNP - Coach's Decision`, `Right foot soreness`), else null. */
  readonly dnp_reason: string | null;
  readonly points: number;
  readonly rebounds: number;
  readonly assists: number;
  readonly threes_made: number;
  readonly steals: number;
  readonly blocks: number;
  readonly turnovers: number;
}

const gameIdSchema = z.string().refine((id) => {
  try {
    parseNbaGameId(id);
    return true;
  } catch {
    return false;
  }
}, 'expected an NBA.com game id (00TYYNNNNN)');

function text(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

// cdn.nba.com liveData: minutes "PT20M46.00S", `played`/`starter` the strings "1"/"0".
const livePlayerSchema = z.object({
  personId: z.number().int(),
  name: z.string(),
  starter: z.string().optional(),
  played: z.string().optional(),
  notPlayingReason: z.string().optional(),
  notPlayingDescription: z.string().optional(),
  statistics: z.object({
    minutes: minutesSchema,
    points: countSchema,
    reboundsTotal: countSchema,
    assists: countSchema,
    threePointersMade: countSchema,
    steals: countSchema,
    blocks: countSchema,
    turnovers: countSchema,
  }),
});

const liveTeamSchema = z.object({
  teamTricode: tricodeSchema('nbacom'),
  players: z.array(livePlayerSchema),
});

const liveSchema = z.object({
  game: z.object({
    gameId: gameIdSchema,
    gameCode: z.string().transform((code, ctx) => {
      try {
        return gameKeyFromNbaGameCode(code);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    homeTeam: liveTeamSchema,
    awayTeam: liveTeamSchema,
  }),
});

/**
 * Parse cdn.nba.com `liveData/boxscore/boxscore_{gameId}.json` into one row per listed player,
 * inactive ones included (`played: false`, the reason in `dnp_reason`).
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseNbaLiveBoxScore(json: unknown): NbaPlayerBoxRow[] {
  const { game } = parseResponse(liveSchema, json, 'nbacom', 'liveData/boxscore');
  const game_key = game.gameCode;
  return [game.awayTeam, game.homeTeam].flatMap((team) =>
    team.players.map((p) => {
      const played = p.played === undefined ? p.statistics.minutes > 0 : p.played === '1';
      return {
        game_id: game.gameId,
        game_key,
        team: team.teamTricode,
        nba_player_id: p.personId,
        player_name: p.name,
        starter: p.starter === undefined ? null : p.starter === '1',
        played,
        minutes: played ? p.statistics.minutes : 0,
        dnp_reason: played ? null : (text(p.notPlayingDescription) ?? text(p.notPlayingReason)),
        points: p.statistics.points,
        rebounds: p.statistics.reboundsTotal,
        assists: p.statistics.assists,
        threes_made: p.statistics.threePointersMade,
        steals: p.statistics.steals,
        blocks: p.statistics.blocks,
        turnovers: p.statistics.turnovers,
      };
    }),
  );
}

// stats.nba.com boxscoretraditionalv3: minutes "7:15", "" for DNP; `position` "" for the bench.
const v3PlayerSchema = z.object({
  personId: z.number().int(),
  firstName: z.string(),
  familyName: z.string(),
  position: z.string().optional(),
  comment: z.string().optional(),
  statistics: z.object({
    minutes: minutesSchema,
    points: countSchema,
    reboundsTotal: countSchema,
    assists: countSchema,
    threePointersMade: countSchema,
    steals: countSchema,
    blocks: countSchema,
    turnovers: countSchema,
  }),
});

const v3TeamSchema = z.object({
  teamTricode: tricodeSchema('nbacom'),
  players: z.array(v3PlayerSchema),
});

const v3Schema = z.object({
  boxScoreTraditional: z.object({
    gameId: gameIdSchema,
    homeTeam: v3TeamSchema,
    awayTeam: v3TeamSchema,
  }),
});

/**
 * Parse stats.nba.com `boxscoretraditionalv3?GameID=...` into one row per player; `game_key` is
 * null (the payload has no date).
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseNbaBoxScoreV3(json: unknown): NbaPlayerBoxRow[] {
  const box = parseResponse(v3Schema, json, 'nbacom', 'boxscoretraditionalv3').boxScoreTraditional;
  return [box.awayTeam, box.homeTeam].flatMap((team) =>
    team.players.map((p) => ({
      game_id: box.gameId,
      game_key: null,
      team: team.teamTricode,
      nba_player_id: p.personId,
      player_name: `${p.firstName} ${p.familyName}`.trim(),
      starter: text(p.position) !== null,
      played: p.statistics.minutes > 0,
      minutes: p.statistics.minutes,
      dnp_reason: p.statistics.minutes > 0 ? null : text(p.comment),
      points: p.statistics.points,
      rebounds: p.statistics.reboundsTotal,
      assists: p.statistics.assists,
      threes_made: p.statistics.threePointersMade,
      steals: p.statistics.steals,
      blocks: p.statistics.blocks,
      turnovers: p.statistics.turnovers,
    })),
  );
}

// stats.nba.com boxscoretraditionalv2: MIN "45:55", null for DNP with COMMENT giving the reason.
const v2Schema = z.object({
  resultSets: z.object({
    PlayerStats: z.object({
      rowSet: z.array(
        z.object({
          GAME_ID: gameIdSchema,
          TEAM_ABBREVIATION: tricodeSchema('nbacom'),
          PLAYER_ID: z.number().int(),
          PLAYER_NAME: z.string(),
          START_POSITION: z.string().nullish(),
          COMMENT: z.string().nullish(),
          MIN: minutesSchema,
          PTS: countSchema,
          REB: countSchema,
          AST: countSchema,
          FG3M: countSchema,
          STL: countSchema,
          BLK: countSchema,
          TO: countSchema,
        }),
      ),
    }),
  }),
});

/**
 * Parse stats.nba.com `boxscoretraditionalv2?GameID=...` (result set `PlayerStats`) into one row
 * per player; `game_key` is null (the payload has no date).
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseNbaBoxScoreV2(json: unknown): NbaPlayerBoxRow[] {
  const { resultSets } = parseResultSets(v2Schema, json, 'boxscoretraditionalv2');
  return resultSets.PlayerStats.rowSet.map((p) => ({
    game_id: p.GAME_ID,
    game_key: null,
    team: p.TEAM_ABBREVIATION,
    nba_player_id: p.PLAYER_ID,
    player_name: p.PLAYER_NAME,
    starter: text(p.START_POSITION) !== null,
    played: p.MIN > 0,
    minutes: p.MIN,
    dnp_reason: p.MIN > 0 ? null : text(p.COMMENT),
    points: p.PTS,
    rebounds: p.REB,
    assists: p.AST,
    threes_made: p.FG3M,
    steals: p.STL,
    blocks: p.BLK,
    turnovers: p.TO,
  }));
}

const matchupPattern = /^([A-Z]{3}) (vs\.|@) ([A-Z]{3})$/;

// stats.nba.com leaguegamelog?PlayerOrTeam=P: MIN an integer, MATCHUP "GSW vs. NYK" or "NYK @ GSW".
const gameLogSchema = z.object({
  resultSets: z.object({
    LeagueGameLog: z.object({
      rowSet: z.array(
        z
          .object({
            GAME_ID: gameIdSchema,
            GAME_DATE: z.string(),
            MATCHUP: z.string(),
            TEAM_ABBREVIATION: tricodeSchema('nbacom'),
            PLAYER_ID: z.number().int(),
            PLAYER_NAME: z.string(),
            MIN: minutesSchema,
            PTS: countSchema,
            REB: countSchema,
            AST: countSchema,
            FG3M: countSchema,
            STL: countSchema,
            BLK: countSchema,
            TOV: countSchema,
          })
          .transform((row, ctx): NbaPlayerBoxRow => {
            const match = matchupPattern.exec(row.MATCHUP);
            if (match === null || match[1] !== row.TEAM_ABBREVIATION) {
              const message = `matchup ${JSON.stringify(row.MATCHUP)} is not "${row.TEAM_ABBREVIATION} vs. XXX" or "${row.TEAM_ABBREVIATION} @ XXX"`;
              ctx.addIssue({ code: 'custom', message, path: ['MATCHUP'] });
              return z.NEVER;
            }
            const opponent = tricodeSchema('nbacom').safeParse(match[3]);
            if (!opponent.success) {
              const message = `unknown NBA.com tricode "${match[3]}" in matchup`;
              ctx.addIssue({ code: 'custom', message, path: ['MATCHUP'] });
              return z.NEVER;
            }
            const home = match[2] === 'vs.';
            let game_key: string;
            try {
              game_key = formatGameKey({
                date: row.GAME_DATE.slice(0, 10),
                away: home ? opponent.data : row.TEAM_ABBREVIATION,
                home: home ? row.TEAM_ABBREVIATION : opponent.data,
              });
            } catch (error) {
              ctx.addIssue({
                code: 'custom',
                message: (error as Error).message,
                path: ['GAME_DATE'],
              });
              return z.NEVER;
            }
            return {
              game_id: row.GAME_ID,
              game_key,
              team: row.TEAM_ABBREVIATION,
              nba_player_id: row.PLAYER_ID,
              player_name: row.PLAYER_NAME,
              starter: null,
              // The game log lists only players who played; MIN is rounded, so 0 is possible.
              played: true,
              minutes: row.MIN,
              dnp_reason: null,
              points: row.PTS,
              rebounds: row.REB,
              assists: row.AST,
              threes_made: row.FG3M,
              steals: row.STL,
              blocks: row.BLK,
              turnovers: row.TOV,
            };
          }),
      ),
    }),
  }),
});

/**
 * Parse stats.nba.com `leaguegamelog?PlayerOrTeam=P` (result set `LeagueGameLog`) into one row
 * per player per game, the game key read from `GAME_DATE` and `MATCHUP`.
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseNbaLeagueGameLog(json: unknown): NbaPlayerBoxRow[] {
  return parseResultSets(gameLogSchema, json, 'leaguegamelog').resultSets.LeagueGameLog.rowSet;
}
