export type { DataDir, DataDirOptions } from './data-dir.js';
export { dataDirFormat, openDataDir } from './data-dir.js';
export type { LockHolder } from './errors.js';
export { DataDirBusyError, DataDirError, JournalError } from './errors.js';
export type { Durability, JournalRecovery } from './journal.js';
