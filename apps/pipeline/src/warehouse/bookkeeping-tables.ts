import { defineTable } from './table.js';

/** The statuses a scraper run ends in: `no_data` is a successful call that returned nothing. */
export const scraperRunStatuses = ['success', 'no_data', 'failed'] as const;

/** A status of {@link scraperRunStatuses}. */
export type ScraperRunStatus = (typeof scraperRunStatuses)[number];

/**
 * One row per scraper run, written when the run ends: what was fetched, for which date, how it
 * went (`status`, the provider's `http_status`), how many rows the payload held and where the raw
 * payload was stored.
 */
export const scraperExecutionLog = defineTable({
  name: 'nba_orchestration.scraper_execution_log',
  columns: {
    run_id: 'STRING',
    scraper: 'STRING',
    data_date: 'DATE',
    status: 'STRING',
    http_status: 'INT64',
    row_count: 'INT64',
    payload_path: 'STRING',
    started_at: 'TIMESTAMP',
    finished_at: 'TIMESTAMP',
    error_message: 'STRING',
  },
  keys: ['run_id'],
  partitionBy: 'data_date',
  clusterBy: ['scraper', 'status'],
  description:
    'One row per scraper run: scraper, data date, status (success, no_data, failed), HTTP status, rows in the payload, payload path, start and end times, error.',
});

/**
 * The statuses of a processor run: `running` from its start, then one of the others. A
 * `degraded` run finished on partial inputs (`degraded_reasons` says which).
 */
export const processorRunStatuses = ['running', 'success', 'degraded', 'failed'] as const;

/** A status of {@link processorRunStatuses}. */
export type ProcessorRunStatus = (typeof processorRunStatuses)[number];

/**
 * One row per processor run, written at its start (`status: 'running'`) and updated in place by
 * `merge` on `run_id` as it beats (`heartbeat_at`) and when it ends: status, rows processed,
 * degradation and its reasons (a JSON array), the error and its class, the attempt number.
 */
export const processorRunHistory = defineTable({
  name: 'nba_reference.processor_run_history',
  columns: {
    run_id: 'STRING',
    processor: 'STRING',
    phase: 'INT64',
    data_date: 'DATE',
    status: 'STRING',
    rows_processed: 'INT64',
    degraded: 'BOOL',
    degraded_reasons: 'JSON',
    error_message: 'STRING',
    error_class: 'STRING',
    attempt: 'INT64',
    started_at: 'TIMESTAMP',
    finished_at: 'TIMESTAMP',
    heartbeat_at: 'TIMESTAMP',
  },
  keys: ['run_id'],
  partitionBy: 'data_date',
  clusterBy: ['processor', 'status'],
  description:
    'One row per processor run, updated in place from start to end: processor, phase, data date, status (running, success, degraded, failed), rows processed, degradation and reasons, error, attempt, start, end and heartbeat times.',
});
