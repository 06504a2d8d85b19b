import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CircuitBreaker, createCircuitBreaker } from './breaker.js';
import { createMemoryStore } from './store.js';

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
      // Mostly steps around the open timeout, where the interesting transitions are.
      ms: fc.oneof(fc.constantFrom(0, 300, 999, 1_000, 1_001), fc.integer({ min: 0, max: 1_500 })),
    }),
  },
);

const OPEN_TIMEOUT_MS = 1_000;

/** Calls that never settle, mixed in with the others. */
const hangingOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: op },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hang' as const), breaker: fc.nat(2) }) },
);

interface Held {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly fails: boolean;
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
): Promise<{ calls: Promise<unknown>[]; held: Held[] }> {
  const held: Held[] = [];
  const calls: Promise<unknown>[] = [];
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
  return { calls, held };
}

/**
 * Liveness: the service heals (held calls succeed; hung ones stay hung), and each round gives
 * every instance `callsPerRound` calls after `roundMs`. Returns the breakers' states at the end.
 */
async function heal(
  clock: VirtualClock,
  breakers: readonly CircuitBreaker[],
  played: { calls: Promise<unknown>[]; held: Held[] },
  { roundMs, callsPerRound }: { roundMs: number; callsPerRound: number },
): Promise<string[]> {
  for (const pending of played.held.splice(0)) pending.resolve();
  await clock.advance(0);
  for (let round = 0; round < 6 && breakers.some((b) => b.state !== 'closed'); round++) {
    await clock.advance(roundMs);
    for (const breaker of breakers) {
      for (let call = 0; call < callsPerRound; call++)
        await breaker.execute(() => Promise.resolve()).catch(() => {});
    }
    await clock.advance(0);
  }
  const states = breakers.map((b) => b.state);
  await Promise.all(breakers.map((breaker) => breaker.close()));
  return states;
}

describe('breaker state machine (property)', () => {
  it('never calls while open before the timeout, and runs at most halfOpenMaxCalls trials fleet-wide', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { minLength: 1, maxLength: 80 }),
        async (instances, failureThreshold, halfOpenMaxCalls, ops) => {
          const clock = createVirtualClock();
          const store = createMemoryStore();
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

          expect(violations).toEqual([]);
          expect(states).toEqual(breakers.map(() => 'closed'));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('with calls that never settle: each half-open period starts at most halfOpenMaxCalls trials, and every instance recovers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.array(hangingOp, { minLength: 1, maxLength: 80 }),
        async (instances, failureThreshold, halfOpenMaxCalls, shared, ops) => {
          const clock = createVirtualClock();
          const store = createMemoryStore();
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

          expect(violations).toEqual([]);
          expect(states).toEqual(breakers.map(() => 'closed'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
