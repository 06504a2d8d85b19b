export type { ErrorClass } from './catch-error.js';
export { catchError } from './catch-error.js';
export type { LogEntry, LogLevel, RecordingLogger } from './recording-logger.js';
export { createRecordingLogger } from './recording-logger.js';
export type { VirtualClock, VirtualClockOptions } from './virtual-clock.js';
export { createVirtualClock } from './virtual-clock.js';
