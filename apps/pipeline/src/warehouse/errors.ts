import { PipewellError, type PipewellErrorOptions, PipewellOptionsError } from '@pipewell/core';

/**
 * The base of every error the warehouse throws: a closed warehouse, a query the backend refused,
 * or one of the more specific errors below.
 */
export class WarehouseError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.WarehouseError';
  override readonly name: string = 'WarehouseError';
}

/**
 * A row refused before anything was written: an unknown column, a missing key, a value of the
 * wrong type, two rows with one key. The message names the table, the row index and the column,
 * as `nba_raw.bdl_player_boxscores row 3, column "points": expected INT64 ...`. Permanent
 * (`permanent: true`, read by `isPermanentError`): the same rows fail the same way again.
 */
export class WarehouseRowError extends WarehouseError {
  static override readonly marker: string = '@pipewell/pipeline.WarehouseRowError';
  override readonly name: string = 'WarehouseRowError';
  /** Always true: retrying the same rows cannot help. */
  readonly permanent = true as const;
  /** The table, as `dataset.table`. */
  readonly table: string;
  /** The index of the refused row in the rows given. */
  readonly rowIndex: number;
  /** The column at fault, when one is (absent when the row itself is not an object). */
  readonly column: string | undefined;

  /** Create an error for row `rowIndex` of `table`; `problem` says what is wrong. */
  constructor(
    table: string,
    rowIndex: number,
    column: string | undefined,
    problem: string,
    options?: PipewellErrorOptions,
  ) {
    const where = column === undefined ? '' : `, column ${JSON.stringify(column)}`;
    super(`${table} row ${rowIndex}${where}: ${problem}`, options);
    this.table = table;
    this.rowIndex = rowIndex;
    this.column = column;
  }
}

/**
 * `ensureTables` found a table whose stored schema the definition cannot be applied to without
 * losing data: a column whose type changed, a column the definition no longer has, a key that
 * changed. Nothing was changed. Permanent.
 */
export class WarehouseSchemaError extends WarehouseError {
  static override readonly marker: string = '@pipewell/pipeline.WarehouseSchemaError';
  override readonly name: string = 'WarehouseSchemaError';
  /** Always true: the definition or the stored table must change first. */
  readonly permanent = true as const;
  /** The table, as `dataset.table`. */
  readonly table: string;
  /** The column at fault. */
  readonly column: string;

  /** Create an error for `column` of `table`; `problem` says what is wrong. */
  constructor(table: string, column: string, problem: string, options?: PipewellErrorOptions) {
    super(`${table} column ${JSON.stringify(column)}: ${problem}`, options);
    this.table = table;
    this.column = column;
  }
}

/**
 * A query outside the portable SQL subset (see the warehouse README), or a parameter the backend
 * cannot bind: refused before it runs. Permanent.
 */
export class WarehouseSqlError extends WarehouseError {
  static override readonly marker: string = '@pipewell/pipeline.WarehouseSqlError';
  override readonly name: string = 'WarehouseSqlError';
  /** Always true: the query must be rewritten. */
  readonly permanent = true as const;
}

/**
 * A table definition that {@link defineTable} refused: an invalid name, a key or partition column
 * that is not a column, a column type that does not exist. `option` names the field.
 */
export class TableDefinitionError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.TableDefinitionError';
  override readonly name: string = 'TableDefinitionError';
}
