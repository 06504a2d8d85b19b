import {
  applyOutcome,
  type BreakerOutcome,
  type BreakerRecord,
  type BreakerStateStore,
} from '@pipewell/circuit-breaker/store';
import type { StateStore } from './port.js';

/** Options for {@link createStateBreakerStore}. */
export interface StateBreakerStoreOptions {
  /**
   * The collection holding one document per breaker name.
   * @default 'circuit-breakers'
   */
  readonly collection?: string;
}

/**
 * A {@link BreakerStateStore} over a {@link StateStore}: one document per breaker name (the name
 * URI-encoded as its id), compare-and-set and `recordOutcome` as atomic updates. Breakers that
 * share the store share their state, on the embedded backend as on Firestore.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ name: 'bigquery', store: createStateBreakerStore(state) });
 * ```
 */
export function createStateBreakerStore(
  state: StateStore,
  options: StateBreakerStoreOptions = {},
): BreakerStateStore {
  const collection = options.collection ?? 'circuit-breakers';
  const idOf = (name: string): string => encodeURIComponent(name);
  return {
    get: (name) => state.get<BreakerRecord>(collection, idOf(name)),
    async compareAndSet(name, expectedVersion, next) {
      let wrote = false;
      await state.update<BreakerRecord>(collection, idOf(name), (current) => {
        wrote = (current?.version ?? 0) === expectedVersion;
        return wrote ? next : undefined;
      });
      return wrote;
    },
    async recordOutcome(name, outcome: BreakerOutcome) {
      let result: BreakerRecord | undefined;
      await state.update<BreakerRecord>(collection, idOf(name), (current) => {
        const next = applyOutcome(current, outcome);
        result = next;
        // An outcome that changes nothing writes nothing (the contract's no-op rule).
        return next.version === (current?.version ?? 0) ? undefined : next;
      });
      return result as BreakerRecord;
    },
  };
}
