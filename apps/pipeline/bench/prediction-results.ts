// Time to record N concurrent prediction results of one batch, on the local state store and on
// the Firestore emulator (when gcloud is installed). Printed, never asserted (benchmarks are not
// tests). Run from the repo root:
//   node --conditions=@pipewell/source --import tsx apps/pipeline/bench/prediction-results.ts [N...]
// (default 100 300; BENCH_LOCAL_ONLY=1 for the local store only).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { systemClock } from '@pipewell/core';
import { firestoreSettings, startFirestoreEmulator } from '@pipewell/emulators';
import { playerPropPredictions } from '../src/catalog/index.js';
import { predictionBatchesCollection, recordPredictionResult } from '../src/predictions/batch.js';
import { openFirestoreStateStore } from '../src/state/firestore-state.js';
import type { StateStore } from '../src/state/index.js';
import { openLocalStateStore } from '../src/state/index.js';
import { openDuckDbWarehouse } from '../src/warehouse/index.js';

const sizes = process.argv.slice(2).map(Number);
const counts = sizes.length > 0 ? sizes : [100, 300];
const warehouse = await openDuckDbWarehouse({ path: ':memory:' });
await warehouse.ensureTables([playerPropPredictions]);

async function bench(label: string, state: StateStore, n: number): Promise<void> {
  const batchId = `bench-${label}-${n}-${Date.now()}`;
  const now = Date.now();
  const expected = Array.from({ length: n }, (_, i) => i + 1);
  await state.set(predictionBatchesCollection, batchId, {
    batchId,
    dataDate: '2026-01-24',
    runId: batchId,
    expected,
    reported: {},
    status: 'running',
    createdAt: new Date(now).toISOString(),
    stallDeadlineAt: new Date(now + 600_000).toISOString(),
  });
  const started = performance.now();
  const settled = await Promise.allSettled(
    expected.map((playerId) =>
      recordPredictionResult(
        { batchId, playerId, status: 'skipped', reason: 'bench' },
        { state, warehouse, clock: systemClock },
      ),
    ),
  );
  const ms = performance.now() - started;
  const completions = settled.filter((s) => s.status === 'fulfilled' && s.value.completedNow);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
  console.log(
    `${label}: ${n} concurrent results: ${ms.toFixed(0)} ms, completions ${completions.length}, failed calls ${failures.length}${failures.length > 0 ? ` (first: ${failures[0]?.slice(0, 160)})` : ''}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'pipewell-results-bench-'));
try {
  const local = await openLocalStateStore({ dir });
  // The first round warms up (JIT, DuckDB's first UPDATE); the second is the figure.
  for (const round of ['warm-up', 'local']) {
    for (const n of counts) await bench(round, local, n);
  }
  await local.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}

// BENCH_LOCAL_ONLY=1 skips the emulator.
if (process.env.BENCH_LOCAL_ONLY !== '1') {
  const emulator = await startFirestoreEmulator({ projectId: 'demo-pipeline-bench' });
  const firestore = new Firestore(firestoreSettings(emulator));
  try {
    const state = await openFirestoreStateStore({ firestore });
    for (const n of counts) await bench('firestore-emulator', state, n);
    await state.close();
  } finally {
    await firestore.terminate();
    await emulator.stop();
  }
}
await warehouse.close();
