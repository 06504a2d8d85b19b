export type { CircuitBreaker, CircuitBreakerOptions } from './breaker.js';
export { createCircuitBreaker } from './breaker.js';
export type {
  BreakerConfig,
  BreakerConfigFromEnvOptions,
  BreakerConfigInput,
  BreakerConfigSource,
  BreakerFailureScope,
  BreakerPolicy,
  ResolvedBreakerConfig,
} from './config.js';
export { breakerConfigFromEnv, breakerEnvVariables } from './config.js';
export type {
  BreakerFailureOutcome,
  BreakerOutcome,
  BreakerRecord,
  BreakerSuccessOutcome,
  BreakerTripOutcome,
  ProbeLease,
} from './deprecated.js';
export { applyOutcome, countTrips, createMemoryStore, emptyRecord } from './deprecated.js';
export {
  BreakerClosedError,
  BreakerConfigError,
  BreakerContentionError,
  BreakerRecordError,
  CircuitOpenError,
} from './errors.js';
export type { BreakerEvents, CloseReason, OpenReason, StoreOperation } from './events.js';
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
export type { MemoryBreakerStore } from './memory-store.js';
export { createMemoryBreakerStore } from './memory-store.js';
export type { BreakerState } from './record.js';
export type { BreakerContext } from './state-machine.js';
export type { BreakerStateStore } from './store-port.js';
