import { type Clock, systemClock } from '@pipewell/core';
import { BreakerConfigError } from '../errors.js';
import type { BreakerRecord } from '../record.js';
import { emptyRecord } from '../record.js';
import type { BreakerStateStore } from '../store-port.js';

/** Options for {@link createFlakyBreakerStore}. */
export interface FlakyBreakerStoreOptions {
  /**
   * Each call reaches the inner store after a random delay of up to `delayMs`, and its answer
   * comes back after another: a read can be stale by the time it arrives, and two instances'
   * calls interleave.
   * @default 0 (no delay)
   */
  readonly delayMs?: number;
  /**
   * The chance, in [0, 1], that another writer updates the record just before a
   * `compareAndSet` reaches the inner store, so that the compare-and-set loses the race.
   * @default 0
   */
  readonly conflictRate?: number;
  /**
   * Random numbers in [0, 1) for the delays and conflicts: pass a seeded generator to replay a
   * run exactly.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * The clock delays wait on: a virtual clock (`createVirtualClock` from `@pipewell/core/testing`)
   * in tests, so no test waits for real.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** A {@link BreakerStateStore} wrapper with delays, lost races and fault hooks, for tests. */
export interface FlakyBreakerStore extends BreakerStateStore {
  /**
   * Make every call made (or arriving, after a pause or delay) from now on reject with `error`;
   * `undefined` answers again.
   */
  failWith(error: Error | undefined): void;
  /** Hold every call before it reaches the inner store, until {@link FlakyBreakerStore.resume}. */
  pause(): void;
  /** Let held calls (and later ones) through. */
  resume(): void;
  /** The calls received so far, by operation. */
  readonly calls: Readonly<{ get: number; compareAndSet: number; recordOutcome: number }>;
  /** How many rival writes `conflictRate` injected. */
  readonly conflicts: number;
}

/** The `updatedBy` of the writes a conflict injects. */
const RIVAL = 'flaky-store-rival';

function checkOptions(options: FlakyBreakerStoreOptions): void {
  const { delayMs, conflictRate, random, clock } = options;
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new BreakerConfigError(
      'delayMs',
      `option "delayMs" must be a number >= 0 (got ${delayMs})`,
    );
  }
  if (conflictRate !== undefined && !(conflictRate >= 0 && conflictRate <= 1)) {
    throw new BreakerConfigError(
      'conflictRate',
      `option "conflictRate" must be a number from 0 to 1 (got ${conflictRate})`,
    );
  }
  if (random !== undefined && typeof random !== 'function') {
    throw new BreakerConfigError('random', 'option "random" must be a function returning [0, 1)');
  }
  if (
    clock !== undefined &&
    (typeof clock?.sleep !== 'function' || typeof clock.now !== 'function')
  ) {
    throw new BreakerConfigError('clock', 'option "clock" must be a Clock from @pipewell/core');
  }
}

/**
 * Wrap a store so that it behaves like a real one under load: calls take time (`delayMs`), and
 * compare-and-sets sometimes lose to another writer (`conflictRate`), which is where a fleet's
 * lease, retries and periods are tested. It also carries the fault hooks tests need: `failWith`
 * (an outage), `pause`/`resume` (a slow store, or a paused instance) and call counts. With no
 * options it is a transparent wrapper. The inner store's contract is kept: a lost race is a real
 * write by a rival (same content, `updatedBy: 'flaky-store-rival'`).
 *
 * @example
 * ```ts
 * import { createCircuitBreaker, createMemoryBreakerStore } from '@pipewell/circuit-breaker';
 * import { createFlakyBreakerStore } from '@pipewell/circuit-breaker/testing';
 * import { createVirtualClock } from '@pipewell/core/testing';
 *
 * const clock = createVirtualClock();
 * const store = createFlakyBreakerStore(createMemoryBreakerStore(), {
 *   delayMs: 50,
 *   conflictRate: 0.2,
 *   clock,
 * });
 * const breaker = createCircuitBreaker({ name: 'bigquery', store, clock, env: {} });
 * store.failWith(new Error('firestore unavailable')); // an outage: calls go on, storeError is emitted
 * await clock.advance(1_000); // delayed store calls answer as virtual time passes
 * ```
 */
export function createFlakyBreakerStore(
  inner: BreakerStateStore,
  options: FlakyBreakerStoreOptions = {},
): FlakyBreakerStore {
  if (
    typeof inner !== 'object' ||
    inner === null ||
    typeof inner.get !== 'function' ||
    typeof inner.compareAndSet !== 'function' ||
    typeof inner.recordOutcome !== 'function'
  ) {
    throw new BreakerConfigError(
      'inner',
      'createFlakyBreakerStore needs a BreakerStateStore to wrap',
    );
  }
  checkOptions(options ?? {});
  const {
    delayMs = 0,
    conflictRate = 0,
    random = Math.random,
    clock = systemClock,
  } = options ?? {};
  const calls = { get: 0, compareAndSet: 0, recordOutcome: 0 };
  let conflicts = 0;
  let failure: Error | undefined;
  let held: Promise<void> | undefined;
  let release = (): void => {};

  const travel = async (): Promise<void> => {
    if (delayMs > 0) await clock.sleep(random() * delayMs);
  };
  /** The way in: fail if the store is down when the call is made or when it arrives after a pause or delay. */
  const arrive = async (): Promise<void> => {
    if (failure !== undefined) throw failure;
    if (held === undefined && delayMs === 0) return;
    while (held !== undefined) await held;
    await travel();
    if (failure !== undefined) throw failure;
  };
  const answer = async <T>(value: T): Promise<T> => {
    await travel();
    return value;
  };
  /** Another writer updates the record first: same content, one version on. */
  const rivalWrite = async (name: string): Promise<void> => {
    const current = await inner.get(name);
    const base: BreakerRecord = current ?? emptyRecord(clock.now(), RIVAL);
    const next = { ...base, version: base.version + 1, updatedAt: clock.now(), updatedBy: RIVAL };
    if (await inner.compareAndSet(name, base.version, next)) conflicts++;
  };

  return {
    async get(name) {
      calls.get++;
      await arrive();
      return answer(await inner.get(name));
    },
    async compareAndSet(name, expectedVersion, next) {
      calls.compareAndSet++;
      await arrive();
      if (conflictRate > 0 && random() < conflictRate) await rivalWrite(name);
      return answer(await inner.compareAndSet(name, expectedVersion, next));
    },
    async recordOutcome(name, outcome) {
      calls.recordOutcome++;
      await arrive();
      return answer(await inner.recordOutcome(name, outcome));
    },
    failWith(error) {
      failure = error;
    },
    pause() {
      held ??= new Promise((resolve) => {
        release = resolve;
      });
    },
    resume() {
      const open = release;
      held = undefined;
      open();
    },
    get calls() {
      return { ...calls };
    },
    get conflicts() {
      return conflicts;
    },
  };
}
