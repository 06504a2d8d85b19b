import type { MemoryBreakerStore } from './memory-store.js';
import { createMemoryBreakerStore } from './memory-store.js';
import type * as Records from './record.js';
import {
  applyOutcome as storeApplyOutcome,
  countTrips as storeCountTrips,
  emptyRecord as storeEmptyRecord,
} from './record.js';

/**
 * The old name of {@link createMemoryBreakerStore}.
 * @deprecated Use `createMemoryBreakerStore()`; this name is removed in the next minor release.
 */
export const createMemoryStore: () => MemoryBreakerStore = createMemoryBreakerStore;

/**
 * The merge every store applies in `recordOutcome`.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export const applyOutcome: typeof storeApplyOutcome = storeApplyOutcome;

/**
 * How many distinct instances tripped since a time.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export const countTrips: typeof storeCountTrips = storeCountTrips;

/**
 * The record a store starts from.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export const emptyRecord: typeof storeEmptyRecord = storeEmptyRecord;

/**
 * The shared record of a fleet of breakers.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type BreakerRecord = Records.BreakerRecord;

/**
 * What a breaker reports to its store's `recordOutcome`.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type BreakerOutcome = Records.BreakerOutcome;

/**
 * A trip outcome.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type BreakerTripOutcome = Records.BreakerTripOutcome;

/**
 * A fleet-counted failure outcome.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type BreakerFailureOutcome = Records.BreakerFailureOutcome;

/**
 * A success outcome that resets the fleet's failure count.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type BreakerSuccessOutcome = Records.BreakerSuccessOutcome;

/**
 * The half-open probe's lease.
 * @deprecated Import it from `@pipewell/circuit-breaker/store`; it leaves the main entry in the
 *   next minor release.
 */
export type ProbeLease = Records.ProbeLease;
