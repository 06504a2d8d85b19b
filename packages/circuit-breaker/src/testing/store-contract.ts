import { expect, it } from 'vitest';
import type { BreakerRecord } from '../record.js';
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
        openedAt: 1_500,
        halfOpenAt: null,
        lease: { holder: 'instance-a', expiresAt: 9_000 },
        isolated: true,
        trips: { 'instance-a': 1_200, 'instance.b/c': 1_300 },
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
      const outcome = { instanceId: 'instance-a', at: 5_000, windowMs: 1_000 };
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
      await store.recordOutcome(name, { instanceId: 'old', at: 1_000, windowMs: 60_000 });
      const written = await store.recordOutcome(name, {
        instanceId: 'new',
        at: 70_000,
        windowMs: 60_000,
      });
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
          store.recordOutcome(name, {
            instanceId: `instance-${i}`,
            at: 10_000 + i,
            windowMs: 60_000,
          }),
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
}
