import { defineTable } from '../warehouse/index.js';

/**
 * Phase 3 tables. Completed-game summaries (`player_game_summary`, the team summaries) hold the
 * games of the day before the pipeline date; the upcoming contexts hold the games of the
 * pipeline date itself.
 */

/** One row per completed game and player (DNPs included with `played` false). */
export const playerGameSummary = defineTable({
  name: 'nba_analytics.player_game_summary',
  columns: {
    game_key: 'STRING',
    player_lookup: 'STRING',
    game_date: 'DATE',
    bdl_player_id: 'INT64',
    player_name: 'STRING',
    team: 'STRING',
    opponent: 'STRING',
    is_home: 'BOOL',
    played: 'BOOL',
    minutes: 'FLOAT64',
    points: 'INT64',
    rebounds: 'INT64',
    assists: 'INT64',
    steals: 'INT64',
    blocks: 'INT64',
    turnovers: 'INT64',
    field_goals_made: 'INT64',
    field_goals_attempted: 'INT64',
    threes_made: 'INT64',
    threes_attempted: 'INT64',
    free_throws_made: 'INT64',
    free_throws_attempted: 'INT64',
    plus_minus: 'INT64',
    true_shooting_pct: 'FLOAT64',
    usage_share: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'player_lookup'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup', 'team'],
  description:
    "One row per completed game and player: minutes, counting stats, shooting, true shooting, share of the team's shots; played false for a DNP.",
});

/** One row per completed game and team: the team's offence. */
export const teamOffenseGameSummary = defineTable({
  name: 'nba_analytics.team_offense_game_summary',
  columns: {
    game_key: 'STRING',
    team: 'STRING',
    game_date: 'DATE',
    opponent: 'STRING',
    is_home: 'BOOL',
    win: 'BOOL',
    points: 'INT64',
    field_goals_made: 'INT64',
    field_goals_attempted: 'INT64',
    threes_made: 'INT64',
    threes_attempted: 'INT64',
    free_throws_made: 'INT64',
    free_throws_attempted: 'INT64',
    offensive_rebounds: 'INT64',
    assists: 'INT64',
    turnovers: 'INT64',
    possessions: 'FLOAT64',
    offensive_rating: 'FLOAT64',
    pace: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'team'],
  partitionBy: 'game_date',
  clusterBy: ['team'],
  description:
    'One row per completed game and team: points, shooting, rebounds, turnovers, possessions (FGA - OREB + TOV + 0.44 FTA), offensive rating per 100 possessions, pace.',
});

/** One row per completed game and team: what the team allowed. */
export const teamDefenseGameSummary = defineTable({
  name: 'nba_analytics.team_defense_game_summary',
  columns: {
    game_key: 'STRING',
    team: 'STRING',
    game_date: 'DATE',
    opponent: 'STRING',
    is_home: 'BOOL',
    points_allowed: 'INT64',
    opp_field_goals_made: 'INT64',
    opp_field_goals_attempted: 'INT64',
    opp_threes_made: 'INT64',
    opp_threes_attempted: 'INT64',
    opp_free_throws_attempted: 'INT64',
    opp_turnovers: 'INT64',
    possessions: 'FLOAT64',
    defensive_rating: 'FLOAT64',
    pace: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'team'],
  partitionBy: 'game_date',
  clusterBy: ['team'],
  description:
    'One row per completed game and team: points and shots allowed, opponent turnovers, possessions, defensive rating per 100 possessions, pace.',
});

/** One row per game of the pipeline date and player expected to be available for it. */
export const upcomingPlayerGameContext = defineTable({
  name: 'nba_analytics.upcoming_player_game_context',
  columns: {
    game_key: 'STRING',
    player_lookup: 'STRING',
    game_date: 'DATE',
    bdl_player_id: 'INT64',
    player_name: 'STRING',
    team: 'STRING',
    opponent: 'STRING',
    is_home: 'BOOL',
    days_rest: 'INT64',
    is_back_to_back: 'BOOL',
    games_last_7_days: 'INT64',
    injury_status: 'STRING',
    points_line: 'FLOAT64',
    rebounds_line: 'FLOAT64',
    assists_line: 'FLOAT64',
    bookmaker_count: 'INT64',
    has_prop_line: 'BOOL',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'player_lookup'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup', 'team'],
  description:
    'One row per upcoming game and rostered player: rest, back-to-back, games in the last 7 days, injury status, consensus main lines (median over bookmakers) per market.',
});

/** One row per game of the pipeline date and team. */
export const upcomingTeamGameContext = defineTable({
  name: 'nba_analytics.upcoming_team_game_context',
  columns: {
    game_key: 'STRING',
    team: 'STRING',
    game_date: 'DATE',
    opponent: 'STRING',
    is_home: 'BOOL',
    start_time_utc: 'TIMESTAMP',
    days_rest: 'INT64',
    is_back_to_back: 'BOOL',
    games_last_7_days: 'INT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'team'],
  partitionBy: 'game_date',
  clusterBy: ['team'],
  description:
    'One row per upcoming game and team: opponent, home or away, start, rest days, back-to-back, games in the last 7 days.',
});

/** Every phase 3 table. */
export const analyticsTables = [
  playerGameSummary,
  teamOffenseGameSummary,
  teamDefenseGameSummary,
  upcomingPlayerGameContext,
  upcomingTeamGameContext,
] as const;
