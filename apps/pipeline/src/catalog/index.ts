import { processorRunHistory, scraperExecutionLog } from '../warehouse/index.js';
import { analyticsTables } from './analytics.js';
import { precomputeTables } from './precompute.js';
import { predictionTables } from './predictions.js';
import { rawTables } from './raw.js';

export * from './analytics.js';
export * from './precompute.js';
export * from './predictions.js';
export * from './raw.js';

/** Every table the pipeline writes, bookkeeping included: what `ensureTables` is given at start. */
export const allTables = [
  scraperExecutionLog,
  processorRunHistory,
  ...rawTables,
  ...analyticsTables,
  ...precomputeTables,
  ...predictionTables,
] as const;
