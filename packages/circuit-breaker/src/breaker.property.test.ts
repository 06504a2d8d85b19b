import { createVirtualClock } from '@pipewell/retry';
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
              if (reason === 'probeFailed') trialsThisEpisode = 0;
            });
            breaker.on('close', () => {
              blockedUntil[i] = Number.NEGATIVE_INFINITY;
              trialsThisEpisode = 0;
            });
            return breaker;
          });

          const held: Array<{ resolve: () => void; reject: (e: Error) => void; fails: boolean }> =
            [];
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
            const index = step.breaker % instances;
            const breaker = breakers[index] as CircuitBreaker;
            const call = breaker.execute(() => {
              const now = clock.now();
              if (breaker.state === 'open')
                violations.push(`i${index} called while open at ${now}`);
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

          // Liveness: once the service is healthy, every instance closes again.
          for (const pending of held.splice(0)) pending.resolve();
          await Promise.all(calls);
          for (let round = 0; round < 5 && breakers.some((b) => b.state !== 'closed'); round++) {
            await clock.advance(OPEN_TIMEOUT_MS + 300);
            for (const breaker of breakers)
              await breaker.execute(() => Promise.resolve()).catch(() => {});
            await clock.advance(0);
          }
          await Promise.all(breakers.map((breaker) => breaker.close()));

          expect(violations).toEqual([]);
          expect(breakers.map((b) => b.state)).toEqual(breakers.map(() => 'closed'));
        },
      ),
      { numRuns: 400 },
    );
  });
});
