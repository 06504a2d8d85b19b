export type { HeartbeatFields, RunFilter, StaleClaim } from './deprecated.js';
export { meetsStaleClaim, runKeyId } from './deprecated.js';
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
export type { HeartbeatStore } from './heartbeat-store.js';
export type { MemoryHeartbeatStore } from './memory-store.js';
export { createMemoryHeartbeatStore } from './memory-store.js';
export type { StaleMonitor, StaleMonitorOptions, StaleMonitorStats } from './monitor.js';
export { createStaleMonitor } from './monitor.js';
export type {
  HeartbeatDetails,
  HeartbeatRecord,
  RunKey,
  RunStatus,
  StopStatus,
} from './record.js';
export type { FindStaleOptions, StaleRun } from './stale.js';
export { findStaleRuns } from './stale.js';
