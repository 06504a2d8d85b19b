export type { FailWithOptions, FlakyHeartbeatStore } from './testing/flaky-store.js';
export { createFlakyHeartbeatStore } from './testing/flaky-store.js';
export type { HeartbeatStoreContractOptions } from './testing/store-contract.js';
export { heartbeatStoreContract } from './testing/store-contract.js';
