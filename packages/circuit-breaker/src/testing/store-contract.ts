import { expect, it } from 'vitest';
import type { BreakerOutcome, BreakerRecord } from '../record.js';
import { applyOutcome, emptyRecord } from '../record.js';
import type { BreakerStateStore } from '../store.js';

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

/**
 * The behaviour every BreakerStateStore must have. Call inside a `describe`; `makeStore` may
 * return one store for all tests (names never collide).
 */
export function storeContract(
  makeStore: () => BreakerStateStore,
  { concurrency = 8, timeoutMs = 5_000 }: { concurrency?: number; timeoutMs?: number } = {},
): void {
  it(
    'returns undefined for a name never written',
    async () => {
      expect(await makeStore().get(uniqueName())).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'creates a record with expectedVersion 0 and round-trips every field exactly',
    async () => {
      const store = makeStore();
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
      expect(await store.compareAndSet(name, 0, written)).toBe(true);
      expect(await store.get(name)).toEqual(written);
    },
    timeoutMs,
  );

  it(
    'refuses a stale compare-and-set and keeps the stored record',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      const first = record();
      await store.compareAndSet(name, 0, first);
      expect(await store.compareAndSet(name, 0, record({ state: 'open' }))).toBe(false);
      expect(await store.compareAndSet(name, 5, record({ version: 6, state: 'open' }))).toBe(false);
      expect(await store.get(name)).toEqual(first);
      const second = record({ version: 2, state: 'open', openedAt: 2_000, halfOpenAt: 3_000 });
      expect(await store.compareAndSet(name, 1, second)).toBe(true);
      expect(await store.get(name)).toEqual(second);
    },
    timeoutMs,
  );

  it(
    'lets exactly one of several concurrent compare-and-sets win',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      await store.compareAndSet(name, 0, record());
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.compareAndSet(name, 1, record({ version: 2, updatedBy: `racer-${i}` })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.get(name))?.updatedBy).toBe(`racer-${winner}`);
    },
    timeoutMs,
  );

  it(
    'records an outcome on an empty name with applyOutcome',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      const outcome = trip('instance-a', 5_000, 1_000);
      const written = await store.recordOutcome(name, outcome);
      expect(written).toEqual(applyOutcome(undefined, outcome));
      expect(written.version).toBe(1);
      expect(await store.get(name)).toEqual(written);
    },
    timeoutMs,
  );

  it(
    'drops trips older than the window when recording',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      await store.recordOutcome(name, trip('old', 1_000, 60_000));
      const written = await store.recordOutcome(name, trip('new', 70_000, 60_000));
      expect(written.trips).toEqual({ new: 70_000 });
      expect(written.version).toBe(2);
    },
    timeoutMs,
  );

  it(
    'loses no outcome when instances record concurrently',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.recordOutcome(name, trip(`instance-${i}`, 10_000 + i, 60_000)),
        ),
      );
      const final = await store.get(name);
      expect(final?.version).toBe(concurrency);
      expect(Object.keys(final?.trips ?? {}).sort()).toEqual(
        Array.from({ length: concurrency }, (_, i) => `instance-${i}`).sort(),
      );
    },
    timeoutMs,
  );

  it(
    'ignores a trip from an older period than the record and writes nothing',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      // The fleet opened and closed period 3; a trip seen in period 2 arrives late.
      const closed = record({ period: 3, updatedAt: 9_000 });
      await store.compareAndSet(name, 0, closed);
      expect(await store.recordOutcome(name, trip('late', 5_000, 60_000, 2))).toEqual(closed);
      expect(await store.get(name)).toEqual(closed);
    },
    timeoutMs,
  );

  it(
    'writes nothing for an outcome that changes nothing on an empty name',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      const unchanged = await store.recordOutcome(name, {
        kind: 'success',
        instanceId: 'instance-a',
        at: 1_000,
        period: 0,
      });
      expect(unchanged.version).toBe(0);
      expect(await store.get(name)).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'counts failures fleet-wide, opens the next period at the threshold, and a success resets',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      expect(await store.recordOutcome(name, failure('a', 1_000))).toMatchObject({
        version: 1,
        state: 'closed',
        failures: 1,
      });
      expect(
        await store.recordOutcome(name, {
          kind: 'success',
          instanceId: 'b',
          at: 1_100,
          period: 0,
        }),
      ).toMatchObject({ version: 2, failures: 0 });
      await store.recordOutcome(name, failure('a', 2_000));
      await store.recordOutcome(name, failure('b', 2_100));
      const opened = await store.recordOutcome(name, failure('c', 2_200));
      expect(opened).toMatchObject({
        version: 5,
        state: 'open',
        period: 1,
        openedAt: 2_200,
        halfOpenAt: 62_200,
        failures: 0,
        updatedBy: 'c',
      });
      expect(await store.get(name)).toEqual(opened);
      // Failures while the fleet is open, or from an older period, change nothing.
      expect(await store.recordOutcome(name, failure('d', 2_300, 1))).toEqual(opened);
      expect(await store.get(name)).toEqual(opened);
    },
    timeoutMs,
  );

  it(
    'loses no failure when instances count concurrently',
    async () => {
      const store = makeStore();
      const name = uniqueName();
      await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.recordOutcome(name, failure(`instance-${i}`, 10_000 + i, 0, concurrency + 1)),
        ),
      );
      expect(await store.get(name)).toMatchObject({
        version: concurrency,
        state: 'closed',
        failures: concurrency,
      });
    },
    timeoutMs,
  );
}
