import { ident, sql } from '@pipewell/clients/sql';
import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { playerGameSummary, playerPropPredictions, predictionAccuracy } from '../catalog/index.js';
import { runProcessor } from '../runtime/index.js';
import { gradingEntries } from './entries.js';
import { predictionExport } from './prediction-export.js';
import { predictionGrading } from './prediction-grading.js';
import {
  type GradingKit,
  games,
  gradedDate,
  openGradingKit,
  pipelineDate,
  prediction,
  summary,
} from './test-fixtures.js';

let clock: VirtualClock;
let grading: GradingKit;
const firstRunAt = '2026-01-25T09:00:00.000Z';

beforeEach(async () => {
  clock = createVirtualClock({ now: Date.parse(firstRunAt) });
  grading = await openGradingKit(clock);
});

afterEach(async () => {
  await grading[Symbol.asyncDispose]();
});

/** The graded day: every case of the rules, on two games with box scores. */
async function seedGradedDay() {
  const { warehouse } = grading.kit;
  await warehouse.merge(playerGameSummary, [
    summary({ player_lookup: 'alpha', points: 30 }),
    summary({ player_lookup: 'beta', points: 18 }),
    summary({ player_lookup: 'gamma', rebounds: 7 }),
    summary({ player_lookup: 'delta', assists: 6 }),
    summary({ player_lookup: 'epsilon', points: 20 }),
    summary({ player_lookup: 'zeta', played: false, minutes: 0, points: 0 }),
    summary({ player_lookup: 'theta', points: 40 }),
    summary({ game_key: games.lalDen, player_lookup: 'kappa', points: 12 }),
    // Another day's row for alpha: must not be read.
    summary({
      game_key: '20260123_BOS_NYK',
      game_date: '2026-01-23',
      player_lookup: 'alpha',
      points: 2,
    }),
  ]);
  await warehouse.merge(playerPropPredictions, [
    // OVER right: 30 > 25.5.
    prediction({ player_lookup: 'alpha', line: 25.5, predicted_value: 28, recommendation: 'OVER' }),
    // PASS, 4 off: within 5, not within 3.
    prediction({
      player_lookup: 'alpha',
      system_id: 'moving_average_baseline',
      line: 25.5,
      predicted_value: 26,
      recommendation: 'PASS',
    }),
    // OVER wrong: 18 < 21.5; 6 off.
    prediction({ player_lookup: 'beta', line: 21.5, predicted_value: 24, recommendation: 'OVER' }),
    // UNDER right: 7 < 11.5; exactly 3 off, so within 3.
    prediction({
      player_lookup: 'gamma',
      market: 'player_rebounds',
      line: 11.5,
      predicted_value: 10,
      recommendation: 'UNDER',
    }),
    // PASS: no call; 6.8 - 6 has a float tail that is rounded off.
    prediction({
      player_lookup: 'delta',
      market: 'player_assists',
      line: 6.5,
      predicted_value: 6.8,
      recommendation: 'PASS',
    }),
    // Pushes (20 = 20) on both sides: false.
    prediction({ player_lookup: 'epsilon', line: 20, predicted_value: 22, recommendation: 'OVER' }),
    prediction({
      player_lookup: 'epsilon',
      system_id: 'moving_average_baseline',
      line: 20,
      predicted_value: 18.5,
      recommendation: 'UNDER',
    }),
    // DNP.
    prediction({ player_lookup: 'zeta', line: 14.5, predicted_value: 16, recommendation: 'OVER' }),
    // No box-score row on a game that has rows.
    prediction({ player_lookup: 'eta', line: 8.5, predicted_value: 7, recommendation: 'UNDER' }),
    // Inactive: ignored.
    prediction({
      player_lookup: 'theta',
      line: 30.5,
      predicted_value: 33,
      recommendation: 'OVER',
      is_active: false,
    }),
    // A game without any box-score row: left ungraded, run degraded.
    prediction({ game_key: games.miaNyk, player_lookup: 'iota', recommendation: 'OVER' }),
    // Tonight's prediction (pipeline date): not graded today.
    prediction({ game_key: '20260125_BOS_LAL', game_date: pipelineDate, player_lookup: 'alpha' }),
  ]);
}

function accuracyRows() {
  return grading.kit.warehouse.query(
    sql`SELECT * FROM ${ident(predictionAccuracy.name)}
      ORDER BY game_key, player_lookup, market, system_id`,
  );
}

const base = { game_key: games.bosChi, game_date: gradedDate, graded_at: firstRunAt };
const graded = { is_voided: false, void_reason: null };
const voidedColumns = {
  actual_value: null,
  absolute_error: null,
  signed_error: null,
  correct_call: null,
  within_3: null,
  within_5: null,
  is_voided: true,
};

/** Every column of every row the seeded day grades into, in key order. */
const expectedRows = [
  {
    ...base,
    player_lookup: 'alpha',
    market: 'player_points',
    system_id: 'linear_model',
    line: 25.5,
    predicted_value: 28,
    recommendation: 'OVER',
    actual_value: 30,
    absolute_error: 2,
    signed_error: -2,
    correct_call: true,
    within_3: true,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'alpha',
    market: 'player_points',
    system_id: 'moving_average_baseline',
    line: 25.5,
    predicted_value: 26,
    recommendation: 'PASS',
    actual_value: 30,
    absolute_error: 4,
    signed_error: -4,
    correct_call: null,
    within_3: false,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'beta',
    market: 'player_points',
    system_id: 'linear_model',
    line: 21.5,
    predicted_value: 24,
    recommendation: 'OVER',
    actual_value: 18,
    absolute_error: 6,
    signed_error: 6,
    correct_call: false,
    within_3: false,
    within_5: false,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'delta',
    market: 'player_assists',
    system_id: 'linear_model',
    line: 6.5,
    predicted_value: 6.8,
    recommendation: 'PASS',
    actual_value: 6,
    absolute_error: 0.8,
    signed_error: 0.8,
    correct_call: null,
    within_3: true,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'epsilon',
    market: 'player_points',
    system_id: 'linear_model',
    line: 20,
    predicted_value: 22,
    recommendation: 'OVER',
    actual_value: 20,
    absolute_error: 2,
    signed_error: 2,
    correct_call: false,
    within_3: true,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'epsilon',
    market: 'player_points',
    system_id: 'moving_average_baseline',
    line: 20,
    predicted_value: 18.5,
    recommendation: 'UNDER',
    actual_value: 20,
    absolute_error: 1.5,
    signed_error: -1.5,
    correct_call: false,
    within_3: true,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'eta',
    market: 'player_points',
    system_id: 'linear_model',
    line: 8.5,
    predicted_value: 7,
    recommendation: 'UNDER',
    ...voidedColumns,
    void_reason: 'no_box_score',
  },
  {
    ...base,
    player_lookup: 'gamma',
    market: 'player_rebounds',
    system_id: 'linear_model',
    line: 11.5,
    predicted_value: 10,
    recommendation: 'UNDER',
    actual_value: 7,
    absolute_error: 3,
    signed_error: 3,
    correct_call: true,
    within_3: true,
    within_5: true,
    ...graded,
  },
  {
    ...base,
    player_lookup: 'zeta',
    market: 'player_points',
    system_id: 'linear_model',
    line: 14.5,
    predicted_value: 16,
    recommendation: 'OVER',
    ...voidedColumns,
    void_reason: 'did_not_play',
  },
];

describe('prediction_grading', () => {
  it('grades every active prediction of D-1, voids the players who did not play, checks every column', async () => {
    await seedGradedDay();
    const result = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(result.rows).toBe(expectedRows.length);
    expect(await accuracyRows()).toEqual(expectedRows);
  });

  it('leaves a game without any box score ungraded and says so in a degraded run', async () => {
    await seedGradedDay();
    const result = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(result.status).toBe('degraded');
    expect(result.degradedReasons).toEqual([
      `1 prediction of game ${games.miaNyk} on ${gradedDate} not graded: the game has no box score`,
    ]);
  });

  it('reads and writes once: one query, one replacePartition, no merge', async () => {
    await seedGradedDay();
    const { warehouse } = grading.kit;
    const calls: string[] = [];
    const deps = {
      ...grading.deps,
      warehouse: {
        ...warehouse,
        query: ((query, options) => {
          calls.push('query');
          return warehouse.query(query, options);
        }) as typeof warehouse.query,
        replacePartition: ((table, date, rows, options) => {
          calls.push(`replacePartition ${table.name} ${date}`);
          return warehouse.replacePartition(table, date, rows, options);
        }) as typeof warehouse.replacePartition,
      },
    };
    const merges = warehouse.merges.length;
    await runProcessor(predictionGrading, { dataDate: pipelineDate }, deps);
    expect(calls).toEqual(['query', `replacePartition ${predictionAccuracy.name} ${gradedDate}`]);
    expect(warehouse.merges.length).toBe(merges);
  });

  it('re-runs to the same rows, never duplicated, with the new grading time', async () => {
    await seedGradedDay();
    await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    await clock.advance(3_600_000);
    const again = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(again.rows).toBe(expectedRows.length);
    const rerunAt = new Date(clock.now()).toISOString();
    expect(await accuracyRows()).toEqual(
      expectedRows.map((row) => ({ ...row, graded_at: rerunAt })),
    );
    expect(await grading.kit.warehouse.duplicates(predictionAccuracy)).toBe(0);
    expect(await grading.kit.warehouse.count(predictionAccuracy)).toBe(expectedRows.length);
  });

  it('drops the grade of a prediction deactivated since the last run', async () => {
    await seedGradedDay();
    await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    await grading.kit.warehouse.merge(playerPropPredictions, [
      prediction({
        player_lookup: 'beta',
        line: 21.5,
        predicted_value: 24,
        recommendation: 'OVER',
        is_active: false,
      }),
    ]);
    const again = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(again.rows).toBe(expectedRows.length - 1);
    expect(await accuracyRows()).toEqual(
      expectedRows.filter((row) => row.player_lookup !== 'beta'),
    );
  });

  it('empties the day of grades when no active prediction is left', async () => {
    await grading.kit.warehouse.merge(playerGameSummary, [summary({ player_lookup: 'alpha' })]);
    await grading.kit.warehouse.merge(playerPropPredictions, [
      prediction({ player_lookup: 'alpha' }),
    ]);
    await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(await grading.kit.warehouse.count(predictionAccuracy)).toBe(1);
    await grading.kit.warehouse.merge(playerPropPredictions, [
      prediction({ player_lookup: 'alpha', is_active: false }),
    ]);
    const again = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(again).toMatchObject({ status: 'success', rows: 0 });
    expect(await grading.kit.warehouse.count(predictionAccuracy)).toBe(0);
  });

  it('grades nothing and succeeds when D-1 has no predictions', async () => {
    await seedGradedDay();
    const result = await runProcessor(predictionGrading, { dataDate: '2026-02-10' }, grading.deps);
    expect(result).toMatchObject({ status: 'success', rows: 0, degradedReasons: [] });
    expect(await grading.kit.warehouse.count(predictionAccuracy)).toBe(0);
  });

  it('leaves a market with no box-score stat ungraded, degraded', async () => {
    await grading.kit.warehouse.merge(playerGameSummary, [summary({ player_lookup: 'alpha' })]);
    await grading.kit.warehouse.merge(playerPropPredictions, [
      prediction({ player_lookup: 'alpha', market: 'player_threes' }),
      prediction({ player_lookup: 'alpha', market: 'points', predicted_value: 12 }),
    ]);
    const result = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(result.degradedReasons).toEqual([
      `1 prediction on ${gradedDate} not graded: market "player_threes" has no box-score stat`,
    ]);
    expect(await accuracyRows()).toMatchObject([
      { market: 'points', actual_value: 10, signed_error: 2 },
    ]);
  });
});

describe('gradingEntries', () => {
  it('lists grading (critical) then the export, which depends on it; both phase 6', () => {
    expect(gradingEntries).toEqual([
      { processor: predictionGrading, critical: true },
      { processor: predictionExport, dependsOn: ['prediction_grading'] },
    ]);
    expect(gradingEntries.map((entry) => entry.processor.phase)).toEqual([6, 6]);
    expect(predictionGrading.name).toBe('prediction_grading');
    expect(predictionExport.name).toBe('prediction_export');
  });
});
