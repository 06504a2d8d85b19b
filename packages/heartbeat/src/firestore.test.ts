import { Firestore } from '@google-cloud/firestore';
import type { Logger } from '@pipewell/core';
import { createVirtualClock } from '@pipewell/core/testing';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFirestoreHeartbeatStore } from './firestore.js';
import { type HeartbeatEvent, startHeartbeat } from './heartbeat.js';
import { createStaleMonitor } from './monitor.js';
import { heartbeatStoreContract } from './testing/store-contract.js';

/**
 * Security rules that refuse every write to `locked_heartbeats`, loaded through the emulator's
 * rules endpoint. The owner credentials the other tests use bypass rules; a signed-in user's do not.
 */
async function lockCollection(emulator: RunningEmulator): Promise<void> {
  const rules = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /locked_heartbeats/{run} { allow read, write: if false; }
  }
}`;
  const response = await fetch(
    `http://${emulator.host}/emulator/v1/projects/${emulator.projectId}:securityRules`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: rules }] } }),
    },
  );
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`loading rules failed: HTTP ${response.status}`);
}

/** An unsigned ID token for a service user: the emulator accepts it and applies the rules. */
function userToken(projectId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    sub: 'heartbeat-writer',
    user_id: 'heartbeat-writer',
    iat: now,
    exp: now + 3600,
    auth_time: now,
    firebase: { sign_in_provider: 'custom', identities: {} },
  })}.`;
}

const available = requireEmulators('@pipewell/heartbeat Firestore store');

describe.skipIf(!available)('createFirestoreHeartbeatStore against the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;
  /** A client whose every read and write of `locked_heartbeats` the security rules refuse. */
  let denied: Firestore;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-heartbeat' });
    firestore = new Firestore(firestoreSettings(emulator));
    await lockCollection(emulator);
    denied = new Firestore({
      ...firestoreSettings(emulator),
      customHeaders: { Authorization: `Bearer ${userToken(emulator.projectId)}` },
    });
  }, 90_000);

  afterAll(async () => {
    await denied?.terminate();
    await firestore?.terminate();
    await emulator?.stop();
  });

  describe('meets the store contract', () => {
    heartbeatStoreContract({
      it,
      makeStore: () => createFirestoreHeartbeatStore({ firestore, collection: 'contract' }),
      failures: {
        // PERMISSION_DENIED from the emulator's security rules. No transient store: the SDK
        // itself retries UNAVAILABLE and ABORTED for seconds (a transaction for over half a
        // minute), and waits on a closed port for minutes, before a call rejects.
        permanent: () =>
          createFirestoreHeartbeatStore({ firestore: denied, collection: 'locked_heartbeats' }),
      },
      // The emulator's transactions are slow under contention.
      concurrency: 4,
      timeoutMs: 60_000,
    });
  });

  it('refuses bad options, naming them', () => {
    expect(() => createFirestoreHeartbeatStore({} as never)).toThrow(
      expect.objectContaining({ name: 'HeartbeatOptionsError', option: 'firestore' }),
    );
    expect(() => createFirestoreHeartbeatStore({ firestore, collection: '' })).toThrow(
      expect.objectContaining({ name: 'HeartbeatOptionsError', option: 'collection' }),
    );
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
    // ready settles once Firestore holds the run: read it back at once.
    expect(await heartbeat.ready).toBe(true);
    expect(await store.get({ ...key, runId: 'e2e' })).toMatchObject({
      status: 'running',
      startedAt: clock.now(),
    });
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
    await monitor.close();
    await stuck.stop('cancelled');
  }, 30_000);

  it('reports a write Firestore refuses (PERMISSION_DENIED from security rules) at once, unretried', async () => {
    const store = createFirestoreHeartbeatStore({
      firestore: denied,
      collection: 'locked_heartbeats',
    });
    const clock = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    const start = clock.now();
    const events: HeartbeatEvent[] = [];
    const errors: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_fields, message) => errors.push(message ?? ''),
    };
    const heartbeat = startHeartbeat({
      ...key,
      runId: 'locked',
      store,
      clock,
      logger,
      intervalMs: 30_000,
      onEvent: (event) => events.push(event),
    });
    // Virtual time stands still: a retry would wait on it forever, so only an unretried
    // refusal is reported here.
    await vi.waitFor(() => expect(heartbeat.stats.failedWrites).toBe(1), { timeout: 10_000 });
    expect(await heartbeat.ready).toBe(false);
    expect(clock.now()).toBe(start);
    expect(heartbeat.stats).toMatchObject({ failedWrites: 1, permanentFailures: 1, retries: 0 });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'writeFailed',
        permanent: true,
        attempts: 1,
        final: false,
      }),
    ]);
    expect((events[0] as { error: { code?: unknown } }).error.code).toBe(7);
    expect(errors).toEqual([
      'heartbeat: the store refused a beat (a permanent error, not retried)',
    ]);

    // An interval later the next write is refused too: the outage is reported.
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(events.map((event) => event.type)).toEqual([
      'writeFailed',
      'writeFailed',
      'writesFailing',
    ]);
    expect(heartbeat.stats).toMatchObject({ writesFailing: true, failingSince: start });
    const stopping = heartbeat.stop('succeeded');
    await clock.runAll(stopping);
    expect(heartbeat.stats).toMatchObject({ failedWrites: 3, permanentFailures: 3, retries: 0 });
    // Nothing reached the collection (read with the owner's credentials, which bypass rules).
    expect((await firestore.collection('locked_heartbeats').get()).size).toBe(0);
  }, 30_000);

  it('refuses an impossible dataDate in a listRuns filter before querying', async () => {
    const store = createFirestoreHeartbeatStore({ firestore, collection: 'dates' });
    for (const dataDate of ['2026-02-29', '2026-02-30', '2026-04-31']) {
      await expect(store.listRuns({ dataDate })).rejects.toMatchObject({
        name: 'HeartbeatOptionsError',
        option: 'dataDate',
        message: expect.stringContaining(`got "${dataDate}"`),
      });
    }
    await store.upsert(
      { ...key, dataDate: '2024-02-29', runId: 'leap' },
      { status: 'running', startedAt: 0, lastBeatAt: 0, lastProgressAt: 0, beats: 0 },
    );
    expect((await store.listRuns({ dataDate: '2024-02-29' })).map((r) => r.runId)).toEqual([
      'leap',
    ]);
  }, 30_000);
});
