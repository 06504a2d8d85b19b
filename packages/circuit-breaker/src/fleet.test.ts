import {
  catchError,
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
import { BreakerClosedError, BreakerContentionError, CircuitOpenError } from './errors.js';
import type { BreakerEvents } from './events.js';
import { createMemoryBreakerStore, type MemoryBreakerStore } from './memory-store.js';
import type { BreakerStateStore } from './store-port.js';
import { createFlakyBreakerStore } from './testing/flaky-store.js';

// The fleet protocol, driven through breakers that share a store, at the interleavings that
// decide it: a slow or held store answer, a lost compare-and-set, a wiped store, a verdict that
// lands late.

const boom = (): Promise<never> => Promise.reject(new Error('backend down'));
const ok = (): Promise<string> => Promise.resolve('ok');
const hang = (): Promise<never> => new Promise<never>(() => {});

async function fail(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++)
    await expect(breaker.execute(boom)).rejects.toThrow('backend down');
}

/** Let background store work on an instant store finish. */
async function settle(clock: VirtualClock): Promise<void> {
  await clock.advance(0);
}

function breakerOn(
  store: BreakerStateStore,
  clock: VirtualClock,
  instanceId: string,
  options: Partial<CircuitBreakerOptions> = {},
): CircuitBreaker {
  return createCircuitBreaker({
    name: 'bigquery',
    store,
    clock,
    instanceId,
    failureThreshold: 3,
    openTimeoutMs: 60_000,
    syncIntervalMs: 600_000,
    env: {},
    ...options,
  });
}

function recordEvents(breaker: CircuitBreaker) {
  const seen: Array<[keyof BreakerEvents, unknown]> = [];
  for (const name of ['open', 'halfOpen', 'close', 'rejected', 'storeError'] as const) {
    breaker.on(name, (event) => seen.push([name, event]));
  }
  return seen;
}

const only = (seen: Array<[keyof BreakerEvents, unknown]>, ...names: Array<keyof BreakerEvents>) =>
  seen.filter(([name]) => names.includes(name));

type Held = 'get' | 'compareAndSet';

/**
 * A store over `inner` that can hold back the next call of one kind, until `release()`: either
 * its answer (the call reaches `inner` at once: a read sees the record of that moment, a write
 * lands) or the call itself (it reaches `inner` only when released).
 */
function holdingStore(inner: BreakerStateStore) {
  let held: { kind: Held; what: 'answer' | 'call' } | undefined;
  let release = (): void => {};
  const hold = (kind: Held, what: 'answer' | 'call'): Promise<void> | undefined => {
    if (held?.kind !== kind || held.what !== what) return undefined;
    held = undefined;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  const pass = async <T>(kind: Held, call: () => Promise<T>): Promise<T> => {
    await hold(kind, 'call');
    const result = await call();
    await hold(kind, 'answer');
    return result;
  };
  const store: BreakerStateStore = {
    get: (name) => pass('get', () => inner.get(name)),
    compareAndSet: (name, expected, next) =>
      pass('compareAndSet', () => inner.compareAndSet(name, expected, next)),
    recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
  };
  return {
    store,
    /** Hold the next call of `kind` (its answer, or the call itself); returns the release. */
    holdNext(kind: Held, what: 'answer' | 'call' = 'answer'): () => void {
      held = { kind, what };
      return () => release();
    },
  };
}

/** A store over `inner` where, while `rival.on`, another writer wins every compare-and-set. */
function rivalStore(inner: MemoryBreakerStore) {
  const rival = { on: false, casCalls: 0 };
  const store: BreakerStateStore = {
    get: (name) => inner.get(name),
    async compareAndSet(name, expected, next) {
      rival.casCalls++;
      if (rival.on) {
        const current = await inner.get(name);
        if (current !== undefined) {
          await inner.compareAndSet(name, current.version, {
            ...current,
            version: current.version + 1,
            updatedBy: 'rival',
          });
        }
      }
      return inner.compareAndSet(name, expected, next);
    },
    recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
  };
  return { store, rival };
}

/** One instance that tripped the fleet (published) at t=0: open in period 1 until 60 000. */
async function trippedFleet(
  store: BreakerStateStore,
  clock: VirtualClock,
  options: Partial<CircuitBreakerOptions> = {},
) {
  const a = breakerOn(store, clock, 'instance-a', options);
  await settle(clock);
  await fail(a, 3);
  await settle(clock);
  return a;
}

describe('a closed instance that sees failures', () => {
  it("reads the fleet's state at once, but at most once a second", async () => {
    const clock = createVirtualClock({ now: 50_000 });
    const inner = createMemoryBreakerStore();
    const counted = createFlakyBreakerStore(inner);
    const a = breakerOn(inner, clock, 'instance-a');
    const b = breakerOn(counted, clock, 'instance-b');
    await settle(clock); // b's first read, at 50 000
    await fail(a, 3);
    await settle(clock);
    expect(inner.snapshot().bigquery?.state).toBe('open');
    const reads = counted.calls.get;

    await clock.advance(999);
    await fail(b, 1);
    await settle(clock);
    expect(counted.calls.get).toBe(reads);
    expect(b.state).toBe('closed');

    await clock.advance(1);
    await fail(b, 1);
    await settle(clock);
    expect(counted.calls.get).toBe(reads + 1);
    expect(b.state).toBe('open');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('periods', () => {
  it('a breaker that trips again after the fleet recovered opens the next period', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock, { syncIntervalMs: 5_000 });
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    await clock.advance(5_000); // a sync reads the closed record of period 1
    expect(store.snapshot().bigquery).toMatchObject({ state: 'closed', period: 1 });
    await fail(a, 3);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 2,
      updatedBy: 'instance-a',
    });
    expect(a.state).toBe('open');
    await a.close();
  });

  it('sync() on a store with no record yet leaves the breaker as it is', async () => {
    const clock = createVirtualClock();
    const a = breakerOn(createMemoryBreakerStore(), clock, 'instance-a');
    await expect(a.sync()).resolves.toBeUndefined();
    expect(a.state).toBe('closed');
    await a.close();
  });
});

describe('an instance open on its own (no quorum)', () => {
  it('stays open when it syncs, and its failed probe stays its own', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = breakerOn(store, clock, 'instance-a', { minInstances: 2, syncIntervalMs: 5_000 });
    const seen = recordEvents(a);
    await settle(clock);
    await fail(a, 3);
    await clock.advance(5_000);
    expect(store.snapshot().bigquery?.state).toBe('closed');
    expect(a.state).toBe('open');

    await clock.advance(55_000);
    await fail(a, 1); // its own trial call fails
    await clock.advance(5_000);
    expect(a.state).toBe('open');
    expect(store.snapshot().bigquery?.state).toBe('closed');
    expect(only(seen, 'open', 'close').map(([, event]) => event)).toEqual([
      { name: 'bigquery', reason: 'failures', halfOpenAt: 60_000 },
      { name: 'bigquery', reason: 'probeFailed', halfOpenAt: 120_000 },
    ]);
    await a.close();
  });

  it("recovers without closing the fleet's open period, and follows it on its next sync", async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = breakerOn(store, clock, 'instance-a', { minInstances: 2 });
    const b = breakerOn(store, clock, 'instance-b', { minInstances: 2 });
    await settle(clock);
    await fail(a, 3); // alone: a is open by itself until 60 000
    await settle(clock);
    await clock.advance(30_000);
    await fail(b, 3); // two instances tripped: the fleet opens until 90 000
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 1,
      halfOpenAt: 90_000,
    });

    await clock.advance(30_000);
    await expect(a.execute(ok)).resolves.toBe('ok'); // a probes for itself and closes
    await settle(clock);
    expect(a.state).toBe('closed');
    expect(store.snapshot().bigquery).toMatchObject({ state: 'open', period: 1 });
    await a.sync();
    expect(a.state).toBe('open');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('probing while the store is down', () => {
  it("reopens locally on a failed trial, and the next probe takes the fleet's lease once the store is back", async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    store.failWith(new Error('firestore unavailable'));
    await fail(a, 1); // probed locally; the trial failed
    expect(a.state).toBe('open');
    store.failWith(undefined);
    await clock.advance(60_000);
    const fn = vi.fn(ok);
    await expect(a.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    await settle(clock);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'closed', lease: null });
    await a.close();
  });
});

describe('a lease that lapses without a verdict', () => {
  it('can be taken again at once by its holder', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock, {
      halfOpenMaxCalls: 2,
      probeLeaseMs: 10_000,
    });
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok'); // one success of the two needed
    await clock.advance(10_000); // the lease lapses with no trial running
    expect(a.state).toBe('open');
    await expect(a.execute(ok)).resolves.toBe('ok');
    expect(a.state).toBe('half-open');
    expect(store.snapshot().bigquery?.lease).toEqual({ holder: 'instance-a', expiresAt: 80_000 });
    await a.close();
  });
});

describe('while a call takes the probe lease', () => {
  it('another call is refused for a second, even across a sync that reads the same record', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const { store, holdNext } = holdingStore(inner);
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    const release = holdNext('compareAndSet', 'call'); // the lease is not taken yet
    const first = vi.fn(ok);
    const taking = a.execute(first);
    await settle(clock);
    await a.sync();
    const second = vi.fn(ok);
    const refused = await catchError(a.execute(second), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 1_000 });
    expect(second).not.toHaveBeenCalled();
    release();
    await expect(taking).resolves.toBe('ok');
    expect(first).toHaveBeenCalledTimes(1);
    await a.close();
  });

  it('close() makes that call fail with BreakerClosedError instead of calling', async () => {
    const clock = createVirtualClock();
    const { store, holdNext } = holdingStore(createMemoryBreakerStore());
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    const release = holdNext('compareAndSet');
    const fn = vi.fn(ok);
    const taking = a.execute(fn).catch((error: unknown) => error);
    await settle(clock);
    await a.close();
    release();
    expect(BreakerClosedError.isInstance(await taking)).toBe(true);
    expect(fn).not.toHaveBeenCalled();
  });

  it('an isolate() meanwhile wins: the call is refused', async () => {
    const clock = createVirtualClock();
    const { store, holdNext } = holdingStore(createMemoryBreakerStore());
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    const release = holdNext('compareAndSet');
    const fn = vi.fn(ok);
    const taking = a.execute(fn).catch((error: unknown) => error);
    await settle(clock);
    const isolating = a.isolate();
    release();
    await isolating;
    expect(CircuitOpenError.isInstance(await taking)).toBe(true);
    expect(fn).not.toHaveBeenCalled();
    expect(a.state).toBe('open');
    await a.close();
  });

  it('an isolate() meanwhile wins when the store fails too', async () => {
    const clock = createVirtualClock();
    const store = createFlakyBreakerStore(createMemoryBreakerStore());
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    store.pause();
    const fn = vi.fn(ok);
    const taking = a.execute(fn).catch((error: unknown) => error);
    const isolating = a.isolate().catch((error: unknown) => error);
    store.failWith(new Error('firestore unavailable'));
    store.resume();
    await settle(clock);
    expect(await isolating).toMatchObject({ message: 'firestore unavailable' });
    expect(CircuitOpenError.isInstance(await taking)).toBe(true);
    expect(fn).not.toHaveBeenCalled();
    await a.close();
  });
});

describe("another instance's probe", () => {
  it('refuses calls for the time left on its lease, then closes them with the fleet', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock);
    const b = breakerOn(store, clock, 'instance-b');
    await settle(clock); // b follows the open period
    const seen = recordEvents(b);
    await clock.advance(60_000);
    let release: (value: string) => void = () => {};
    const probe = a.execute(() => new Promise<string>((resolve) => (release = resolve)));
    await settle(clock);

    const refused = await catchError(b.execute(ok), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 60_000 });
    release('fine');
    await probe;
    await settle(clock);
    await b.sync();
    expect(b.state).toBe('closed');
    expect(only(seen, 'open', 'halfOpen', 'close')).toEqual([
      ['open', { name: 'bigquery', reason: 'fleet', halfOpenAt: 120_000 }],
      ['close', { name: 'bigquery', reason: 'fleet' }],
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it('an instance that reaches half-open after the fleet closed calls without a probe', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock);
    const b = breakerOn(store, clock, 'instance-b');
    await settle(clock);
    await clock.advance(60_000);
    await a.execute(ok);
    await settle(clock);
    const closed = store.snapshot().bigquery;
    const seen = recordEvents(b);
    await expect(b.execute(ok)).resolves.toBe('ok');
    expect(only(seen, 'halfOpen', 'close')).toEqual([
      ['close', { name: 'bigquery', reason: 'fleet' }],
    ]);
    expect(store.snapshot().bigquery).toEqual(closed);
    await Promise.all([a.close(), b.close()]);
  });

  it('an instance that goes to probe and finds the fleet isolated refuses for a second', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock);
    const b = breakerOn(store, clock, 'instance-b');
    await settle(clock);
    await a.isolate();
    await clock.advance(60_000);
    const seen = recordEvents(b);
    const refused = await catchError(b.execute(ok), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 1_000 });
    expect(only(seen, 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'isolated', halfOpenAt: null }],
    ]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe("the lease holder's failed probe", () => {
  it('reopens the fleet for the next period, with the trial failure as the cause', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    const seen = recordEvents(a);
    const trialFailure = new Error('still down');
    await expect(a.execute(() => Promise.reject(trialFailure))).rejects.toBe(trialFailure);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 2,
      halfOpenAt: 120_000,
      lease: null,
    });
    const refused = await catchError(a.execute(ok), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 60_000 });
    expect(refused.cause).toBe(trialFailure);
    expect(only(seen, 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'probeFailed', halfOpenAt: 120_000 }],
    ]);
    await a.close();
  });
});

describe('operator switches across the fleet', () => {
  it('isolate() writes an isolation that others follow once, and reset() a close they follow', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = breakerOn(store, clock, 'instance-a');
    const b = breakerOn(store, clock, 'instance-b');
    await settle(clock);
    const seen = recordEvents(b);
    await a.isolate();
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'open',
      period: 1,
      isolated: true,
      halfOpenAt: null,
    });
    await b.sync();
    await b.sync();
    expect(b.state).toBe('open');
    await a.reset();
    expect(store.snapshot().bigquery).toMatchObject({
      state: 'closed',
      period: 2,
      isolated: false,
    });
    await b.sync();
    expect(b.state).toBe('closed');
    expect(only(seen, 'open', 'close')).toEqual([
      ['open', { name: 'bigquery', reason: 'isolated', halfOpenAt: null }],
      ['close', { name: 'bigquery', reason: 'reset' }],
    ]);
    await Promise.all([a.close(), b.close()]);
  });

  it.each([
    ['isolate', 'reset', { state: 'closed', isolated: false }],
    ['reset', 'isolate', { state: 'open', isolated: true }],
  ] as const)(
    '%s() overtaken by %s() on the same instance writes nothing',
    async (first, second, last) => {
      const clock = createVirtualClock();
      const store = createMemoryBreakerStore();
      const a = breakerOn(store, clock, 'instance-a');
      await settle(clock);
      await Promise.all([a[first](), a[second]()]);
      expect(store.snapshot().bigquery).toMatchObject({ ...last, version: 1, period: 1 });
      await a.close();
    },
  );
});

describe('a trip the fleet has already taken', () => {
  it.each([1, 2])(
    'makes the instance follow the fleet, keeping its own failure as the cause (minInstances %i)',
    async (minInstances) => {
      const clock = createVirtualClock();
      const store = createMemoryBreakerStore();
      const options = { minInstances, syncIntervalMs: 600_000 };
      const others = ['instance-b', 'instance-c']
        .slice(0, minInstances)
        .map((id) => breakerOn(store, clock, id, options));
      // One failure trips a: it decides before it could read that the fleet is open.
      const a = breakerOn(store, clock, 'instance-a', { ...options, failureThreshold: 1 });
      await settle(clock);
      for (const other of others) await fail(other, 3);
      await settle(clock);
      expect(store.snapshot().bigquery).toMatchObject({
        state: 'open',
        period: 1,
        halfOpenAt: 60_000,
      });

      await clock.advance(10_000);
      const seen = recordEvents(a);
      const failure = new Error('a saw it too');
      await expect(a.execute(() => Promise.reject(failure))).rejects.toBe(failure);
      await settle(clock);
      expect(a.state).toBe('open');
      const refused = await catchError(a.execute(ok), CircuitOpenError);
      expect(refused.retryAfterMs).toBe(50_000);
      expect(refused.cause).toBe(failure);
      expect(only(seen, 'open', 'close').map(([, event]) => event)).toEqual([
        { name: 'bigquery', reason: 'failures', halfOpenAt: 70_000 },
        { name: 'bigquery', reason: 'fleet', halfOpenAt: 60_000 },
      ]);
      await Promise.all([a, ...others].map((breaker) => breaker.close()));
    },
  );

  it('at the same instant as this instance announces one open, not two', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = breakerOn(store, clock, 'instance-a');
    const b = breakerOn(store, clock, 'instance-b');
    await settle(clock);
    await fail(b, 3);
    await settle(clock);
    const seen = recordEvents(a);
    await fail(a, 3);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({ period: 1, updatedBy: 'instance-b' });
    expect(only(seen, 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'failures', halfOpenAt: 60_000 }],
    ]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('a trip that reaches the store late', () => {
  it('landing while this instance probes on its own, makes it follow the fleet', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = breakerOn(store, clock, 'instance-a');
    await settle(clock);
    store.pause();
    await fail(a, 3);
    await clock.advance(60_000);
    const seen = recordEvents(a);
    void a.execute(hang); // a probes for itself
    expect(a.state).toBe('half-open');
    store.resume();
    await settle(clock);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'open', period: 1 });
    expect(a.state).toBe('open');
    expect(only(seen, 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'fleet', halfOpenAt: 60_000 }],
    ]);
    expect(clock.pendingTimers).toBe(1); // the sync loop; the probe's lease timer went with it
    await a.close();
  });

  it('is never written once the instance recovered on its own', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = breakerOn(store, clock, 'instance-a');
    await settle(clock);
    store.pause();
    await fail(a, 3);
    await clock.advance(60_000);
    await expect(a.execute(ok)).resolves.toBe('ok');
    store.resume();
    await settle(clock);
    expect(inner.snapshot().bigquery).toBeUndefined();
    expect(a.state).toBe('closed');
    await a.close();
  });

  it('is dropped, not written, when the store comes back while the instance probes on its own', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = breakerOn(store, clock, 'instance-a', { syncIntervalMs: 5_000 });
    const b = breakerOn(inner, clock, 'instance-b', { syncIntervalMs: 5_000 });
    await settle(clock);
    store.failWith(new Error('firestore unavailable'));
    await fail(a, 3);
    await clock.advance(60_000);
    void a.execute(hang);
    store.failWith(undefined);
    await clock.advance(5_000);
    expect(inner.snapshot().bigquery).toBeUndefined();
    // Nothing of a's is held back any more: it follows the fleet's next verdict.
    await fail(b, 3);
    await clock.advance(5_000);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-b' });
    expect(a.state).toBe('open');
    await Promise.all([a.close(), b.close()]);
  });

  it('while it is being written, a sync waits for that write instead of writing it again', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = breakerOn(store, clock, 'instance-a');
    await settle(clock);
    const reads = store.calls.get;
    store.pause();
    await fail(a, 3);
    const syncing = a.sync();
    store.resume();
    await syncing;
    // One read for the trip's write, one for the sync.
    expect(store.calls.get).toBe(reads + 2);
    expect(store.calls.compareAndSet).toBe(1);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-a' });
    await a.close();
  });
});

describe("a probe's verdict that keeps losing the compare-and-set race", () => {
  it.each([
    ['close', ok, 'closed'],
    ['reopen', boom, 'open'],
  ] as const)(
    '(%s) is reported, kept, and published on the next sync',
    async (write, trial, state) => {
      const clock = createVirtualClock();
      const inner = createMemoryBreakerStore();
      const { store, rival } = rivalStore(inner);
      const a = await trippedFleet(store, clock, { syncIntervalMs: 5_000 });
      const seen = recordEvents(a);
      await clock.advance(60_000);
      let settleTrial: () => void = () => {};
      const probe = a.execute(() =>
        new Promise<void>((resolve) => (settleTrial = resolve)).then(trial),
      );
      await settle(clock);
      expect(inner.snapshot().bigquery?.lease?.holder).toBe('instance-a');
      rival.on = true;
      const casBefore = rival.casCalls;
      settleTrial();
      await probe.catch(() => {});
      await settle(clock);
      expect(a.state).toBe(state);
      expect(rival.casCalls - casBefore).toBe(5);
      expect(inner.snapshot().bigquery?.state).toBe('half-open');
      const faults = only(seen, 'storeError').map(([, event]) => event as { error: unknown });
      expect(faults).toHaveLength(1);
      expect(BreakerContentionError.isInstance(faults[0]?.error)).toBe(true);
      expect(faults[0]?.error).toMatchObject({ write, attempts: 5 });

      rival.on = false;
      await clock.advance(5_000);
      expect(inner.snapshot().bigquery).toMatchObject({ state, lease: null });
      await a.close();
    },
  );
});

describe('a probe lease that keeps losing the compare-and-set race', () => {
  it('refuses the call, and the next call tries for the lease again', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    let roll = 0.6; // conflicts when below conflictRate
    const store = createFlakyBreakerStore(inner, {
      delayMs: 10,
      conflictRate: 0.5,
      random: () => roll,
      clock,
    });
    const a = breakerOn(store, clock, 'instance-a');
    await clock.advance(100);
    await fail(a, 3);
    await clock.advance(100); // the trip is published
    expect(inner.snapshot().bigquery?.state).toBe('open');
    await clock.advance(60_000);

    roll = 0.4;
    const casBefore = store.calls.compareAndSet;
    const fn = vi.fn(ok);
    const lost = a.execute(fn).catch((error: unknown) => error);
    await clock.advance(1_000);
    expect(CircuitOpenError.isInstance(await lost)).toBe(true);
    expect(store.calls.compareAndSet - casBefore).toBe(5);
    expect(fn).not.toHaveBeenCalled();

    roll = 0.6;
    const won = a.execute(fn);
    await clock.advance(1_000);
    await expect(won).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    await clock.runAll(a.close());
  });
});

describe('a store that lost its records', () => {
  it('means nothing is open: the instance that goes to probe just calls', async () => {
    const clock = createVirtualClock();
    let inner = createMemoryBreakerStore();
    const store: BreakerStateStore = {
      get: (name) => inner.get(name),
      compareAndSet: (name, expected, next) => inner.compareAndSet(name, expected, next),
      recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
    };
    const a = await trippedFleet(store, clock);
    await clock.advance(60_000);
    inner = createMemoryBreakerStore(); // wiped
    const seen = recordEvents(a);
    const fn = vi.fn(ok);
    await expect(a.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(a.state).toBe('closed');
    expect(only(seen, 'halfOpen', 'close', 'storeError')).toEqual([
      ['close', { name: 'bigquery', reason: 'fleet' }],
    ]);
    await a.close();
  });
});

describe('reads that answer out of order', () => {
  it('a read older than what the instance knows is ignored', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const { store, holdNext } = holdingStore(inner);
    const operator = breakerOn(inner, clock, 'operator');
    await operator.reset(); // the record: closed, period 1
    const a = breakerOn(store, clock, 'instance-a');
    const b = breakerOn(inner, clock, 'instance-b');
    await settle(clock);

    const release = holdNext('get');
    const stale = a.sync(); // reads the closed record; its answer is held
    await settle(clock);
    await fail(b, 3);
    await settle(clock);
    expect(inner.snapshot().bigquery).toMatchObject({ state: 'open', period: 2 });
    await a.sync();
    expect(a.state).toBe('open');
    release();
    await stale;
    expect(a.state).toBe('open');
    await Promise.all([operator.close(), a.close(), b.close()]);
  });
});

describe('failures counted across the fleet', () => {
  it("follow a fleet that another instance opened as the fleet's verdict, not this one's", async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const options = { failureScope: 'fleet', failureThreshold: 2 } as const;
    const a = breakerOn(store, clock, 'instance-a', options);
    const b = breakerOn(store, clock, 'instance-b', options);
    await settle(clock);
    await fail(b, 2);
    await settle(clock);
    expect(store.snapshot().bigquery).toMatchObject({ state: 'open', updatedBy: 'instance-b' });
    const seen = recordEvents(a);
    await fail(a, 1); // at the same instant, unaware the fleet opened
    await settle(clock);
    expect(a.state).toBe('open');
    expect(only(seen, 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'fleet', halfOpenAt: 60_000 }],
    ]);
    const refused = await catchError(a.execute(ok), CircuitOpenError);
    expect('cause' in refused).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('reset the count after every success that follows failures', async () => {
    const clock = createVirtualClock();
    const store = createMemoryBreakerStore();
    const a = breakerOn(store, clock, 'instance-a', { failureScope: 'fleet' });
    await settle(clock);
    for (let round = 0; round < 2; round++) {
      await fail(a, 1);
      await settle(clock);
      expect(store.snapshot().bigquery?.failures).toBe(1);
      await a.execute(ok);
      await settle(clock);
      expect(store.snapshot().bigquery?.failures).toBe(0);
    }
    await a.close();
  });
});

describe('after close()', () => {
  it('a call that settles late trips only the local breaker: nothing more reaches the store', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const store = createFlakyBreakerStore(inner);
    const a = breakerOn(store, clock, 'instance-a');
    await settle(clock);
    let failLate: (error: Error) => void = () => {};
    const late = a.execute(() => new Promise<never>((_, reject) => (failLate = reject)));
    await fail(a, 2);
    await a.close();
    const calls = store.calls;
    failLate(new Error('late'));
    await expect(late).rejects.toThrow('late');
    await settle(clock);
    expect(a.state).toBe('open');
    expect(store.calls).toEqual(calls);
    expect(inner.snapshot().bigquery).toBeUndefined();
  });
});

describe('store faults', () => {
  it('a compare-and-set that throws is reported and logged as a store fault', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    const down = new Error('write refused');
    const store: BreakerStateStore = {
      get: (name) => inner.get(name),
      compareAndSet: () => Promise.reject(down),
      recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
    };
    const logger = createRecordingLogger();
    const a = breakerOn(store, clock, 'instance-a', { logger });
    const seen = recordEvents(a);
    await settle(clock);
    await fail(a, 3);
    await settle(clock);
    expect(a.state).toBe('open');
    expect(only(seen, 'storeError')).toEqual([
      ['storeError', { name: 'bigquery', operation: 'compareAndSet', error: down }],
    ]);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        fields: { err: down, operation: 'compareAndSet', breaker: 'bigquery' },
        msg: 'circuit-breaker: store compareAndSet failed; using local state',
      },
    ]);
    await a.close();
  });
});
