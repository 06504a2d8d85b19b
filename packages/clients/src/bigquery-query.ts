import type { BigQuery, Query } from '@google-cloud/bigquery';
import type { RetryPolicy } from '@pipewell/retry';
import { bigqueryPolicy, getBigQuery } from './bigquery-client.js';
import { ClientConfigError } from './project.js';
import { toQueryParameters } from './query-parameters.js';
import { isSqlQuery, type SqlQuery } from './sql-tag.js';

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
