import {
  type Clock,
  every,
  type Logger,
  PipewellError,
  PipewellOptionsError,
  silentLogger,
} from '@pipewell/core';
import type { AnyTable, TableRowInput, Warehouse } from '../warehouse/index.js';
import { BookkeepingWriteError } from './errors.js';

/** Options for {@link createBookkeepingWriter}. */
export interface BookkeepingWriterOptions {
  /** Where the rows go; the tables must exist (`ensureTables`) before the first flush. */
  readonly warehouse: Warehouse;
  /** Times the periodic flush. */
  readonly clock: Clock;
  /** Failed flushes are logged here at `error`. @default silentLogger */
  readonly logger?: Logger;
  /** @default 5000 */
  readonly flushIntervalMs?: number;
  /** Flush at once when this many rows are waiting. @default 500 */
  readonly maxRows?: number;
}

/**
 * Batches bookkeeping rows (run history, scraper log) into one warehouse merge per table per
 * flush, instead of one write per record (which hits BigQuery's per-table job quota).
 */
export interface BookkeepingWriter extends AsyncDisposable {
  /**
   * Queue `row` for its table. A row with the key of one already waiting replaces it: only the
   * latest value of a key is merged. Never waits, never throws for the warehouse; throws
   * after `close()`.
   */
  write<T extends AnyTable>(table: T, row: TableRowInput<T>): void;
  /**
   * Merge every waiting row now, one merge per table, after a flush already under way. Rejects
   * with the warehouse's error when a merge fails; its rows stay waiting for the next flush.
   */
  flush(): Promise<void>;
  /**
   * Stop the periodic flush and flush what waits. Rejects with {@link BookkeepingWriteError}
   * naming how many rows are unwritten when that flush fails. Idempotent.
   */
  close(): Promise<void>;
  /** Rows waiting for a flush. */
  readonly pending: number;
}

type Row = Readonly<Record<string, unknown>>;

function positive(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PipewellOptionsError(
      option,
      `bookkeeping writer: ${option} must be a whole number >= 1 (got ${String(value)})`,
    );
  }
  return value;
}

/**
 * Create a {@link BookkeepingWriter}: rows are merged every `flushIntervalMs` on `clock`, or as
 * soon as `maxRows` wait, and by `flush()` and `close()`.
 *
 * @example
 * ```ts
 * await warehouse.ensureTables([processorRunHistory, scraperExecutionLog]);
 * await using bookkeeping = createBookkeepingWriter({ warehouse, clock: systemClock });
 * bookkeeping.write(processorRunHistory, { run_id, processor, status: 'running' });
 * ```
 */
export function createBookkeepingWriter(options: BookkeepingWriterOptions): BookkeepingWriter {
  const { warehouse, clock } = options;
  const logger = options.logger ?? silentLogger;
  const maxRows = positive('maxRows', options.maxRows ?? 500);
  const intervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? 5_000);
  /** Per table, the latest row of each key, by the key's JSON. */
  const waiting = new Map<AnyTable, Map<string, Row>>();
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  let inFlight = false;
  let closing: Promise<void> | undefined;

  const keyOf = (table: AnyTable, row: Row): string =>
    JSON.stringify(table.keys.map((key) => row[key]));

  async function flushOnce(): Promise<void> {
    const batches = [...waiting];
    waiting.clear();
    pending = 0;
    let failure: unknown;
    for (const [table, rows] of batches) {
      try {
        await warehouse.merge(table, [...rows.values()] as TableRowInput<AnyTable>[]);
      } catch (error) {
        failure ??= error;
        // Keep the rows for the next flush, unless a newer row of the key came meanwhile.
        const now = waiting.get(table) ?? new Map<string, Row>();
        for (const [key, row] of rows) {
          if (now.has(key)) continue;
          now.set(key, row);
          pending += 1;
        }
        waiting.set(table, now);
        logger.error(
          { err: error, table: table.name, rows: rows.size },
          `bookkeeping flush failed: ${rows.size} rows of ${table.name} kept for the next flush`,
        );
      }
    }
    if (failure !== undefined) throw failure;
  }

  function flush(): Promise<void> {
    const run = chain.then(async () => {
      inFlight = true;
      try {
        await flushOnce();
      } finally {
        inFlight = false;
      }
    });
    chain = run.catch(() => {});
    return run;
  }

  const loop = every(clock, intervalMs, () => (pending > 0 ? flush() : undefined), {
    onError: () => {}, // flushOnce has logged it
  });

  return {
    write(table, row) {
      if (closing !== undefined) {
        throw new PipewellError(
          `bookkeeping writer is closed: a row for ${table.name} was refused`,
        );
      }
      const rows = waiting.get(table) ?? new Map<string, Row>();
      waiting.set(table, rows);
      const key = keyOf(table, row);
      if (!rows.has(key)) pending += 1;
      rows.set(key, row);
      if (pending >= maxRows && !inFlight) flush().catch(() => {}); // flushOnce has logged it
    },
    flush,
    close() {
      closing ??= (async () => {
        await loop.close();
        try {
          await flush();
        } catch (error) {
          throw new BookkeepingWriteError(pending, { cause: error });
        }
      })();
      return closing;
    },
    get pending() {
      return pending;
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}
