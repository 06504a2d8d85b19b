import {
  playerGameSummary,
  teamDefenseGameSummary,
  teamOffenseGameSummary,
  upcomingPlayerGameContext,
  upcomingTeamGameContext,
} from '../catalog/index.js';
import type { Game, League, PlayerBox, TeamBox } from '../league/index.js';
import { normalizePlayerName } from '../sources/index.js';
import type { TableRowInput, Warehouse } from '../warehouse/index.js';
import { addDays } from './dates.js';

type SummaryRow = TableRowInput<typeof playerGameSummary>;

/** Possessions of one side: FGA - OREB + TOV + 0.44 FTA. */
export function possessions(side: TeamBox): number {
  const t = side.totals;
  return t.fga - t.oreb + t.turnover + 0.44 * t.fta;
}

/** The player-game-summary row of one box-score line, as phase 3 writes it. For tests. */
export function summaryRow(
  game: Game,
  line: PlayerBox,
  team: string,
  opponent: string,
): SummaryRow {
  return {
    game_key: game.gameKey,
    player_lookup: normalizePlayerName(line.player.fullName),
    game_date: game.date,
    bdl_player_id: line.player.bdlId,
    player_name: line.player.fullName,
    team,
    opponent,
    is_home: team === game.home,
    played: line.dnp === null,
    minutes: line.seconds / 60,
    points: line.pts,
    rebounds: line.reb,
    assists: line.ast,
    steals: line.stl,
    blocks: line.blk,
    turnovers: line.turnover,
    field_goals_made: line.fgm,
    field_goals_attempted: line.fga,
    threes_made: line.fg3m,
    threes_attempted: line.fg3a,
    free_throws_made: line.ftm,
    free_throws_attempted: line.fta,
    plus_minus: line.plusMinus,
  };
}

/**
 * Seed the phase 3 tables for pipeline date `dataDate` straight from `league`: the completed-game
 * summaries of every game from the season start to the day before, and the upcoming player and
 * team contexts of `dataDate`'s games (points lines for the first 10 slots of a roster only).
 */
export async function seedAnalytics(
  warehouse: Warehouse,
  league: League,
  dataDate: string,
): Promise<void> {
  const past = league.games.filter((game) => game.date < dataDate);
  const players: SummaryRow[] = [];
  const offense: TableRowInput<typeof teamOffenseGameSummary>[] = [];
  const defense: TableRowInput<typeof teamDefenseGameSummary>[] = [];
  for (const game of past) {
    const box = league.boxScore(game.gameId);
    for (const [side, other] of [
      [box.home, box.away],
      [box.away, box.home],
    ] as const) {
      for (const line of side.players) players.push(summaryRow(game, line, side.team, other.team));
      const own = possessions(side);
      const allowed = possessions(other);
      offense.push({
        game_key: game.gameKey,
        team: side.team,
        game_date: game.date,
        opponent: other.team,
        is_home: side.team === game.home,
        points: side.points,
        possessions: own,
        pace: own,
      });
      defense.push({
        game_key: game.gameKey,
        team: side.team,
        game_date: game.date,
        opponent: other.team,
        is_home: side.team === game.home,
        points_allowed: other.points,
        opp_field_goals_made: other.totals.fgm,
        opp_field_goals_attempted: other.totals.fga,
        opp_threes_made: other.totals.fg3m,
        opp_threes_attempted: other.totals.fg3a,
        opp_free_throws_attempted: other.totals.fta,
        opp_turnovers: other.totals.turnover,
        possessions: allowed,
        defensive_rating: (100 * other.points) / allowed,
        pace: (own + allowed) / 2,
      });
    }
  }
  const teams: TableRowInput<typeof upcomingTeamGameContext>[] = [];
  const upcoming: TableRowInput<typeof upcomingPlayerGameContext>[] = [];
  for (const game of league.gamesOn(dataDate)) {
    for (const [team, opponent, rest] of [
      [game.home, game.away, game.homeRestDays],
      [game.away, game.home, game.awayRestDays],
    ] as const) {
      const weekAgo = addDays(dataDate, -7);
      const recent = past.filter(
        (g) => g.date >= weekAgo && (g.home === team || g.away === team),
      ).length;
      const context = {
        game_key: game.gameKey,
        game_date: dataDate,
        team,
        opponent,
        is_home: team === game.home,
        days_rest: rest,
        is_back_to_back: rest === 0,
        games_last_7_days: recent,
      };
      teams.push(context);
      for (const player of league.roster(team)) {
        upcoming.push({
          ...context,
          player_lookup: normalizePlayerName(player.fullName),
          bdl_player_id: player.bdlId,
          player_name: player.fullName,
          points_line: player.slot < 10 ? 20.5 - player.slot : null,
          rebounds_line: 5.5,
          assists_line: 3.5,
          has_prop_line: player.slot < 10,
        });
      }
    }
  }
  await warehouse.merge(playerGameSummary, players);
  await warehouse.merge(teamOffenseGameSummary, offense);
  await warehouse.merge(teamDefenseGameSummary, defense);
  await warehouse.merge(upcomingTeamGameContext, teams);
  await warehouse.merge(upcomingPlayerGameContext, upcoming);
}
