import { type Logger, PipewellError } from '@pipewell/core';
import {
  createRecordingLogger,
  createVirtualClock,
  type VirtualClock,
} from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './breaker.js';
import { BreakerContentionError, CircuitOpenError } from './errors.js';
import { createMemoryBreakerStore } from './memory-store.js';
import { emptyRecord } from './record.js';
import type { BreakerStateStore } from './store-port.js';
import { createFlakyBreakerStore } from './testing/flaky-store.js';

const boom = (): Promise<never> => Promise.reject(new Error('backend down'));
const ok = (): Promise<string> => Promise.resolve('ok');

async function fail(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++)
    await expect(breaker.execute(boom)).rejects.toThrow('backend down');
}

/** Let background store writes (microtasks on the memory store) finish. */
async function settle(clock: VirtualClock): Promise<void> {
  await clock.advance(0);
}

function fleet(clock: VirtualClock, count: number, options: Partial<CircuitBreakerOptions> = {}) {
  const store = createMemoryBreakerStore();
  // The breakers reach the store through a wrapper with fault hooks (an outage on demand).
  const faults = createFlakyBreakerStore(store);
  const breakers = Array.from({ length: count }, (_, i) =>
    createCircuitBreaker({
      name: 'bigquery',
      store: faults,
      clock,
      instanceId: `instance-${i}`,
      failureThreshold: 3,
      openTimeoutMs: 60_000,
      syncIntervalMs: 5_000,
      env: {},
      ...options,
    }),
  );
  return { store, faults, breakers };
}

describe('breakers sharing a store', () => {
  it('trip together: one instance trips, the others refuse calls after their next sync', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      halfOpenAt: 60_000,
      updatedBy: 'instance-0',
    });
    expect(b.state).toBe('closed');
    await clock.advance(5_000);
    expect(b.state).toBe('open');
    const fn = vi.fn(ok);
    await expect(b.execute(fn)).rejects.toMatchObject({
      breakerName: 'bigquery',
      retryAfterMs: 55_000,
    });
    expect(fn).not.toHaveBeenCalled();
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('recover together: one instance holds the probe, its success closes the fleet', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    await b.sync();
    await clock.advance(60_000);

    let release: (value: string) => void = () => {};
    const probe = a.execute(() => new Promise<string>((resolve) => (release = resolve)));
    await settle(clock);
    expect(a.state).toBe('half-open');
    expect(store.snapshot().bigquery?.lease).toEqual({ holder: 'instance-0', expiresAt: 120_000 });

    // While a probes, b must not call the service.
    const fn = vi.fn(ok);
    const refused = await b.execute(fn).catch((e: unknown) => e);
    expect(CircuitOpenError.isInstance(refused)).toBe(true);
    expect(fn).not.toHaveBeenCalled();

    release('fine');
    await expect(probe).resolves.toBe('fine');
    await settle(clock);
    expect(a.state).toBe('closed');
    expect(store.snapshot().bigquery).toMatchObject({ state: 'closed', lease: null, trips: {} });
    await clock.advance(5_000);
    expect(b.state).toBe('closed');
    await expect(b.execute(ok)).resolves.toBe('ok');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('an instance that reaches half-open after the fleet closed just calls', async () => {
    const clock = createVirtualClock();
    const { breakers } = fleet(clock, 2, { syncIntervalMs: 600_000 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    await b.sync();
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    await settle(clock);
    // b never synced since; its open period is over, so it reads the store and finds it closed.
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('hands the probe to another instance when the holder vanishes', async () => {
    const clock = createVirtualClock();
    const { breakers } = fleet(clock, 2, { probeLeaseMs: 10_000 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    await clock.advance(60_000);
    void a.execute(() => new Promise<never>(() => {})); // a takes the probe...
    await settle(clock);
    await a.close(); // ...and its process vanishes: no timer of its runs again
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await clock.advance(10_000);
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    await b.close();
  });

  it('isolate() and reset() reach the whole fleet', async () => {
    const clock = createVirtualClock();
    const { breakers } = fleet(clock, 2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await a.isolate();
    await b.sync();
    expect(b.state).toBe('open');
    await clock.advance(600_000);
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await a.reset();
    await b.sync();
    expect(b.state).toBe('closed');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });
});

describe('a store outage', () => {
  it('never becomes an outage of the protected call, and the breaker resyncs later', async () => {
    const clock = createVirtualClock();
    const { store, faults: outage, breakers } = fleet(clock, 2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    const faults: unknown[] = [];
    a.on('storeError', (event) => faults.push(event));
    outage.failWith(new Error('firestore unavailable'));

    // Calls go on while the store is down...
    await expect(a.execute(ok)).resolves.toBe('ok');
    // ...and the breaker still protects locally.
    await fail(a, 3);
    await settle(clock);
    expect(a.state).toBe('open');
    expect(faults[0]).toMatchObject({ name: 'bigquery', operation: 'get' });
    await expect(a.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);

    // When the store is back, the next sync publishes the trip and b learns of it.
    outage.failWith(undefined);
    await clock.advance(5_000);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-0' });
    await clock.advance(5_000);
    expect(b.state).toBe('open');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('probes locally when the store is down at half-open time', async () => {
    const clock = createVirtualClock();
    const { store, faults, breakers } = fleet(clock, 1);
    const [a] = breakers as [CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    faults.failWith(new Error('firestore unavailable'));
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    expect(a.state).toBe('closed');
    faults.failWith(undefined);
    await clock.advance(5_000);
    expect(store.snapshot().bigquery?.state).toBe('closed');
    await a.close();
  });
});

describe('quorum', () => {
  it('opens fleet-wide only when minInstances distinct instances tripped', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 3, { minInstances: 2 });
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    // The sick instance protects itself, but one instance does not trip the fleet.
    expect(a.state).toBe('open');
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'closed',
      trips: { 'instance-0': 0 },
    });
    await clock.advance(5_000);
    expect(c.state).toBe('closed');

    await fail(b, 3);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-1' });
    await clock.advance(5_000);
    expect(c.state).toBe('open');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('forgets trips older than one open period', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 2, { minInstances: 2 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    await clock.advance(61_000);
    await a.execute(ok); // a probes for itself and closes
    await fail(b, 3);
    await settle(clock);
    expect(store.snapshot().bigquery?.state).toBe('closed');
    expect(Object.keys(store.snapshot().bigquery?.trips ?? {})).toEqual(['instance-1']);
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });
});

describe('a hung probe in a fleet', () => {
  it('the holder counts it as failed when its lease runs out, reopens the fleet, and a later call probes again', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 2, { probeLeaseMs: 10_000 });
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    await clock.advance(60_000);
    void a.execute(() => new Promise<never>(() => {}));
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'half-open',
      period: 1,
      lease: { holder: 'instance-0', expiresAt: 70_000 },
    });

    await clock.advance(10_000);
    expect(a.state).toBe('open');
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 2,
      lease: null,
      halfOpenAt: 130_000,
      updatedBy: 'instance-0',
    });
    await expect(a.execute(ok)).rejects.toMatchObject({ state: 'open', retryAfterMs: 60_000 });
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);

    await clock.advance(60_000);
    await expect(b.execute(ok)).resolves.toBe('ok');
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'closed', period: 2 });
    await clock.advance(5_000);
    expect(a.state).toBe('closed');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });
});

describe('a fleet trip that keeps losing the compare-and-set race', () => {
  it('is reported, kept, and published on the next sync', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    let rivalWrites = true;
    // Another writer gets in first every time, so each compare-and-set of the trip loses.
    const store: BreakerStateStore = {
      get: (name) => inner.get(name),
      async compareAndSet(name, expected, next) {
        const current = await inner.get(name);
        if (rivalWrites) {
          const base = current ?? emptyRecord(clock.now(), 'rival');
          await inner.compareAndSet(name, base.version, {
            ...base,
            version: base.version + 1,
            updatedBy: 'rival',
          });
        }
        return inner.compareAndSet(name, expected, next);
      },
      recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
    };
    const make = (instanceId: string, logger?: Logger) =>
      createCircuitBreaker({
        name: 'bigquery',
        store,
        clock,
        instanceId,
        failureThreshold: 3,
        openTimeoutMs: 60_000,
        syncIntervalMs: 5_000,
        env: {},
        ...(logger ? { logger } : {}),
      });
    const spy = createRecordingLogger();
    const a = make('instance-a', spy);
    const b = make('instance-b');
    const faults: unknown[] = [];
    a.on('storeError', (event) => faults.push(event));
    await settle(clock);

    await fail(a, 3);
    await settle(clock);
    expect(a.state).toBe('open');
    expect(inner.snapshot().bigquery?.state).toBe('closed');
    expect(faults).toEqual([
      {
        name: 'bigquery',
        operation: 'compareAndSet',
        error: expect.objectContaining({
          message:
            'Circuit "bigquery": the fleet trip lost the compare-and-set race 5 times in a row; it is retried on the next sync',
        }),
      },
    ]);
    const lost = (faults[0] as { error: unknown }).error;
    expect(BreakerContentionError.isInstance(lost)).toBe(true);
    expect(lost).toMatchObject({ breakerName: 'bigquery', write: 'trip', attempts: 5 });
    expect(spy.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ operation: 'compareAndSet' }),
      }),
    );

    rivalWrites = false;
    await clock.advance(5_000);
    expect(inner.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 1,
      updatedBy: 'instance-a',
      halfOpenAt: 60_000,
    });
    await clock.advance(5_000);
    expect(b.state).toBe('open');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('failureScope: fleet', () => {
  it('instances that each see fewer failures than the threshold trip the fleet together', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 3, { failureScope: 'fleet' });
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    await settle(clock);
    const opened: unknown[] = [];
    c.on('open', (event) => opened.push(event));
    await fail(a, 1);
    await fail(b, 1);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'closed', failures: 2 });

    const third = new Error('third strike');
    await expect(c.execute(() => Promise.reject(third))).rejects.toBe(third);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 1,
      failures: 0,
      halfOpenAt: 60_000,
      updatedBy: 'instance-2',
    });
    expect(c.state).toBe('open');
    expect(opened).toEqual([{ name: 'bigquery', reason: 'failures', halfOpenAt: 60_000 }]);
    const refused = (await c.execute(ok).catch((e: unknown) => e)) as Error;
    expect(refused.cause).toBe(third);
    await clock.advance(5_000);
    expect([a.state, b.state]).toEqual(['open', 'open']);
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('counted per instance (the default), the same failures trip nobody', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 3);
    for (const breaker of breakers) await fail(breaker, 1);
    await clock.advance(5_000);
    expect(breakers.map((breaker) => breaker.state)).toEqual(['closed', 'closed', 'closed']);
    expect(store.snapshot().bigquery).toBeUndefined();
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('costs one store write per counted failure, and none on the success path while the count is zero', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const total = (): number => store.calls.compareAndSet + store.calls.recordOutcome;
    const [a, b] = [0, 1].map((i) =>
      createCircuitBreaker({
        name: 'bigquery',
        store,
        clock,
        instanceId: `instance-${i}`,
        failureScope: 'fleet',
        failureThreshold: 3,
        syncIntervalMs: 5_000,
        env: {},
      }),
    ) as [CircuitBreaker, CircuitBreaker];
    await settle(clock);
    for (let i = 0; i < 50; i++) await Promise.all([a.execute(ok), b.execute(ok)]);
    await clock.advance(5_000);
    expect(total()).toBe(0);

    await fail(a, 1);
    await settle(clock);
    expect(total()).toBe(1);
    expect(inner.snapshot().bigquery?.failures).toBe(1);
    // The first success after it resets the count: one write; then the count is zero again.
    for (let i = 0; i < 10; i++) await a.execute(ok);
    await settle(clock);
    expect(total()).toBe(2);
    expect(inner.snapshot().bigquery?.failures).toBe(0);
    for (let i = 0; i < 10; i++) await Promise.all([a.execute(ok), b.execute(ok)]);
    await settle(clock);
    expect(total()).toBe(2);

    await fail(a, 1);
    await fail(b, 1);
    await fail(a, 1);
    await settle(clock);
    expect(total()).toBe(5);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'open', period: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('falls back to counting locally while the store is down', async () => {
    const clock = createVirtualClock();
    const { faults: outage, breakers } = fleet(clock, 1, { failureScope: 'fleet' });
    const [a] = breakers as [CircuitBreaker];
    await settle(clock);
    const faults: string[] = [];
    a.on('storeError', ({ operation }) => faults.push(operation));
    outage.failWith(new Error('firestore unavailable'));
    await fail(a, 3);
    await settle(clock);
    expect(a.state).toBe('open');
    expect(faults.slice(0, 2)).toEqual(['recordOutcome', 'recordOutcome']);
    await a.close();
  });
});

/**
 * Two breakers on one memory store: `a` reaches it through a view that can be paused (a slow
 * store, or a paused instance), `b` directly.
 */
function slowAndFast(
  clock: VirtualClock,
  options: Partial<CircuitBreakerOptions>,
  bId = 'instance-b',
) {
  const inner = createMemoryBreakerStore();
  const slow = createFlakyBreakerStore(inner);
  const settings = { name: 'bigquery', clock, syncIntervalMs: 600_000, env: {}, ...options };
  const a = createCircuitBreaker({ ...settings, store: slow, instanceId: 'instance-a' });
  const b = createCircuitBreaker({ ...settings, store: inner, instanceId: bId });
  return { inner, slow, a, b };
}

describe('a late write cannot overturn a newer verdict', () => {
  it('a trip that reaches the store after the fleet probe closed the breaker does not reopen it', async () => {
    const clock = createVirtualClock();
    const { inner, slow, a, b } = slowAndFast(clock, {
      failureThreshold: 3,
      openTimeoutMs: 60_000,
    });
    await settle(clock);

    slow.pause(); // a's store calls now hang: a slow store, or a paused instance
    await fail(a, 3);
    expect(a.state).toBe('open');
    await fail(b, 3);
    await settle(clock);
    expect(inner.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 1,
      updatedBy: 'instance-b',
    });
    await clock.advance(60_000);
    await expect(b.execute(ok)).resolves.toBe('ok');
    await settle(clock);
    const closed = inner.snapshot().bigquery;
    expect(closed).toMatchObject({ state: 'closed', period: 1 });

    const closes: unknown[] = [];
    a.on('close', (event) => closes.push(event));
    slow.resume(); // a's trip, seen in period 0, reaches the store now
    await settle(clock);
    expect(inner.snapshot().bigquery).toEqual(closed);
    expect(a.state).toBe('closed');
    expect(closes).toEqual([{ name: 'bigquery', reason: 'fleet' }]);
    await Promise.all([a.close(), b.close()]);
  });

  it("a probe holder's late close does not overturn the reopen of the instance that took over", async () => {
    const clock = createVirtualClock();
    const { inner, slow, a, b } = slowAndFast(clock, {
      failureThreshold: 1,
      openTimeoutMs: 60_000,
      probeLeaseMs: 10_000,
    });
    await settle(clock);
    await fail(b, 1);
    await settle(clock);
    await a.sync();
    await clock.advance(60_000);

    const probe = a.execute(() => clock.sleep(5_000).then(() => 'fine'));
    await settle(clock);
    expect(inner.snapshot().bigquery).toMatchObject({
      state: 'half-open',
      period: 1,
      lease: { holder: 'instance-a', expiresAt: 70_000 },
    });
    slow.pause(); // a's writes now hang
    await clock.advance(5_000);
    await expect(probe).resolves.toBe('fine'); // a's verdict: closed, but its write is stuck
    expect(a.state).toBe('closed');

    // a's lease runs out; b takes the probe over and its trial fails: a newer verdict.
    await clock.advance(5_000);
    await expect(b.execute(boom)).rejects.toThrow('backend down');
    await settle(clock);
    const reopened = inner.snapshot().bigquery;
    expect(reopened).toMatchObject({
      state: 'open',
      period: 2,
      lease: null,
      updatedBy: 'instance-b',
    });

    slow.resume(); // a's close of period 1 reaches the store now
    await settle(clock);
    expect(inner.snapshot().bigquery).toEqual(reopened);
    expect(a.state).toBe('open');
    await Promise.all([a.close(), b.close()]);
  });

  it('a trip seen before an operator reset does not undo the reset', async () => {
    const clock = createVirtualClock();
    const { inner, slow, a, b: operator } = slowAndFast(clock, { failureThreshold: 3 }, 'operator');
    await settle(clock);
    slow.pause();
    await fail(a, 3); // a's trip waits to reach the store
    await operator.reset();
    const reset = inner.snapshot().bigquery;
    expect(reset).toMatchObject({ state: 'closed', period: 1, updatedBy: 'operator' });
    slow.resume();
    await settle(clock);
    expect(inner.snapshot().bigquery).toEqual(reset);
    expect(a.state).toBe('closed');
    await Promise.all([a.close(), operator.close()]);
  });
});

describe('on a slow store that loses races (createFlakyBreakerStore)', () => {
  /** Two breakers on one store whose every call takes 10 ms each way. */
  function slowFleet(clock: VirtualClock, conflictRate = 0) {
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner, {
      delayMs: 20,
      conflictRate,
      random: () => 0.5,
      clock,
    });
    const make = (instanceId: string) =>
      createCircuitBreaker({
        name: 'bigquery',
        store,
        clock,
        instanceId,
        failureThreshold: 1,
        openTimeoutMs: 60_000,
        syncIntervalMs: 5_000,
        env: {},
      });
    return { inner, store, a: make('instance-a'), b: make('instance-b') };
  }

  it('two instances whose open period ends together race for the probe lease, and only the winner calls', async () => {
    const clock = createVirtualClock();
    const { inner, a, b } = slowFleet(clock);
    await clock.advance(100);
    await fail(a, 1);
    await clock.advance(5_000); // the trip is published, and b's sync reads it
    expect(b.state).toBe('open');
    await clock.advance(55_000);

    let release = (): void => {};
    const probe = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    // Both calls read the store before either compare-and-set lands: a real race.
    const calls = [a.execute(probe), b.execute(probe)].map((call) =>
      call.then(
        () => 'called',
        (error: unknown) => (CircuitOpenError.isInstance(error) ? 'refused' : error),
      ),
    );
    await clock.advance(100);
    expect(probe).toHaveBeenCalledTimes(1);
    const holder = inner.snapshot().bigquery?.lease?.holder;
    const winner = holder === 'instance-a' ? a : b;
    expect(winner.state).toBe('half-open');
    expect((holder === 'instance-a' ? b : a).state).toBe('open');
    release();
    await clock.advance(100);
    expect((await Promise.all(calls)).sort()).toEqual(['called', 'refused']);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'closed', lease: null });
    await clock.runAll(Promise.all([a.close(), b.close()]));
  });

  it('isolate() and reset() that lose the race five times reject with BreakerContentionError', async () => {
    const clock = createVirtualClock();
    const { inner, a } = slowFleet(clock, 1);
    await clock.advance(100);
    const isolating = a.isolate().catch((error: unknown) => error);
    await clock.advance(1_000);
    const isolateError = await isolating;
    expect(BreakerContentionError.isInstance(isolateError)).toBe(true);
    expect(PipewellError.isInstance(isolateError)).toBe(true);
    expect(isolateError).toMatchObject({
      name: 'BreakerContentionError',
      breakerName: 'bigquery',
      write: 'isolate',
      attempts: 5,
      message:
        'Circuit "bigquery": isolate() lost the compare-and-set race 5 times; the fleet is not isolated (this instance is)',
    });
    // This instance is isolated anyway; the fleet's record is not.
    expect(a.state).toBe('open');
    expect(inner.snapshot().bigquery).toMatchObject({ isolated: false, state: 'closed' });

    const resetting = a.reset().catch((error: unknown) => error);
    await clock.advance(1_000);
    const resetError = await resetting;
    expect(BreakerContentionError.isInstance(resetError)).toBe(true);
    expect(resetError).toMatchObject({ write: 'reset', attempts: 5 });
    expect(a.state).toBe('closed');
    await clock.runAll(a.close());
  });
});

describe('close()', () => {
  it('is idempotent: a second call waits for the store writes the first is waiting for', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const breaker = createCircuitBreaker({
      name: 'bigquery',
      store,
      clock,
      failureThreshold: 1,
      env: {},
    });
    await settle(clock);
    store.pause(); // the trip's write is held
    await fail(breaker, 1);
    let closed = 0;
    const first = breaker.close().then(() => closed++);
    const second = breaker.close().then(() => closed++);
    await settle(clock);
    expect(closed).toBe(0);
    store.resume();
    await Promise.all([first, second]);
    expect(closed).toBe(2);
    expect(inner.snapshot().bigquery?.state).toBe('open');
    await breaker.close();
  });
});
