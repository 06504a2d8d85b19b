import type { BreakerRecord } from './record.js';
import { applyOutcome } from './record.js';
import type { BreakerStateStore } from './store-port.js';

/** A {@link BreakerStateStore} in this process's memory, whose records can be read back. */
export interface MemoryBreakerStore extends BreakerStateStore {
  /** The records by breaker name (copies). */
  snapshot(): Record<string, BreakerRecord>;
  /**
   * Make every following call reject with `error` (or succeed again with `undefined`), to test
   * how breakers ride out a store outage.
   * @deprecated Wrap the store with `createFlakyBreakerStore` from
   *   `@pipewell/circuit-breaker/testing` and call its `failWith`; this hook is removed from the
   *   memory store in the next minor release.
   */
  failWith(error: Error | undefined): void;
}

function clone(record: BreakerRecord): BreakerRecord {
  return structuredClone(record);
}

/**
 * Create an in-memory store. Breakers without a store each keep their own state; pass one store
 * to several breakers to make them share state within a process (and in tests). Records are
 * copied in and out, so a caller cannot change what is stored.
 *
 * @example
 * ```ts
 * const store = createMemoryBreakerStore();
 * const a = createCircuitBreaker({ name: 'bigquery', store });
 * const b = createCircuitBreaker({ name: 'bigquery', store }); // trips and recovers with a
 * ```
 */
export function createMemoryBreakerStore(): MemoryBreakerStore {
  const records = new Map<string, BreakerRecord>();
  let failure: Error | undefined;
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async get(name) {
      check();
      // A copy; an unknown name copies to undefined: no record.
      return structuredClone(records.get(name));
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
