import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  gradingTriggerSchema,
  phaseCompletionSchema,
  phaseTriggerSchema,
  predictionRequestSchema,
  predictionResultSchema,
  scraperCompletionSchema,
  topics,
} from './index.js';

/** The paths of the issues a schema raises for `message`; fails the test when it is accepted. */
function issuePaths(schema: z.ZodType, message: unknown): string[] {
  const parsed = schema.safeParse(message);
  expect(parsed.success, `accepted ${JSON.stringify(message)}`).toBe(false);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
}

interface Case {
  readonly name: string;
  readonly change: Record<string, unknown>;
  readonly path: string;
}

/** Registers: the good message parses to itself; each case is rejected at its path. */
function schemaCases(schema: z.ZodType, good: Record<string, unknown>, cases: readonly Case[]) {
  it('accepts a good message as it is', () => {
    expect(schema.parse(good)).toEqual(good);
  });
  it.each(cases)('rejects $name at $path', ({ change, path }) => {
    expect(issuePaths(schema, { ...good, ...change })).toEqual([path]);
  });
}

const correlationId = 'run-2026-01-24';

describe('phaseCompletionSchema', () => {
  schemaCases(
    phaseCompletionSchema,
    {
      phase: 2,
      processor: 'bdl_box_scores',
      dataDate: '2026-01-24',
      runId: 'bdl_box_scores__2026-01-24__a1__1a2b3c4d',
      status: 'degraded',
      rows: 240,
      outputs: ['nba_raw.bdl_player_boxscores'],
      correlationId,
    },
    [
      { name: 'a phase below 1', change: { phase: 0 }, path: 'phase' },
      { name: 'a phase above 6', change: { phase: 7 }, path: 'phase' },
      { name: 'a fractional phase', change: { phase: 2.5 }, path: 'phase' },
      {
        name: 'a date that is not on the calendar',
        change: { dataDate: '2026-02-30' },
        path: 'dataDate',
      },
      { name: 'a date in another format', change: { dataDate: '01/24/2026' }, path: 'dataDate' },
      { name: 'an unknown status', change: { status: 'running' }, path: 'status' },
      { name: 'negative rows', change: { rows: -1 }, path: 'rows' },
      {
        name: 'an output that is not dataset.table',
        change: { outputs: ['boxscores'] },
        path: 'outputs.0',
      },
      {
        name: 'an upper-case processor name',
        change: { processor: 'BoxScores' },
        path: 'processor',
      },
      { name: 'an empty run id', change: { runId: '' }, path: 'runId' },
      {
        name: 'a missing correlation id',
        change: { correlationId: undefined },
        path: 'correlationId',
      },
      {
        name: 'an empty degradation reason',
        change: { degradedReasons: [''] },
        path: 'degradedReasons.0',
      },
      { name: 'an empty error', change: { error: '' }, path: 'error' },
    ],
  );

  it('carries the error and the degradation reasons of a run', () => {
    const message = {
      phase: 4,
      processor: 'ml_feature_store',
      dataDate: '2026-01-24',
      runId: 'r1',
      status: 'degraded',
      rows: 80,
      outputs: ['nba_predictions.ml_feature_store'],
      correlationId,
      degradedReasons: ['player_daily_cache: soft, 9 of 10 (90%)'],
    };
    expect(phaseCompletionSchema.parse(message)).toEqual(message);
  });
});

describe('phaseTriggerSchema', () => {
  const good = { phase: 3, dataDate: '2024-02-29', correlationId, reason: 'gate' };
  schemaCases(phaseTriggerSchema, { ...good, processors: ['player_game_summary'] }, [
    { name: 'an unknown reason', change: { reason: 'cron' }, path: 'reason' },
    {
      name: 'a day that a non-leap year lacks',
      change: { dataDate: '2025-02-29' },
      path: 'dataDate',
    },
    { name: 'an empty processor list', change: { processors: [] }, path: 'processors' },
    {
      name: 'a bad processor name',
      change: { processors: ['ok', 'Not OK'] },
      path: 'processors.1',
    },
    { name: 'a phase given as text', change: { phase: '3' }, path: 'phase' },
  ]);

  it('accepts a trigger without processors (the whole phase)', () => {
    expect(phaseTriggerSchema.parse(good)).toEqual(good);
  });
});

describe('predictionRequestSchema', () => {
  schemaCases(
    predictionRequestSchema,
    {
      batchId: 'batch-1',
      dataDate: '2026-01-24',
      gameKey: '20260124_BOS_CHI',
      playerId: 1628369,
      playerName: 'Jayson Tatum',
      lines: [
        { market: 'player_points', line: 27.5 },
        { market: 'player_rebounds', line: 8.5 },
      ],
    },
    [
      { name: 'a game key in NBA.com form', change: { gameKey: '0022500647' }, path: 'gameKey' },
      {
        name: 'a player id that is not a positive integer',
        change: { playerId: 0 },
        path: 'playerId',
      },
      { name: 'no lines', change: { lines: [] }, path: 'lines' },
      {
        name: 'an unknown market',
        change: { lines: [{ market: 'player_steals', line: 1.5 }] },
        path: 'lines.0.market',
      },
      {
        name: 'a line that is not a finite number',
        change: { lines: [{ market: 'player_points', line: Number.POSITIVE_INFINITY }] },
        path: 'lines.0.line',
      },
      { name: 'an empty player name', change: { playerName: '' }, path: 'playerName' },
      { name: 'an impossible date', change: { dataDate: '2026-13-01' }, path: 'dataDate' },
    ],
  );
});

describe('predictionResultSchema', () => {
  const prediction = {
    market: 'player_points',
    line: 27.5,
    predictedValue: 29.1,
    recommendation: 'over',
    confidence: 0.62,
  };
  schemaCases(
    predictionResultSchema,
    { batchId: 'batch-1', playerId: 1628369, status: 'predicted', predictions: [prediction] },
    [
      {
        name: 'a predicted result without predictions',
        change: { predictions: undefined },
        path: 'predictions',
      },
      {
        name: 'a predicted result with an empty list',
        change: { predictions: [] },
        path: 'predictions',
      },
      {
        name: 'a skipped result that carries predictions',
        change: { status: 'skipped' },
        path: 'predictions',
      },
      { name: 'an unknown status', change: { status: 'done' }, path: 'status' },
      {
        name: 'a confidence above 1',
        change: { predictions: [{ ...prediction, confidence: 1.2 }] },
        path: 'predictions.0.confidence',
      },
      {
        name: 'an unknown recommendation',
        change: { predictions: [{ ...prediction, recommendation: 'hold' }] },
        path: 'predictions.0.recommendation',
      },
    ],
  );

  it('accepts a skipped result with a reason and no predictions', () => {
    const skipped = { batchId: 'b', playerId: 7, status: 'skipped', reason: 'no features yet' };
    expect(predictionResultSchema.parse(skipped)).toEqual(skipped);
  });
});

describe('gradingTriggerSchema', () => {
  schemaCases(gradingTriggerSchema, { dataDate: '2026-04-12', correlationId }, [
    { name: 'a date with a time', change: { dataDate: '2026-04-12T00:00:00Z' }, path: 'dataDate' },
    { name: 'an empty correlation id', change: { correlationId: '' }, path: 'correlationId' },
  ]);
});

describe('topics', () => {
  it('names each topic once, the scraper completion among them', () => {
    const names = Object.values(topics);
    expect(new Set(names).size).toBe(names.length);
    expect(topics).toMatchObject({
      phaseComplete: 'phase-complete',
      scraperComplete: 'scraper-complete',
    });
  });

  it('re-exports the scraper-completion schema', () => {
    expect(scraperCompletionSchema.safeParse({}).success).toBe(false);
  });
});
