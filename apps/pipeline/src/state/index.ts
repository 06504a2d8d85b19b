export type { StateBreakerStoreOptions } from './breaker-store.js';
export { createStateBreakerStore } from './breaker-store.js';
export { StateDocumentError, StateInputError, StateStoreClosedError } from './errors.js';
export type { StateHeartbeatStoreOptions } from './heartbeat-store.js';
export { createStateHeartbeatStore } from './heartbeat-store.js';
export type { LocalStateStore, LocalStateStoreOptions } from './local-state.js';
export { openLocalStateStore } from './local-state.js';
export type {
  ListOptions,
  StateDocument,
  StateStore,
  StoredDocument,
  UpdateFunction,
  WriteOptions,
} from './port.js';
