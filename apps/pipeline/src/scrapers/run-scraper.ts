import { randomUUID } from 'node:crypto';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import {
  SCRAPER_COMPLETE_TOPIC,
  type ScraperCompletion,
  scraperCompletionSchema,
} from '../messages/scraper-completion.js';
import type { Queue } from '../queue/port.js';
import type { scraperExecutionLog } from '../warehouse/bookkeeping-tables.js';
import type { TableRowInput } from '../warehouse/table.js';
import type { ScrapeInput, Scraper, ScraperPorts } from './scraper.js';

/** A row of `scraper_execution_log`. */
export type ScraperRunRow = TableRowInput<typeof scraperExecutionLog>;

/** What {@link runScraper} needs besides the scraper's own ports. */
export interface RunScraperDeps extends ScraperPorts {
  /** Where the completion message is published. */
  readonly queue: Pick<Queue, 'publish'>;
  /** Records the run in `scraper_execution_log` (a batching writer, in the app). */
  readonly recordScraperRun: (row: ScraperRunRow) => Promise<void>;
  /** Carried into the message, through every phase of one pipeline run. */
  readonly correlationId: string;
  /** This run's id. @default a random UUID */
  readonly runId?: string;
  /** For `started_at` and `finished_at`. @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status;
  const cause = (error as { lastError?: unknown; cause?: unknown } | null) ?? undefined;
  if (cause?.lastError !== undefined) return statusOf(cause.lastError);
  return null;
}

/** The path logged for a run: its one payload, or the directory its payloads share. */
function logPath(paths: readonly string[]): string | null {
  const first = paths[0];
  if (first === undefined) return null;
  if (paths.length === 1) return first;
  return first.slice(0, first.lastIndexOf('/') + 1);
}

/**
 * Run `scraper` on `input`: once its payloads are written, record the run through
 * `deps.recordScraperRun` and publish a {@link ScraperCompletion} on `scraper-complete`. A scrape
 * that throws is recorded and published as `failed` (no payload paths), then its error is
 * rethrown so the caller's retry or dead-letter policy sees it.
 *
 * @example
 * ```ts
 * const message = await runScraper(boxScoresScraper, { dataDate, expectedGames }, { http, objects, queue, recordScraperRun, correlationId });
 * for (const game of message.missingGames ?? []) await queue.publish('box-score-retry', { game });
 * ```
 */
export async function runScraper<I extends ScrapeInput>(
  scraper: Scraper<I>,
  input: I,
  deps: RunScraperDeps,
): Promise<ScraperCompletion> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const runId = deps.runId ?? randomUUID();
  const startedAt = new Date(clock.now()).toISOString();
  const base = {
    scraper: scraper.name,
    dataDate: input.dataDate,
    runId,
    correlationId: deps.correlationId,
  };
  let message: ScraperCompletion;
  let row: ScraperRunRow;
  let failed = false;
  let failure: unknown;
  try {
    const result = await scraper.scrape(input, deps);
    message = {
      ...base,
      status: result.status,
      payloadPaths: result.payloadPaths,
      rows: result.rows,
      ...(result.missingGames.length > 0 ? { missingGames: result.missingGames } : {}),
    };
    if (result.missingGames.length > 0) {
      logger.warn(
        { scraper: scraper.name, dataDate: input.dataDate, missingGames: result.missingGames },
        'games expected but absent from the provider',
      );
    }
    row = {
      run_id: runId,
      scraper: scraper.name,
      data_date: input.dataDate,
      status: result.status,
      http_status: 200,
      row_count: result.rows,
      payload_path: logPath(result.payloadPaths),
      started_at: startedAt,
      finished_at: new Date(clock.now()).toISOString(),
      error_message: null,
    };
  } catch (error) {
    failed = true;
    failure = error;
    message = { ...base, status: 'failed', payloadPaths: [], rows: 0 };
    row = {
      run_id: runId,
      scraper: scraper.name,
      data_date: input.dataDate,
      status: 'failed',
      http_status: statusOf(error),
      row_count: 0,
      payload_path: null,
      started_at: startedAt,
      finished_at: new Date(clock.now()).toISOString(),
      error_message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
    logger.error({ scraper: scraper.name, dataDate: input.dataDate, err: error }, 'scraper failed');
  }
  await deps.recordScraperRun(row);
  await deps.queue.publish(SCRAPER_COMPLETE_TOPIC, scraperCompletionSchema.parse(message));
  if (failed) throw failure;
  return message;
}
