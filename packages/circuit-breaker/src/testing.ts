// @pipewell/circuit-breaker/testing: the test kit. The store contract suite for store authors,
// and a store wrapper with delays, lost races and outages for testing code that uses breakers.
export type { FlakyBreakerStore, FlakyBreakerStoreOptions } from './testing/flaky-store.js';
export { createFlakyBreakerStore } from './testing/flaky-store.js';
export type { BreakerStoreContractOptions, ContractTest } from './testing/store-contract.js';
export { breakerStoreContract } from './testing/store-contract.js';
