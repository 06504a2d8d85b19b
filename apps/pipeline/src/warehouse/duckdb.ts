import { resolve } from 'node:path';
import {
  DATE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
  dateValue,
  StatementType,
} from '@duckdb/node-api';
import { isSqlQuery, type SqlQuery } from '@pipewell/clients/sql';
import { calendarDateProblem } from '@pipewell/core';
import { toDuckDbSql } from './duckdb-sql.js';
import {
  duckDbColumnTypes,
  duckDbColumnValue,
  duckDbParameters,
  jsFromDuckDb,
} from './duckdb-values.js';
import { WarehouseError, WarehouseSchemaError, WarehouseSqlError } from './errors.js';
import { createLane } from './lane.js';
import type {
  MergeResult,
  ReplacePartitionResult,
  Warehouse,
  WarehouseCallOptions,
} from './port.js';
import { type CheckedRows, checkRows } from './rows.js';
import type { AnyTable, ColumnType } from './table.js';
import { daysOfDate } from './values.js';

/** Options of {@link openDuckDbWarehouse}. */
export interface DuckDbWarehouseOptions {
  /** The database file (created if missing; its directory must exist), or `':memory:'`. */
  readonly path: string;
  /**
   * DuckDB's worker threads for one statement.
   * @default the number of cores
   */
  readonly threads?: number;
  /**
   * Open the file in DuckDB's read-only access mode (`access_mode: 'READ_ONLY'`), for a console
   * that only reads: DuckDB itself refuses every statement that would change the file, and
   * `merge`, `replacePartition` and `ensureTables` throw {@link WarehouseSqlError} at once. The
   * file must exist; `':memory:'` is refused (it would start empty). Other processes may hold
   * the same file read-only at the same time, never while one holds it read-write.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** What DuckDB calls each column type in DDL and in `information_schema.columns`. */
const ddlTypes: Readonly<Record<ColumnType, string>> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
};

const columnTypeOfDdl = new Map(Object.entries(ddlTypes).map(([type, ddl]) => [ddl, type]));

// BigQuery names DuckDB lacks, per connection (TEMP: never written to the database file).
const compatibility = [
  'CREATE OR REPLACE TEMP TYPE FLOAT64 AS DOUBLE',
  'CREATE OR REPLACE TEMP MACRO safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END',
];

const readStatements = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);
const writeStatements = new Set<StatementType>([
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
  StatementType.MERGE_INTO,
  StatementType.CREATE,
  StatementType.DROP,
  StatementType.ALTER,
]);

// DuckDB's refusal on a read-only database: `Cannot execute statement of type "INSERT" on
// database "w" which is attached in read-only mode!`
const readOnlyRefusal = /Cannot execute statement of type "([A-Z_ ]+)".*read-only mode/;

const stageTable = 'pipewell_stage';
const chunkRows = 2048;

/** Files open in this process: two DuckDB instances on one file would corrupt it. */
const openFiles = new Set<string>();

const namePattern = /^[a-z][a-z0-9_]*$/;

/** A table's names, quoted for DuckDB, and its column types. */
interface TableSql {
  readonly table: AnyTable;
  readonly quoted: string;
  readonly columns: readonly string[];
  readonly types: readonly ColumnType[];
  readonly duckTypes: readonly DuckDBType[];
  readonly keys: readonly string[];
}

const tableSqlCache = new WeakMap<AnyTable, TableSql>();

function quote(name: string, what: string): string {
  if (!namePattern.test(name)) {
    throw new WarehouseSqlError(
      `${what} ${JSON.stringify(name)} is not a valid name: define tables with defineTable`,
    );
  }
  return `"${name}"`;
}

function tableSql(table: AnyTable): TableSql {
  const cached = tableSqlCache.get(table);
  if (cached !== undefined) return cached;
  if (
    typeof table !== 'object' ||
    table === null ||
    !Array.isArray(table.columnNames) ||
    !Array.isArray(table.keys)
  ) {
    throw new WarehouseSqlError('expected a table definition from defineTable');
  }
  const types = table.columnNames.map((name) => table.columns[name] as ColumnType);
  const sql: TableSql = {
    table,
    quoted: `${quote(table.dataset, 'dataset')}.${quote(table.table, 'table')}`,
    columns: table.columnNames.map((name) => quote(name, 'column')),
    types,
    duckTypes: types.map((type) => duckDbColumnTypes[type]),
    keys: table.keys.map((key) => quote(key, 'key column')),
  };
  tableSqlCache.set(table, sql);
  return sql;
}

function columnDdl(t: TableSql, index: number): string {
  const name = t.table.columnNames[index] as string;
  const notNull = t.table.keys.includes(name) ? ' NOT NULL' : '';
  return `${t.columns[index]} ${ddlTypes[t.types[index] as ColumnType]}${notNull}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Run `run` on `connection`, interrupting it when `signal` aborts (DuckDB rolls it back). */
async function interruptible<T>(
  connection: DuckDBConnection,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (signal === undefined) return run();
  signal.throwIfAborted();
  const onAbort = (): void => connection.interrupt();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await run();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function rowsOf<Row>(reader: DuckDBResultReader): Row[] {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new WarehouseSqlError(
        `the query returns two columns named ${JSON.stringify(name)}: alias one`,
      );
    }
    seen.add(name);
  }
  return reader.getRows().map((values) => {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < names.length; index++) {
      const name = names[index] as string;
      row[name] = jsFromDuckDb(
        values[index] as DuckDBValue,
        types[index] as DuckDBType,
        `column ${JSON.stringify(name)}`,
      );
    }
    return row as Row;
  });
}

/**
 * Open the embedded warehouse: a DuckDB database file (or `':memory:'`), where a dataset such as
 * `nba_raw` is a schema. Writes (merges, `ensureTables`, statements that write) run one at a time
 * on one connection; reads run on a second one, so a long merge does not hold up reads, and they
 * see only committed data. A file can be open once per process. With `readOnly: true` the file
 * is opened in DuckDB's read-only mode: reads work, and every write is refused by DuckDB with a
 * {@link WarehouseSqlError} naming the statement kind.
 *
 * @throws WarehouseError when the file cannot be opened (a missing file when `readOnly`) or is
 *   already open in this process
 * @example
 * ```ts
 * await using warehouse = await openDuckDbWarehouse({ path: '.pipewell/warehouse.duckdb' });
 * await warehouse.ensureTables([scraperExecutionLog, processorRunHistory]);
 *
 * // A console that only reads: DuckDB refuses any statement that writes.
 * await using reader = await openDuckDbWarehouse({ path: 'warehouse.duckdb', readOnly: true });
 * ```
 */
export async function openDuckDbWarehouse(options: DuckDbWarehouseOptions): Promise<Warehouse> {
  const path = options?.path;
  if (typeof path !== 'string' || path === '') {
    throw new WarehouseError('openDuckDbWarehouse needs { path }: a file, or ":memory:"');
  }
  const threads = options.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new WarehouseError(`option "threads" must be a whole number >= 1 (got ${threads})`);
  }
  const readOnly = options.readOnly ?? false;
  if (typeof readOnly !== 'boolean') {
    throw new WarehouseError(`option "readOnly" must be true or false (got ${String(readOnly)})`);
  }
  if (readOnly && path === ':memory:') {
    throw new WarehouseError(
      'option "readOnly" needs a database file: a read-only ":memory:" warehouse would be empty forever',
    );
  }
  const file = path === ':memory:' ? undefined : resolve(path);
  if (file !== undefined) {
    if (openFiles.has(file)) {
      throw new WarehouseError(
        `the DuckDB warehouse ${file} is already open in this process: close it first`,
      );
    }
    openFiles.add(file);
  }
  let instance: DuckDBInstance | undefined;
  const connections: DuckDBConnection[] = [];
  try {
    const config: Record<string, string> = {};
    if (threads !== undefined) config.threads = String(threads);
    if (readOnly) config.access_mode = 'READ_ONLY';
    instance = await DuckDBInstance.create(file ?? ':memory:', config);
    for (let index = 0; index < 2; index++) {
      const connection = await instance.connect();
      connections.push(connection);
      for (const statement of compatibility) await connection.run(statement);
    }
  } catch (error) {
    for (const connection of connections) connection.closeSync();
    instance?.closeSync();
    if (file !== undefined) openFiles.delete(file);
    throw new WarehouseError(
      `cannot open the DuckDB warehouse at ${path}${readOnly ? ' read-only' : ''}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  const [writer, reader] = connections as [DuckDBConnection, DuckDBConnection];
  return createDuckDbWarehouse(instance, writer, reader, file, readOnly);
}

function createDuckDbWarehouse(
  instance: DuckDBInstance,
  writer: DuckDBConnection,
  reader: DuckDBConnection,
  file: string | undefined,
  readOnly: boolean,
): Warehouse {
  const writes = createLane();
  const reads = createLane();
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  /** Throw at once when the warehouse is read-only: `what` (a call, a table) would write. */
  function refuseWriteWhenReadOnly(what: string): void {
    if (readOnly) {
      throw new WarehouseSqlError(
        `${what} is refused: the warehouse ${file ?? ':memory:'} is open read-only (readOnly: true)`,
      );
    }
  }

  // Every call is tracked from its start, so close() waits for it.
  function track<T>(call: () => Promise<T>): Promise<T> {
    if (closing !== undefined) return Promise.reject(new WarehouseError('the warehouse is closed'));
    const promise = call();
    inFlight.add(promise);
    const forget = (): void => {
      inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  async function storedColumns(
    t: TableSql,
  ): Promise<Array<{ name: string; type: string; nullable: boolean }>> {
    const result = await writer.runAndReadAll(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_catalog = current_database() AND table_schema = $schema AND table_name = $table
       ORDER BY ordinal_position`,
      { schema: t.table.dataset, table: t.table.table },
    );
    return result.getRowsJS().map(([name, type, nullable]) => ({
      name: String(name),
      type: String(type),
      nullable: nullable === 'YES',
    }));
  }

  /** The DDL that brings the stored table to `t`, or a schema error when it cannot. */
  async function plan(t: TableSql): Promise<string[]> {
    const stored = await storedColumns(t);
    const { table } = t;
    if (stored.length === 0) {
      const columns = table.columnNames.map((_, index) => columnDdl(t, index));
      return [
        `CREATE SCHEMA IF NOT EXISTS ${quote(table.dataset, 'dataset')}`,
        `CREATE TABLE ${t.quoted} (${columns.join(', ')})`,
      ];
    }
    const statements: string[] = [];
    for (const column of stored) {
      if (!Object.hasOwn(table.columns, column.name)) {
        throw new WarehouseSchemaError(
          table.name,
          column.name,
          'the stored table has this column and the definition does not: ensureTables never drops a column (drop it by hand, or put it back in the definition)',
        );
      }
      const wanted = table.columns[column.name] as ColumnType;
      const storedType = columnTypeOfDdl.get(column.type) ?? `the DuckDB type ${column.type}`;
      if (storedType !== wanted) {
        throw new WarehouseSchemaError(
          table.name,
          column.name,
          `is ${storedType} in the warehouse and ${wanted} in the definition: a column's type cannot change (migrate the table by hand)`,
        );
      }
      if (column.nullable === table.keys.includes(column.name)) {
        throw new WarehouseSchemaError(
          table.name,
          column.name,
          `is ${column.nullable ? 'not a key' : 'a key'} in the stored table and ${column.nullable ? 'a key' : 'not a key'} in the definition: the keys of a table cannot change`,
        );
      }
    }
    table.columnNames.forEach((name, index) => {
      if (stored.some((column) => column.name === name)) return;
      if (table.keys.includes(name)) {
        throw new WarehouseSchemaError(
          table.name,
          name,
          'is a new key column: the keys of a table cannot change',
        );
      }
      statements.push(`ALTER TABLE ${t.quoted} ADD COLUMN ${columnDdl(t, index)}`);
    });
    return statements;
  }

  async function inTransaction(statements: readonly string[]): Promise<void> {
    await writer.run('BEGIN TRANSACTION');
    try {
      for (const statement of statements) await writer.run(statement);
      await writer.run('COMMIT');
    } catch (error) {
      // The statement's error is the one to report; a failed rollback ends the transaction too.
      await writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async function stage(t: TableSql, checked: CheckedRows): Promise<void> {
    const columns = t.table.columnNames.map(
      (name, index) => `${t.columns[index]} ${ddlTypes[t.table.columns[name] as ColumnType]}`,
    );
    await writer.run(`CREATE OR REPLACE TEMP TABLE ${stageTable} (${columns.join(', ')})`);
    const appender = await writer.createAppender(stageTable, 'main', 'temp');
    try {
      for (let start = 0; start < checked.rowCount; start += chunkRows) {
        const size = Math.min(chunkRows, checked.rowCount - start);
        const chunk = DuckDBDataChunk.create(t.duckTypes, size);
        chunk.setColumns(
          t.types.map((type, columnIndex) => {
            const source = checked.columns[columnIndex] as readonly unknown[];
            const values = new Array<DuckDBValue>(size);
            for (let row = 0; row < size; row++) {
              values[row] = duckDbColumnValue(type, source[start + row]);
            }
            return values;
          }),
        );
        appender.appendDataChunk(chunk);
      }
    } finally {
      appender.closeSync();
    }
  }

  /**
   * Stage the rows, then upsert them in one MERGE (atomic on its own); with `partitionDate`, the
   * same MERGE deletes the stored rows of that date the stage lacks.
   */
  async function upsert(
    t: TableSql,
    checked: CheckedRows,
    partitionDate: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ReplacePartitionResult> {
    const { table } = t;
    const on = t.keys.map((key) => `T.${key} = S.${key}`).join(' AND ');
    const set = t.columns
      .filter((_, index) => !table.keys.includes(table.columnNames[index] as string))
      .map((column) => `${column} = S.${column}`)
      .join(', ');
    const partition =
      partitionDate === undefined || table.partitionBy === undefined
        ? ''
        : ` WHEN NOT MATCHED BY SOURCE AND T.${quote(table.partitionBy, 'column')} = $date THEN DELETE`;
    const statement =
      `MERGE INTO ${t.quoted} AS T USING temp.main.${stageTable} AS S ON ${on}` +
      (set === '' ? '' : ` WHEN MATCHED THEN UPDATE SET ${set}`) +
      ` WHEN NOT MATCHED BY TARGET THEN INSERT (${t.columns.join(', ')}) VALUES (${t.columns.map((column) => `S.${column}`).join(', ')})` +
      partition +
      ' RETURNING merge_action';
    try {
      signal?.throwIfAborted();
      await stage(t, checked);
      const result = await interruptible(writer, signal, () =>
        partitionDate === undefined
          ? writer.runAndReadAll(statement)
          : writer.runAndReadAll(
              statement,
              { date: dateValue(daysOfDate(partitionDate)) },
              { date: DATE },
            ),
      );
      const counts = { inserted: 0, updated: 0, deleted: 0 };
      for (const action of result.getColumns()[0] ?? []) {
        if (action === 'INSERT') counts.inserted++;
        else if (action === 'UPDATE') counts.updated++;
        else if (action === 'DELETE') counts.deleted++;
      }
      return counts;
    } catch (error) {
      if (signal?.aborted || WarehouseError.isInstance(error)) throw error;
      throw new WarehouseError(`writing ${table.name} failed: ${describeError(error)}`, {
        cause: error,
      });
    } finally {
      // A stage left behind is replaced by the next one, so a failed drop loses nothing.
      await writer.run(`DROP TABLE IF EXISTS temp.main.${stageTable}`).catch(() => undefined);
    }
  }

  async function readCount(
    table: AnyTable,
    text: string,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    try {
      return await reads.run(async () => {
        const result = await interruptible(reader, signal, () => reader.runAndReadAll(text));
        return Number(result.getColumns()[0]?.[0] ?? 0);
      }, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new WarehouseError(`reading ${table.name} failed: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async function runQuery<Row>(query: SqlQuery, signal: AbortSignal | undefined): Promise<Row[]> {
    if (!isSqlQuery(query)) {
      throw new WarehouseSqlError(
        'query takes a query built with the sql tag of @pipewell/clients/sql, never a string',
      );
    }
    const { text, parameters } = toDuckDbSql(query.text, new Set(Object.keys(query.params)));
    const { values, types } = duckDbParameters(query, parameters);
    const failed = (error: unknown): never => {
      if (signal?.aborted || WarehouseError.isInstance(error)) throw error;
      const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
      const refusedKind = readOnly ? readOnlyRefusal.exec(describeError(error))?.[1] : undefined;
      if (refusedKind !== undefined) {
        throw new WarehouseSqlError(
          `${refusedKind} refused: the warehouse ${file ?? ':memory:'} is open read-only, and DuckDB refuses every statement that writes (in: ${shown})`,
          { cause: error },
        );
      }
      throw new WarehouseError(`query failed: ${describeError(error)} (in: ${shown})`, {
        cause: error,
      });
    };
    const read = await reads
      .run(async () => {
        const prepared = await reader.prepare(text);
        try {
          const type = prepared.statementType;
          if (!readStatements.has(type)) {
            // Read-only, a write runs here too, so that DuckDB itself refuses it (see failed).
            if (writeStatements.has(type) && !readOnly) return undefined;
            if (!writeStatements.has(type)) {
              throw new WarehouseSqlError(
                readOnly
                  ? `query cannot run a ${StatementType[type]} statement: a read-only warehouse runs SELECT and EXPLAIN`
                  : `query cannot run a ${StatementType[type]} statement: it runs SELECT, INSERT, UPDATE, DELETE, MERGE and table DDL`,
              );
            }
          }
          if (parameters.length > 0) prepared.bind(values, types);
          return rowsOf<Row>(await interruptible(reader, signal, () => prepared.runAndReadAll()));
        } finally {
          prepared.destroySync();
        }
      }, signal)
      .catch(failed);
    if (read !== undefined) return read;
    return writes
      .run(async () => {
        const prepared = await writer.prepare(text);
        try {
          if (parameters.length > 0) prepared.bind(values, types);
          await interruptible(writer, signal, () => prepared.run());
          // As on BigQuery, a statement that writes returns no rows.
          return [];
        } finally {
          prepared.destroySync();
        }
      }, signal)
      .catch(failed);
  }

  const warehouse: Warehouse = {
    ensureTables: (tables: readonly AnyTable[], options?: WarehouseCallOptions) =>
      track(async () => {
        refuseWriteWhenReadOnly('ensureTables');
        if (!Array.isArray(tables)) {
          throw new WarehouseSqlError('ensureTables takes an array of table definitions');
        }
        const byName = new Map<string, TableSql>();
        for (const table of tables) {
          const t = tableSql(table);
          const earlier = byName.get(table.name);
          if (earlier !== undefined && earlier.table !== table) {
            throw new WarehouseSqlError(`ensureTables was given two definitions of ${table.name}`);
          }
          byName.set(table.name, t);
        }
        await writes.run(async () => {
          const statements: string[] = [];
          for (const t of byName.values()) statements.push(...(await plan(t)));
          if (statements.length > 0) await inTransaction(statements);
        }, options?.signal);
      }),

    query: <Row extends object = Record<string, unknown>>(
      query: SqlQuery,
      options?: WarehouseCallOptions,
    ) => track(() => runQuery<Row>(query, options?.signal)),

    merge: (table, rows, options) =>
      track(async (): Promise<MergeResult> => {
        const t = tableSql(table);
        refuseWriteWhenReadOnly(`merge into ${table.name}`);
        const checked = checkRows(table, rows);
        if (checked.rowCount === 0) return { inserted: 0, updated: 0 };
        const { inserted, updated } = await writes.run(
          () => upsert(t, checked, undefined, options?.signal),
          options?.signal,
        );
        return { inserted, updated };
      }),

    replacePartition: (table, date, rows, options) =>
      track(async () => {
        const t = tableSql(table);
        refuseWriteWhenReadOnly(`replacePartition of ${table.name}`);
        if (table.partitionBy === undefined) {
          throw new WarehouseSqlError(
            `replacePartition needs a table with partitionBy; ${table.name} has none`,
          );
        }
        const problem = calendarDateProblem('date', date);
        if (problem !== undefined) throw new WarehouseSqlError(`replacePartition ${problem}`);
        const checked = checkRows(table, rows, date);
        return writes.run(() => upsert(t, checked, date, options?.signal), options?.signal);
      }),

    duplicates: (table, options) =>
      track(async () => {
        const t = tableSql(table);
        const keys = t.keys.join(', ');
        return readCount(
          table,
          `SELECT COUNT(*) FROM (SELECT 1 FROM ${t.quoted} GROUP BY ${keys} HAVING COUNT(*) > 1)`,
          options?.signal,
        );
      }),

    count: (table, options) =>
      track(async () =>
        readCount(table, `SELECT COUNT(*) FROM ${tableSql(table).quoted}`, options?.signal),
      ),

    close: () => {
      closing ??= (async () => {
        await Promise.allSettled([...inFlight]);
        writer.closeSync();
        reader.closeSync();
        instance.closeSync();
        if (file !== undefined) openFiles.delete(file);
      })();
      return closing;
    },

    [Symbol.asyncDispose]: () => warehouse.close(),
  };
  return warehouse;
}
