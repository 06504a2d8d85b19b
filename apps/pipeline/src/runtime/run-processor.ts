import { randomBytes } from 'node:crypto';
import { type Clock, isCalendarDate, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { type HeartbeatDetails, type StopStatus, startHeartbeat } from '@pipewell/heartbeat';
import { isPermanentError } from '@pipewell/retry';
import type { Queue } from '../queue/index.js';
import { createStateHeartbeatStore, type StateStore } from '../state/index.js';
import {
  type ProcessorRunStatus,
  processorRunHistory,
  type TableRowInput,
  type Warehouse,
} from '../warehouse/index.js';
import type { BookkeepingWriter } from './bookkeeping-writer.js';
import {
  PermanentProcessorError,
  ProcessorAbortedError,
  ProcessorDefinitionError,
} from './errors.js';
import { withExpiry } from './expiring-state.js';
import type { ObjectStore } from './ports.js';
import type { ProcessorContext, ProcessorDefinition, ProcessorInput } from './processor.js';

/** The state-store collection of work that failed for good, one document per processor and date. */
export const failedWorkCollection = 'failed-work';

/** What {@link runProcessor} needs: the ports, the bookkeeping writer, and this attempt's details. */
export interface RunProcessorDeps {
  readonly warehouse: Warehouse;
  readonly state: StateStore;
  readonly queue: Queue;
  readonly objects: ObjectStore;
  /** Takes the run-history row at the start and at the end. */
  readonly bookkeeping: BookkeepingWriter;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Which attempt this is (the message's delivery attempt). @default 1 */
  readonly attempt?: number;
  /** Stops the run: it ends `failed` (aborted) and rejects with {@link ProcessorAbortedError}. */
  readonly signal?: AbortSignal;
  /** How often the heartbeat is written. @default 30_000 */
  readonly heartbeatIntervalMs?: number;
  /** How long a run's heartbeat document lives after its last write. @default 7 days */
  readonly heartbeatTtlMs?: number;
}

/** How a run ended, as {@link runProcessor} resolves. */
export interface RunProcessorResult {
  readonly runId: string;
  readonly status: 'success' | 'degraded';
  readonly rows: number;
  readonly degradedReasons: readonly string[];
}

/** The document {@link runProcessor} writes to {@link failedWorkCollection} for a permanent failure. */
export interface FailedWork {
  readonly processor: string;
  readonly phase: number;
  readonly dataDate: string;
  readonly runId: string;
  readonly status: 'failed_permanent';
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly attempts: number;
  /** ISO time, by the run's clock. */
  readonly failedAt: string;
}

const day = 86_400_000;

function errorParts(error: unknown): { errorClass: string; message: string } {
  if (error instanceof Error) return { errorClass: error.name, message: error.message };
  return { errorClass: typeof error, message: String(error) };
}

function withFields(logger: Logger, fields: object): Logger {
  return {
    debug: (more, message) => logger.debug({ ...fields, ...more }, message),
    info: (more, message) => logger.info({ ...fields, ...more }, message),
    warn: (more, message) => logger.warn({ ...fields, ...more }, message),
    error: (more, message) => logger.error({ ...fields, ...more }, message),
  };
}

/** Rejects with the signal's reason wrapped in {@link ProcessorAbortedError} when it aborts. */
function abortion(signal: AbortSignal, name: string): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(new ProcessorAbortedError(`processor ${name} was aborted`, { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Run one processor for one day, with its bookkeeping: a run id, one run-history row written
 * `running` at the start and updated in place at the end (through the batching writer), a
 * heartbeat in the state store for the run, and its errors sorted for the queue.
 *
 * - Success: resolves `{ runId, status, rows, degradedReasons }`, `degraded` when the processor
 *   called `markDegraded` or returned reasons.
 * - A permanent error (`isPermanentError`): the run is `failed`, a `failed_permanent` document is
 *   written to {@link failedWorkCollection} (id `processor__date`), and it rejects with
 *   {@link PermanentProcessorError} (cause: the error), which the queue dead-letters.
 * - Any other error: the run is `failed`, and it rejects with the error as it is (the queue
 *   redelivers the message).
 * - `deps.signal` aborting: the run is `failed` (aborted) at once, without waiting for the
 *   processor, and it rejects with {@link ProcessorAbortedError}.
 *
 * @example
 * ```ts
 * await queue.subscribe('phase-2-box-scores', (message, { deliveryAttempt, signal }) =>
 *   runProcessor(boxScores, message, { ...deps, attempt: deliveryAttempt, signal }));
 * ```
 */
export async function runProcessor<I extends ProcessorInput>(
  definition: ProcessorDefinition<I>,
  input: I,
  deps: RunProcessorDeps,
): Promise<RunProcessorResult> {
  const { name, phase } = definition;
  const dataDate = input?.dataDate;
  if (!isCalendarDate(dataDate)) {
    throw new ProcessorDefinitionError(
      'dataDate',
      `processor ${name}: input.dataDate must be a calendar date as YYYY-MM-DD (got ${JSON.stringify(dataDate)})`,
    );
  }
  const clock = deps.clock ?? systemClock;
  const attempt = deps.attempt ?? 1;
  const runId = `${name}__${dataDate}__a${attempt}__${randomBytes(4).toString('hex')}`;
  const logger = withFields(deps.logger ?? silentLogger, { runId, processor: name });
  const startedAt = new Date(clock.now()).toISOString();
  const row: TableRowInput<typeof processorRunHistory> = {
    run_id: runId,
    processor: name,
    phase,
    data_date: dataDate,
    status: 'running',
    rows_processed: null,
    degraded: false,
    degraded_reasons: [],
    error_message: null,
    error_class: null,
    attempt,
    started_at: startedAt,
    finished_at: null,
    heartbeat_at: null,
  };
  deps.bookkeeping.write(processorRunHistory, row);
  const heartbeat = startHeartbeat({
    processorName: name,
    runId,
    dataDate,
    store: createStateHeartbeatStore(withExpiry(deps.state, clock, deps.heartbeatTtlMs ?? 7 * day)),
    clock,
    logger,
    ...(deps.heartbeatIntervalMs === undefined ? {} : { intervalMs: deps.heartbeatIntervalMs }),
  });
  const degradedReasons: string[] = [];
  const signal = deps.signal ?? new AbortController().signal;
  const context: ProcessorContext = {
    runId,
    processor: name,
    phase,
    dataDate,
    attempt,
    warehouse: deps.warehouse,
    state: deps.state,
    queue: deps.queue,
    objects: deps.objects,
    clock,
    logger,
    signal,
    heartbeat: { progress: (details?: HeartbeatDetails) => heartbeat.beat(details) },
    markDegraded: (reason) => {
      degradedReasons.push(reason);
    },
  };
  const end = async (
    status: ProcessorRunStatus,
    stop: StopStatus,
    fields: Partial<TableRowInput<typeof processorRunHistory>>,
  ): Promise<void> => {
    deps.bookkeeping.write(processorRunHistory, {
      ...row,
      status,
      finished_at: new Date(clock.now()).toISOString(),
      ...fields,
    });
    await heartbeat.stop(stop, { status });
  };

  const aborted = abortion(signal, name);
  try {
    const result = await Promise.race([definition.run(input, context), aborted.promise]);
    if (!Number.isSafeInteger(result?.rows) || result.rows < 0) {
      throw new ProcessorDefinitionError(
        'rows',
        `processor ${name} returned rows ${String(result?.rows)}; a whole number >= 0 was expected`,
      );
    }
    degradedReasons.push(...(result.degradedReasons ?? []));
    const status = degradedReasons.length > 0 ? 'degraded' : 'success';
    await end(status, 'succeeded', {
      rows_processed: result.rows,
      degraded: status === 'degraded',
      degraded_reasons: degradedReasons,
    });
    logger.info({ status, rows: result.rows }, `processor ${name} finished ${status}`);
    return { runId, status, rows: result.rows, degradedReasons };
  } catch (caught) {
    const error = signal.aborted
      ? await aborted.promise.catch((reason: unknown) => reason)
      : caught;
    const { errorClass, message } = errorParts(error);
    const abortedRun = error instanceof ProcessorAbortedError;
    await end('failed', abortedRun ? 'cancelled' : 'failed', {
      error_class: errorClass,
      error_message: abortedRun ? `aborted: ${errorParts(signal.reason).message}` : message,
      degraded: degradedReasons.length > 0,
      degraded_reasons: degradedReasons,
    });
    if (!abortedRun && isPermanentError(error)) {
      await recordFailedWork(deps.state, logger, {
        processor: name,
        phase,
        dataDate,
        runId,
        status: 'failed_permanent',
        errorClass,
        errorMessage: message,
        attempts: attempt,
        failedAt: new Date(clock.now()).toISOString(),
      });
      logger.error({ err: error }, `processor ${name} failed for good on ${dataDate}`);
      throw new PermanentProcessorError(name, dataDate, runId, message, { cause: error });
    }
    logger.warn({ err: error }, `processor ${name} failed on ${dataDate}; it may be retried`);
    throw error;
  } finally {
    aborted.dispose();
  }
}

async function recordFailedWork(
  state: StateStore,
  logger: Logger,
  work: FailedWork,
): Promise<void> {
  try {
    await state.set(failedWorkCollection, `${work.processor}__${work.dataDate}`, work);
  } catch (error) {
    logger.error({ err: error, work }, 'could not record the failed work in the state store');
  }
}
