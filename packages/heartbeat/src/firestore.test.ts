import { Firestore } from '@google-cloud/firestore';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { createVirtualClock } from '@pipewell/retry';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFirestoreHeartbeatStore } from './firestore.js';
import { startHeartbeat } from './heartbeat.js';
import { createStaleMonitor } from './monitor.js';

const available = requireEmulators('@pipewell/heartbeat Firestore store');

describe.skipIf(!available)('createFirestoreHeartbeatStore against the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-heartbeat' });
    firestore = new Firestore(firestoreSettings(emulator));
  }, 90_000);

  afterAll(async () => {
    await firestore?.terminate();
    await emulator?.stop();
  });

  const key = { processorName: 'box_scores', dataDate: '2026-01-24', runId: 'run/1.a' };

  it('merges writes into one document per run, in processor_heartbeats, with a server timestamp', async () => {
    const store = createFirestoreHeartbeatStore({ firestore });
    await store.upsert(key, {
      status: 'running',
      startedAt: 1_000,
      lastBeatAt: 1_000,
      lastProgressAt: 1_000,
      beats: 0,
    });
    await store.upsert(key, {
      lastBeatAt: 31_000,
      beats: 3,
      details: { cursor: 'g-7', nested: { rows: [1, 2] } },
    });
    const record = await store.get(key);
    expect(record).toMatchObject({
      ...key,
      status: 'running',
      startedAt: 1_000,
      lastBeatAt: 31_000,
      beats: 3,
      details: { cursor: 'g-7', nested: { rows: [1, 2] } },
      stoppedAt: null,
    });
    expect(Math.abs((record?.serverUpdatedAt ?? 0) - Date.now())).toBeLessThan(60_000);
    const docs = await firestore.collection('processor_heartbeats').get();
    expect(docs.size).toBe(1);
    expect(await store.get({ ...key, runId: 'absent' })).toBeUndefined();
  }, 30_000);

  it('lists by status, processor and date with equality filters', async () => {
    const store = createFirestoreHeartbeatStore({ firestore, collection: 'listing' });
    const base = { startedAt: 0, lastBeatAt: 0, lastProgressAt: 0, beats: 0 };
    await store.upsert({ ...key, runId: 'a' }, { ...base, status: 'running' });
    await store.upsert({ ...key, runId: 'b' }, { ...base, status: 'succeeded' });
    await store.upsert(
      { ...key, runId: 'c', dataDate: '2026-01-25' },
      { ...base, status: 'running' },
    );
    expect((await store.listRuns({ status: 'running' })).map((r) => r.runId).sort()).toEqual([
      'a',
      'c',
    ]);
    expect(
      (await store.listRuns({ processorName: 'box_scores', dataDate: '2026-01-24' }))
        .map((r) => r.runId)
        .sort(),
    ).toEqual(['a', 'b']);
  }, 30_000);

  it('claims a stale run once, in a transaction, and never a stopped one', async () => {
    const store = createFirestoreHeartbeatStore({ firestore, collection: 'claims' });
    const base = { startedAt: 0, lastBeatAt: 0, lastProgressAt: 0, beats: 0 };
    await store.upsert({ ...key, runId: 'stuck' }, { ...base, status: 'running' });
    await store.upsert({ ...key, runId: 'done' }, { ...base, status: 'succeeded' });
    const claim = { lastBeatBefore: 1_000, at: 5_000 };
    const results = await Promise.all(
      [1, 2, 3].map(() => store.claimStale({ ...key, runId: 'stuck' }, claim)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get({ ...key, runId: 'stuck' })).toMatchObject({
      status: 'stale',
      staleAt: 5_000,
    });
    expect(await store.claimStale({ ...key, runId: 'done' }, claim)).toBe(false);
  }, 30_000);

  it('reports a malformed document naming its path', async () => {
    await firestore.collection('broken').doc('x').set({ status: 'sleeping' });
    const store = createFirestoreHeartbeatStore({ firestore, collection: 'broken' });
    await expect(store.listRuns({})).rejects.toThrow(
      'Firestore document broken/x is not a heartbeat record (bad status)',
    );
  }, 30_000);

  it('carries a heartbeat and a stale monitor end to end', async () => {
    const store = createFirestoreHeartbeatStore({ firestore, collection: 'e2e' });
    const clock = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    const heartbeat = startHeartbeat({ ...key, runId: 'e2e', store, clock, intervalMs: 30_000 });
    heartbeat.beat({ rows: 10 });
    // Let the first write land, so the next tick does not find it in flight (and skip).
    await heartbeat.flush();
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(await store.get({ ...key, runId: 'e2e' })).toMatchObject({
      lastBeatAt: clock.now(),
      details: { rows: 10 },
    });
    await heartbeat.stop('succeeded', { rows: 10 });

    const stuck = startHeartbeat({
      ...key,
      runId: 'stuck-e2e',
      store,
      clock: createVirtualClock({ now: clock.now() }),
      intervalMs: 1e9,
    });
    await stuck.flush();
    const onStale = vi.fn();
    const monitor = createStaleMonitor({
      store,
      clock,
      staleAfterMs: 90_000,
      intervalMs: 30_000,
      onStale,
    });
    for (let i = 0; i < 4; i++) {
      await clock.advance(30_000);
      await monitor.checkNow();
    }
    await vi.waitFor(() => expect(onStale).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    expect(onStale.mock.calls[0]?.[0]).toMatchObject({
      reason: 'noHeartbeat',
      record: { runId: 'stuck-e2e' },
    });
    expect((await store.get({ ...key, runId: 'e2e' }))?.status).toBe('succeeded');
    await monitor.stop();
    await stuck.stop('cancelled');
  }, 30_000);
});
