import { ident, sql, typed } from '@pipewell/clients/sql';
import { catchError, createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mlFeatureStore, playerGameSummary, playerPropPredictions } from '../catalog/index.js';
import { generateLeague } from '../league/index.js';
import {
  type PredictionResult,
  predictionRequestSchema,
  predictionResultSchema,
  topics,
} from '../messages/index.js';
import type { Queue } from '../queue/index.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  type RunProcessorDeps,
  runProcessor,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import {
  batchIdOf,
  createModelCache,
  createPredictionWriter,
  handlePredictionRequest,
  LINEAR_MODEL,
  loadPredictionBatch,
  MOVING_AVERAGE_BASELINE,
  type ModelCache,
  type PredictionBatch,
  type PredictionBatchDocument,
  type PredictionWriter,
  predictionBatchesCollection,
  predictionCoordinator,
  recordPredictionResult,
  settleStalledBatches,
  UnknownPredictionBatchError,
} from './index.js';
import { featureRows, gameDates, summaryRows } from './test-support.js';

const league = generateLeague({ seed: 11 });
const dates = gameDates(league, 13);
const D = dates[12] ?? '';
const history = summaryRows(league, dates.slice(0, 12));
const features = featureRows(league, history, D);
const withLine = features.filter(
  (row) => row.points_line != null || row.rebounds_line != null || row.assists_line != null,
);
const predictions = ident(playerPropPredictions.name);

let clock: VirtualClock;
let kit: RuntimeKit;
let bookkeeping: BookkeepingWriter;
let models: ModelCache;
let results: PredictionResult[];
let completions: number;
let writer: PredictionWriter;

beforeEach(async () => {
  clock = createVirtualClock({ now: Date.parse(`${D}T15:00:00Z`) });
  kit = await openRuntimeKit(clock);
  await kit.warehouse.ensureTables([playerGameSummary, mlFeatureStore, playerPropPredictions]);
  await kit.warehouse.merge(playerGameSummary, history);
  await kit.warehouse.merge(mlFeatureStore, features);
  await kit.queue.ensureTopic(topics.predictionResult);
  bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock });
  models = createModelCache();
  results = [];
  completions = 0;
});

afterEach(async () => {
  await bookkeeping.close();
  await kit[Symbol.asyncDispose]();
});

function runDeps(queue: Queue = kit.queue): RunProcessorDeps {
  return { ...kit, queue, bookkeeping, clock };
}

/** Subscribe the workers and the result recorder on the local queue, as the app would. */
async function startWorkers() {
  await kit.queue.ensureSubscription({ name: 'predict', topic: topics.predictionRequest });
  await kit.queue.ensureSubscription({ name: 'record', topic: topics.predictionResult });
  writer = createPredictionWriter(kit.warehouse);
  const workerDeps = { warehouse: kit.warehouse, queue: kit.queue, clock, models, writer };
  const batchDeps = { state: kit.state, warehouse: kit.warehouse, clock };
  await kit.queue.subscribe('predict', (request) => handlePredictionRequest(request, workerDeps), {
    schema: predictionRequestSchema,
    concurrency: 32,
  });
  await kit.queue.subscribe(
    'record',
    async (result) => {
      results.push(result);
      if ((await recordPredictionResult(result, batchDeps)).completedNow) completions++;
    },
    { schema: predictionResultSchema },
  );
}

async function runPhase(): Promise<PredictionBatch> {
  const run = await runProcessor(predictionCoordinator, { dataDate: D }, runDeps());
  await kit.queue.idle();
  const batch = await loadPredictionBatch(batchIdOf(D, run.runId), kit.state);
  if (batch === undefined) throw new Error('no batch document');
  expect(run.rows).toBe(batch.expected.length);
  return batch;
}

describe('prediction_coordinator', () => {
  it('creates the batch document before publishing one request per player with a line', async () => {
    const seenBatch: boolean[] = [];
    const requests: unknown[] = [];
    const queue: Queue = {
      ensureTopic: (name) => kit.queue.ensureTopic(name),
      ensureSubscription: (options) => kit.queue.ensureSubscription(options),
      async publish(topic, data, options) {
        const { batchId } = data as { batchId: string };
        seenBatch.push((await kit.state.get(predictionBatchesCollection, batchId)) !== undefined);
        requests.push(data);
        return kit.queue.publish(topic, data, options);
      },
      subscribe: (name, handler, options) => kit.queue.subscribe(name, handler, options),
      idle: (options) => kit.queue.idle(options),
      stats: () => kit.queue.stats(),
      close: () => kit.queue.close(),
    };
    const run = await runProcessor(predictionCoordinator, { dataDate: D }, runDeps(queue));
    expect(withLine.length).toBeGreaterThan(50);
    expect(withLine.length).toBeLessThan(features.length);
    expect(run.rows).toBe(withLine.length);
    expect(seenBatch).toEqual(withLine.map(() => true));
    const batchId = batchIdOf(D, run.runId);
    const batch = await kit.state.get<PredictionBatchDocument>(
      predictionBatchesCollection,
      batchId,
    );
    expect(batch).toMatchObject({
      batchId,
      dataDate: D,
      status: 'running',
      createdAt: `${D}T15:00:00.000Z`,
      stallDeadlineAt: `${D}T15:10:00.000Z`,
    });
    expect([...(batch?.expected ?? [])].sort()).toEqual(
      withLine.map((r) => r.bdl_player_id).sort(),
    );
    for (const request of requests) expect(predictionRequestSchema.parse(request)).toEqual(request);
    const first = requests.find(
      (r) => (r as { playerId: number }).playerId === withLine[0]?.bdl_player_id,
    );
    const expectedLines = [
      ['player_points', withLine[0]?.points_line],
      ['player_rebounds', withLine[0]?.rebounds_line],
      ['player_assists', withLine[0]?.assists_line],
    ].flatMap(([market, line]) => (line == null ? [] : [{ market, line }]));
    expect(first).toMatchObject({ batchId, gameKey: withLine[0]?.game_key, lines: expectedLines });
  });

  it('requests only players with 3 played games before the date (fewer cannot be predicted)', async () => {
    const [target] = withLine;
    if (target === undefined) throw new Error('no player with a line');
    const played = history.filter(
      (row) => row.player_lookup === target.player_lookup && row.played,
    );
    expect(played.length).toBeGreaterThanOrEqual(3);
    // Leave him two played games before the date.
    for (const row of played.slice(2)) {
      await kit.warehouse.merge(playerGameSummary, [{ ...row, played: false }]);
    }
    const run = await runProcessor(predictionCoordinator, { dataDate: D }, runDeps());
    expect(run.rows).toBe(withLine.length - 1);
    const batch = await kit.state.get<PredictionBatchDocument>(
      predictionBatchesCollection,
      batchIdOf(D, run.runId),
    );
    expect(batch?.expected).not.toContain(target.bdl_player_id);
  });

  it('records a date without players as a complete empty batch, publishing nothing', async () => {
    const run = await runProcessor(predictionCoordinator, { dataDate: '2025-07-01' }, runDeps());
    expect(run.rows).toBe(0);
    expect(
      await kit.state.get(predictionBatchesCollection, batchIdOf('2025-07-01', run.runId)),
    ).toMatchObject({ status: 'complete', expected: [] });
  });
});

describe('prediction workers and the batch', () => {
  it('write 2 systems x markets rows per player, and the batch completes when all reported', async () => {
    await startWorkers();
    const batch = await runPhase();
    expect(batch.status).toBe('complete');
    expect(completions).toBe(1);
    expect(Object.keys(batch.reported)).toHaveLength(batch.expected.length);
    const predicted = results.filter((r) => r.status === 'predicted');
    expect(predicted.length).toBeGreaterThan(batch.expected.length * 0.8);
    const expectedRows = predicted.reduce((n, r) => n + (r.predictions?.length ?? 0), 0) * 2;
    const rows = await kit.warehouse.query<{ system_id: string; n: number; active: number }>(
      sql`SELECT system_id, COUNT(*) AS n, COUNTIF(is_active) AS active FROM ${predictions}
        WHERE batch_id = ${batch.batchId} GROUP BY system_id ORDER BY system_id`,
    );
    expect(rows).toEqual([
      { system_id: LINEAR_MODEL, n: expectedRows / 2, active: expectedRows / 2 },
      { system_id: MOVING_AVERAGE_BASELINE, n: expectedRows / 2, active: expectedRows / 2 },
    ]);
    expect(models.stats).toMatchObject({ fits: 1, featureLoads: 1 });
    expect(writer.merges).toBeLessThan(predicted.length / 4);
    const recs = await kit.warehouse.query<{ recommendation: string; n: number }>(
      sql`SELECT recommendation, COUNT(*) AS n FROM ${predictions} GROUP BY recommendation ORDER BY recommendation`,
    );
    expect(
      recs.map((r) => r.recommendation).every((r) => ['OVER', 'PASS', 'UNDER'].includes(r)),
    ).toBe(true);
    const sample = predicted[0];
    const stored = await kit.warehouse.query<{
      market: string;
      predicted_value: number;
      recommendation: string;
      confidence: number;
    }>(
      sql`SELECT market, predicted_value, recommendation, confidence FROM ${predictions}
        WHERE bdl_player_id = ${sample?.playerId ?? 0} AND system_id = ${LINEAR_MODEL} ORDER BY market`,
    );
    expect(
      stored.map((row) => ({
        market: row.market,
        predictedValue: row.predicted_value,
        recommendation: row.recommendation.toLowerCase(),
        confidence: row.confidence,
      })),
    ).toEqual(
      [...(sample?.predictions ?? [])]
        .sort((a, b) => (a.market < b.market ? -1 : 1))
        .map(({ line: _line, ...rest }) => rest),
    );
    // What the phase decided, for the reader of the test output.
    console.info('recommendations', Object.fromEntries(recs.map((r) => [r.recommendation, r.n])));
  });

  it('skips a player with too little history, and one without a feature row, saying why', async () => {
    const target = withLine[0];
    if (target === undefined) throw new Error('no player');
    await kit.warehouse.query(
      sql`DELETE FROM ${ident(playerGameSummary.name)}
        WHERE player_lookup = ${target.player_lookup} AND game_date < ${typed(dates[10] ?? '', 'DATE')}`,
    );
    const deps = { warehouse: kit.warehouse, queue: kit.queue, clock, models };
    const request = {
      batchId: 'b1',
      dataDate: D,
      gameKey: target.game_key,
      playerId: target.bdl_player_id,
      playerName: 'x',
      lines: [{ market: 'player_points' as const, line: 10.5 }],
    };
    const few = await handlePredictionRequest(request, deps);
    expect(few).toMatchObject({ status: 'skipped' });
    expect(few.reason).toMatch(
      new RegExp(`${target.player_lookup} played [0-2] games before ${D}; predictions need 3`),
    );
    const none = await handlePredictionRequest({ ...request, playerId: 999_999_999 }, deps);
    expect(none.reason).toBe(
      `no ml_feature_store row for player 999999999 in ${target.game_key} on ${D}`,
    );
    expect(await kit.warehouse.count(playerPropPredictions)).toBe(0);
  });

  it('reports a permanent write error as failed, and throws a transient one for redelivery', async () => {
    const target = withLine.find((row) => row.points_line != null);
    if (target === undefined) throw new Error('no player');
    const deps = { warehouse: kit.warehouse, queue: kit.queue, clock, models };
    const request = {
      batchId: 'b1',
      dataDate: D,
      gameKey: target.game_key,
      playerId: target.bdl_player_id,
      playerName: 'x',
      lines: [{ market: 'player_points' as const, line: 10.5 }],
    };
    kit.warehouse.down = Object.assign(new Error('row refused'), { permanent: true });
    expect(await handlePredictionRequest(request, deps)).toEqual({
      batchId: 'b1',
      playerId: target.bdl_player_id,
      status: 'failed',
      reason: 'row refused',
    });
    kit.warehouse.down = new Error('connection reset');
    await expect(handlePredictionRequest(request, deps)).rejects.toThrow('connection reset');
    kit.warehouse.down = undefined;
    expect(await handlePredictionRequest(request, deps)).toMatchObject({ status: 'predicted' });
  });

  it('makes a new batch on a re-run; once it completes, the earlier batch rows it did not replace are inactive', async () => {
    await startWorkers();
    const first = await runPhase();
    const dropped = withLine.find(
      (row) => row.points_line != null && row.bdl_player_id !== undefined,
    );
    if (dropped === undefined) throw new Error('no player');
    await kit.warehouse.merge(mlFeatureStore, [
      { ...dropped, points_line: null, rebounds_line: null, assists_line: null },
    ]);
    await clock.advance(60_000);
    const second = await runPhase();
    expect(second.batchId).not.toBe(first.batchId);
    expect(second.expected).not.toContain(dropped.bdl_player_id);
    expect(completions).toBe(2);
    const byBatch = await kit.warehouse.query<{ batch_id: string; is_active: boolean; n: number }>(
      sql`SELECT batch_id, is_active, COUNT(*) AS n FROM ${predictions}
        GROUP BY batch_id, is_active ORDER BY batch_id, is_active`,
    );
    const droppedRows = await kit.warehouse.query<{ batch_id: string; is_active: boolean }>(
      sql`SELECT batch_id, is_active FROM ${predictions} WHERE player_lookup = ${dropped.player_lookup}`,
    );
    expect(droppedRows.length).toBeGreaterThan(0);
    expect(droppedRows.every((r) => r.batch_id === first.batchId && !r.is_active)).toBe(true);
    expect(byBatch.filter((r) => r.batch_id === second.batchId).every((r) => r.is_active)).toBe(
      true,
    );
    expect(byBatch.filter((r) => r.batch_id === first.batchId)).toEqual([
      { batch_id: first.batchId, is_active: false, n: droppedRows.length },
    ]);
  });
});

describe('recordPredictionResult and settleStalledBatches', () => {
  const deps = () => ({ state: kit.state, warehouse: kit.warehouse, clock });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  async function createBatch(batchId: string, dataDate: string, expected: number[]) {
    const now = clock.now();
    const batch: PredictionBatchDocument = {
      batchId,
      dataDate,
      runId: `prediction_coordinator__${dataDate}__a1__${batchId}`,
      expected,
      status: 'running',
      createdAt: new Date(now).toISOString(),
      stallDeadlineAt: new Date(now + 600_000).toISOString(),
    };
    await kit.state.set(predictionBatchesCollection, batchId, batch);
  }

  async function report(batchId: string, players: number[]) {
    for (const playerId of players) {
      await recordPredictionResult({ batchId, playerId, status: 'skipped', reason: 'r' }, deps());
    }
  }

  it('counts a redelivered result once and completes the batch once', async () => {
    await createBatch('b', D, [1, 2, 3]);
    const failed = { batchId: 'b', playerId: 1, status: 'failed', reason: 'x' } as const;
    expect((await recordPredictionResult(failed, deps())).completedNow).toBe(false);
    const again = await recordPredictionResult(failed, deps());
    expect(again.batch.reported).toEqual({ 1: 'failed' });
    await report('b', [1, 2, 2]);
    const last = await recordPredictionResult(
      { batchId: 'b', playerId: 3, status: 'skipped' },
      deps(),
    );
    expect(last).toMatchObject({
      completedNow: true,
      batch: { status: 'complete', reported: { 1: 'skipped', 2: 'skipped', 3: 'skipped' } },
    });
    const duplicate = await recordPredictionResult(
      { batchId: 'b', playerId: 3, status: 'skipped' },
      deps(),
    );
    expect(duplicate).toMatchObject({ completedNow: false, batch: { status: 'complete' } });
    const stranger = await recordPredictionResult(
      { batchId: 'b', playerId: 77, status: 'skipped' },
      deps(),
    );
    expect(Object.keys(stranger.batch.reported)).toHaveLength(3);
  });

  it('refuses a result of an unknown batch for good', async () => {
    const error = await catchError(
      recordPredictionResult({ batchId: 'nope', playerId: 1, status: 'skipped' }, deps()),
      UnknownPredictionBatchError,
    );
    expect(error.message).toContain('"nope"');
    expect(error.permanent).toBe(true);
  });

  it('completes a batch as stalled_complete past its deadline with 96% reported, listing the missing', async () => {
    await createBatch('b96', D, ids(50));
    await report('b96', ids(48));
    expect(await settleStalledBatches(D, deps())).toEqual([]);
    await clock.advance(600_000);
    const [settled, ...rest] = await settleStalledBatches(D, deps());
    expect(rest).toEqual([]);
    expect(settled).toMatchObject({
      batchId: 'b96',
      status: 'stalled_complete',
      missing: [49, 50],
    });
    expect(await settleStalledBatches(D, deps())).toEqual([]);
    const late = await recordPredictionResult(
      { batchId: 'b96', playerId: 50, status: 'skipped' },
      deps(),
    );
    expect(late).toMatchObject({
      completedNow: false,
      batch: { status: 'stalled_complete', missing: [49] },
    });
  });

  it('settles before the deadline with ignoreDeadline (the embedded run, queue idle), still at 95%', async () => {
    await createBatch('b-idle', D, ids(40));
    await report('b-idle', ids(38));
    expect(await settleStalledBatches(D, deps())).toEqual([]);
    const [settled] = await settleStalledBatches(D, deps(), { ignoreDeadline: true });
    expect(settled).toMatchObject({
      batchId: 'b-idle',
      status: 'stalled_complete',
      missing: [39, 40],
    });
    await createBatch('b-idle-low', D, ids(40));
    await report('b-idle-low', ids(30));
    expect(await settleStalledBatches(D, deps(), { ignoreDeadline: true })).toEqual([]);
  });

  it('leaves a batch with 90% reported running past its deadline', async () => {
    await createBatch('b90', D, ids(50));
    await report('b90', ids(45));
    await clock.advance(600_001);
    expect(await settleStalledBatches(D, deps())).toEqual([]);
    expect(await kit.state.get(predictionBatchesCollection, 'b90')).toMatchObject({
      status: 'running',
    });
  });

  it('settles the batches of every date with "all", and only those of the date otherwise', async () => {
    await createBatch('x1', '2026-01-01', ids(20));
    await createBatch('x2', '2026-01-02', ids(20));
    await report('x1', ids(19));
    await report('x2', ids(19));
    await clock.advance(600_000);
    expect((await settleStalledBatches('2026-01-03', deps())).length).toBe(0);
    const settled = await settleStalledBatches('all', deps());
    expect(settled.map((b) => b.batchId).sort()).toEqual(['x1', 'x2']);
  });
});
