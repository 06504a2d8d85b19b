export type { BookkeepingWriter, BookkeepingWriterOptions } from './bookkeeping-writer.js';
export { createBookkeepingWriter } from './bookkeeping-writer.js';
export {
  BookkeepingWriteError,
  PermanentProcessorError,
  ProcessorAbortedError,
  ProcessorDefinitionError,
} from './errors.js';
export { withExpiry } from './expiring-state.js';
export type { ObjectPutOptions, ObjectStore } from './ports.js';
export type {
  Phase,
  ProcessorContext,
  ProcessorDefinition,
  ProcessorInput,
  ProcessorResult,
} from './processor.js';
export { defineProcessor } from './processor.js';
export type { FailedWork, RunProcessorDeps, RunProcessorResult } from './run-processor.js';
export { failedWorkCollection, runProcessor } from './run-processor.js';
