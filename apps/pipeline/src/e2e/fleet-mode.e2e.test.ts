import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
  startPubSubEmulator,
} from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipewell, readWarehouse, tableCensus } from './harness.js';

/**
 * The mixed mode CI runs: the same CLI command on Pub/Sub and Firestore (their emulators) with
 * the DuckDB warehouse, against the same command on the embedded backend. Every table must end
 * with the same rows, and none with a duplicate key.
 */
const run = requireEmulators('pipeline on Pub/Sub and Firestore (fleet mode, one process)');
const project = 'demo-pipewell-e2e';
// Four days of history keep this under a minute: on the emulator every prediction result is a
// Firestore transaction on its batch document, and those contend (see the app README). With so
// little history nobody had the three games a prediction needs on 2026-01-23, so nothing is
// graded on the 24th; predictions for the 24th are made.
const argv = ['run', '--date', '2026-01-24', '--history-days', '4', '--plain'];

describe.runIf(run)('one date on the Pub/Sub and Firestore emulators with DuckDB', () => {
  let pubsub: RunningEmulator;
  let firestore: RunningEmulator;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pipewell-fleet-e2e-'));
    [pubsub, firestore] = await Promise.all([
      startPubSubEmulator({ projectId: project }),
      startFirestoreEmulator({ projectId: project }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([pubsub?.stop(), firestore?.stop()]);
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('ends with the same rows in every table as the embedded run', async () => {
    const embeddedDir = join(root, 'embedded');
    const fleetDir = join(root, 'fleet');
    const embedded = await pipewell([...argv, '--data-dir', embeddedDir]);
    expect(embedded.stderr).toEqual([]);
    const fleetEnv = {
      PIPEWELL_QUEUE: 'pubsub',
      PIPEWELL_STATE: 'firestore',
      GOOGLE_CLOUD_PROJECT: project,
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FIRESTORE_EMULATOR_HOST: firestore.host,
    };
    const fleet = await pipewell([...argv, '--data-dir', fleetDir], fleetEnv);
    expect(fleet.stderr).toEqual([]);
    expect(fleet.code).toBe(embedded.code);
    // status reads the completion records where the run kept them: Firestore.
    const status = await pipewell(
      ['status', '--date', '2026-01-24', '--data-dir', fleetDir],
      fleetEnv,
    );
    expect(status.stderr).toEqual([]);
    expect(status.code).toBe(fleet.code);
    expect(status.stdout).toMatch(/6 grading\s+│ complete/);
    const embeddedCensus = await readWarehouse(join(embeddedDir, 'warehouse.duckdb'), tableCensus);
    const fleetCensus = await readWarehouse(join(fleetDir, 'warehouse.duckdb'), tableCensus);
    // Bookkeeping rows carry run ids, so they are compared by count too: one per run either way.
    expect(fleetCensus).toEqual(embeddedCensus);
    for (const [table, { rows, duplicates }] of Object.entries(fleetCensus)) {
      expect(duplicates, table).toBe(0);
      if (table !== 'nba_predictions.prediction_accuracy') {
        expect(rows, table).toBeGreaterThan(0);
      }
    }
  }, 240_000);
});
