import type { BreakerOutcome, BreakerRecord } from './record.js';

/**
 * Where breakers that share a name keep their common state. Implement it over any store with
 * atomic updates (Firestore, Redis, a SQL row); every method may reject, and the breaker then
 * carries on with its local state and reports a `storeError` event. The helpers a store author
 * needs (`applyOutcome`, the record types) are on `@pipewell/circuit-breaker/store`, and the
 * contract suite that checks a store on `@pipewell/circuit-breaker/testing`.
 *
 * Contract:
 * - `get` returns the record last written for `name`, or `undefined` if none was.
 * - `compareAndSet` writes `next` only if the stored version equals `expectedVersion` (0 meaning
 *   "no record yet"), atomically, and says whether it wrote. `next.version` is always
 *   `expectedVersion + 1`.
 * - `recordOutcome` atomically replaces the record with `applyOutcome(current, outcome)` and
 *   returns it. When that leaves the version unchanged (a stale or no-op outcome), the store
 *   writes nothing and returns the current record (version 0 when there is none).
 *
 * @example
 * ```ts
 * const store: BreakerStateStore = createMemoryBreakerStore();
 * const breaker = createCircuitBreaker({ name: 'bigquery', store });
 * ```
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
