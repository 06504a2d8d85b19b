import type { SqlQuery } from '@pipewell/clients/sql';
import type { AnyTable, TableRowInput } from './table.js';

/** Options every warehouse call takes. */
export interface WarehouseCallOptions {
  /** Abort the call: while it waits its turn it never starts; a running statement is interrupted. */
  readonly signal?: AbortSignal;
}

/** What {@link Warehouse.merge} did. */
export interface MergeResult {
  /** Rows whose key was not in the table. */
  readonly inserted: number;
  /** Stored rows replaced by a row with their key (whether or not a value changed). */
  readonly updated: number;
}

/** What {@link Warehouse.replacePartition} did. */
export interface ReplacePartitionResult extends MergeResult {
  /** Stored rows of the partition whose key none of the new rows had. */
  readonly deleted: number;
}

/**
 * The warehouse as processors see it, the same on every backend (DuckDB embedded, BigQuery):
 * tables of the catalogue (`defineTable`), queries written with the `sql` tag of
 * `@pipewell/clients/sql` in the portable SQL subset (see the README of this folder), and writes
 * that are all-or-nothing per call. Rows are plain objects of the JS values of `ColumnValue`.
 *
 * @example
 * ```ts
 * await warehouse.ensureTables([processorRunHistory]);
 * await warehouse.merge(processorRunHistory, [{ run_id, processor: 'box-scores', status: 'running' }]);
 * const rows = await warehouse.query<{ n: number }>(
 *   sql`SELECT COUNT(*) AS n FROM ${ident(processorRunHistory.name)} WHERE status = ${'failed'}`,
 * );
 * ```
 */
export interface Warehouse {
  /**
   * Create the datasets and tables that are missing, and add the columns a definition gained
   * (as NULLable columns). Idempotent. A column whose type changed, a column the definition no
   * longer has, or a key that changed is refused with a `WarehouseSchemaError`, and then nothing
   * is changed.
   */
  ensureTables(tables: readonly AnyTable[], options?: WarehouseCallOptions): Promise<void>;

  /**
   * Run one statement built with the `sql` tag and return its rows, each value as the JS value of
   * its type (`COUNT(*)` is a number, a DATE a `'YYYY-MM-DD'` string). Strings are refused: a
   * value is always a parameter. Statements that write are serialized with the other writes.
   */
  query<Row extends object = Record<string, unknown>>(
    query: SqlQuery,
    options?: WarehouseCallOptions,
  ): Promise<Row[]>;

  /**
   * Upsert `rows` on the table's natural key in one atomic statement: every row lands or none
   * does. Every row is checked first (`WarehouseRowError` naming table, row index and column);
   * two rows with one key are refused. A non-key column left out of a row is written as NULL.
   */
  merge<T extends AnyTable>(
    table: T,
    rows: readonly TableRowInput<T>[],
    options?: WarehouseCallOptions,
  ): Promise<MergeResult>;

  /**
   * Make the partition `date` of a table with `partitionBy` hold exactly `rows`, atomically:
   * rows are upserted on the key, and stored rows of that date whose key is not among them are
   * deleted (for a re-run that finds fewer rows than the last one). Every row's partition column
   * must be `date`. With no rows, the partition is emptied.
   */
  replacePartition<T extends AnyTable>(
    table: T,
    date: string,
    rows: readonly TableRowInput<T>[],
    options?: WarehouseCallOptions,
  ): Promise<ReplacePartitionResult>;

  /** How many natural keys of the table appear on more than one row (zero when all is well). */
  duplicates(table: AnyTable, options?: WarehouseCallOptions): Promise<number>;

  /** How many rows the table holds. */
  count(table: AnyTable, options?: WarehouseCallOptions): Promise<number>;

  /** Wait for the calls in flight, then release the backend. Later calls reject. Idempotent. */
  close(): Promise<void>;

  /** Same as {@link Warehouse.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}
