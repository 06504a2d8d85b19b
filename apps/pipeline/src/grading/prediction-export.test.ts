import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { playerGameSummary, playerPropPredictions, predictionAccuracy } from '../catalog/index.js';
import { runProcessor } from '../runtime/index.js';
import type { TableRowInput } from '../warehouse/index.js';
import type { ResultsDocument } from './export-documents.js';
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
const runAt = '2026-01-25T09:30:00.000Z';

beforeEach(async () => {
  clock = createVirtualClock({ now: Date.parse(runAt) });
  grading = await openGradingKit(clock);
});

afterEach(async () => {
  await grading[Symbol.asyncDispose]();
});

const tonight = { game_date: pipelineDate, game_key: '20260125_BOS_LAL' };

/** Tonight's predictions, written out of key order. */
async function seedTonight() {
  await grading.kit.warehouse.merge(playerPropPredictions, [
    prediction({
      ...tonight,
      game_key: '20260125_CHI_DEN',
      player_lookup: 'gamma',
      market: 'player_rebounds',
      line: 9.5,
      predicted_value: 11.2,
      edge: 1.7,
      recommendation: 'PASS',
      confidence: 0.4,
    }),
    prediction({
      ...tonight,
      player_lookup: 'alpha',
      system_id: 'moving_average_baseline',
      line: 25.5,
      predicted_value: 23,
      edge: -2.5,
      recommendation: 'UNDER',
      confidence: 0.61,
    }),
    prediction({
      ...tonight,
      player_lookup: 'alpha',
      line: 25.5,
      predicted_value: 28.25,
      edge: 2.75,
      recommendation: 'OVER',
      confidence: 0.72,
    }),
    prediction({ ...tonight, player_lookup: 'beta', is_active: false }),
    // Yesterday's: only in the results file, through its grade.
    prediction({ player_lookup: 'zeta', line: 14.5, predicted_value: 16, recommendation: 'OVER' }),
    prediction({ player_lookup: 'alpha', line: 25.5, predicted_value: 28, recommendation: 'OVER' }),
  ]);
}

type Accuracy = TableRowInput<typeof predictionAccuracy>;
const graded = (fields: Partial<Accuracy> & { player_lookup: string }): Accuracy => ({
  game_key: games.bosChi,
  market: 'player_points',
  system_id: 'linear_model',
  game_date: gradedDate,
  is_voided: false,
  void_reason: null,
  graded_at: '2026-01-25T09:00:00Z',
  ...fields,
});

/** Yesterday's grades: two systems, three markets, hits, a miss, a push, a PASS, two voids. */
async function seedGrades() {
  const row = (
    player: string,
    market: string,
    system: string,
    line: number,
    predicted: number,
    recommendation: string,
    actual: number,
    correct: boolean | null,
  ): Accuracy =>
    graded({
      player_lookup: player,
      market,
      system_id: system,
      line,
      predicted_value: predicted,
      recommendation,
      actual_value: actual,
      absolute_error: Math.abs(predicted - actual),
      signed_error: predicted - actual,
      correct_call: correct,
      within_3: Math.abs(predicted - actual) <= 3,
      within_5: Math.abs(predicted - actual) <= 5,
    });
  const voided = (player: string, reason: string): Accuracy =>
    graded({
      player_lookup: player,
      line: 10.5,
      predicted_value: 11,
      recommendation: 'OVER',
      is_voided: true,
      void_reason: reason,
    });
  await grading.kit.warehouse.merge(predictionAccuracy, [
    row('beta', 'player_points', 'linear_model', 21.5, 24, 'OVER', 18, false),
    row('alpha', 'player_points', 'linear_model', 25.5, 28, 'OVER', 30, true),
    row('epsilon', 'player_points', 'linear_model', 20, 22, 'OVER', 20, false),
    row('alpha', 'player_points', 'moving_average_baseline', 25.5, 26, 'PASS', 30, null),
    row('gamma', 'player_rebounds', 'linear_model', 11.5, 10, 'UNDER', 7, true),
    voided('zeta', 'did_not_play'),
    voided('eta', 'no_box_score'),
  ]);
}

function nullGrade() {
  return {
    absoluteError: null,
    signedError: null,
    correctCall: null,
    within3: null,
    within5: null,
  };
}

const alphaLinear = {
  line: 25.5,
  predicted: 28.25,
  edge: 2.75,
  recommendation: 'OVER',
  confidence: 0.72,
};

/** The predictions export of the seeded tonight, keys in the documented order. */
const expectedPredictions = {
  schemaVersion: 1,
  kind: 'predictions',
  gameDate: pipelineDate,
  generatedAt: runAt,
  predictions: 3,
  games: [
    {
      gameKey: '20260125_BOS_LAL',
      players: [
        {
          playerLookup: 'alpha',
          playerName: 'ALPHA',
          markets: {
            player_points: {
              linear_model: alphaLinear,
              moving_average_baseline: {
                line: 25.5,
                predicted: 23,
                edge: -2.5,
                recommendation: 'UNDER',
                confidence: 0.61,
              },
            },
          },
        },
      ],
    },
    {
      gameKey: '20260125_CHI_DEN',
      players: [
        {
          playerLookup: 'gamma',
          playerName: 'GAMMA',
          markets: {
            player_rebounds: {
              linear_model: {
                line: 9.5,
                predicted: 11.2,
                edge: 1.7,
                recommendation: 'PASS',
                confidence: 0.4,
              },
            },
          },
        },
      ],
    },
  ],
};

function result(
  line: number,
  predicted: number,
  recommendation: string,
  actual: number,
  correctCall: boolean | null,
) {
  const error = predicted - actual;
  return {
    line,
    predicted,
    recommendation,
    actual,
    absoluteError: Math.abs(error),
    signedError: error,
    correctCall,
    within3: Math.abs(error) <= 3,
    within5: Math.abs(error) <= 5,
    voided: false,
    voidReason: null,
  };
}

function voidedResult(voidReason: string) {
  return {
    line: 10.5,
    predicted: 11,
    recommendation: 'OVER',
    actual: null,
    ...nullGrade(),
    voided: true,
    voidReason,
  };
}

const expectedResults = {
  schemaVersion: 1,
  kind: 'results',
  gameDate: gradedDate,
  generatedAt: runAt,
  results: 7,
  summary: {
    linear_model: {
      player_points: { graded: 3, voided: 2, mae: 3.333, calls: 3, hits: 1, hitRate: 0.3333 },
      player_rebounds: { graded: 1, voided: 0, mae: 3, calls: 1, hits: 1, hitRate: 1 },
    },
    moving_average_baseline: {
      player_points: { graded: 1, voided: 0, mae: 4, calls: 0, hits: 0, hitRate: null },
    },
  },
  games: [
    {
      gameKey: games.bosChi,
      players: [
        {
          playerLookup: 'alpha',
          playerName: 'ALPHA',
          markets: {
            player_points: {
              linear_model: result(25.5, 28, 'OVER', 30, true),
              moving_average_baseline: result(25.5, 26, 'PASS', 30, null),
            },
          },
        },
        {
          playerLookup: 'beta',
          playerName: null,
          markets: { player_points: { linear_model: result(21.5, 24, 'OVER', 18, false) } },
        },
        {
          playerLookup: 'epsilon',
          playerName: null,
          markets: { player_points: { linear_model: result(20, 22, 'OVER', 20, false) } },
        },
        {
          playerLookup: 'eta',
          playerName: null,
          markets: { player_points: { linear_model: voidedResult('no_box_score') } },
        },
        {
          playerLookup: 'gamma',
          playerName: null,
          markets: { player_rebounds: { linear_model: result(11.5, 10, 'UNDER', 7, true) } },
        },
        {
          playerLookup: 'zeta',
          playerName: 'ZETA',
          markets: { player_points: { linear_model: voidedResult('did_not_play') } },
        },
      ],
    },
  ],
};

const asFile = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

describe('prediction_export', () => {
  it("writes tonight's predictions and yesterday's results, keys in a stable order", async () => {
    await seedTonight();
    await seedGrades();
    const run = await runProcessor(predictionExport, { dataDate: pipelineDate }, grading.deps);
    expect(run).toMatchObject({ status: 'success', rows: 3 + 7 });
    const { objects } = grading.kit;
    expect(await objects.list('exports/')).toEqual([
      `exports/predictions/${pipelineDate}.json`,
      `exports/results/${gradedDate}.json`,
    ]);
    const predictionsText = await objects.getText(`exports/predictions/${pipelineDate}.json`);
    const resultsText = await objects.getText(`exports/results/${gradedDate}.json`);
    expect(JSON.parse(predictionsText ?? 'null')).toEqual(expectedPredictions);
    expect(JSON.parse(resultsText ?? 'null')).toEqual(expectedResults);
    // Byte for byte: the same keys in the same order, whatever order the rows came in.
    expect(predictionsText).toBe(asFile(expectedPredictions));
    expect(resultsText).toBe(asFile(expectedResults));
  });

  it('overwrites both files on a re-run instead of appending', async () => {
    await seedTonight();
    await seedGrades();
    await runProcessor(predictionExport, { dataDate: pipelineDate }, grading.deps);
    await grading.kit.warehouse.merge(playerPropPredictions, [
      prediction({
        ...tonight,
        player_lookup: 'alpha',
        system_id: 'moving_average_baseline',
        is_active: false,
      }),
    ]);
    await clock.advance(60_000);
    const run = await runProcessor(predictionExport, { dataDate: pipelineDate }, grading.deps);
    expect(run.rows).toBe(2 + 7);
    const later = new Date(clock.now()).toISOString();
    const text = await grading.kit.objects.getText(`exports/predictions/${pipelineDate}.json`);
    expect(text).toBe(
      asFile({
        ...expectedPredictions,
        generatedAt: later,
        predictions: 2,
        games: [
          {
            ...expectedPredictions.games[0],
            players: [
              {
                ...expectedPredictions.games[0]?.players[0],
                markets: { player_points: { linear_model: alphaLinear } },
              },
            ],
          },
          expectedPredictions.games[1],
        ],
      }),
    );
    expect(await grading.kit.objects.getText(`exports/results/${gradedDate}.json`)).toBe(
      asFile({ ...expectedResults, generatedAt: later }),
    );
    expect(await grading.kit.objects.list('exports/')).toHaveLength(2);
  });

  it('writes empty documents, and succeeds, on a day with nothing to export', async () => {
    const run = await runProcessor(predictionExport, { dataDate: '2026-07-04' }, grading.deps);
    expect(run).toMatchObject({ status: 'success', rows: 0 });
    const predictions = await grading.kit.objects.getText('exports/predictions/2026-07-04.json');
    const results = await grading.kit.objects.getText('exports/results/2026-07-03.json');
    expect(JSON.parse(predictions ?? 'null')).toEqual({
      schemaVersion: 1,
      kind: 'predictions',
      gameDate: '2026-07-04',
      generatedAt: runAt,
      predictions: 0,
      games: [],
    });
    expect(JSON.parse(results ?? 'null')).toEqual({
      schemaVersion: 1,
      kind: 'results',
      gameDate: '2026-07-03',
      generatedAt: runAt,
      results: 0,
      summary: {},
      games: [],
    });
  });
});

describe('phase 6 end to end', () => {
  it('exports the grades prediction_grading wrote', async () => {
    const { warehouse } = grading.kit;
    await warehouse.ensureTables([playerGameSummary]);
    await warehouse.merge(playerGameSummary, [
      summary({ player_lookup: 'alpha', points: 30 }),
      summary({ player_lookup: 'zeta', played: false, points: 0 }),
    ]);
    await seedTonight();
    const grade = await runProcessor(predictionGrading, { dataDate: pipelineDate }, grading.deps);
    expect(grade).toMatchObject({ status: 'success', rows: 2 });
    const run = await runProcessor(predictionExport, { dataDate: pipelineDate }, grading.deps);
    expect(run.rows).toBe(3 + 2);
    const results = JSON.parse(
      (await grading.kit.objects.getText(`exports/results/${gradedDate}.json`)) ?? 'null',
    ) as ResultsDocument;
    expect(results.summary).toEqual({
      linear_model: {
        player_points: { graded: 1, voided: 1, mae: 2, calls: 1, hits: 1, hitRate: 1 },
      },
    });
    expect(results.games[0]?.players.map((player) => player.playerName)).toEqual(['ALPHA', 'ZETA']);
  });
});
