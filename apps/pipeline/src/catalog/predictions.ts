import { defineTable } from '../warehouse/index.js';

/** Phases 5 and 6 tables. */

/**
 * One row per upcoming game, player, market and prediction system. `recommendation` is `OVER`,
 * `UNDER` or `PASS` (edge at most 2 points, or low confidence). `is_active` is false once a
 * newer batch replaced the row's prediction or the player was ruled out.
 */
export const playerPropPredictions = defineTable({
  name: 'nba_predictions.player_prop_predictions',
  columns: {
    game_key: 'STRING',
    player_lookup: 'STRING',
    market: 'STRING',
    system_id: 'STRING',
    game_date: 'DATE',
    batch_id: 'STRING',
    bdl_player_id: 'INT64',
    player_name: 'STRING',
    line: 'FLOAT64',
    predicted_value: 'FLOAT64',
    edge: 'FLOAT64',
    recommendation: 'STRING',
    confidence: 'FLOAT64',
    is_active: 'BOOL',
    created_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'player_lookup', 'market', 'system_id'],
  partitionBy: 'game_date',
  clusterBy: ['player_lookup', 'system_id'],
  description:
    'One row per upcoming game, player, market and system (moving_average_baseline, linear_model): line, predicted value, edge, OVER/UNDER/PASS, confidence, active flag, batch.',
});

/**
 * One row per graded prediction. A player who did not play is voided (`is_voided`, with
 * `void_reason`), not graded: its error columns are NULL. `correct_call` is NULL for a PASS.
 */
export const predictionAccuracy = defineTable({
  name: 'nba_predictions.prediction_accuracy',
  columns: {
    game_key: 'STRING',
    player_lookup: 'STRING',
    market: 'STRING',
    system_id: 'STRING',
    game_date: 'DATE',
    line: 'FLOAT64',
    predicted_value: 'FLOAT64',
    recommendation: 'STRING',
    actual_value: 'FLOAT64',
    absolute_error: 'FLOAT64',
    signed_error: 'FLOAT64',
    correct_call: 'BOOL',
    within_3: 'BOOL',
    within_5: 'BOOL',
    is_voided: 'BOOL',
    void_reason: 'STRING',
    graded_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'player_lookup', 'market', 'system_id'],
  partitionBy: 'game_date',
  clusterBy: ['system_id', 'market'],
  description:
    'One row per graded prediction: actual value, absolute and signed error, correct call (NULL for PASS), within 3 and 5 points, or voided with the reason.',
});

/** Every phase 5 and 6 table. */
export const predictionTables = [playerPropPredictions, predictionAccuracy] as const;
