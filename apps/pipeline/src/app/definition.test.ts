import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionDeps } from '../orchestration/index.js';
import { type PredictionBatch, predictionBatchesCollection } from '../predictions/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { predictionsPhase } from './definition.js';

const D = '2025-10-24';
const clock = createVirtualClock({ now: Date.parse(`${D}T15:00:00Z`) });
let kit: RuntimeKit;

beforeEach(async () => {
  kit = await openRuntimeKit(clock);
});

afterEach(async () => {
  await kit[Symbol.asyncDispose]();
});

function deps(): PredictionDeps {
  return {
    ...kit,
    clock,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    signal: new AbortController().signal,
  };
}

function batch(id: string, fields: Partial<PredictionBatch>): PredictionBatch {
  return {
    batchId: id,
    dataDate: D,
    runId: `run-${id}`,
    expected: [],
    reported: {},
    createdAt: `${D}T15:00:00.000Z`,
    stallDeadlineAt: `${D}T15:10:00.000Z`,
    status: 'complete',
    completedAt: `${D}T15:00:00.000Z`,
    ...fields,
  } as PredictionBatch;
}

describe('phase 5 as the engine drives it', () => {
  it('closes a stalled phase with the empty batch the coordinator completed at once', async () => {
    await kit.state.set(predictionBatchesCollection, 'empty', batch('empty', {}));
    const summary = await predictionsPhase(kit.warehouse).settleStalled(D, deps(), {
      stalledBy: 'idle',
    });
    expect(summary).toEqual({ batchId: 'empty', dataDate: D, expected: 0, completed: 0 });
  });

  it('leaves the phase to the timer when the latest batch is still running below 95%', async () => {
    await kit.state.set(predictionBatchesCollection, 'old', batch('old', {}));
    await kit.state.set(
      predictionBatchesCollection,
      'new',
      batch('new', {
        status: 'running',
        expected: [1, 2, 3, 4],
        reported: { '1': 'predicted' },
        createdAt: `${D}T16:00:00.000Z`,
      }),
    );
    const phase = predictionsPhase(kit.warehouse);
    expect(await phase.settleStalled(D, deps(), { stalledBy: 'idle' })).toBeUndefined();
  });
});
