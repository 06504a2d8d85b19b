import { z } from 'zod';
import { gameKeyFromBalldontlieGame, type Tricode } from './game-ids.js';
import { minutesSchema } from './minutes.js';
import { parseResponse } from './parse-response.js';
import { countSchema, instantSchema, tricodeSchema } from './schemas.js';

const source = 'balldontlie';

/** One game from balldontlie `/v1/games` or `/v1/games/{id}`. */
export interface BalldontlieGameRow {
  readonly bdl_game_id: number;
  readonly game_key: string;
  /** US Eastern date, `YYYY-MM-DD`. */
  readonly game_date: string;
  /** Tip-off, UTC ISO string; null when balldontlie has none. */
  readonly start_time_utc: string | null;
  /** The year the season starts: `2024` for 2024-25. */
  readonly season: number;
  readonly postseason: boolean;
  /** As balldontlie writes it: `Final`, `1st Qtr`, or the start time before tip-off. */
  readonly status: string;
  readonly is_final: boolean;
  /** 4 for regulation, 5 and more after overtime. */
  readonly period: number;
  readonly home_team: Tricode;
  readonly away_team: Tricode;
  readonly home_score: number;
  readonly away_score: number;
}

/** One player in one game, from `/v1/stats` or `/v1/box_scores`. */
export interface BalldontliePlayerGameRow {
  /** The stat row's id (`/v1/stats`); null in `/v1/box_scores`. */
  readonly bdl_stat_id: number | null;
  /** Null in the older `/v1/box_scores` shape, which has no game id. */
  readonly bdl_game_id: number | null;
  readonly game_key: string;
  readonly game_date: string;
  readonly bdl_player_id: number;
  /** `first_name last_name`. */
  readonly player_name: string;
  readonly position: string;
  readonly team: Tricode;
  readonly opponent: Tricode;
  readonly is_home: boolean;
  /** False for a player with no minutes (`"00"`, `""`, null): minutes is then 0. */
  readonly played: boolean;
  /** Minutes as a number (`"38"` is 38). */
  readonly minutes: number;
  readonly points: number;
  readonly rebounds: number;
  readonly offensive_rebounds: number;
  readonly defensive_rebounds: number;
  readonly assists: number;
  readonly steals: number;
  readonly blocks: number;
  readonly turnovers: number;
  readonly personal_fouls: number;
  readonly field_goals_made: number;
  readonly field_goals_attempted: number;
  readonly threes_made: number;
  readonly threes_attempted: number;
  readonly free_throws_made: number;
  readonly free_throws_attempted: number;
  /** Only in `/v1/box_scores` since 2025; null before. */
  readonly plus_minus: number | null;
}

/** One player from `/v1/players` or `/v1/players/active`. */
export interface BalldontliePlayerRow {
  readonly bdl_player_id: number;
  readonly player_name: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly position: string;
  readonly jersey: string | null;
  /** Null for a player without a team. */
  readonly team: Tricode | null;
}

const teamSchema = z.object({ abbreviation: tricodeSchema('balldontlie') });

const gameFields = {
  date: z.string(),
  season: z.number().int(),
  status: z.string(),
  period: countSchema,
  postseason: z.boolean().optional(),
  home_team_score: countSchema,
  visitor_team_score: countSchema,
  datetime: instantSchema.nullish(),
};

/** The game key `build` returns, or undefined after adding its error as an issue at `path`. */
function guardedKey(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  build: () => string,
): string | undefined {
  try {
    return build();
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message, path });
    return undefined;
  }
}

function dateOfKey(gameKey: string): string {
  return `${gameKey.slice(0, 4)}-${gameKey.slice(4, 6)}-${gameKey.slice(6, 8)}`;
}

const gameSchema = z
  .object({
    id: z.number().int(),
    ...gameFields,
    home_team: teamSchema,
    visitor_team: teamSchema,
  })
  .transform((game, ctx): BalldontlieGameRow => {
    const game_key = guardedKey(ctx, ['date'], () =>
      gameKeyFromBalldontlieGame({
        date: game.date,
        visitor_team: { abbreviation: game.visitor_team.abbreviation },
        home_team: { abbreviation: game.home_team.abbreviation },
      }),
    );
    if (game_key === undefined) return z.NEVER;
    return {
      bdl_game_id: game.id,
      game_key,
      game_date: dateOfKey(game_key),
      start_time_utc: game.datetime ?? null,
      season: game.season,
      postseason: game.postseason ?? false,
      status: game.status,
      is_final: game.status === 'Final',
      period: game.period,
      home_team: game.home_team.abbreviation,
      away_team: game.visitor_team.abbreviation,
      home_score: game.home_team_score,
      away_score: game.visitor_team_score,
    };
  });

const statFields = {
  min: minutesSchema,
  fgm: countSchema,
  fga: countSchema,
  fg3m: countSchema,
  fg3a: countSchema,
  ftm: countSchema,
  fta: countSchema,
  oreb: countSchema,
  dreb: countSchema,
  reb: countSchema,
  ast: countSchema,
  stl: countSchema,
  blk: countSchema,
  turnover: countSchema,
  pf: countSchema,
  pts: countSchema,
  plus_minus: z.number().nullish(),
};

const playerSchema = z.object({
  id: z.number().int(),
  first_name: z.string(),
  last_name: z.string(),
  position: z.string().nullish(),
});

type StatFields = z.output<z.ZodObject<typeof statFields>>;

interface PlayerGameContext {
  readonly bdl_stat_id: number | null;
  readonly bdl_game_id: number | null;
  readonly game_key: string;
  readonly team: Tricode;
  readonly opponent: Tricode;
  readonly is_home: boolean;
}

function playerGameRow(
  context: PlayerGameContext,
  player: z.output<typeof playerSchema>,
  stats: StatFields,
): BalldontliePlayerGameRow {
  // Every field written out: a spread of `context` made this the hottest line of a season load.
  return {
    bdl_stat_id: context.bdl_stat_id,
    bdl_game_id: context.bdl_game_id,
    game_key: context.game_key,
    game_date: dateOfKey(context.game_key),
    bdl_player_id: player.id,
    player_name: `${player.first_name} ${player.last_name}`.trim(),
    position: player.position ?? '',
    team: context.team,
    opponent: context.opponent,
    is_home: context.is_home,
    played: stats.min > 0,
    minutes: stats.min,
    points: stats.pts,
    rebounds: stats.reb,
    offensive_rebounds: stats.oreb,
    defensive_rebounds: stats.dreb,
    assists: stats.ast,
    steals: stats.stl,
    blocks: stats.blk,
    turnovers: stats.turnover,
    personal_fouls: stats.pf,
    field_goals_made: stats.fgm,
    field_goals_attempted: stats.fga,
    threes_made: stats.fg3m,
    threes_attempted: stats.fg3a,
    free_throws_made: stats.ftm,
    free_throws_attempted: stats.fta,
    plus_minus: stats.plus_minus ?? null,
  };
}

const statSchema = z
  .object({
    id: z.number().int(),
    ...statFields,
    player: playerSchema,
    team: z.object({ id: z.number().int(), abbreviation: tricodeSchema('balldontlie') }),
    game: z.object({
      id: z.number().int(),
      date: z.string(),
      home_team_id: z.number().int(),
      visitor_team_id: z.number().int(),
    }),
  })
  .transform((stat, ctx): BalldontliePlayerGameRow => {
    const game_key = guardedKey(ctx, ['game'], () => gameKeyFromBalldontlieGame(stat.game));
    if (game_key === undefined) return z.NEVER;
    const [, away, home] = game_key.split('_') as [string, Tricode, Tricode];
    const team = stat.team.abbreviation;
    if (team !== home && team !== away) {
      ctx.addIssue({
        code: 'custom',
        message: `${team} did not play in ${game_key}`,
        path: ['team'],
      });
      return z.NEVER;
    }
    const is_home = team === home;
    return playerGameRow(
      {
        bdl_stat_id: stat.id,
        bdl_game_id: stat.game.id,
        game_key,
        team,
        opponent: is_home ? away : home,
        is_home,
      },
      stat.player,
      stat,
    );
  });

const boxTeamSchema = z.object({
  abbreviation: tricodeSchema('balldontlie'),
  players: z.array(z.object({ ...statFields, player: playerSchema })),
});

const boxScoreSchema = z
  .object({
    id: z.number().int().optional(),
    ...gameFields,
    home_team: boxTeamSchema,
    visitor_team: boxTeamSchema,
  })
  .transform((box, ctx): BalldontliePlayerGameRow[] => {
    const home = box.home_team.abbreviation;
    const away = box.visitor_team.abbreviation;
    const game_key = guardedKey(ctx, ['date'], () =>
      gameKeyFromBalldontlieGame({
        date: box.date,
        visitor_team: { abbreviation: away },
        home_team: { abbreviation: home },
      }),
    );
    if (game_key === undefined) return z.NEVER;
    const bdl_game_id = box.id ?? null;
    const rows: BalldontliePlayerGameRow[] = [];
    for (const [players, team, opponent, is_home] of [
      [box.home_team.players, home, away, true],
      [box.visitor_team.players, away, home, false],
    ] as const) {
      const context = { bdl_stat_id: null, bdl_game_id, game_key, team, opponent, is_home };
      for (const line of players) rows.push(playerGameRow(context, line.player, line));
    }
    return rows;
  });

const playerListSchema = z.object({
  id: z.number().int(),
  first_name: z.string(),
  last_name: z.string(),
  position: z.string().nullish(),
  jersey_number: z.string().nullish(),
  team: z.object({ abbreviation: tricodeSchema('balldontlie') }).nullish(),
});

const pageMeta = z.object({
  meta: z
    .object({ next_cursor: z.union([z.number().int(), z.string().regex(/^\d+$/)]).nullish() })
    .nullish(),
});

// Built once: zod compiles a schema on its first use.
const gamesResponse = z.object({ data: z.array(gameSchema) });
const gameResponse = z.object({ data: gameSchema });
const statsResponse = z.object({ data: z.array(statSchema) });
const boxScoresResponse = z.object({ data: z.array(boxScoreSchema) });
const playersResponse = z.object({ data: z.array(playerListSchema) });

/**
 * Parse balldontlie `/v1/games` (a page of games) into one row per game.
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseBalldontlieGames(json: unknown): BalldontlieGameRow[] {
  return parseResponse(gamesResponse, json, source, '/v1/games').data;
}

/**
 * Parse balldontlie `/v1/games/{id}` (`{ data: game }`, no `meta`) into its row.
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseBalldontlieGame(json: unknown): BalldontlieGameRow {
  return parseResponse(gameResponse, json, source, '/v1/games/{id}').data;
}

/**
 * Parse balldontlie `/v1/stats` (a page of stat rows, each nesting `player`, `team` and a `game`
 * with only team ids) into one row per player per game. `min` may be `"38"`, `"05"`, `"00"`,
 * `""` or null; a player without minutes has `played: false`.
 * @throws SourceParseError naming the path of the first bad field, as `data[3].min`
 */
export function parseBalldontlieStats(json: unknown): BalldontliePlayerGameRow[] {
  return parseResponse(statsResponse, json, source, '/v1/stats').data;
}

/**
 * Parse balldontlie `/v1/box_scores` (games with `home_team.players[]` and
 * `visitor_team.players[]`) into one row per player per game. Reads both shapes: the older one
 * without a game `id`, and the newer one with `id`, `datetime`, quarter scores and `plus_minus`.
 * An empty day (`{"data": []}`) is no rows.
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseBalldontlieBoxScores(json: unknown): BalldontliePlayerGameRow[] {
  return parseResponse(boxScoresResponse, json, source, '/v1/box_scores').data.flat();
}

/**
 * Parse balldontlie `/v1/players` or `/v1/players/active` (a page) into one row per player.
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseBalldontliePlayers(json: unknown): BalldontliePlayerRow[] {
  return parseResponse(playersResponse, json, source, '/v1/players').data.map((player) => ({
    bdl_player_id: player.id,
    player_name: `${player.first_name} ${player.last_name}`.trim(),
    first_name: player.first_name,
    last_name: player.last_name,
    position: player.position ?? '',
    jersey: player.jersey_number ?? null,
    team: player.team?.abbreviation ?? null,
  }));
}

/**
 * The cursor of the page after `page` (any balldontlie list response), or `undefined` on the last
 * page: balldontlie leaves `meta.next_cursor` out there (and single-object endpoints have no
 * `meta`).
 * @throws SourceParseError when `meta.next_cursor` is neither absent, null nor a whole number
 * @example
 * ```ts
 * let cursor: number | undefined;
 * do {
 *   const page = await fetchStats({ cursor });
 *   rows.push(...parseBalldontlieStats(page));
 *   cursor = balldontlieNextCursor(page);
 * } while (cursor !== undefined);
 * ```
 */
export function balldontlieNextCursor(page: unknown): number | undefined {
  const parsed = parseResponse(pageMeta, page, source, 'meta');
  const cursor = parsed.meta?.next_cursor;
  return cursor === undefined || cursor === null ? undefined : Number(cursor);
}
