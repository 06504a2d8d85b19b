import { createVirtualClock, type VirtualClock } from '@pipewell/retry';
import { describe, expect, it, vi } from 'vitest';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './breaker.js';
import { CircuitOpenError } from './errors.js';
import { createMemoryStore } from './store.js';

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
  const store = createMemoryStore();
  const breakers = Array.from({ length: count }, (_, i) =>
    createCircuitBreaker({
      name: 'bigquery',
      store,
      clock,
      instanceId: `instance-${i}`,
      failureThreshold: 3,
      openTimeoutMs: 60_000,
      syncIntervalMs: 5_000,
      env: {},
      ...options,
    }),
  );
  return { store, breakers };
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
    void a.execute(() => new Promise<never>(() => {})); // a takes the probe and never reports
    await settle(clock);
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await clock.advance(10_000);
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    await Promise.all(breakers.map((breaker) => breaker.close()));
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
    const { store, breakers } = fleet(clock, 2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    const faults: unknown[] = [];
    a.on('storeError', (event) => faults.push(event));
    store.failWith(new Error('firestore unavailable'));

    // Calls go on while the store is down...
    await expect(a.execute(ok)).resolves.toBe('ok');
    // ...and the breaker still protects locally.
    await fail(a, 3);
    await settle(clock);
    expect(a.state).toBe('open');
    expect(faults[0]).toMatchObject({ name: 'bigquery', operation: 'get' });
    await expect(a.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);

    // When the store is back, the next sync publishes the trip and b learns of it.
    store.failWith(undefined);
    await clock.advance(5_000);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-0' });
    await clock.advance(5_000);
    expect(b.state).toBe('open');
    await Promise.all(breakers.map((breaker) => breaker.close()));
  });

  it('probes locally when the store is down at half-open time', async () => {
    const clock = createVirtualClock();
    const { store, breakers } = fleet(clock, 1);
    const [a] = breakers as [CircuitBreaker];
    await fail(a, 3);
    await settle(clock);
    store.failWith(new Error('firestore unavailable'));
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    expect(a.state).toBe('closed');
    store.failWith(undefined);
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
