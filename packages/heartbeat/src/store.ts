export type { HeartbeatStore, StaleClaim } from './heartbeat-store.js';
export { checkRunFilter, meetsStaleClaim } from './heartbeat-store.js';
export type {
  HeartbeatFields,
  HeartbeatRecord,
  RunFilter,
  RunKey,
  RunStatus,
} from './record.js';
export { runKeyId } from './record.js';
