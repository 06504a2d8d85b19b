import {
  bdlPlayerBoxscores,
  espnTeamRosters,
  nbacSchedule,
  oddsApiPlayerProps,
} from '../catalog/index.js';
import { isInjured, type League, type PlayerBox } from '../league/index.js';
import { normalizePlayerName } from '../sources/index.js';
import type { TableRowInput, Warehouse } from '../warehouse/index.js';
import { addDays } from './dates.js';

/** Raw rows as phase 2 writes them, built straight from a generated league. For tests. */
export function scheduleRows(league: League): TableRowInput<typeof nbacSchedule>[] {
  return league.games.map((game) => ({
    game_key: game.gameKey,
    game_id: game.gameId,
    game_code: game.gameCode,
    game_date: game.date,
    start_time_utc: new Date(game.startMs).toISOString(),
    season: league.season,
    season_type: 'Regular Season',
    is_regular_season: true,
    home_team: game.home,
    away_team: game.away,
    status: 'Scheduled',
  }));
}

/** The balldontlie box-score rows of the games of `date`, DNPs included. */
export function boxScoreRows(
  league: League,
  date: string,
): TableRowInput<typeof bdlPlayerBoxscores>[] {
  return league.gamesOn(date).flatMap((game) => {
    const box = league.boxScore(game.gameId);
    const side = (players: readonly PlayerBox[], team: string, opponent: string, isHome: boolean) =>
      players.map((line) => ({
        game_key: game.gameKey,
        bdl_player_id: line.player.bdlId,
        game_date: date,
        bdl_game_id: game.bdlId,
        player_name: line.player.fullName,
        player_lookup: normalizePlayerName(line.player.fullName),
        team,
        opponent,
        is_home: isHome,
        played: line.dnp === null,
        minutes: line.seconds / 60,
        points: line.pts,
        rebounds: line.reb,
        offensive_rebounds: line.oreb,
        defensive_rebounds: line.dreb,
        assists: line.ast,
        steals: line.stl,
        blocks: line.blk,
        turnovers: line.turnover,
        personal_fouls: line.pf,
        field_goals_made: line.fgm,
        field_goals_attempted: line.fga,
        threes_made: line.fg3m,
        threes_attempted: line.fg3a,
        free_throws_made: line.ftm,
        free_throws_attempted: line.fta,
        plus_minus: line.plusMinus,
      }));
    return [
      ...side(box.home.players, game.home, game.away, true),
      ...side(box.away.players, game.away, game.home, false),
    ];
  });
}

/** ESPN roster rows of `date` for every team playing on it (injured players `Out`). */
export function rosterRows(league: League, date: string): TableRowInput<typeof espnTeamRosters>[] {
  const teams = league.gamesOn(date).flatMap((game) => [game.home, game.away]);
  return teams.flatMap((team) =>
    league.roster(team).map((player) => ({
      roster_date: date,
      team,
      espn_athlete_id: player.espnId,
      player_name: player.fullName,
      player_lookup: normalizePlayerName(player.fullName),
      status: 'Active',
      injury_status: isInjured(player, date) ? 'Out' : null,
    })),
  );
}

/** The Odds API main-line rows of the games of `date`, every book, market and player. */
export function propRows(league: League, date: string): TableRowInput<typeof oddsApiPlayerProps>[] {
  return league.gamesOn(date).flatMap((game) =>
    league.props(game.gameId).bookmakers.flatMap((book) =>
      book.markets.flatMap((market) =>
        market.lines.map((line) => ({
          game_key: game.gameKey,
          bookmaker: book.key,
          market: market.key,
          player_lookup: normalizePlayerName(line.player.fullName),
          line_key: String(line.point),
          game_date: date,
          event_id: game.oddsEventId,
          player_name: line.player.fullName,
          line: line.point,
          over_price: line.overPrice,
          under_price: line.underPrice,
          is_main_line: true,
        })),
      ),
    ),
  );
}

/**
 * Seed the raw tables as phase 2 of pipeline date `date` and the day before would have: the
 * whole schedule, box scores of the two days before `date`, rosters and props of `date`.
 */
export async function seedRaw(warehouse: Warehouse, league: League, date: string): Promise<void> {
  await warehouse.merge(nbacSchedule, scheduleRows(league));
  await warehouse.merge(bdlPlayerBoxscores, [
    ...boxScoreRows(league, addDays(date, -2)),
    ...boxScoreRows(league, addDays(date, -1)),
  ]);
  await warehouse.merge(espnTeamRosters, rosterRows(league, date));
  await warehouse.merge(oddsApiPlayerProps, propRows(league, date));
}
