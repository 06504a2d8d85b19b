import { createHash } from 'node:crypto';
import { BigQuery, type BigQueryOptions, type Query } from '@google-cloud/bigquery';
import { readEnv } from '@pipewell/core';
import { createRetryPolicy, type RetryPolicy } from '@pipewell/retry';
import { pooled } from './pool.js';
import { ClientConfigError, resolveProjectId } from './project.js';
import { toQueryParameters } from './query-parameters.js';
import {
  type BigQueryParamType,
  checkParameter,
  column,
  ident,
  inferType,
  isSqlQuery,
  type SqlIdentifier,
  type SqlQuery,
  trustedQuery,
} from './sql-tag.js';

export type { BigQueryParamType, SqlIdentifier, SqlQuery, TypedValue } from './sql.js';
export { column, ident, isSqlQuery, sql, typed } from './sql.js';

/** Options for {@link getBigQuery}: the SDK's options; `projectId` is resolved if absent. */
export interface GetBigQueryOptions extends BigQueryOptions {
  /**
   * The environment `BIGQUERY_EMULATOR_HOST` and the project variables are read from, so a test
   * can point one client at an emulator without touching the process's environment.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// With BIGQUERY_EMULATOR_HOST there is nobody to authenticate to.
const anonymous = { getRequestHeaders: async (): Promise<Headers> => new Headers() };

/**
 * The process's BigQuery client for a project and options, created on first use. The project
 * comes from {@link resolveProjectId} when not given. The SDK's own retries are off
 * (`autoRetry: false`) so the `bigquery` retry preset of {@link query} is the one policy in force.
 * `BIGQUERY_EMULATOR_HOST` (read from `env`, default `process.env`) is honoured, without
 * credentials.
 *
 * @example
 * ```ts
 * const bigquery = getBigQuery(); // the same instance on every call
 * const local = getBigQuery({ env: { BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:9050', GCP_PROJECT_ID: 'demo' } });
 * ```
 */
export function getBigQuery(options: GetBigQueryOptions = {}): BigQuery {
  const { env = readEnv(), ...sdkOptions } = options;
  const projectId = resolveProjectId({
    env,
    ...(sdkOptions.projectId === undefined ? {} : { projectId: sdkOptions.projectId }),
  });
  const emulator = env.BIGQUERY_EMULATOR_HOST?.trim() || undefined;
  const settings: BigQueryOptions = {
    autoRetry: false,
    ...(emulator ? { authClient: anonymous as never } : {}),
    ...sdkOptions,
    // Named every time: left out, the SDK would pick the endpoint from process.env itself.
    apiEndpoint:
      sdkOptions.apiEndpoint ??
      emulator ??
      `https://bigquery.${sdkOptions.universeDomain ?? 'googleapis.com'}`,
    projectId,
  };
  return pooled(
    'bigquery',
    { ...settings, emulator },
    () => {
      const client = new BigQuery(settings);
      // The SDK's constructor also reads process.env.BIGQUERY_EMULATOR_HOST for its base URL;
      // the injected env decides instead (an emulator's variable is the base URL, as in the SDK).
      client.baseUrl = emulator ?? `${client.apiEndpoint}/bigquery/v2`;
      return client;
    },
    async () => {},
  );
}

let defaultPolicy: RetryPolicy | undefined;
function bigqueryPolicy(): RetryPolicy {
  defaultPolicy ??= createRetryPolicy({ preset: 'bigquery' });
  return defaultPolicy;
}

/** Options for {@link query}. */
export interface QueryOptions {
  /** The client. @default getBigQuery() */
  readonly bigquery?: BigQuery;
  /**
   * The job timeout: BigQuery cancels the job after this long.
   * @default 60000
   */
  readonly timeoutMs?: number;
  /** The most rows to return (a whole number >= 1); by default, every row. */
  readonly maxResults?: number;
  /** Job labels, for cost attribution (`{ processor: 'player_game_summary' }`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The dataset location, such as `US`. */
  readonly location?: string;
  /**
   * The retry policy for transient errors (408, 429, 5xx, backendError, rateLimitExceeded).
   * @default the `bigquery` preset
   */
  readonly retry?: RetryPolicy;
  /** Stops retrying (an attempt in flight runs to its end). */
  readonly signal?: AbortSignal;
}

function requireQuery(value: unknown): SqlQuery {
  if (!isSqlQuery(value)) {
    throw new ClientConfigError(
      'query',
      'query() takes a query built with the sql`...` tag, never a string: parameters are what keep values out of the SQL',
    );
  }
  return value;
}

/**
 * Run a parameterized query and return its rows. Transient errors are retried with the
 * `bigquery` preset; an invalid query fails at once with BigQuery's own message. Jobs time out
 * after `timeoutMs` (default 60 s).
 *
 * @example
 * ```ts
 * const rows = await query<{ player_id: number; points: number }>(
 *   sql`SELECT player_id, points FROM ${ident('nba_analytics.player_game_summary')} WHERE game_id IN UNNEST(${ids})`,
 *   { labels: { processor: 'predictions' } },
 * );
 * ```
 */
export async function query<Row = Record<string, unknown>>(
  statement: SqlQuery,
  options: QueryOptions = {},
): Promise<Row[]> {
  const { text, params, types } = requireQuery(statement);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ClientConfigError(
      'timeoutMs',
      `option "timeoutMs" must be a number of milliseconds > 0 (got ${timeoutMs})`,
    );
  }
  const { maxResults } = options;
  if (maxResults !== undefined && (!Number.isSafeInteger(maxResults) || maxResults < 1)) {
    throw new ClientConfigError(
      'maxResults',
      `option "maxResults" must be a whole number of rows >= 1 (got ${maxResults})`,
    );
  }
  // The parameters go in already built (types and values in the API's own form), never as
  // `params` for the SDK to type: see toQueryParameters.
  const queryParameters = toQueryParameters(params, types);
  const bigquery = options.bigquery ?? getBigQuery();
  const request: Query = {
    query: text,
    parameterMode: 'named',
    // The SDK's type has every value a string; numbers and booleans go as JSON, as it sends them.
    queryParameters: queryParameters as NonNullable<Query['queryParameters']>,
    jobTimeoutMs: timeoutMs,
    ...(options.labels === undefined ? {} : { labels: { ...options.labels } }),
    ...(options.location === undefined ? {} : { location: options.location }),
  };
  const results = maxResults === undefined ? {} : { maxResults };
  return (options.retry ?? bigqueryPolicy()).execute(async () => {
    // A job and then its results, not bigquery.query(): its jobs.query shortcut copies a fixed
    // list of fields and would drop queryParameters without a word.
    const [job] = await bigquery.createQueryJob(request);
    const [rows] = await job.getQueryResults(results);
    return rows as Row[];
  }, options.signal);
}

/** A table: `'dataset.table'`, `'project.dataset.table'`, or an {@link ident}. */
export type TableName = string | SqlIdentifier;

function tableParts(table: TableName): {
  projectId: string | undefined;
  dataset: string;
  table: string;
  quoted: string;
} {
  const identifier = typeof table === 'string' ? ident(table) : table;
  const names = identifier.quoted.slice(1, -1).split('.');
  if (names.length < 2)
    throw new ClientConfigError('table', `table ${identifier.quoted} must be dataset.table`);
  const [a, b, c] = names as [string, string, string | undefined];
  return c === undefined
    ? { projectId: undefined, dataset: a, table: b, quoted: identifier.quoted }
    : { projectId: a, dataset: b, table: c, quoted: identifier.quoted };
}

/** A row that BigQuery refused, and why. */
export interface FailedRow<RowType> {
  /** The row's position in the `rows` given. */
  readonly index: number;
  readonly insertId: string;
  readonly row: RowType;
  readonly errors: ReadonlyArray<{
    readonly reason: string;
    readonly message: string;
    readonly location?: string;
  }>;
}

/** What {@link insertRows} did: how many rows went in, and which did not. */
export interface InsertResult<RowType> {
  readonly inserted: number;
  readonly failed: ReadonlyArray<FailedRow<RowType>>;
}

/** Options for {@link insertRows}. */
export interface InsertOptions<RowType> {
  readonly bigquery?: BigQuery;
  /**
   * The insert id of a row, so a retried request does not insert it twice.
   * @default a SHA-256 of the row's JSON (identical rows dedupe)
   */
  readonly insertIdOf?: (row: RowType, index: number) => string;
  /** Checked for every row before anything is sent; a mismatch throws naming the row. */
  readonly schema?: {
    /** Validate one row (a zod schema's method). */
    safeParse(row: unknown): {
      success: boolean;
      error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
    };
  };
  /** @default the `bigquery` preset */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

function defaultInsertId(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// insertAll takes an INT64 as a decimal string and BYTES as base64. `this` is the holder, so
// a Buffer is seen before its own toJSON turns it into {"type":"Buffer",...}.
function wireJson(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return base64(raw);
  return typeof value === 'bigint' ? value.toString() : value;
}

interface RowError {
  readonly reason?: string;
  readonly message?: string;
  readonly location?: string;
}

interface PartialFailure {
  readonly name?: string;
  /** The insertAll response, whose insertErrors carry each refused row's index. */
  readonly response?: {
    readonly insertErrors?: ReadonlyArray<{
      readonly index: number;
      readonly errors?: readonly RowError[];
    }>;
  };
}

/**
 * Stream rows into a table with insert ids (for dedupe on retry). Rows BigQuery refuses are
 * reported row by row (which row, why) while the good ones are kept: invalid rows are skipped,
 * not allowed to sink the batch. The request is retried on transient errors.
 *
 * @example
 * ```ts
 * const { inserted, failed } = await insertRows('nba_raw.box_scores', rows, { insertIdOf: (r) => `${r.game_id}:${r.player_id}` });
 * for (const f of failed) log.error({ index: f.index, errors: f.errors }, 'row refused');
 * ```
 */
export async function insertRows<RowType extends Record<string, unknown>>(
  table: TableName,
  rows: readonly RowType[],
  options: InsertOptions<RowType> = {},
): Promise<InsertResult<RowType>> {
  const target = tableParts(table);
  if (!Array.isArray(rows))
    throw new ClientConfigError('rows', `insertRows needs an array of rows (got ${typeof rows})`);
  if (rows.length === 0) return { inserted: 0, failed: [] };
  rows.forEach((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new ClientConfigError(
        'rows',
        `row ${index} must be an object (got ${row === null ? 'null' : typeof row})`,
      );
    }
    if (options.schema !== undefined) {
      const result = options.schema.safeParse(row);
      if (!result.success) {
        const issue = result.error?.issues[0];
        throw new ClientConfigError(
          'rows',
          `row ${index} does not match the schema${issue ? ` at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : ''}`,
        );
      }
    }
  });
  const entries = rows.map((row, index) => {
    // Serialized here, where a failure rejects this call: inside the SDK the same throw would
    // escape every promise and end the process.
    let json: string;
    try {
      json = JSON.stringify(row, wireJson);
    } catch (error) {
      throw new ClientConfigError(
        'rows',
        `row ${index} cannot be sent as JSON: ${(error as Error).message}`,
      );
    }
    return {
      insertId: String(
        options.insertIdOf === undefined ? defaultInsertId(json) : options.insertIdOf(row, index),
      ),
      json: JSON.parse(json) as Record<string, unknown>,
    };
  });
  if (new Set(entries.map((entry) => entry.insertId)).size !== entries.length) {
    throw new ClientConfigError(
      'rows',
      'two rows share an insert id: BigQuery would drop one as a duplicate',
    );
  }
  const bigquery = options.bigquery ?? getBigQuery();
  // The table's own project when it names one; the client's project only bills and defaults.
  const handle = bigquery
    .dataset(target.dataset, target.projectId === undefined ? {} : { projectId: target.projectId })
    .table(target.table);
  return (options.retry ?? bigqueryPolicy()).execute(async () => {
    try {
      // No partial retries by the SDK: a refused row is refused again; the caller gets the list.
      await handle.insert(entries, { raw: true, skipInvalidRows: true, partialRetries: 0 });
      return { inserted: rows.length, failed: [] };
    } catch (error) {
      const partial = error as PartialFailure;
      const insertErrors = partial.response?.insertErrors;
      if (partial.name !== 'PartialFailureError' || !Array.isArray(insertErrors)) throw error;
      const failed: FailedRow<RowType>[] = insertErrors.map(({ index, errors }) => ({
        index,
        insertId: entries[index]?.insertId ?? '',
        row: rows[index] as RowType,
        errors: (errors ?? []).map((e: RowError) => ({
          reason: e.reason ?? 'unknown',
          message: e.message ?? '',
          ...(e.location === undefined ? {} : { location: e.location }),
        })),
      }));
      return { inserted: rows.length - failed.length, failed };
    }
  }, options.signal);
}

/** Options for {@link mergeRows}. */
export interface MergeOptions extends Omit<QueryOptions, 'maxResults'> {
  /** The columns that identify a row; rows with the same key are updated, others inserted. */
  readonly keys: readonly string[];
  /**
   * Column types, needed when a column is null in every row. A `DATE` column's strings must be
   * calendar dates (`YYYY-MM-DD`); `2026-02-30` throws naming the row and column.
   */
  readonly types?: Readonly<Record<string, BigQueryParamType>>;
}

/**
 * Upsert rows by key with one `MERGE` statement (rows passed as an array-of-struct parameter):
 * running it twice leaves the table as running it once, so a retried load is safe.
 *
 * @example
 * ```ts
 * await mergeRows('nba_analytics.player_game_summary', summaries, { keys: ['game_id', 'player_id'] });
 * ```
 */
export async function mergeRows(
  table: TableName,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: MergeOptions,
): Promise<void> {
  const target = tableParts(table);
  if (!Array.isArray(rows))
    throw new ClientConfigError('rows', `mergeRows needs an array of rows (got ${typeof rows})`);
  if (rows.length === 0) return;
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
      ` WHEN NOT MATCHED THEN INSERT (${list}) VALUES (${values})`,
    { rows },
    { rows: [structType] },
  );
  const { keys: _keys, types: _types, ...queryOptions } = options;
  await query(statement, queryOptions);
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
