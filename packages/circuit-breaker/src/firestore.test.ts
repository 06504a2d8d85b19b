import { Firestore } from '@google-cloud/firestore';
import { catchError, createVirtualClock } from '@pipewell/core/testing';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './breaker.js';
import { BreakerRecordError } from './errors.js';
import { createFirestoreBreakerStore } from './firestore.js';
import { createFlakyBreakerStore } from './testing/flaky-store.js';
import { breakerStoreContract } from './testing/store-contract.js';

const available = requireEmulators('@pipewell/circuit-breaker Firestore store');

describe.skipIf(!available)('createFirestoreBreakerStore against the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-circuit-breaker' });
    firestore = new Firestore(firestoreSettings(emulator));
  }, 90_000);

  afterAll(async () => {
    await firestore?.terminate();
    await emulator?.stop();
  });

  describe('the store contract', () => {
    // Emulator transactions are slow under contention, so fewer racers than in memory.
    breakerStoreContract({
      it,
      makeStore: () => createFirestoreBreakerStore({ firestore, collection: 'contract' }),
      concurrency: 5,
      timeoutMs: 15_000,
    });
  });

  it('reports a malformed document naming its path', async () => {
    await firestore.collection('breakers').doc('broken').set({ version: 'one', state: 'open' });
    const store = createFirestoreBreakerStore({ firestore, collection: 'breakers' });
    const error = await catchError(store.get('broken'), BreakerRecordError);
    expect(error.message).toContain(
      'document breakers/broken is not a breaker record (bad version)',
    );
    expect(error).toMatchObject({ path: 'breakers/broken', field: 'version' });
  });

  it('reads a record written before period and failures existed as period 0 with no failures', async () => {
    const legacy = {
      version: 3,
      state: 'open',
      openedAt: 1_000,
      halfOpenAt: 61_000,
      lease: null,
      isolated: false,
      trips: {},
      updatedAt: 1_000,
      updatedBy: 'old-instance',
    };
    await firestore.collection('legacy').doc('bigquery').set(legacy);
    const store = createFirestoreBreakerStore({ firestore, collection: 'legacy' });
    expect(await store.get('bigquery')).toEqual({ ...legacy, period: 0, failures: 0 });
    await firestore
      .collection('legacy')
      .doc('bad')
      .set({ ...legacy, failures: -1 });
    await expect(store.get('bad')).rejects.toMatchObject({
      name: 'BreakerRecordError',
      path: 'legacy/bad',
      field: 'failures',
    });
  });

  it('rejects construction without a Firestore instance', () => {
    expect(() => createFirestoreBreakerStore({} as never)).toThrow('needs { firestore }');
  });

  it('lets two breakers trip and recover together', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-11-25T00:00:00Z') });
    const store = createFirestoreBreakerStore({ firestore, collection: 'fleet' });
    const make = (instanceId: string): CircuitBreaker =>
      createCircuitBreaker({
        name: 'bigquery',
        store,
        clock,
        instanceId,
        failureThreshold: 2,
        openTimeoutMs: 60_000,
        syncIntervalMs: 600_000,
        env: {},
      });
    const a = make('instance-a');
    const b = make('instance-b');
    try {
      const boom = (): Promise<never> => Promise.reject(new Error('backend down'));
      for (let i = 0; i < 2; i++) await expect(a.execute(boom)).rejects.toThrow('backend down');
      expect(a.state).toBe('open');
      // Let a's background write reach Firestore, then b reads the fleet state.
      await vi.waitFor(async () => expect((await store.get('bigquery'))?.state).toBe('open'), {
        timeout: 10_000,
      });
      await b.sync();
      expect(b.state).toBe('open');
      const untouched = vi.fn(async () => 'x');
      await expect(b.execute(untouched)).rejects.toMatchObject({
        name: 'CircuitOpenError',
        breakerName: 'bigquery',
      });
      expect(untouched).not.toHaveBeenCalled();

      await clock.advance(60_000);
      // Both instances get a call when the open period ends; exactly one takes the probe lease
      // (a Firestore transaction), the other is refused while the probe runs.
      let release: (value: string) => void = () => {};
      const probe = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
      const calls = [a.execute(probe), b.execute(probe)];
      const refused = await Promise.race(
        calls.map((call) =>
          call.then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      );
      expect(refused).toMatchObject({ name: 'CircuitOpenError', breakerName: 'bigquery' });
      expect(probe).toHaveBeenCalledTimes(1);
      expect((await store.get('bigquery'))?.state).toBe('half-open');
      release('rows');
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      await vi.waitFor(async () => expect((await store.get('bigquery'))?.state).toBe('closed'), {
        timeout: 10_000,
      });
      await a.sync();
      await b.sync();
      expect([a.state, b.state]).toEqual(['closed', 'closed']);
      await expect(b.execute(async () => 'after')).resolves.toBe('after');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  const boom = (): Promise<never> => Promise.reject(new Error('backend down'));
  const settled = { timeout: 15_000 };

  it('failureScope fleet: breakers that each fail once trip the fleet together, one write per failure', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-11-25T00:00:00Z') });
    const counted = createFlakyBreakerStore(
      createFirestoreBreakerStore({ firestore, collection: 'fleet-count' }),
    );
    const make = (instanceId: string): CircuitBreaker =>
      createCircuitBreaker({
        name: 'bigquery',
        store: counted,
        clock,
        instanceId,
        failureScope: 'fleet',
        failureThreshold: 3,
        openTimeoutMs: 60_000,
        syncIntervalMs: 600_000,
        env: {},
      });
    const breakers = ['instance-a', 'instance-b', 'instance-c'].map(make);
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    try {
      await Promise.all(breakers.map((breaker) => breaker.sync()));
      for (let i = 0; i < 10; i++) {
        await Promise.all(breakers.map((breaker) => breaker.execute(async () => 'ok')));
      }
      expect(counted.calls.compareAndSet + counted.calls.recordOutcome).toBe(0);

      await expect(a.execute(boom)).rejects.toThrow('backend down');
      await expect(b.execute(boom)).rejects.toThrow('backend down');
      await vi.waitFor(
        async () => expect((await counted.get('bigquery'))?.failures).toBe(2),
        settled,
      );
      expect(breakers.map((breaker) => breaker.state)).toEqual(['closed', 'closed', 'closed']);
      await expect(c.execute(boom)).rejects.toThrow('backend down');
      await vi.waitFor(() => expect(c.state).toBe('open'), settled);
      expect(await counted.get('bigquery')).toMatchObject({
        state: 'open',
        period: 1,
        failures: 0,
        updatedBy: 'instance-c',
      });
      expect(counted.calls).toMatchObject({ compareAndSet: 0, recordOutcome: 3 });
      await a.sync();
      await b.sync();
      expect([a.state, b.state]).toEqual(['open', 'open']);
    } finally {
      await Promise.all(breakers.map((breaker) => breaker.close()));
    }
  }, 60_000);

  it('a trip that reaches Firestore after the fleet probe closed the breaker does not reopen it', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-11-25T00:00:00Z') });
    const store = createFirestoreBreakerStore({ firestore, collection: 'late-trip' });
    const slow = createFlakyBreakerStore(store);
    const options: CircuitBreakerOptions = {
      name: 'bigquery',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 60_000,
      syncIntervalMs: 600_000,
      env: {},
    };
    const a = createCircuitBreaker({ ...options, store: slow, instanceId: 'instance-a' });
    const b = createCircuitBreaker({ ...options, store, instanceId: 'instance-b' });
    try {
      await Promise.all([a.sync(), b.sync()]);
      slow.pause(); // a is paused: its trip waits to reach the store
      for (let i = 0; i < 2; i++) await expect(a.execute(boom)).rejects.toThrow('backend down');
      expect(a.state).toBe('open');
      for (let i = 0; i < 2; i++) await expect(b.execute(boom)).rejects.toThrow('backend down');
      await vi.waitFor(
        async () => expect((await store.get('bigquery'))?.state).toBe('open'),
        settled,
      );
      await clock.advance(60_000);
      await expect(b.execute(async () => 'recovered')).resolves.toBe('recovered');
      await vi.waitFor(
        async () => expect((await store.get('bigquery'))?.state).toBe('closed'),
        settled,
      );
      const closed = await store.get('bigquery');
      expect(closed).toMatchObject({ period: 1 });

      slow.resume();
      await vi.waitFor(() => expect(a.state).toBe('closed'), settled);
      await a.sync();
      expect(await store.get('bigquery')).toEqual(closed);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
