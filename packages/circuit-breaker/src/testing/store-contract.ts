import assert from 'node:assert/strict';
import { BreakerConfigError } from '../errors.js';
import type { BreakerOutcome, BreakerRecord } from '../record.js';
import { applyOutcome, emptyRecord } from '../record.js';
import type { BreakerStateStore } from '../store-port.js';

/**
 * A test runner's `it` (or `test`): registers `fn` as a test named `name` with a timeout.
 * vitest's and jest's `it` both fit.
 */
export type ContractTest = (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;

/** Options for {@link breakerStoreContract}. */
export interface BreakerStoreContractOptions {
  /** Your test runner's `it` (vitest's or jest's), which registers each contract test. */
  readonly it: ContractTest;
  /**
   * Returns the store under test. It may return the same store for every test: each test uses
   * breaker names no other test uses.
   */
  readonly makeStore: () => BreakerStateStore | Promise<BreakerStateStore>;
  /**
   * How many writers the race tests start at once (fewer for a store that is slow under
   * contention, such as the Firestore emulator).
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Each test's timeout, in milliseconds.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

let counter = 0;
/** A breaker name no other test uses, including characters a store must escape. */
function uniqueName(): string {
  counter++;
  return `contract/${counter}.${Math.random().toString(36).slice(2, 8)} ünïcode`;
}

function record(overrides: Partial<BreakerRecord> = {}): BreakerRecord {
  return { ...emptyRecord(1_000, 'writer'), version: 1, ...overrides };
}

function trip(instanceId: string, at: number, windowMs: number, period = 0): BreakerOutcome {
  return { kind: 'trip', instanceId, at, windowMs, period };
}

function failure(instanceId: string, at: number, period = 0, failureThreshold = 3): BreakerOutcome {
  return { kind: 'failure', instanceId, at, period, failureThreshold, openTimeoutMs: 60_000 };
}

/** Every field of `expected` is deeply equal in `actual` (other fields are not checked). */
function assertFields(actual: unknown, expected: Record<string, unknown>, what: string): void {
  assert.ok(typeof actual === 'object' && actual !== null, `${what}: expected a record`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepStrictEqual((actual as Record<string, unknown>)[key], value, `${what}: ${key}`);
  }
}

function positiveWhole(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new BreakerConfigError(option, `option "${option}" must be a whole number >= 1`);
  }
  return value;
}

/**
 * Register the tests every {@link BreakerStateStore} must pass, with your test runner's `it`:
 * exact round trips, compare-and-set that refuses stale versions and lets one of many racers win,
 * and `recordOutcome` applying `applyOutcome` atomically (no lost outcome under concurrency, no
 * write for a stale one). Call it inside a `describe`; the assertions use `node:assert`, so it
 * needs no particular runner.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { createMemoryBreakerStore } from '@pipewell/circuit-breaker';
 * import { breakerStoreContract } from '@pipewell/circuit-breaker/testing';
 *
 * describe('my store', () => {
 *   breakerStoreContract({ it, makeStore: () => createMemoryBreakerStore() });
 * });
 * ```
 */
export function breakerStoreContract(options: BreakerStoreContractOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new BreakerConfigError('options', 'breakerStoreContract needs { it, makeStore }');
  }
  const { it, makeStore } = options;
  if (typeof it !== 'function') {
    throw new BreakerConfigError('it', 'option "it" must be your test runner\'s it function');
  }
  if (typeof makeStore !== 'function') {
    throw new BreakerConfigError('makeStore', 'option "makeStore" must be a function');
  }
  const concurrency = positiveWhole(options.concurrency ?? 8, 'concurrency');
  const timeoutMs = positiveWhole(options.timeoutMs ?? 5_000, 'timeoutMs');

  it(
    'returns undefined for a name never written',
    async () => {
      const store = await makeStore();
      assert.equal(await store.get(uniqueName()), undefined, 'get of an unknown name');
    },
    timeoutMs,
  );

  it(
    'creates a record with expectedVersion 0 and round-trips every field exactly',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      const written = record({
        state: 'half-open',
        period: 7,
        openedAt: 1_500,
        halfOpenAt: null,
        lease: { holder: 'instance-a', expiresAt: 9_000 },
        isolated: true,
        trips: { 'instance-a': 1_200, 'instance.b/c': 1_300 },
        failures: 2,
      });
      assert.equal(await store.compareAndSet(name, 0, written), true, 'compareAndSet from 0');
      assert.deepStrictEqual(await store.get(name), written, 'the record read back');
    },
    timeoutMs,
  );

  it(
    'refuses a stale compare-and-set and keeps the stored record',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      const first = record();
      await store.compareAndSet(name, 0, first);
      assert.equal(
        await store.compareAndSet(name, 0, record({ state: 'open' })),
        false,
        'compareAndSet from 0 when a record exists',
      );
      assert.equal(
        await store.compareAndSet(name, 5, record({ version: 6, state: 'open' })),
        false,
        'compareAndSet from a version that never existed',
      );
      assert.deepStrictEqual(await store.get(name), first, 'the record after refused writes');
      const second = record({ version: 2, state: 'open', openedAt: 2_000, halfOpenAt: 3_000 });
      assert.equal(await store.compareAndSet(name, 1, second), true, 'compareAndSet from 1');
      assert.deepStrictEqual(await store.get(name), second, 'the record after the write');
    },
    timeoutMs,
  );

  it(
    'lets exactly one of several concurrent compare-and-sets win',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      await store.compareAndSet(name, 0, record());
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.compareAndSet(name, 1, record({ version: 2, updatedBy: `racer-${i}` })),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1, 'compareAndSets that won');
      const winner = results.indexOf(true);
      assert.equal((await store.get(name))?.updatedBy, `racer-${winner}`, 'the stored writer');
    },
    timeoutMs,
  );

  it(
    'records an outcome on an empty name with applyOutcome',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      const outcome = trip('instance-a', 5_000, 1_000);
      const written = await store.recordOutcome(name, outcome);
      assert.deepStrictEqual(written, applyOutcome(undefined, outcome), 'the recorded record');
      assert.equal(written.version, 1, 'its version');
      assert.deepStrictEqual(await store.get(name), written, 'the record read back');
    },
    timeoutMs,
  );

  it(
    'drops trips older than the window when recording',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      await store.recordOutcome(name, trip('old', 1_000, 60_000));
      const written = await store.recordOutcome(name, trip('new', 70_000, 60_000));
      assertFields(written, { trips: { new: 70_000 }, version: 2 }, 'after the second trip');
    },
    timeoutMs,
  );

  it(
    'loses no outcome when instances record concurrently',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.recordOutcome(name, trip(`instance-${i}`, 10_000 + i, 60_000)),
        ),
      );
      const final = await store.get(name);
      assert.equal(final?.version, concurrency, 'one version per outcome');
      assert.deepStrictEqual(
        Object.keys(final?.trips ?? {}).sort(),
        Array.from({ length: concurrency }, (_, i) => `instance-${i}`).sort(),
        'every instance tripped',
      );
    },
    timeoutMs,
  );

  it(
    'ignores a trip from an older period than the record and writes nothing',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      // The fleet opened and closed period 3; a trip seen in period 2 arrives late.
      const closed = record({ period: 3, updatedAt: 9_000 });
      await store.compareAndSet(name, 0, closed);
      assert.deepStrictEqual(
        await store.recordOutcome(name, trip('late', 5_000, 60_000, 2)),
        closed,
        'recordOutcome of a stale trip',
      );
      assert.deepStrictEqual(await store.get(name), closed, 'the record after a stale trip');
    },
    timeoutMs,
  );

  it(
    'writes nothing for an outcome that changes nothing on an empty name',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      const unchanged = await store.recordOutcome(name, {
        kind: 'success',
        instanceId: 'instance-a',
        at: 1_000,
        period: 0,
      });
      assert.equal(unchanged.version, 0, 'the version of a no-op outcome');
      assert.equal(await store.get(name), undefined, 'the record after a no-op outcome');
    },
    timeoutMs,
  );

  it(
    'counts failures fleet-wide, opens the next period at the threshold, and a success resets',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      assertFields(
        await store.recordOutcome(name, failure('a', 1_000)),
        { version: 1, state: 'closed', failures: 1 },
        'after one failure',
      );
      assertFields(
        await store.recordOutcome(name, {
          kind: 'success',
          instanceId: 'b',
          at: 1_100,
          period: 0,
        }),
        { version: 2, failures: 0 },
        'after a success',
      );
      await store.recordOutcome(name, failure('a', 2_000));
      await store.recordOutcome(name, failure('b', 2_100));
      const opened = await store.recordOutcome(name, failure('c', 2_200));
      assertFields(
        opened,
        {
          version: 5,
          state: 'open',
          period: 1,
          openedAt: 2_200,
          halfOpenAt: 62_200,
          failures: 0,
          updatedBy: 'c',
        },
        'after the third failure in a row',
      );
      assert.deepStrictEqual(await store.get(name), opened, 'the opened record read back');
      // Failures while the fleet is open, or from an older period, change nothing.
      assert.deepStrictEqual(
        await store.recordOutcome(name, failure('d', 2_300, 1)),
        opened,
        'a failure while open',
      );
      assert.deepStrictEqual(await store.get(name), opened, 'the record after it');
    },
    timeoutMs,
  );

  it(
    'loses no failure when instances count concurrently',
    async () => {
      const store = await makeStore();
      const name = uniqueName();
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.recordOutcome(name, failure(`instance-${i}`, 10_000 + i, 0, concurrency + 1)),
        ),
      );
      assertFields(
        await store.get(name),
        { version: concurrency, state: 'closed', failures: concurrency },
        'after concurrent failures',
      );
    },
    timeoutMs,
  );
}
