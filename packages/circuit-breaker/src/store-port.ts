import type { BreakerOutcome, BreakerRecord } from './record.js';
import { applyOutcome } from './record.js';

/**
 * Where breakers that share a name keep their common state. Implement it over any store with
 * atomic updates (Firestore, Redis, a SQL row); every method may reject, and the breaker then
 * carries on with its local state and reports a `storeError` event.
 *
 * Contract:
 * - `get` returns the record last written for `name`, or `undefined` if none was.
 * - `compareAndSet` writes `next` only if the stored version equals `expectedVersion` (0 meaning
 *   "no record yet"), atomically, and says whether it wrote. `next.version` is always
 *   `expectedVersion + 1`.
 * - `recordOutcome` atomically replaces the record with `applyOutcome(current, outcome)` and
 *   returns it. When that leaves the version unchanged (a stale or no-op outcome), the store
 *   writes nothing and returns the current record (version 0 when there is none).
 */
export interface BreakerStateStore {
  /** The record last written for `name`, or undefined if none was. */
  get(name: string): Promise<BreakerRecord | undefined>;
  /** Write `next` only if the stored version is `expectedVersion` (0: no record); says whether it wrote. */
  compareAndSet(name: string, expectedVersion: number, next: BreakerRecord): Promise<boolean>;
  /**
   * Atomically replace the record with `applyOutcome(current, outcome)` and resolve with it;
   * write nothing when its version is unchanged.
   */
  recordOutcome(name: string, outcome: BreakerOutcome): Promise<BreakerRecord>;
}

/** A {@link BreakerStateStore} in this process's memory, with operator hooks for tests. */
export interface MemoryBreakerStore extends BreakerStateStore {
  /** The records by breaker name (copies). */
  snapshot(): Record<string, BreakerRecord>;
  /**
   * Make every following call reject with `error` (or succeed again with `undefined`), to test
   * how breakers ride out a store outage.
   */
  failWith(error: Error | undefined): void;
}

function clone(record: BreakerRecord): BreakerRecord {
  return structuredClone(record);
}

/**
 * Create an in-memory store. Breakers without a store each get their own; pass one store to
 * several breakers to make them share state within a process (and in tests).
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const a = createCircuitBreaker({ name: 'bigquery', store });
 * const b = createCircuitBreaker({ name: 'bigquery', store }); // trips and recovers with a
 * ```
 */
export function createMemoryStore(): MemoryBreakerStore {
  const records = new Map<string, BreakerRecord>();
  let failure: Error | undefined;
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async get(name) {
      check();
      const record = records.get(name);
      return record === undefined ? undefined : clone(record);
    },
    async compareAndSet(name, expectedVersion, next) {
      check();
      const current = records.get(name)?.version ?? 0;
      if (current !== expectedVersion) return false;
      records.set(name, clone(next));
      return true;
    },
    async recordOutcome(name, outcome) {
      check();
      const current = records.get(name);
      const next = applyOutcome(current, outcome);
      if (next.version !== (current?.version ?? 0)) records.set(name, next);
      return clone(next);
    },
    snapshot() {
      return Object.fromEntries([...records].map(([name, record]) => [name, clone(record)]));
    },
    failWith(error) {
      failure = error;
    },
  };
}
