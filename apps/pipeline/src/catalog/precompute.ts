import { defineTable } from '../warehouse/index.js';

/**
 * Phase 4 tables, for the games of the pipeline date (`analysis_date` / `game_date`), computed
 * only from games before that date (no leakage).
 */

/** One row per player with history: the player's shot profile over the season so far. */
export const playerShotZoneAnalysis = defineTable({
  name: 'nba_precompute.player_shot_zone_analysis',
  columns: {
    analysis_date: 'DATE',
    player_lookup: 'STRING',
    games_used: 'INT64',
    field_goals_attempted_per_game: 'FLOAT64',
    two_pt_rate: 'FLOAT64',
    three_pt_rate: 'FLOAT64',
    free_throw_rate: 'FLOAT64',
    effective_fg_pct: 'FLOAT64',
    true_shooting_pct: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['analysis_date', 'player_lookup'],
  partitionBy: 'analysis_date',
  clusterBy: ['player_lookup'],
  description:
    'One row per player and analysis date: shot profile from games before that date (attempt rates by kind, effective FG%, true shooting).',
});

/** One row per team: what it allowed over the season so far. */
export const teamDefenseZoneAnalysis = defineTable({
  name: 'nba_precompute.team_defense_zone_analysis',
  columns: {
    analysis_date: 'DATE',
    team: 'STRING',
    games_used: 'INT64',
    defensive_rating: 'FLOAT64',
    pace: 'FLOAT64',
    opp_three_pt_rate: 'FLOAT64',
    opp_effective_fg_pct: 'FLOAT64',
    points_allowed_per_game: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['analysis_date', 'team'],
  partitionBy: 'analysis_date',
  clusterBy: ['team'],
  description:
    'One row per team and analysis date: defensive rating, pace, opponent three-point rate and effective FG%, points allowed, from games before that date.',
});

/** One row per player with history: rolling averages (critical for the feature store). */
export const playerDailyCache = defineTable({
  name: 'nba_precompute.player_daily_cache',
  columns: {
    analysis_date: 'DATE',
    player_lookup: 'STRING',
    bdl_player_id: 'INT64',
    team: 'STRING',
    games_played_season: 'INT64',
    last_game_date: 'DATE',
    points_avg_last_5: 'FLOAT64',
    points_avg_last_10: 'FLOAT64',
    points_avg_season: 'FLOAT64',
    points_std_last_10: 'FLOAT64',
    minutes_avg_last_10: 'FLOAT64',
    rebounds_avg_last_10: 'FLOAT64',
    rebounds_avg_season: 'FLOAT64',
    assists_avg_last_10: 'FLOAT64',
    assists_avg_season: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['analysis_date', 'player_lookup'],
  partitionBy: 'analysis_date',
  clusterBy: ['player_lookup'],
  description:
    'One row per player and analysis date: games played, rolling and season averages of points, minutes, rebounds, assists (games played only), points spread over the last 10.',
});

/** One row per upcoming game and player: adjustment factors from context and matchup. */
export const playerCompositeFactors = defineTable({
  name: 'nba_precompute.player_composite_factors',
  columns: {
    analysis_date: 'DATE',
    game_key: 'STRING',
    player_lookup: 'STRING',
    fatigue_factor: 'FLOAT64',
    matchup_factor: 'FLOAT64',
    pace_factor: 'FLOAT64',
    total_adjustment: 'FLOAT64',
    processed_at: 'TIMESTAMP',
  },
  keys: ['analysis_date', 'game_key', 'player_lookup'],
  partitionBy: 'analysis_date',
  clusterBy: ['player_lookup'],
  description:
    'One row per upcoming game and player: fatigue (rest, back-to-back, games in 7 days), matchup (opponent defence vs shot profile) and pace factors, and their total points adjustment.',
});

/**
 * One row per upcoming game and player: the features predictions read (critical). Null where an
 * optional upstream was missing; `feature_quality` is the share of features present.
 */
export const mlFeatureStore = defineTable({
  name: 'nba_predictions.ml_feature_store',
  columns: {
    game_date: 'DATE',
    game_key: 'STRING',
    player_lookup: 'STRING',
    bdl_player_id: 'INT64',
    player_name: 'STRING',
    team: 'STRING',
    opponent: 'STRING',
    is_home: 'BOOL',
    points_avg_last_5: 'FLOAT64',
    points_avg_last_10: 'FLOAT64',
    points_avg_season: 'FLOAT64',
    points_std_last_10: 'FLOAT64',
    minutes_avg_last_10: 'FLOAT64',
    rebounds_avg_last_10: 'FLOAT64',
    rebounds_avg_season: 'FLOAT64',
    assists_avg_last_10: 'FLOAT64',
    assists_avg_season: 'FLOAT64',
    games_last_7_days: 'INT64',
    is_back_to_back: 'BOOL',
    days_rest: 'INT64',
    opponent_def_rating: 'FLOAT64',
    opponent_pace: 'FLOAT64',
    total_adjustment: 'FLOAT64',
    points_line: 'FLOAT64',
    rebounds_line: 'FLOAT64',
    assists_line: 'FLOAT64',
    feature_quality: 'FLOAT64',
    features_version: 'STRING',
    processed_at: 'TIMESTAMP',
  },
  keys: ['game_date', 'game_key', 'player_lookup'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup'],
  description:
    'One row per upcoming game and player: rolling points and minutes averages and spread, rebounds and assists, games in the last 7 days, back-to-back, home or away, rest, opponent defensive rating and pace, composite adjustment, the Vegas lines, feature quality.',
});

/** Every phase 4 table. */
export const precomputeTables = [
  playerShotZoneAnalysis,
  teamDefenseZoneAnalysis,
  playerDailyCache,
  playerCompositeFactors,
  mlFeatureStore,
] as const;
