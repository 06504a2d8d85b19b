import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processorRunHistory, scraperExecutionLog } from '../warehouse/index.js';
import { type BookkeepingWriter, createBookkeepingWriter } from './bookkeeping-writer.js';
import { BookkeepingWriteError } from './errors.js';
import { openRuntimeKit, type RuntimeKit } from './test-support.js';

const dataDate = '2026-01-24';

function run(runId: string, status: string) {
  return { run_id: runId, processor: 'box_scores', phase: 2, data_date: dataDate, status };
}

let kit: RuntimeKit;
let writers: BookkeepingWriter[];
const clock = createVirtualClock();

beforeEach(async () => {
  kit = await openRuntimeKit(clock);
  writers = [];
});

afterEach(async () => {
  kit.warehouse.down = undefined;
  kit.warehouse.onMerge = undefined;
  for (const writer of writers) await writer.close().catch(() => {});
  await kit[Symbol.asyncDispose]();
});

function writer(options: { maxRows?: number; flushIntervalMs?: number } = {}) {
  const logger = createRecordingLogger();
  const made = createBookkeepingWriter({ warehouse: kit.warehouse, clock, logger, ...options });
  writers.push(made);
  return { writer: made, logger };
}

describe('createBookkeepingWriter', () => {
  it('merges a row written twice before a flush once, with its latest value', async () => {
    const { writer: bookkeeping } = writer();
    bookkeeping.write(processorRunHistory, run('r1', 'running'));
    bookkeeping.write(processorRunHistory, run('r1', 'success'));
    expect(bookkeeping.pending).toBe(1);
    await bookkeeping.flush();
    expect(kit.warehouse.merges).toEqual([{ table: processorRunHistory.name, rows: 1 }]);
    expect(await kit.runRows()).toMatchObject([{ run_id: 'r1', status: 'success' }]);
  });

  it('makes one merge per table per flush', async () => {
    const { writer: bookkeeping } = writer();
    for (let i = 0; i < 30; i++) bookkeeping.write(processorRunHistory, run(`r${i}`, 'running'));
    for (let i = 0; i < 20; i++) {
      bookkeeping.write(scraperExecutionLog, {
        run_id: `s${i}`,
        scraper: 'bdl_stats',
        data_date: dataDate,
        status: 'success',
      });
    }
    await bookkeeping.flush();
    expect(kit.warehouse.merges).toEqual([
      { table: processorRunHistory.name, rows: 30 },
      { table: scraperExecutionLog.name, rows: 20 },
    ]);
    expect(await kit.warehouse.count(scraperExecutionLog)).toBe(20);
  });

  it('flushes every flushIntervalMs on the clock', async () => {
    const { writer: bookkeeping } = writer({ flushIntervalMs: 2_000 });
    bookkeeping.write(processorRunHistory, run('r1', 'running'));
    await clock.advance(1_999);
    expect(kit.warehouse.merges).toHaveLength(0);
    await clock.advance(1);
    await expect.poll(() => kit.warehouse.count(processorRunHistory)).toBe(1);
    expect(bookkeeping.pending).toBe(0);
  });

  it('flushes at once when maxRows rows wait', async () => {
    const { writer: bookkeeping } = writer({ maxRows: 10 });
    for (let i = 0; i < 9; i++) bookkeeping.write(processorRunHistory, run(`r${i}`, 'running'));
    expect(kit.warehouse.merges).toHaveLength(0);
    bookkeeping.write(processorRunHistory, run('r9', 'running'));
    await expect.poll(() => kit.warehouse.count(processorRunHistory)).toBe(10);
    expect(kit.warehouse.merges).toEqual([{ table: processorRunHistory.name, rows: 10 }]);
  });

  it('keeps the rows of a failed flush, logs it, and writes them on a later flush', async () => {
    const { writer: bookkeeping, logger } = writer();
    bookkeeping.write(processorRunHistory, run('r1', 'running'));
    bookkeeping.write(processorRunHistory, run('r2', 'running'));
    kit.warehouse.down = new Error('warehouse unavailable');
    expect(await catchError(bookkeeping.flush())).toBe(kit.warehouse.down);
    expect(bookkeeping.pending).toBe(2);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: `bookkeeping flush failed: 2 rows of ${processorRunHistory.name} kept for the next flush`,
      }),
    );
    kit.warehouse.down = undefined;
    await bookkeeping.flush();
    expect(bookkeeping.pending).toBe(0);
    expect(await kit.warehouse.count(processorRunHistory)).toBe(2);
  });

  it('keeps a row written during a failed flush over the older one it held', async () => {
    const { writer: bookkeeping } = writer();
    bookkeeping.write(processorRunHistory, run('r1', 'running'));
    kit.warehouse.onMerge = async () => {
      bookkeeping.write(processorRunHistory, run('r1', 'failed'));
      throw new Error('warehouse unavailable');
    };
    await catchError(bookkeeping.flush());
    kit.warehouse.onMerge = undefined;
    await bookkeeping.flush();
    expect(await kit.runRows()).toMatchObject([{ run_id: 'r1', status: 'failed' }]);
  });

  it('close flushes what waits', async () => {
    const { writer: bookkeeping } = writer();
    bookkeeping.write(processorRunHistory, run('r1', 'success'));
    await bookkeeping.close();
    expect(await kit.warehouse.count(processorRunHistory)).toBe(1);
    expect(() => bookkeeping.write(processorRunHistory, run('r2', 'running'))).toThrow(
      /bookkeeping writer is closed/,
    );
  });

  it('close rejects naming the unwritten rows when the warehouse stays down', async () => {
    const { writer: bookkeeping } = writer({ flushIntervalMs: 1_000 });
    for (let i = 0; i < 3; i++) bookkeeping.write(processorRunHistory, run(`r${i}`, 'running'));
    kit.warehouse.down = new Error('warehouse unavailable');
    await clock.advance(1_000);
    await clock.advance(1_000);
    const error = await catchError(bookkeeping.close(), BookkeepingWriteError);
    expect(error.unwritten).toBe(3);
    expect(error.message).toBe(
      '3 bookkeeping rows are unwritten: the last flush failed: warehouse unavailable',
    );
    expect(error.cause).toBe(kit.warehouse.down);
  });
});
