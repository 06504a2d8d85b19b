export { HeartbeatOptionsError } from './errors.js';
export type {
  HeartbeatEvent,
  HeartbeatHandle,
  HeartbeatOptions,
  HeartbeatStats,
  HeartbeatWriteFailedEvent,
  HeartbeatWritesFailingEvent,
  HeartbeatWritesRecoveredEvent,
} from './heartbeat.js';
export { lastDetails, latestRun, startHeartbeat } from './heartbeat.js';
export type { StaleMonitor, StaleMonitorOptions, StaleMonitorStats } from './monitor.js';
export { createStaleMonitor } from './monitor.js';
export type {
  HeartbeatDetails,
  HeartbeatFields,
  HeartbeatRecord,
  RunFilter,
  RunKey,
  RunStatus,
  StopStatus,
} from './record.js';
export { runKeyId } from './record.js';
export type { FindStaleOptions, StaleRun } from './stale.js';
export { findStaleRuns } from './stale.js';
export type { HeartbeatStore, MemoryHeartbeatStore, StaleClaim } from './store.js';
export { createMemoryHeartbeatStore, meetsStaleClaim } from './store.js';
