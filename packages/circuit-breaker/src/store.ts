// @pipewell/circuit-breaker/store: what a store author needs to implement BreakerStateStore over
// their own database: the record and outcome shapes, and the one merge every store applies.

export { BreakerRecordError } from './errors.js';
export type {
  BreakerFailureOutcome,
  BreakerOutcome,
  BreakerRecord,
  BreakerState,
  BreakerSuccessOutcome,
  BreakerTripOutcome,
  ProbeLease,
} from './record.js';
export { applyOutcome, countTrips, emptyRecord } from './record.js';
export type { BreakerStateStore } from './store-port.js';
