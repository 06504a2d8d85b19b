import type { BigQuery, Job } from '@google-cloud/bigquery';
import { mergeRows, query } from '@pipewell/clients/bigquery';
import { column, ident, isSqlQuery, type SqlQuery, sql, unsafeRawSql } from '@pipewell/clients/sql';
import { type Clock, calendarDateProblem, type Logger, silentLogger } from '@pipewell/core';
import { createRetryPolicy, type RetryPolicy } from '@pipewell/retry';
import { toBigQuerySql } from './bigquery-sql.js';
import {
  type BigQueryField,
  type BigQueryRawRow,
  bigQueryRows,
  rowsFromBigQuery,
} from './bigquery-values.js';
import { WarehouseError, WarehouseSchemaError, WarehouseSqlError } from './errors.js';
import { createLane } from './lane.js';
import type {
  MergeResult,
  ReplacePartitionResult,
  Warehouse,
  WarehouseCallOptions,
} from './port.js';
import { checkRows } from './rows.js';
import type { AnyTable, ColumnType } from './table.js';

/** Options of {@link openBigQueryWarehouse}. */
export interface BigQueryWarehouseOptions {
  /** The client every job runs on, as `getBigQuery()` of `@pipewell/clients/bigquery` makes it. */
  readonly bigquery: BigQuery;
  /** The project that holds the datasets (jobs run in the client's project). */
  readonly projectId: string;
  /**
   * The location of the datasets: where they are created, and whose `INFORMATION_SCHEMA`
   * `ensureTables` reads.
   * @default 'US'
   */
  readonly location?: string;
  /**
   * A prefix for every dataset name, so several environments share one project:
   * `nba_raw.games` is `dev_nba_raw.games` with `'dev_'`. Queries are rewritten to match.
   * @default ''
   */
  readonly datasetPrefix?: string;
  /**
   * The clock of the retries' waits (the `bigquery` retry preset of `@pipewell/retry`).
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * Where each job is logged (debug: what ran, how long it took, what it did).
   * @default silentLogger
   */
  readonly logger?: Logger;
}

const projectPattern = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const prefixPattern = /^[a-z0-9_]*$/;
const locationPattern = /^[A-Za-z0-9-]+$/;

/** A table's names in the warehouse: the definition, its quoted full name, its key columns. */
interface TableNames {
  readonly table: AnyTable;
  /** `project.<prefix>dataset.table`, for `ident`. */
  readonly full: string;
  /** `project.<prefix>dataset`. */
  readonly dataset: string;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** BigQuery's reason for an error (`invalidQuery`, `notFound`...), through a retry's wrapper. */
function reasonOf(error: unknown): { status?: number; reason?: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as {
      code?: unknown;
      errors?: Array<{ reason?: unknown }>;
      lastError?: unknown;
      cause?: unknown;
    };
    const reason = candidate.errors?.[0]?.reason;
    if (typeof candidate.code === 'number' || typeof reason === 'string') {
      return {
        ...(typeof candidate.code === 'number' ? { status: candidate.code } : {}),
        ...(typeof reason === 'string' ? { reason } : {}),
      };
    }
    current = candidate.lastError ?? candidate.cause;
  }
  return {};
}

// BigQuery's answers that the same request would get again.
const permanentReasons = new Set(['invalidQuery', 'invalid']);

/** The part of a jobs.getQueryResults answer the adapter reads. */
interface ResultPage {
  readonly jobComplete?: boolean;
  readonly schema?: { readonly fields?: readonly BigQueryField[] };
  readonly rows?: readonly BigQueryRawRow[];
  readonly pageToken?: string;
}

/**
 * The client, with each query job's results read as the port's JS values from the raw pages of
 * jobs.getQueryResults and their schema: the SDK's own reading loses the schema (a JSON column
 * comes back a string, like a STRING one) and misreads a TIMESTAMP before 1970 with a fraction
 * of a second by one second. `query` of `@pipewell/clients/bigquery` still makes the job, retries
 * it, and takes its rows from `getQueryResults`, now this one.
 */
function withPortableResults(bigquery: BigQuery): BigQuery {
  const wrapped = Object.create(bigquery) as BigQuery;
  wrapped.createQueryJob = (async (request: Parameters<BigQuery['createQueryJob']>[0]) => {
    const [job] = (await bigquery.createQueryJob(request)) as [Job, ...unknown[]];
    const page = (pageToken: string | undefined): Promise<ResultPage> =>
      new Promise((resolve, reject) => {
        bigquery.request(
          {
            uri: `/queries/${job.id}`,
            qs: {
              // Microseconds since the epoch, exact, as the SDK itself asks.
              'formatOptions.useInt64Timestamp': true,
              ...(job.location === undefined ? {} : { location: job.location }),
              ...(pageToken === undefined ? {} : { pageToken }),
            },
          },
          (error, response) => (error ? reject(error) : resolve((response ?? {}) as ResultPage)),
        );
      });
    (job as { getQueryResults: unknown }).getQueryResults = async () => {
      const rows: Record<string, unknown>[] = [];
      let pageToken: string | undefined;
      for (;;) {
        // The server waits up to 10 s per call for the job; an unfinished one is asked again.
        const answer = await page(pageToken);
        if (answer.jobComplete === false) continue;
        rows.push(...rowsFromBigQuery(answer.schema?.fields ?? [], answer.rows ?? []));
        if (answer.pageToken === undefined || answer.pageToken === '') return [rows];
        pageToken = answer.pageToken;
      }
    };
    return [job];
  }) as BigQuery['createQueryJob'];
  return wrapped;
}

const ddlTypes: Readonly<Record<ColumnType, string>> = {
  STRING: 'STRING',
  INT64: 'INT64',
  FLOAT64: 'FLOAT64',
  BOOL: 'BOOL',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
};

/** A BigQuery string literal of trusted text (a description from the catalogue). */
function stringLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function columnDdl(table: AnyTable, name: string): string {
  const notNull = table.keys.includes(name) ? ' NOT NULL' : '';
  return `${column(name).quoted} ${ddlTypes[table.columns[name] as ColumnType]}${notNull}`;
}

/**
 * Open the warehouse on BigQuery, through `@pipewell/clients/bigquery`: a dataset of the catalogue
 * (`nba_raw`) is a BigQuery dataset (`<datasetPrefix>nba_raw` in `projectId`), a table is
 * partitioned by its `partitionBy` DATE column and clustered by its `clusterBy` columns, and
 * its key columns are `NOT NULL`. Queries in the portable SQL subset run as they are, their
 * tables renamed for the project and prefix; `merge` and `replacePartition` are one `MERGE` each
 * (atomic), whose counts come from the job's DML statistics. Writes run one at a time, in call
 * order; reads run at once. Transient errors (5xx, rate limits) are retried with the `bigquery`
 * preset; an invalid query fails at once with a permanent {@link WarehouseSqlError}.
 *
 * An aborted `signal` stops a call waiting its turn and the retries, but a BigQuery job already
 * started runs to its end.
 *
 * @throws WarehouseError for options it cannot use (no client, a malformed project)
 * @example
 * ```ts
 * const bigquery = getBigQuery({ projectId: 'my-project' });
 * await using warehouse = openBigQueryWarehouse({ bigquery, projectId: 'my-project', location: 'EU' });
 * await warehouse.ensureTables([scraperExecutionLog, processorRunHistory]);
 * ```
 */
export function openBigQueryWarehouse(options: BigQueryWarehouseOptions): Warehouse {
  const bigquery = options?.bigquery;
  if (typeof bigquery !== 'object' || bigquery === null) {
    throw new WarehouseError(
      'openBigQueryWarehouse needs { bigquery }: a client from getBigQuery() of @pipewell/clients/bigquery',
    );
  }
  const { projectId } = options;
  if (typeof projectId !== 'string' || !projectPattern.test(projectId)) {
    throw new WarehouseError(
      `option "projectId" must be a Google Cloud project id (got ${JSON.stringify(projectId)})`,
    );
  }
  const location = options.location ?? 'US';
  if (typeof location !== 'string' || !locationPattern.test(location)) {
    throw new WarehouseError(
      `option "location" must be a BigQuery location such as US or europe-west1 (got ${JSON.stringify(location)})`,
    );
  }
  const prefix = options.datasetPrefix ?? '';
  if (typeof prefix !== 'string' || !prefixPattern.test(prefix)) {
    throw new WarehouseError(
      `option "datasetPrefix" must be lower-case letters, digits and underscores (got ${JSON.stringify(prefix)})`,
    );
  }
  const logger = options.logger ?? silentLogger;
  const clock = options.clock;
  const retry: RetryPolicy = createRetryPolicy({
    preset: 'bigquery',
    ...(clock === undefined ? {} : { clock }),
  });
  const client = withPortableResults(bigquery);
  const now = (): number => (clock ?? Date).now();
  const writes = createLane();
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  const tableName = (dataset: string, table: string): string =>
    `${projectId}.${prefix}${dataset}.${table}`;
  const namesCache = new WeakMap<AnyTable, TableNames>();
  function namesOf(table: AnyTable): TableNames {
    const cached = namesCache.get(table);
    if (cached !== undefined) return cached;
    if (typeof table !== 'object' || table === null || !Array.isArray(table.columnNames)) {
      throw new WarehouseSqlError('expected a table definition from defineTable');
    }
    const names: TableNames = {
      table,
      full: tableName(table.dataset, table.table),
      dataset: `${projectId}.${prefix}${table.dataset}`,
    };
    // Validated once: an identifier BigQuery would refuse fails here, naming the table.
    ident(names.full);
    namesCache.set(table, names);
    return names;
  }

  function track<T>(call: () => Promise<T>): Promise<T> {
    if (closing !== undefined) return Promise.reject(new WarehouseError('the warehouse is closed'));
    // Async, so a definition refused at once rejects the call instead of throwing from it.
    const promise = (async () => call())();
    inFlight.add(promise);
    const forget = (): void => {
      inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** A failure of BigQuery as the port's error: an invalid request is permanent. */
  function failure(error: unknown, what: string, signal: AbortSignal | undefined): never {
    if (signal?.aborted || WarehouseError.isInstance(error)) throw error;
    const { status, reason } = reasonOf(error);
    const message = `${what} failed: ${describeError(error)}`;
    if (status === 400 || (reason !== undefined && permanentReasons.has(reason))) {
      throw new WarehouseSqlError(message, { cause: error });
    }
    throw new WarehouseError(message, { cause: error });
  }

  async function run<Row>(
    statement: SqlQuery,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<Row[]> {
    const startedAt = now();
    try {
      const rows = await query<Record<string, unknown>>(statement, {
        bigquery: client,
        location,
        retry,
        ...(signal === undefined ? {} : { signal }),
      });
      logger.debug({ what, ms: now() - startedAt, rows: rows.length }, 'bigquery job');
      return rows as Row[];
    } catch (error) {
      return failure(error, what, signal);
    }
  }

  /** Every stored column of the tables' datasets, by `dataset.table`, in their order. */
  async function storedColumns(
    tables: readonly TableNames[],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, Array<{ name: string; type: string; nullable: boolean }>>> {
    const datasets = [...new Set(tables.map((t) => `${prefix}${t.table.dataset}`))];
    const view = unsafeRawSql(
      `\`${projectId}\`.\`region-${location.toLowerCase()}\`.INFORMATION_SCHEMA.COLUMNS`,
    );
    const rows = await run<{
      table_schema: string;
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>(
      sql`SELECT table_schema, table_name, column_name, data_type, is_nullable FROM ${view}
          WHERE table_schema IN UNNEST(${datasets}) ORDER BY table_schema, table_name, ordinal_position`,
      'reading the stored schemas',
      signal,
    );
    const byTable = new Map<string, Array<{ name: string; type: string; nullable: boolean }>>();
    for (const row of rows) {
      const key = `${row.table_schema}.${row.table_name}`;
      const columns = byTable.get(key) ?? [];
      columns.push({
        name: row.column_name,
        type: row.data_type,
        nullable: row.is_nullable === 'YES',
      });
      byTable.set(key, columns);
    }
    return byTable;
  }

  /** The DDL that brings the stored table to its definition, or a schema error when it cannot. */
  function plan(
    t: TableNames,
    stored: ReadonlyArray<{ name: string; type: string; nullable: boolean }>,
  ): string[] {
    const { table } = t;
    const quoted = ident(t.full).quoted;
    if (stored.length === 0) {
      const columns = table.columnNames.map((name) => columnDdl(table, name));
      return [
        `CREATE TABLE IF NOT EXISTS ${quoted} (${columns.join(', ')})` +
          (table.partitionBy === undefined
            ? ''
            : ` PARTITION BY ${column(table.partitionBy).quoted}`) +
          (table.clusterBy.length === 0
            ? ''
            : ` CLUSTER BY ${table.clusterBy.map((name) => column(name).quoted).join(', ')}`) +
          ` OPTIONS (description = ${stringLiteral(table.description)})`,
      ];
    }
    for (const storedColumn of stored) {
      if (!Object.hasOwn(table.columns, storedColumn.name)) {
        throw new WarehouseSchemaError(
          table.name,
          storedColumn.name,
          'the stored table has this column and the definition does not: ensureTables never drops a column (drop it by hand, or put it back in the definition)',
        );
      }
      const wanted = table.columns[storedColumn.name] as ColumnType;
      if (storedColumn.type !== ddlTypes[wanted]) {
        const storedType = Object.hasOwn(ddlTypes, storedColumn.type)
          ? storedColumn.type
          : `the BigQuery type ${storedColumn.type}`;
        throw new WarehouseSchemaError(
          table.name,
          storedColumn.name,
          `is ${storedType} in the warehouse and ${wanted} in the definition: a column's type cannot change (migrate the table by hand)`,
        );
      }
      if (storedColumn.nullable === table.keys.includes(storedColumn.name)) {
        throw new WarehouseSchemaError(
          table.name,
          storedColumn.name,
          `is ${storedColumn.nullable ? 'not a key' : 'a key'} in the stored table and ${storedColumn.nullable ? 'a key' : 'not a key'} in the definition: the keys of a table cannot change`,
        );
      }
    }
    const statements: string[] = [];
    for (const name of table.columnNames) {
      if (stored.some((storedColumn) => storedColumn.name === name)) continue;
      if (table.keys.includes(name)) {
        throw new WarehouseSchemaError(
          table.name,
          name,
          'is a new key column: the keys of a table cannot change',
        );
      }
      statements.push(`ALTER TABLE ${quoted} ADD COLUMN IF NOT EXISTS ${columnDdl(table, name)}`);
    }
    return statements;
  }

  async function ensureTables(
    tables: readonly AnyTable[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (!Array.isArray(tables)) {
      throw new WarehouseSqlError('ensureTables takes an array of table definitions');
    }
    const byName = new Map<string, TableNames>();
    for (const table of tables) {
      const t = namesOf(table);
      const earlier = byName.get(table.name);
      if (earlier !== undefined && earlier.table !== table) {
        throw new WarehouseSqlError(`ensureTables was given two definitions of ${table.name}`);
      }
      byName.set(table.name, t);
    }
    if (byName.size === 0) return;
    await writes.run(async () => {
      const stored = await storedColumns([...byName.values()], signal);
      // Every table is checked before anything is changed.
      const datasets = new Set<string>();
      const statements: string[] = [];
      for (const t of byName.values()) {
        const columns = stored.get(`${prefix}${t.table.dataset}.${t.table.table}`) ?? [];
        const planned = plan(t, columns);
        if (columns.length === 0) datasets.add(t.dataset);
        statements.push(...planned);
      }
      if (statements.length === 0) return;
      const script = [
        ...[...datasets].map(
          (dataset) =>
            `CREATE SCHEMA IF NOT EXISTS \`${dataset}\` OPTIONS (location = ${stringLiteral(location)})`,
        ),
        ...statements,
      ].join(';\n');
      await run(unsafeRawSql(script), 'ensureTables', signal);
    }, signal);
  }

  async function upsert(
    table: AnyTable,
    rows: readonly unknown[],
    partitionDate: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ReplacePartitionResult> {
    const t = namesOf(table);
    const checked = checkRows(table, rows, partitionDate);
    if (checked.rowCount === 0 && partitionDate === undefined) {
      return { inserted: 0, updated: 0, deleted: 0 };
    }
    const types = Object.fromEntries(
      table.columnNames.map((name) => [name, table.columns[name] as ColumnType]),
    );
    return writes.run(async () => {
      const startedAt = now();
      try {
        const result = await mergeRows(t.full, bigQueryRows(table, checked), {
          bigquery: client,
          keys: table.keys,
          types,
          location,
          retry,
          ...(signal === undefined ? {} : { signal }),
          ...(partitionDate === undefined || table.partitionBy === undefined
            ? {}
            : {
                deleteMissing: { column: table.partitionBy, value: partitionDate, type: 'DATE' },
              }),
        });
        const counts = {
          inserted: result.insertedRows,
          updated: result.updatedRows,
          deleted: result.deletedRows,
        };
        logger.debug(
          { table: table.name, rows: checked.rowCount, ms: now() - startedAt, ...counts },
          partitionDate === undefined ? 'bigquery merge' : 'bigquery replacePartition',
        );
        return counts;
      } catch (error) {
        return failure(error, `writing ${table.name}`, signal);
      }
    }, signal);
  }

  async function readCount(
    table: AnyTable,
    statement: SqlQuery,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const [row] = await run<{ n: unknown }>(statement, `reading ${table.name}`, signal);
    return Number(row?.n ?? 0);
  }

  async function runQuery<Row>(
    statement: SqlQuery,
    signal: AbortSignal | undefined,
  ): Promise<Row[]> {
    if (!isSqlQuery(statement)) {
      throw new WarehouseSqlError(
        'query takes a query built with the sql tag of @pipewell/clients/sql, never a string',
      );
    }
    const { query: renamed, kind } = toBigQuerySql(statement, tableName);
    const shown =
      statement.text.length > 300 ? `${statement.text.slice(0, 300)}...` : statement.text;
    if (kind === 'write') {
      await writes.run(() => run(renamed, `query (in: ${shown})`, signal), signal);
      // As the DuckDB adapter does: a statement that writes returns no rows.
      return [];
    }
    return run<Row>(renamed, `query (in: ${shown})`, signal);
  }

  const warehouse: Warehouse = {
    ensureTables: (tables, callOptions?: WarehouseCallOptions) =>
      track(() => ensureTables(tables, callOptions?.signal)),

    query: <Row extends object = Record<string, unknown>>(
      statement: SqlQuery,
      callOptions?: WarehouseCallOptions,
    ) => track(() => runQuery<Row>(statement, callOptions?.signal)),

    merge: (table, rows, callOptions) =>
      track(async (): Promise<MergeResult> => {
        const { inserted, updated } = await upsert(table, rows, undefined, callOptions?.signal);
        return { inserted, updated };
      }),

    replacePartition: (table, date, rows, callOptions) =>
      track(async () => {
        namesOf(table);
        if (table.partitionBy === undefined) {
          throw new WarehouseSqlError(
            `replacePartition needs a table with partitionBy; ${table.name} has none`,
          );
        }
        const problem = calendarDateProblem('date', date);
        if (problem !== undefined) throw new WarehouseSqlError(`replacePartition ${problem}`);
        return upsert(table, rows, date, callOptions?.signal);
      }),

    duplicates: (table, callOptions) =>
      track(() => {
        const t = namesOf(table);
        const keys = table.keys.map(column);
        return readCount(
          table,
          sql`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${ident(t.full)} GROUP BY ${keys} HAVING COUNT(*) > 1)`,
          callOptions?.signal,
        );
      }),

    count: (table, callOptions) =>
      track(() =>
        readCount(
          table,
          sql`SELECT COUNT(*) AS n FROM ${ident(namesOf(table).full)}`,
          callOptions?.signal,
        ),
      ),

    close: () => {
      closing ??= Promise.allSettled([...inFlight]).then(() => undefined);
      return closing;
    },

    [Symbol.asyncDispose]: () => warehouse.close(),
  };
  return warehouse;
}
