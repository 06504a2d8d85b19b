import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CircuitBreaker, createCircuitBreaker } from './breaker.js';
import { createMemoryBreakerStore, type MemoryBreakerStore } from './memory-store.js';
import type { BreakerStateStore } from './store-port.js';
import { createFlakyBreakerStore } from './testing/flaky-store.js';

type Op =
  | {
      readonly kind: 'call';
      readonly breaker: number;
      readonly fails: boolean;
      readonly hold: boolean;
    }
  | { readonly kind: 'hang'; readonly breaker: number }
  | { readonly kind: 'settle' }
  | { readonly kind: 'advance'; readonly ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      breaker: fc.nat(2),
      fails: fc.boolean(),
      hold: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Mostly steps around the open timeout, where the interesting transitions are, and
      // steps shorter than a slow store's answer, where calls of several instances interleave.
      ms: fc.oneof(
        fc.constantFrom(0, 300, 999, 1_000, 1_001),
        fc.integer({ min: 0, max: 1_500 }),
        fc.integer({ min: 0, max: 60 }),
      ),
    }),
  },
);

const OPEN_TIMEOUT_MS = 1_000;

/** Calls that never settle, mixed in with the others. */
const hangingOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: op },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hang' as const), breaker: fc.nat(2) }) },
);

/**
 * The store the fleet shares: the memory store, which answers at once, or the same behind a
 * flaky wrapper whose calls take up to `delayMs` each way and whose compare-and-sets lose to a
 * rival writer at `conflictRate`, so that reads go stale, calls of several instances interleave,
 * leases are raced for and writes are retried.
 */
type StoreSetup =
  | { readonly kind: 'instant' }
  | {
      readonly kind: 'flaky';
      readonly delayMs: number;
      readonly conflictRate: number;
      readonly seed: number;
    };

const instant: fc.Arbitrary<StoreSetup> = fc.constant({ kind: 'instant' as const });
const flaky: fc.Arbitrary<StoreSetup> = fc.record({
  kind: fc.constant('flaky' as const),
  delayMs: fc.integer({ min: 1, max: 60 }),
  conflictRate: fc.constantFrom(0, 0.1, 0.3),
  seed: fc.integer(),
});

/** A small seeded generator (mulberry32), so a failing run replays exactly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The fleet's store for one run, and how many rival writes it injected. */
function makeStore(
  setup: StoreSetup,
  clock: VirtualClock,
): {
  readonly store: BreakerStateStore;
  readonly inner: MemoryBreakerStore;
  readonly conflicts: () => number;
} {
  const inner = createMemoryBreakerStore();
  if (setup.kind === 'instant') return { store: inner, inner, conflicts: () => 0 };
  const store = createFlakyBreakerStore(inner, {
    delayMs: setup.delayMs,
    conflictRate: setup.conflictRate,
    random: seeded(setup.seed),
    clock,
  });
  return { store, inner, conflicts: () => store.conflicts };
}

/**
 * Move virtual time in small steps until `promise` settles: with a flaky store, a call that
 * takes the probe lease waits for the store's answers, which come as time passes.
 */
async function untilSettled(clock: VirtualClock, promise: Promise<unknown>): Promise<void> {
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  promise.then(done, done);
  await clock.advance(0);
  for (let step = 0; !settled && step < 2_000; step++) await clock.advance(5);
  if (!settled) throw new Error('a call or close() did not settle within 10 s of virtual time');
}

interface Held {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly fails: boolean;
}

/** The calls a run made, the ones still held, and whether the service has healed. */
interface Played {
  readonly calls: Promise<unknown>[];
  readonly held: Held[];
  healed: boolean;
}

/**
 * Play `ops` against the breakers; `observe(index)` runs inside every call the breaker lets
 * through, before the call decides its outcome. Returns the calls made and the ones still held.
 */
async function play(
  clock: VirtualClock,
  breakers: readonly CircuitBreaker[],
  ops: readonly Op[],
  observe: (index: number) => void,
): Promise<Played> {
  const played: Played = { calls: [], held: [], healed: false };
  const { calls, held } = played;
  for (const step of ops) {
    if (step.kind === 'advance') {
      await clock.advance(step.ms);
      continue;
    }
    if (step.kind === 'settle') {
      const next = held.shift();
      if (next !== undefined) next.fails ? next.reject(new Error('down')) : next.resolve();
      await clock.advance(0);
      continue;
    }
    const index = step.breaker % breakers.length;
    const call = (breakers[index] as CircuitBreaker).execute(() => {
      observe(index);
      if (step.kind === 'hang') return new Promise<void>(() => {});
      // A call that reaches the service only after it healed (its probe lease took a while
      // to take on a slow store) succeeds.
      if (played.healed) return Promise.resolve();
      if (step.hold) {
        return new Promise<void>((resolve, reject) =>
          held.push({ resolve, reject, fails: step.fails }),
        );
      }
      return step.fails ? Promise.reject(new Error('down')) : Promise.resolve();
    });
    calls.push(call.catch(() => {}));
    await clock.advance(0);
  }
  return played;
}

/**
 * Liveness: the service heals (held calls succeed; hung ones stay hung), and each round gives
 * every instance `callsPerRound` calls after `roundMs`. Returns the breakers' states at the end.
 */
async function heal(
  clock: VirtualClock,
  breakers: readonly CircuitBreaker[],
  played: Played,
  { roundMs, callsPerRound }: { roundMs: number; callsPerRound: number },
): Promise<string[]> {
  played.healed = true;
  for (const pending of played.held.splice(0)) pending.resolve();
  await clock.advance(0);
  for (let round = 0; round < 6 && breakers.some((b) => b.state !== 'closed'); round++) {
    await clock.advance(roundMs);
    for (const breaker of breakers) {
      for (let call = 0; call < callsPerRound; call++) {
        await untilSettled(
          clock,
          breaker.execute(() => Promise.resolve()),
        );
      }
    }
    await clock.advance(0);
  }
  const states = breakers.map((b) => b.state);
  // close() waits for store work in flight, which a flaky store answers as time passes.
  await untilSettled(clock, Promise.all(breakers.map((breaker) => breaker.close())));
  return states;
}

/**
 * Safety and liveness with one to three instances sharing `setup`'s store: no call while open or
 * before an open period ends, a probe only by the instance the store gave the lease to, at most
 * `halfOpenMaxCalls` trial calls per half-open period across the fleet, and every instance
 * closed again once the service heals.
 */
function openAndTrials(setup: fc.Arbitrary<StoreSetup>, seen: { conflicts: number }) {
  return fc.asyncProperty(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    setup,
    fc.array(op, { minLength: 1, maxLength: 80 }),
    async (instances, failureThreshold, halfOpenMaxCalls, storeSetup, ops) => {
      const clock = createVirtualClock();
      const { store, inner, conflicts } = makeStore(storeSetup, clock);
      const violations: string[] = [];
      const blockedUntil: number[] = [];
      let trialsThisEpisode = 0;

      const breakers: CircuitBreaker[] = Array.from({ length: instances }, (_, i) => {
        const breaker = createCircuitBreaker({
          name: 'prop',
          store,
          clock,
          instanceId: `i${i}`,
          failureThreshold,
          halfOpenMaxCalls,
          openTimeoutMs: OPEN_TIMEOUT_MS,
          syncIntervalMs: 300,
          // Longer than any run, so no lease expires under a held trial call.
          probeLeaseMs: 1e9,
          env: {},
        });
        blockedUntil[i] = Number.NEGATIVE_INFINITY;
        breaker.on('open', ({ halfOpenAt, reason }) => {
          blockedUntil[i] = halfOpenAt ?? Number.POSITIVE_INFINITY;
          if (reason === 'probeFailed' || reason === 'probeTimeout') trialsThisEpisode = 0;
        });
        breaker.on('close', () => {
          blockedUntil[i] = Number.NEGATIVE_INFINITY;
          trialsThisEpisode = 0;
        });
        // One probe per period fleet-wide: an instance takes the probe only once the store
        // says it holds the lease (its trip is always published long before its open period
        // ends here, so no instance probes on its own).
        breaker.on('halfOpen', () => {
          const holder = inner.snapshot().prop?.lease?.holder;
          if (holder !== `i${i}`) {
            violations.push(`i${i} took the probe at ${clock.now()}, but the lease is ${holder}'s`);
          }
        });
        return breaker;
      });

      const played = await play(clock, breakers, ops, (index) => {
        const breaker = breakers[index] as CircuitBreaker;
        const now = clock.now();
        if (breaker.state === 'open') violations.push(`i${index} called while open at ${now}`);
        if (now < (blockedUntil[index] as number)) {
          violations.push(
            `i${index} called at ${now} before its open period ended at ${blockedUntil[index]}`,
          );
        }
        if (breaker.state === 'half-open') {
          trialsThisEpisode++;
          if (trialsThisEpisode > halfOpenMaxCalls) {
            violations.push(
              `${trialsThisEpisode} trial calls in one half-open period (max ${halfOpenMaxCalls})`,
            );
          }
        }
      });
      // Liveness: once the service is healthy, every instance closes again.
      const states = await heal(clock, breakers, played, {
        roundMs: OPEN_TIMEOUT_MS + 300,
        callsPerRound: 1,
      });
      seen.conflicts += conflicts();

      expect(violations).toEqual([]);
      expect(states).toEqual(breakers.map(() => 'closed'));
    },
  );
}

/**
 * With calls that never settle mixed in: each instance starts at most `halfOpenMaxCalls` trials
 * per half-open period (a hung probe counts as failed when its lease runs out), and every
 * instance recovers.
 */
function hungProbes(setup: fc.Arbitrary<StoreSetup>, seen: { conflicts: number }) {
  return fc.asyncProperty(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.boolean(),
    setup,
    fc.array(hangingOp, { minLength: 1, maxLength: 80 }),
    async (instances, failureThreshold, halfOpenMaxCalls, shared, storeSetup, ops) => {
      const clock = createVirtualClock();
      const { store, conflicts } = makeStore(storeSetup, clock);
      const violations: string[] = [];
      // Trial calls started in each instance's current half-open period.
      const trials: number[] = [];
      const breakers: CircuitBreaker[] = Array.from({ length: instances }, (_, i) => {
        const breaker = createCircuitBreaker({
          name: 'prop-hang',
          ...(shared ? { store } : {}),
          clock,
          instanceId: `i${i}`,
          failureThreshold,
          halfOpenMaxCalls,
          openTimeoutMs: OPEN_TIMEOUT_MS,
          probeLeaseMs: 2_000,
          syncIntervalMs: 300,
          env: {},
        });
        trials[i] = 0;
        breaker.on('halfOpen', () => {
          trials[i] = 0;
        });
        return breaker;
      });

      const played = await play(clock, breakers, ops, (index) => {
        if ((breakers[index] as CircuitBreaker).state !== 'half-open') return;
        trials[index] = (trials[index] as number) + 1;
        if ((trials[index] as number) > halfOpenMaxCalls) {
          violations.push(
            `i${index} started ${trials[index]} trials in one half-open period (max ${halfOpenMaxCalls})`,
          );
        }
      });
      // Enough calls inside one lease for successThreshold (= halfOpenMaxCalls) to close.
      const states = await heal(clock, breakers, played, {
        roundMs: OPEN_TIMEOUT_MS + 2_000,
        callsPerRound: halfOpenMaxCalls,
      });
      seen.conflicts += conflicts();

      expect(violations).toEqual([]);
      expect(states).toEqual(breakers.map(() => 'closed'));
    },
  );
}

describe('breaker state machine (property), on a store that answers at once', () => {
  it('never calls while open before the timeout, and runs at most halfOpenMaxCalls trials fleet-wide', async () => {
    await fc.assert(openAndTrials(instant, { conflicts: 0 }), { numRuns: 400 });
  });

  it('with calls that never settle: each half-open period starts at most halfOpenMaxCalls trials, and every instance recovers', async () => {
    await fc.assert(hungProbes(instant, { conflicts: 0 }), { numRuns: 300 });
  });
});

// The memory store answers every call before the next one starts, so the lease race, the
// compare-and-set retries and stale reads never happen above. Here they do.
describe('breaker state machine (property), on a slow store that loses races', () => {
  it('never calls while open before the timeout, and runs at most halfOpenMaxCalls trials fleet-wide', async () => {
    const seen = { conflicts: 0 };
    await fc.assert(openAndTrials(flaky, seen), { numRuns: 500 });
    // The runs did race: rival writes made compare-and-sets lose.
    expect(seen.conflicts).toBeGreaterThan(0);
  });

  it('with calls that never settle: each half-open period starts at most halfOpenMaxCalls trials, and every instance recovers', async () => {
    const seen = { conflicts: 0 };
    await fc.assert(hungProbes(flaky, seen), { numRuns: 200 });
    expect(seen.conflicts).toBeGreaterThan(0);
  });
});
