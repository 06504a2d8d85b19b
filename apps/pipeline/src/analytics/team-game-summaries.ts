import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  bdlPlayerBoxscores,
  teamDefenseGameSummary,
  teamOffenseGameSummary,
} from '../catalog/index.js';
import { defineProcessor, type ProcessorContext, type ProcessorInput } from '../runtime/index.js';
import type { TableRowInput } from '../warehouse/index.js';
import { addDays } from './dates.js';
import { missingGamesReason, readScheduledGameKeys } from './schedule.js';

/** A team's totals in one game, as summed from its players' box-score lines. */
interface TeamTotals {
  points: number;
  fgm: number;
  fga: number;
  fg3m: number;
  fg3a: number;
  ftm: number;
  fta: number;
  oreb: number;
  ast: number;
  tov: number;
}

/** One team's side of a game with the opponent's side (null when its box scores are missing). */
interface TeamGame {
  game_key: string;
  game_date: string;
  team: string;
  opponent: string;
  is_home: boolean;
  own: TeamTotals;
  opp: TeamTotals | null;
}

/** Possessions: `FGA - OREB + TOV + 0.44 * FTA`. */
function possessions(totals: TeamTotals): number {
  return totals.fga - totals.oreb + totals.tov + 0.44 * totals.fta;
}

/** 100 * `points` / `possessions`, or null without possessions. */
function per100(points: number, poss: number): number | null {
  return poss > 0 ? (100 * points) / poss : null;
}

type TotalsRow = { [K in keyof TeamTotals as `${K}` | `opp_${K}`]: number | null } & {
  game_key: string;
  game_date: string;
  team: string;
  opponent: string;
  is_home: boolean;
  has_opponent: boolean;
};

const totalKeys: readonly (keyof TeamTotals)[] = [
  'points',
  'fgm',
  'fga',
  'fg3m',
  'fg3a',
  'ftm',
  'fta',
  'oreb',
  'ast',
  'tov',
];

/**
 * The team totals of every game of `gameDate` with the opponent's beside them, summed in the
 * warehouse from the player box scores (one query), plus the degraded reasons: scheduled games
 * without box scores, games with one side only.
 */
async function readTeamGames(
  gameDate: string,
  ctx: ProcessorContext,
): Promise<{ games: TeamGame[]; reasons: string[] }> {
  const { warehouse, signal } = ctx;
  const rows = await warehouse.query<TotalsRow>(
    sql`WITH sides AS (
          SELECT game_key, team, MIN(game_date) AS game_date, MIN(opponent) AS opponent,
            COUNTIF(is_home) > 0 AS is_home,
            SUM(points) AS points, SUM(field_goals_made) AS fgm,
            SUM(field_goals_attempted) AS fga, SUM(threes_made) AS fg3m,
            SUM(threes_attempted) AS fg3a, SUM(free_throws_made) AS ftm,
            SUM(free_throws_attempted) AS fta, SUM(offensive_rebounds) AS oreb,
            SUM(assists) AS ast, SUM(turnovers) AS tov
          FROM ${ident(bdlPlayerBoxscores.name)}
          WHERE game_date = ${typed(gameDate, 'DATE')}
          GROUP BY game_key, team
        )
        SELECT s.game_key AS game_key, s.team AS team, s.game_date AS game_date,
          s.opponent AS opponent, s.is_home AS is_home, o.team IS NOT NULL AS has_opponent,
          s.points AS points, s.fgm AS fgm, s.fga AS fga, s.fg3m AS fg3m, s.fg3a AS fg3a,
          s.ftm AS ftm, s.fta AS fta, s.oreb AS oreb, s.ast AS ast, s.tov AS tov,
          o.points AS opp_points, o.fgm AS opp_fgm, o.fga AS opp_fga, o.fg3m AS opp_fg3m,
          o.fg3a AS opp_fg3a, o.ftm AS opp_ftm, o.fta AS opp_fta, o.oreb AS opp_oreb,
          o.ast AS opp_ast, o.tov AS opp_tov
        FROM sides s
        LEFT JOIN sides o ON o.game_key = s.game_key AND o.team = s.opponent
        ORDER BY s.game_key, s.team`,
    { signal },
  );
  const games = rows.map((row): TeamGame => {
    const own = {} as TeamTotals;
    const opp = {} as TeamTotals;
    for (const key of totalKeys) {
      own[key] = row[key] ?? 0;
      opp[key] = row[`opp_${key}`] ?? 0;
    }
    return {
      game_key: row.game_key,
      game_date: row.game_date,
      team: row.team,
      opponent: row.opponent,
      is_home: row.is_home,
      own,
      opp: row.has_opponent ? opp : null,
    };
  });
  const reasons: string[] = [];
  const scheduled = await readScheduledGameKeys(warehouse, gameDate, signal);
  const missing = missingGamesReason(
    'box scores',
    gameDate,
    scheduled,
    new Set(games.map((game) => game.game_key)),
  );
  if (missing !== undefined) reasons.push(missing);
  const oneSided = games.filter((game) => game.opp === null);
  if (oneSided.length > 0) {
    reasons.push(
      `no box scores for the opponent of ${oneSided.map((g) => `${g.team} in ${g.game_key}`).join(', ')}`,
    );
  }
  return { games, reasons };
}

function degrade(ctx: { markDegraded(reason: string): void }, reasons: readonly string[]): void {
  for (const reason of reasons) ctx.markDegraded(reason);
}

function pace(game: TeamGame): number | null {
  return game.opp === null ? null : (possessions(game.own) + possessions(game.opp)) / 2;
}

/**
 * Phase 3: one row per team of every game of the day before the pipeline date: points,
 * shooting, offensive rebounds, assists, turnovers, possessions, offensive rating, pace (the mean
 * possessions of both teams) and win. Replaces that day's partition. Degraded when scheduled games
 * or one side of a game have no box scores (win and pace are then null).
 */
export const teamOffenseGameSummaryProcessor = defineProcessor<ProcessorInput>({
  name: 'team_offense_game_summary',
  phase: 3,
  outputs: [teamOffenseGameSummary],
  async run({ dataDate }, ctx) {
    const gameDate = addDays(dataDate, -1);
    const processedAt = new Date(ctx.clock.now()).toISOString();
    const { games, reasons } = await readTeamGames(gameDate, ctx);
    degrade(ctx, reasons);
    const rows = games.map((game): TableRowInput<typeof teamOffenseGameSummary> => {
      const poss = possessions(game.own);
      return {
        game_key: game.game_key,
        team: game.team,
        game_date: game.game_date,
        opponent: game.opponent,
        is_home: game.is_home,
        win: game.opp === null ? null : game.own.points > game.opp.points,
        points: game.own.points,
        field_goals_made: game.own.fgm,
        field_goals_attempted: game.own.fga,
        threes_made: game.own.fg3m,
        threes_attempted: game.own.fg3a,
        free_throws_made: game.own.ftm,
        free_throws_attempted: game.own.fta,
        offensive_rebounds: game.own.oreb,
        assists: game.own.ast,
        turnovers: game.own.tov,
        possessions: poss,
        offensive_rating: per100(game.own.points, poss),
        pace: pace(game),
        processed_at: processedAt,
      };
    });
    await ctx.warehouse.replacePartition(teamOffenseGameSummary, gameDate, rows, {
      signal: ctx.signal,
    });
    return { rows: rows.length };
  },
});

/**
 * Phase 3: one row per team of every game of the day before the pipeline date, with what it
 * allowed: the opponent's points, shots and turnovers, the opponent's possessions (those the
 * team defended), defensive rating (100 * points allowed / those possessions) and pace. A team
 * whose opponent has no box scores gets no row (the run is degraded). Replaces that day's
 * partition.
 */
export const teamDefenseGameSummaryProcessor = defineProcessor<ProcessorInput>({
  name: 'team_defense_game_summary',
  phase: 3,
  outputs: [teamDefenseGameSummary],
  async run({ dataDate }, ctx) {
    const gameDate = addDays(dataDate, -1);
    const processedAt = new Date(ctx.clock.now()).toISOString();
    const { games, reasons } = await readTeamGames(gameDate, ctx);
    degrade(ctx, reasons);
    const rows: TableRowInput<typeof teamDefenseGameSummary>[] = [];
    for (const game of games) {
      if (game.opp === null) continue;
      const poss = possessions(game.opp);
      rows.push({
        game_key: game.game_key,
        team: game.team,
        game_date: game.game_date,
        opponent: game.opponent,
        is_home: game.is_home,
        points_allowed: game.opp.points,
        opp_field_goals_made: game.opp.fgm,
        opp_field_goals_attempted: game.opp.fga,
        opp_threes_made: game.opp.fg3m,
        opp_threes_attempted: game.opp.fg3a,
        opp_free_throws_attempted: game.opp.fta,
        opp_turnovers: game.opp.tov,
        possessions: poss,
        defensive_rating: per100(game.opp.points, poss),
        pace: pace(game),
        processed_at: processedAt,
      });
    }
    await ctx.warehouse.replacePartition(teamDefenseGameSummary, gameDate, rows, {
      signal: ctx.signal,
    });
    return { rows: rows.length };
  },
});
