export type {
  BreakerContext,
  BreakerEvents,
  CircuitBreaker,
  CircuitBreakerOptions,
  CloseReason,
  OpenReason,
  StoreOperation,
} from './breaker.js';
export { createCircuitBreaker } from './breaker.js';
export type {
  BreakerConfig,
  BreakerConfigInput,
  BreakerConfigSource,
  BreakerFailureScope,
  BreakerPolicy,
  ResolvedBreakerConfig,
} from './config.js';
export { breakerConfigFromEnv, breakerEnvVariables } from './config.js';
export { BreakerClosedError, BreakerConfigError, CircuitOpenError } from './errors.js';
export type {
  GateResult,
  QuorumGate,
  QuorumGateDetails,
  QuorumGateOptions,
  ShareGate,
  ShareGateDetails,
  ShareGateInput,
  ShareGateOptions,
} from './gates.js';
export { allGates, quorumGate, shareGate } from './gates.js';
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
export type { BreakerStateStore, MemoryBreakerStore } from './store.js';
export { createMemoryStore } from './store.js';
