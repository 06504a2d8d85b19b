import { defineTable } from '../warehouse/index.js';

/**
 * Phase 2 tables: one per source, each row one record of a raw payload, on the canonical game
 * key (`20260124_BOS_CHI`) and, for players, `player_lookup` (`normalizePlayerName` of the name:
 * the one player key every table joins on). `source_file_path` is the object path of the payload.
 */

/** NBA.com's schedule: one row per game of the season. */
export const nbacSchedule = defineTable({
  name: 'nba_raw.nbac_schedule',
  columns: {
    game_key: 'STRING',
    game_id: 'STRING',
    game_code: 'STRING',
    game_date: 'DATE',
    start_time_utc: 'TIMESTAMP',
    season: 'STRING',
    season_type: 'STRING',
    is_regular_season: 'BOOL',
    home_team: 'STRING',
    home_team_id: 'INT64',
    away_team: 'STRING',
    away_team_id: 'INT64',
    status: 'STRING',
    source_file_path: 'STRING',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key'],
  partitionBy: 'game_date',
  clusterBy: ['home_team', 'away_team'],
  description:
    'One row per scheduled game, from NBA.com: canonical key, NBA.com id and code, date (US Eastern), start, teams, status.',
});

/** ESPN's team rosters as seen on a day: one row per team and athlete. */
export const espnTeamRosters = defineTable({
  name: 'nba_raw.espn_team_rosters',
  columns: {
    roster_date: 'DATE',
    team: 'STRING',
    espn_athlete_id: 'STRING',
    player_name: 'STRING',
    player_lookup: 'STRING',
    position: 'STRING',
    jersey: 'STRING',
    status: 'STRING',
    injury_status: 'STRING',
    source_file_path: 'STRING',
    processed_at: 'TIMESTAMP',
  },
  keys: ['roster_date', 'team', 'espn_athlete_id'],
  partitionBy: 'roster_date',
  clusterBy: ['team', 'player_lookup'],
  description:
    'One row per team and athlete on the roster ESPN served on roster_date, with position, jersey, status and injury status.',
});

/** balldontlie's player box scores: one row per game and player (DNPs included, `played` false). */
export const bdlPlayerBoxscores = defineTable({
  name: 'nba_raw.bdl_player_boxscores',
  columns: {
    game_key: 'STRING',
    bdl_player_id: 'INT64',
    game_date: 'DATE',
    bdl_game_id: 'INT64',
    player_name: 'STRING',
    player_lookup: 'STRING',
    position: 'STRING',
    team: 'STRING',
    opponent: 'STRING',
    is_home: 'BOOL',
    played: 'BOOL',
    minutes: 'FLOAT64',
    points: 'INT64',
    rebounds: 'INT64',
    offensive_rebounds: 'INT64',
    defensive_rebounds: 'INT64',
    assists: 'INT64',
    steals: 'INT64',
    blocks: 'INT64',
    turnovers: 'INT64',
    personal_fouls: 'INT64',
    field_goals_made: 'INT64',
    field_goals_attempted: 'INT64',
    threes_made: 'INT64',
    threes_attempted: 'INT64',
    free_throws_made: 'INT64',
    free_throws_attempted: 'INT64',
    plus_minus: 'INT64',
    source_file_path: 'STRING',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'bdl_player_id'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup', 'team'],
  description:
    'One row per game and player from balldontlie /v1/stats: minutes (decimal), counting stats, shooting, plus-minus; played false for a DNP.',
});

/**
 * The Odds API player props: one row per game, bookmaker, market, player and line (alternate
 * lines included; `is_main_line` marks the one to use). `line_key` is the line as text
 * (`'23.5'`), since a FLOAT64 cannot be a key; outcomes with no line are not stored.
 */
export const oddsApiPlayerProps = defineTable({
  name: 'nba_raw.odds_api_player_props',
  columns: {
    game_key: 'STRING',
    bookmaker: 'STRING',
    market: 'STRING',
    player_lookup: 'STRING',
    line_key: 'STRING',
    game_date: 'DATE',
    event_id: 'STRING',
    player_name: 'STRING',
    line: 'FLOAT64',
    over_price: 'FLOAT64',
    under_price: 'FLOAT64',
    is_main_line: 'BOOL',
    last_update: 'TIMESTAMP',
    snapshot_time: 'TIMESTAMP',
    source_file_path: 'STRING',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'bookmaker', 'market', 'player_lookup', 'line_key'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup', 'market'],
  description:
    'One row per game, bookmaker, market (player_points, player_rebounds, player_assists), player and line, with Over and Under prices (American) and whether it is the main line.',
});

/** Every phase 2 table. */
export const rawTables = [
  nbacSchedule,
  espnTeamRosters,
  bdlPlayerBoxscores,
  oddsApiPlayerProps,
] as const;
