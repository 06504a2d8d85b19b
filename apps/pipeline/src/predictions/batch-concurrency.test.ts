import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { createVirtualClock } from '@pipewell/core/testing';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playerPropPredictions } from '../catalog/index.js';
import type { PredictionResult } from '../messages/index.js';
import { openFirestoreStateStore } from '../state/firestore-state.js';
import { openLocalStateStore, type StateStore } from '../state/index.js';
import { openDuckDbWarehouse, type Warehouse } from '../warehouse/index.js';
import {
  loadPredictionBatch,
  type PredictionBatchDocument,
  predictionBatchesCollection,
  predictionShardsCollection,
  recordPredictionResult,
} from './batch.js';

const D = '2026-01-24';
const clock = createVirtualClock({ now: Date.parse(`${D}T15:00:00Z`) });
const players = 100;

async function createBatch(state: StateStore, batchId: string, expected: number[]) {
  const now = clock.now();
  const doc: PredictionBatchDocument = {
    batchId,
    dataDate: D,
    runId: `prediction_coordinator__${D}__a1__${batchId}`,
    expected,
    status: 'running',
    createdAt: new Date(now).toISOString(),
    stallDeadlineAt: new Date(now + 600_000).toISOString(),
  };
  await state.set(predictionBatchesCollection, batchId, doc);
}

/**
 * 100 players report at once, 10 of them twice, and 5 first `failed` then `predicted` (in any
 * order): the batch completes exactly once and holds every player's final result.
 */
async function concurrentResults(state: StateStore, warehouse: Warehouse, batchId: string) {
  const expected = Array.from({ length: players }, (_, i) => 1_000 + i);
  await createBatch(state, batchId, expected);
  const results: PredictionResult[] = expected.map((playerId) => ({
    batchId,
    playerId,
    status: playerId % 7 === 0 ? 'skipped' : 'predicted',
    ...(playerId % 7 === 0 ? { reason: 'few games' } : { predictions: [] }),
  })) as PredictionResult[];
  const redelivered = results.slice(40, 50);
  const failedFirst: PredictionResult[] = [1_001, 1_002, 1_003, 1_004, 1_005].map((playerId) => ({
    batchId,
    playerId,
    status: 'failed',
    reason: 'boom',
  }));
  const outcomes = await Promise.all(
    [...failedFirst, ...results, ...redelivered].map((result) =>
      recordPredictionResult(result, { state, warehouse, clock }),
    ),
  );
  expect(outcomes.filter((outcome) => outcome.completedNow)).toHaveLength(1);
  const completing = outcomes.find((outcome) => outcome.completedNow);
  expect(completing?.batch.status).toBe('complete');
  const batch = await loadPredictionBatch(batchId, state);
  expect(batch?.status).toBe('complete');
  expect(batch?.reported).toEqual(
    Object.fromEntries(results.map((result) => [String(result.playerId), result.status])),
  );
  // A redelivery after completion changes nothing and never completes it again.
  const again = await recordPredictionResult(results[0] as PredictionResult, {
    state,
    warehouse,
    clock,
  });
  expect(again).toMatchObject({ completedNow: false, batch: { status: 'complete' } });
  expect(Object.keys(again.batch.reported)).toHaveLength(players);
}

/**
 * The last result of a batch delivered 8 times at once (every redelivery checks whether the
 * batch is done): only one of them completes it.
 */
async function racingLastResult(state: StateStore, warehouse: Warehouse, batchId: string) {
  const expected = Array.from({ length: 9 }, (_, i) => 1 + i);
  await createBatch(state, batchId, expected);
  const record = (playerId: number) =>
    recordPredictionResult(
      { batchId, playerId, status: 'skipped', reason: 'r' },
      { state, warehouse, clock },
    );
  await Promise.all(expected.slice(0, -1).map(record));
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => record(9)));
  expect(outcomes.filter((outcome) => outcome.completedNow)).toHaveLength(1);
}

describe('100 concurrent prediction results on the local state store', () => {
  it('complete the batch exactly once and lose no result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipewell-batch-'));
    const warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const state = await openLocalStateStore({ dir, clock });
    try {
      await warehouse.ensureTables([playerPropPredictions]);
      await concurrentResults(state, warehouse, 'local-batch');
      await racingLastResult(state, warehouse, 'local-race');
    } finally {
      await state.close();
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a recorder that dies halfway', () => {
  it('leaves the completion to its redelivery', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipewell-batch-'));
    const warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const state = await openLocalStateStore({ dir, clock });
    try {
      await warehouse.ensureTables([playerPropPredictions]);
      await createBatch(state, 'dies', [1, 2]);
      const deps = { state, warehouse, clock };
      await recordPredictionResult({ batchId: 'dies', playerId: 1, status: 'skipped' }, deps);
      // The last result's first delivery marks its shard, then its process dies.
      const dying: StateStore = {
        ...state,
        get: (collection, id) => state.get(collection, id),
        set: (collection, id, doc, options) => state.set(collection, id, doc, options),
        list: (collection, options) => state.list(collection, options),
        async update(collection, id, fn, options) {
          const updated = await state.update(collection, id, fn, options);
          if (collection === predictionShardsCollection) throw new Error('process died');
          return updated;
        },
      };
      const last = { batchId: 'dies', playerId: 2, status: 'skipped' } as const;
      await expect(recordPredictionResult(last, { ...deps, state: dying })).rejects.toThrow(
        'process died',
      );
      expect((await loadPredictionBatch('dies', state))?.status).toBe('running');
      const redelivery = await recordPredictionResult(last, deps);
      expect(redelivery).toMatchObject({ completedNow: true, batch: { status: 'complete' } });
    } finally {
      await state.close();
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const available = requireEmulators('@pipewell/pipeline prediction batch on Firestore');

describe.skipIf(!available)('100 concurrent prediction results on the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;
  let warehouse: Warehouse;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-pipeline-batch' });
    firestore = new Firestore(firestoreSettings(emulator));
    warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    await warehouse.ensureTables([playerPropPredictions]);
  }, 90_000);

  afterAll(async () => {
    await warehouse?.close();
    await firestore?.terminate();
    await emulator?.stop();
  });

  // One document per result: no transaction waits on another player's (the single batch
  // document took 79 s for 100 and lost 95 to lock timeouts on the emulator).
  it('complete the batch exactly once and lose no result', async () => {
    const state = await openFirestoreStateStore({ firestore, clock });
    try {
      await concurrentResults(state, warehouse, 'emulator-batch');
      await racingLastResult(state, warehouse, 'emulator-race');
    } finally {
      await state.close();
    }
  }, 60_000);
});
