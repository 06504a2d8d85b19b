import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { isPermanentError } from '@pipewell/retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStateHeartbeatStore } from '../state/index.js';
import { processorRunHistory } from '../warehouse/index.js';
import { type BookkeepingWriter, createBookkeepingWriter } from './bookkeeping-writer.js';
import {
  PermanentProcessorError,
  ProcessorAbortedError,
  ProcessorDefinitionError,
} from './errors.js';
import { defineProcessor, type ProcessorContext, type ProcessorResult } from './processor.js';
import { failedWorkCollection, type RunProcessorDeps, runProcessor } from './run-processor.js';
import { openRuntimeKit, type RuntimeKit } from './test-support.js';

const dataDate = '2026-01-24';
const day = 86_400_000;

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function processor(run: (ctx: ProcessorContext) => Promise<ProcessorResult>) {
  return defineProcessor({
    name: 'box_scores',
    phase: 2,
    outputs: [processorRunHistory],
    run: (_input, ctx) => run(ctx),
  });
}

let kit: RuntimeKit;
let clock: ReturnType<typeof createVirtualClock>;
let bookkeeping: BookkeepingWriter;
let deps: RunProcessorDeps;

beforeEach(async () => {
  clock = createVirtualClock({ now: Date.parse('2026-01-25T08:00:00Z') });
  kit = await openRuntimeKit(clock);
  bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock });
  deps = { ...kit, bookkeeping, clock, heartbeatIntervalMs: 1_000 };
});

afterEach(async () => {
  await bookkeeping.close();
  await kit[Symbol.asyncDispose]();
});

async function flushedRows() {
  await bookkeeping.flush();
  return kit.runRows();
}

function heartbeatOf(runId: string) {
  return createStateHeartbeatStore(kit.state).get({ processorName: 'box_scores', dataDate, runId });
}

describe('runProcessor', () => {
  it('keeps one run-history row per run, written running and updated in place at the end', async () => {
    const gate = deferred<void>();
    let runId = '';
    const running = runProcessor(
      processor(async (ctx) => {
        runId = ctx.runId;
        await gate.promise;
        return { rows: 42 };
      }),
      { dataDate },
      { ...deps, attempt: 3 },
    );
    expect(await flushedRows()).toEqual([
      expect.objectContaining({ run_id: runId, status: 'running', attempt: 3, finished_at: null }),
    ]);
    gate.resolve();
    expect(await running).toEqual({ runId, status: 'success', rows: 42, degradedReasons: [] });
    const rows = await flushedRows();
    expect(rows).toEqual([
      expect.objectContaining({
        run_id: runId,
        processor: 'box_scores',
        phase: 2,
        data_date: dataDate,
        status: 'success',
        rows_processed: 42,
        degraded: false,
        started_at: '2026-01-25T08:00:00.000Z',
        finished_at: '2026-01-25T08:00:00.000Z',
      }),
    ]);
    expect(runId).toMatch(/^box_scores__2026-01-24__a3__[0-9a-f]{8}$/);
  });

  it('ends degraded with the reasons marked and returned', async () => {
    const result = await runProcessor(
      processor(async (ctx) => {
        ctx.markDegraded('odds missing for 2 games');
        return { rows: 10, degradedReasons: ['no injury report'] };
      }),
      { dataDate },
      deps,
    );
    const reasons = ['odds missing for 2 games', 'no injury report'];
    expect(result).toMatchObject({ status: 'degraded', rows: 10, degradedReasons: reasons });
    expect(await flushedRows()).toEqual([
      expect.objectContaining({ status: 'degraded', degraded: true, degraded_reasons: reasons }),
    ]);
  });

  it('records a permanent error as failed work and rethrows it marked permanent', async () => {
    const refused = Object.assign(new TypeError('column points is missing'), { permanent: true });
    const error = await catchError(
      runProcessor(
        processor(async () => {
          throw refused;
        }),
        { dataDate },
        { ...deps, attempt: 2 },
      ),
      PermanentProcessorError,
    );
    expect(isPermanentError(error)).toBe(true);
    expect(error.cause).toBe(refused);
    expect(await kit.state.get(failedWorkCollection, `box_scores__${dataDate}`)).toEqual({
      processor: 'box_scores',
      phase: 2,
      dataDate,
      runId: error.runId,
      status: 'failed_permanent',
      errorClass: 'TypeError',
      errorMessage: 'column points is missing',
      attempts: 2,
      failedAt: '2026-01-25T08:00:00.000Z',
    });
    expect(await flushedRows()).toEqual([
      expect.objectContaining({
        status: 'failed',
        error_class: 'TypeError',
        error_message: 'column points is missing',
      }),
    ]);
  });

  it('rethrows any other error as it is, with no failed-work entry', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = await catchError(
      runProcessor(
        processor(async () => {
          throw reset;
        }),
        { dataDate },
        deps,
      ),
    );
    expect(error).toBe(reset);
    expect(await kit.state.list(failedWorkCollection)).toEqual([]);
    expect(await flushedRows()).toEqual([
      expect.objectContaining({ status: 'failed', error_message: 'socket hang up' }),
    ]);
  });

  it('ends an aborted run as failed with reason aborted, without waiting for the processor', async () => {
    const controller = new AbortController();
    let runId = '';
    const running = runProcessor(
      processor(async (ctx) => {
        runId = ctx.runId;
        return new Promise<never>(() => {}); // ignores its signal
      }),
      { dataDate },
      { ...deps, signal: controller.signal },
    );
    controller.abort(new Error('lease lost'));
    const error = await catchError(running, ProcessorAbortedError);
    expect(isPermanentError(error)).toBe(false);
    expect(await flushedRows()).toEqual([
      expect.objectContaining({ status: 'failed', error_message: 'aborted: lease lost' }),
    ]);
    expect(await heartbeatOf(runId)).toMatchObject({ status: 'cancelled' });
    expect(await kit.state.list(failedWorkCollection)).toEqual([]);
  });

  it('beats during a long run and stops the heartbeat at the end', async () => {
    const gate = deferred<void>();
    let runId = '';
    const running = runProcessor(
      processor(async (ctx) => {
        runId = ctx.runId;
        ctx.heartbeat.progress({ games: 4 });
        await gate.promise;
        return { rows: 1 };
      }),
      { dataDate },
      deps,
    );
    const start = clock.now();
    // Each write is real I/O, and a tick that finds one in flight is skipped: keep time moving
    // until beats three intervals after the start have landed.
    await expect
      .poll(async () => {
        await clock.advance(1_000);
        return (await heartbeatOf(runId))?.lastBeatAt;
      })
      .toBeGreaterThanOrEqual(start + 3_000);
    expect(await heartbeatOf(runId)).toMatchObject({ status: 'running', details: { games: 4 } });
    gate.resolve();
    await running;
    expect(await heartbeatOf(runId)).toMatchObject({
      status: 'succeeded',
      stoppedAt: clock.now(),
    });
    expect(clock.pendingTimers).toBe(1); // only the bookkeeping writer's flush loop is left
  });

  it('lets a heartbeat document expire heartbeatTtlMs after its last write', async () => {
    const { runId } = await runProcessor(
      processor(async () => ({ rows: 0 })),
      { dataDate },
      { ...deps, heartbeatTtlMs: 2 * day },
    );
    await clock.advance(2 * day - 1);
    expect(await heartbeatOf(runId)).toMatchObject({ status: 'succeeded' });
    await clock.advance(1);
    expect(await heartbeatOf(runId)).toBeUndefined();
  });

  it('merges the bookkeeping of 100 runs in a handful of merges', async () => {
    const batched = createBookkeepingWriter({ warehouse: kit.warehouse, clock, maxRows: 40 });
    const definition = processor(async () => ({ rows: 5 }));
    for (let i = 0; i < 100; i++) {
      await runProcessor(definition, { dataDate }, { ...deps, bookkeeping: batched });
    }
    await batched.close();
    expect(kit.warehouse.merges.length).toBeGreaterThan(0);
    expect(kit.warehouse.merges.length).toBeLessThanOrEqual(4);
    expect(await kit.warehouse.count(processorRunHistory)).toBe(100);
    expect(await kit.warehouse.duplicates(processorRunHistory)).toBe(0);
    expect(new Set((await kit.runRows()).map((row) => row.status))).toEqual(new Set(['success']));
  });

  it("tags the processor's log entries with the run id and processor", async () => {
    const logger = createRecordingLogger();
    const { runId } = await runProcessor(
      processor(async (ctx) => {
        ctx.logger.info({ games: 3 }, 'loaded');
        return { rows: 3 };
      }),
      { dataDate },
      { ...deps, logger },
    );
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'loaded',
        fields: { runId, processor: 'box_scores', games: 3 },
      }),
    );
  });

  it('refuses an input whose dataDate is not a calendar date, before writing anything', async () => {
    const error = await catchError(
      runProcessor(
        processor(async () => ({ rows: 0 })),
        { dataDate: '2026-02-30' },
        deps,
      ),
      ProcessorDefinitionError,
    );
    expect(error.option).toBe('dataDate');
    expect(bookkeeping.pending).toBe(0);
  });
});

describe('defineProcessor', () => {
  const run = async () => ({ rows: 0 });

  it('refuses a name that is not lower-case letters, digits, _ or -', () => {
    expect(() => defineProcessor({ name: 'Box Scores', phase: 2, outputs: [], run })).toThrow(
      expect.objectContaining({ option: 'name' }),
    );
  });

  it('refuses a phase outside 1 to 6', () => {
    // @ts-expect-error: 7 is not a Phase
    expect(() => defineProcessor({ name: 'grading', phase: 7, outputs: [], run })).toThrow(
      expect.objectContaining({ option: 'phase' }),
    );
  });
});
