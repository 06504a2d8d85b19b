import type { Job, Query } from '@google-cloud/bigquery';
import { bigqueryPolicy, getBigQuery } from './bigquery-client.js';
import type { QueryOptions } from './bigquery-query.js';
import { type TableName, tableParts } from './bigquery-table.js';
import { ClientConfigError } from './project.js';
import { toQueryParameters } from './query-parameters.js';
import {
  type BigQueryParamType,
  checkParameter,
  column,
  inferType,
  type SqlQuery,
  trustedQuery,
} from './sql-tag.js';

/**
 * Which stored rows a {@link mergeRows} call also deletes: those where `column` equals `value`
 * and whose key none of the rows has (`WHEN NOT MATCHED BY SOURCE AND T.column = @value THEN
 * DELETE`), so the slice ends up holding exactly the rows given (a partition replaced by a re-run).
 */
export interface DeleteMissingOptions {
  /** The column that selects the slice, such as a partition column `game_date`. */
  readonly column: string;
  /** The slice's value, such as `'2026-01-24'`. */
  readonly value: unknown;
  /** The value's type, such as `'DATE'`. */
  readonly type: BigQueryParamType;
}

/** What a {@link mergeRows} call did, from the job's DML statistics (`dmlStats`). */
export interface MergeRowsResult {
  /** Rows inserted: rows whose key the table did not hold. */
  readonly insertedRows: number;
  /** Stored rows updated: rows whose key the table held (changed or not). */
  readonly updatedRows: number;
  /** Stored rows deleted (only with `deleteMissing`). */
  readonly deletedRows: number;
}

/** Options for {@link mergeRows}. */
export interface MergeRowsOptions extends Omit<QueryOptions, 'maxResults'> {
  /** The columns that identify a row; rows with the same key are updated, others inserted. */
  readonly keys: readonly string[];
  /**
   * Column types, needed when a column is null in every row. A `DATE` column's strings must be
   * calendar dates (`YYYY-MM-DD`); `2026-02-30` throws naming the row and column.
   */
  readonly types?: Readonly<Record<string, BigQueryParamType>>;
  /**
   * Also delete the stored rows of one slice (`column = value`) whose key none of `rows` has, in
   * the same MERGE: the slice then holds exactly `rows` (with no rows, it is emptied by a DELETE).
   * @default nothing is deleted
   */
  readonly deleteMissing?: DeleteMissingOptions;
}

const noRows: MergeRowsResult = Object.freeze({ insertedRows: 0, updatedRows: 0, deletedRows: 0 });

/**
 * Upsert rows by key with one `MERGE` statement (rows passed as an array-of-struct parameter):
 * running it twice leaves the table as running it once, so a retried load is safe. Resolves to
 * the counts of the job's DML statistics (`dmlStats`): rows inserted, updated and (with
 * `deleteMissing`) deleted.
 *
 * @example
 * ```ts
 * const { insertedRows, updatedRows } = await mergeRows('nba_analytics.player_game_summary', summaries, {
 *   keys: ['game_id', 'player_id'],
 * });
 * // A re-run's partition: the rows of that date not among `rows` are deleted by the same MERGE.
 * await mergeRows('nba_raw.box_scores', rows, {
 *   keys: ['game_id', 'player_id'],
 *   deleteMissing: { column: 'game_date', value: '2026-01-24', type: 'DATE' },
 * });
 * ```
 */
export async function mergeRows(
  table: TableName,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: MergeRowsOptions,
): Promise<MergeRowsResult> {
  const target = tableParts(table);
  if (!Array.isArray(rows))
    throw new ClientConfigError('rows', `mergeRows needs an array of rows (got ${typeof rows})`);
  const deleteMissing = options?.deleteMissing;
  if (deleteMissing !== undefined) {
    column(deleteMissing.column);
    if (deleteMissing.value === null || deleteMissing.value === undefined) {
      throw new ClientConfigError(
        'deleteMissing',
        'option "deleteMissing.value" needs a value: a NULL would match no stored row',
      );
    }
    checkParameter(deleteMissing.value, deleteMissing.type, 'deleteMissing.value', 'deleteMissing');
  }
  const { keys: _keys, types: _types, deleteMissing: _delete, ...queryOptions } = options ?? {};
  if (rows.length === 0) {
    if (deleteMissing === undefined) return noRows;
    const name = column(deleteMissing.column).quoted;
    return runDml(
      trustedQuery(
        `DELETE FROM ${target.quoted} WHERE ${name} = @slice`,
        { slice: deleteMissing.value },
        { slice: deleteMissing.type },
      ),
      queryOptions,
    );
  }
  const columns = Object.keys(rows[0] ?? {});
  if (columns.length === 0)
    throw new ClientConfigError('rows', 'mergeRows needs rows with at least one column');
  columns.forEach(column);
  rows.forEach((row, index) => {
    const keys = Object.keys(row);
    if (keys.length !== columns.length || !keys.every((key) => columns.includes(key))) {
      throw new ClientConfigError(
        'rows',
        `row ${index} has columns ${keys.join(', ')}; every row needs ${columns.join(', ')}`,
      );
    }
  });
  const keys = options?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new ClientConfigError('keys', 'mergeRows needs { keys } naming the key columns');
  for (const key of keys) {
    if (!columns.includes(key))
      throw new ClientConfigError('keys', `key column ${JSON.stringify(key)} is not in the rows`);
    rows.forEach((row, index) => {
      if (row[key] === null || row[key] === undefined) {
        throw new ClientConfigError(
          'keys',
          `row ${index} has no value for key column ${JSON.stringify(key)}`,
        );
      }
    });
  }
  for (const name of columns) {
    if (
      options.types?.[name] === undefined &&
      rows.every((row) => row[name] === null || row[name] === undefined)
    ) {
      throw new ClientConfigError(
        'types',
        `column ${JSON.stringify(name)} is null in every row: give its type in { types }`,
      );
    }
  }
  const quote = (name: string): string => column(name).quoted;
  const on = keys.map((key) => `T.${quote(key)} = S.${quote(key)}`).join(' AND ');
  const set = columns
    .filter((name) => !keys.includes(name))
    .map((name) => `${quote(name)} = S.${quote(name)}`)
    .join(', ');
  const list = columns.map(quote).join(', ');
  const values = columns.map((name) => `S.${quote(name)}`).join(', ');
  const structType = Object.fromEntries(
    columns.map((name) => [name, options.types?.[name] ?? inferColumnType(rows, name)]),
  );
  checkParameter(rows, [structType], 'rows', 'rows');
  // The text holds only the validated table identifier and column names; the rows travel as one
  // array-of-struct parameter.
  const statement = trustedQuery(
    `MERGE ${target.quoted} T USING UNNEST(@rows) S ON ${on}` +
      (set === '' ? '' : ` WHEN MATCHED THEN UPDATE SET ${set}`) +
      ` WHEN NOT MATCHED THEN INSERT (${list}) VALUES (${values})` +
      (deleteMissing === undefined
        ? ''
        : ` WHEN NOT MATCHED BY SOURCE AND T.${quote(deleteMissing.column)} = @slice THEN DELETE`),
    deleteMissing === undefined ? { rows } : { rows, slice: deleteMissing.value },
    deleteMissing === undefined
      ? { rows: [structType] }
      : { rows: [structType], slice: deleteMissing.type },
  );
  return runDml(statement, queryOptions);
}

function count(value: unknown): number {
  // The API sends int64 counts as strings, and leaves a zero out.
  const n = Number(value ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * Run one DML statement as a query job, wait for it, and read its `dmlStats` from the finished
 * job (jobs.get: the results page does not carry them). The statement is retried as `query()`
 * retries; reading the statistics is retried on its own, so a failed read never runs it twice.
 */
async function runDml(
  statement: SqlQuery,
  options: Omit<QueryOptions, 'maxResults'>,
): Promise<MergeRowsResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ClientConfigError(
      'timeoutMs',
      `option "timeoutMs" must be a number of milliseconds > 0 (got ${timeoutMs})`,
    );
  }
  const bigquery = options.bigquery ?? getBigQuery();
  const request: Query = {
    query: statement.text,
    parameterMode: 'named',
    queryParameters: toQueryParameters(statement.params, statement.types) as NonNullable<
      Query['queryParameters']
    >,
    jobTimeoutMs: timeoutMs,
    ...(options.labels === undefined ? {} : { labels: { ...options.labels } }),
    ...(options.location === undefined ? {} : { location: options.location }),
  };
  const policy = options.retry ?? bigqueryPolicy();
  const job = await policy.execute(async (): Promise<Job> => {
    const [created] = await bigquery.createQueryJob(request);
    await created.getQueryResults();
    return created;
  }, options.signal);
  const metadata = await policy.execute(async () => {
    const [read] = await job.getMetadata();
    return read as { statistics?: { query?: { dmlStats?: Record<string, unknown> } } };
  }, options.signal);
  const stats = metadata.statistics?.query?.dmlStats ?? {};
  return {
    insertedRows: count(stats.insertedRowCount),
    updatedRows: count(stats.updatedRowCount),
    deletedRows: count(stats.deletedRowCount),
  };
}

function inferColumnType(
  rows: ReadonlyArray<Record<string, unknown>>,
  name: string,
): BigQueryParamType {
  // The column's values typed like an array parameter: one type, INT64 widening to FLOAT64.
  const values = rows
    .map((row) => row[name])
    .filter((value) => value !== null && value !== undefined);
  const type = inferType(values, `column ${JSON.stringify(name)}`);
  const element = Array.isArray(type) ? type[0] : undefined;
  if (element === undefined) {
    throw new ClientConfigError(
      'types',
      `cannot infer the type of column ${JSON.stringify(name)}: give it in { types }`,
    );
  }
  return element;
}

/**
 * The old name of {@link MergeRowsOptions}.
 * @deprecated Use `MergeRowsOptions`; this name is removed in the next minor release.
 */
export type MergeOptions = MergeRowsOptions;
